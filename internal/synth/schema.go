// Package synth holds the reference source schema (the host tables the
// original system had) and a deterministic generator of activity that loads
// either memstore or Postgres, for tests, examples and benchmarks.
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
