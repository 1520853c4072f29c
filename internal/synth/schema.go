// Package synth holds the reference source schema (the host tables the
// original system had) and a deterministic generator of activity that loads
// either memstore or Postgres, for tests, examples and benchmarks.
//
// A Config (every field has a documented default) describes a dataset:
// teams, accounts, days, messages per day, the status mix, reply and answer
// ratios, contacts, campaigns and time zones. Generate streams it into a
// Sink in batches; Build returns it whole for small tests; LoadMemstore and
// LoadPostgres load it into the two stores. The same Config gives the same
// records in both, so a store's results can be checked against the other's
// and against store.ComputeMetrics.
//
// To load a large dataset by hand and see how fast it goes, run
// cmd/synthload (go run ./internal/synth/cmd/synthload -h).
package synth

import _ "embed"

// SchemaSQL creates the reference source tables (teams, whatsapp_accounts,
// contacts, conversations, messages, campaigns) in the current search_path.
// Every statement is IF NOT EXISTS. Timestamps are TIMESTAMP(3) holding UTC
// wall time, as the original system's Prisma schema had them.
//
//go:embed schema.sql
var SchemaSQL string

// InboundSenderType is the messages.sender_type value of messages sent by
// the contact; any other value (agent, bot, campaign, system) is outbound.
const InboundSenderType = "contact"
