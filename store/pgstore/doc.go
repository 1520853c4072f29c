// Package pgstore is the production analytics.Store on Postgres 15 or later,
// through Bun (github.com/uptrace/bun with dialect/pgdialect). It reads the
// host's own activity tables, which it never writes, and keeps the
// snapshots in a table of its own.
//
// # Use
//
//	sqldb := sql.OpenDB(stdlib.GetConnector(*pgxConfig)) // or Bun's pgdriver
//	db := bun.NewDB(sqldb, pgdialect.New())
//	st, err := pgstore.New(ctx, db, nil) // nil: the reference schema's names
//	if err != nil { … }
//	if err := st.Migrate(ctx); err != nil { … }
//
// New checks the source mapping (Config.Source) against the database and
// returns an error wrapping analytics.ErrInvalidArgument that names the
// Config field, table and column of every mismatch (see "Checking the
// mapping"). Every identifier is
// validated and double-quoted; every value is a placeholder, which Bun
// fills client-side with its own escaping. Results never depend on the
// session's TimeZone: timestamp columns without time zone are read as UTC
// wall time, columns with time zone as instants.
//
// # Checking the mapping
//
// A mapping that matches nothing would give zeros, so the store checks it
// three ways:
//
//   - New reports every problem at once in a *SourceError: the
//     configuration's own (a name that is not an identifier, an unknown
//     DefaultTimeZone, TeamVia with TeamID, a value in two lists, a
//     negative setting), then missing tables and columns, columns of the
//     wrong type, and configured values of an enum column that are not
//     among its labels (pg_enum), naming the value, the table and column
//     and the labels it could have been. A problem of the configuration
//     does not hide those of the database: New skips only the names that
//     are not identifiers. Names and values are compared in normalized
//     form (lower case, no underscores or hyphens) for a near match, which
//     the error suggests: a missing "sender_type" where "senderType"
//     exists, a value 'sent' where the enum has 'SENT', a table "messages"
//     where "Message" exists. A missing team column of a table with an
//     account (or, for messages, a conversation) column suggests TeamVia,
//     a missing zone column TimeZone "-", and a Blocked column that is not
//     boolean (its type and enum labels named) BlockedValues.
//     IgnoredStatuses is checked only when set, as its defaults name
//     values a host may not have.
//   - For status, sender-type and blocked columns that are text rather
//     than enums, New reads the planner's statistics (pg_stats: the most
//     common values and their shares, and the share of NULLs), never the
//     tables. When the table has been analyzed and those values cover the
//     column (with the NULLs, at least 99.9% of its rows), they are every
//     value it had at that ANALYZE, and New reports a configured value
//     that is not among them while its near match is ('sent' where the
//     column has 'SENT'), InboundSenderTypes matching none of them, and
//     SentStatuses, DeliveredStatuses and ReadStatuses together matching
//     none of them (a messages table with no inbound message, or none
//     sent, is not plausible); a list that matches nothing otherwise, such
//     as FailedStatuses on a host with no failure yet, is not an error. A
//     table never analyzed (autovacuum analyzes tables as they fill), or a
//     column with too many distinct values, is not checked: CheckSource is
//     the exact check.
//   - Store.CheckSource reads the data of the status and sender-type
//     columns and reports, per column, the values no list covers (with
//     row counts, the CheckSourceLimit most frequent) and the configured
//     values no row has: the check for text columns, whose values only the
//     data shows. It scans each table (see its cost there).
//   - Every aggregation counts, per scope, the messages of the period
//     whose status is in none of SentStatuses, DeliveredStatuses,
//     ReadStatuses, FailedStatuses and IgnoredStatuses (NULL included),
//     or, when OutboundSenderTypes is set, whose sender type is in neither
//     it nor InboundSenderTypes: analytics.MessageMetrics.Unmapped. Such a
//     message still counts in total and, by its sender type, as inbound or
//     outbound. IgnoredStatuses defaults to DefaultIgnoredStatuses
//     (pending, queued, received: known statuses that count in total
//     only), less any the host put in a status list. With
//     OutboundSenderTypes empty (the default) every sender type outside
//     InboundSenderTypes is outbound, and none is
//     unmapped; set it to have a misspelt or new sender type counted.
//     The count is kept in snapshots (JSON "unmapped" and the compact
//     encoding) and adds up in roll-ups.
//
// ProposeSource proposes a whole Source from the catalog, matching table
// and column names in normalized form (Team, WhatsappAccount, createdAt,
// …) and enum labels by name (SENT, DELIVERED, READ, FAILED, PENDING,
// CONTACT, AGENT, OPEN, RUNNING, …), with the shapes the tables call for
// (TeamVia for a table with an account column but no team column,
// TimeZone "-" for teams without a zone column, BlockedValues for
// contacts blocked by a status label) and notes on each such choice, on
// every status it put in IgnoredStatuses, on every value it assigned by a
// synonym (EXPIRED as failed, CONTACT as inbound), and on what it could
// not decide. For a text status or sender-type column it takes the values
// from the planner's statistics once the table is analyzed (a sample:
// check them with Store.CheckSource). Source.GoString prints it as a
// pgstore.Source literal to review and paste. The tests check that New
// accepts the proposal as it stands for testdata/prisma.sql and
// testdata/prisma_uuid.sql; for any other schema, review the notes
// first: a value in no list, a text column without statistics or a list
// left empty can make New reject the proposal, or count rows as unmapped.
//
// # Tables
//
// Migrate applies embedded migrations (migrations/*.sql) in one
// transaction under a transaction-level advisory lock, so it is safe to run
// twice, or from many replicas at once. It records what it applied in
// Config.MigrationsTable. Hosts with their own migration tool take the same
// SQL from Migrations or MigrationSQL instead. The migrations create:
//
//   - the "SnapshotType" enum ('Daily', 'Weekly', 'Monthly');
//   - the snapshots table (Config.SnapshotTable) exactly as the original
//     system had it (id TEXT primary key; team_id TEXT NOT NULL referencing
//     the teams table ON DELETE CASCADE; whatsapp_account_id TEXT, NULL for
//     team-wide rows; date DATE; snapshot_type; metrics JSONB; created_at
//     TIMESTAMP(3), written by the store as UTC wall time) but with
//     UNIQUE NULLS NOT DISTINCT (team_id, whatsapp_account_id, date,
//     snapshot_type), so that team-wide rows are unique too, and indexes on
//     (team_id, snapshot_type, date) and (whatsapp_account_id,
//     snapshot_type, date);
//   - two nullable columns of the snapshots table that roll-ups read
//     (migration 3): active_sketch, the sketch of the snapshot's active
//     contacts (analytics.DistinctSketch's binary encoding), and
//     metrics_compact, its counts in analytics' compact binary encoding
//     (store.AppendMetricsBinary); the metrics JSON stays the
//     canonical format. A trigger clears both when a row's metrics are
//     replaced without them (by the original system, or any writer that
//     does not fill them), so that they never disagree with the JSON;
//   - the job-runs table (Config.JobRunsTable) in which schedulers claim a
//     (job, period_start) pair through scheduler.JobRunStore, which Store
//     implements: one INSERT … ON CONFLICT DO UPDATE … WHERE statement per
//     claim, so that of many replicas exactly one wins.
//
// On a database where the original system already made the snapshots table,
// with its NULLs-distinct unique constraint or index (whatever its name),
// the first migration adopts it: of every set of team-wide rows sharing a
// key it keeps the newest (latest created_at, NULL oldest, then greatest
// id in byte order) and deletes the others, drops the old key, and adds the
// new one. No other row is touched. The foreign key to the teams table is
// added only when the teams are a table (not a view) whose ID column is
// text, varchar or char, and no foreign key from the snapshots table to it
// exists yet; with a uuid or integer team ID (which a TEXT column cannot
// reference) or a view, the snapshots of a deleted team stay until the host
// deletes them.
//
// # Aggregation
//
// Aggregate groups the request's items by their period's (start, end)
// instants, so that teams whose zones share local midnight share a group,
// and runs four statements per group, whatever the number of teams and
// accounts: a scan of the messages and conversations, a lookup of older
// conversations, contacts, and campaigns. Each reads the group's teams at
// once (team_id = ANY(array)); the campaigns statement computes the
// team-wide and every per-account scope together with GROUPING SETS
// ((team_id), (team_id, account_id)), and the contacts statement computes
// them in a lateral subquery per team of the group, which keeps its hash
// tables the size of one team's rows, when the contacts and conversations
// tables have team columns and each has an index led by it (a primary key
// (team_id, id), or the recommended (team_id, created_at)): New and
// CreateRecommendedIndexes check; without one, a subquery per team would
// scan the table once per team, so the statement reads the group's rows in
// one pass instead. A group's statements
// run in one read-only REPEATABLE READ transaction, so they see one
// snapshot of the data, with work_mem set for the transaction
// (Config.AggregateWorkMem), JIT off and no parallel workers per
// statement; Config.AggregateParallelism
// groups run at once on their own connections, and a period shared by
// many teams is split by teams to keep those connections busy. Scopes with
// no rows get zero metrics.
//
// The message and conversation metrics are computed in Go. The scan
// statement reads, in no particular order and with neither sort nor join,
// one narrow row per message of the scan range [start−W, end+2W) (W being
// the reply window) that has a conversation or is in the period: its team,
// conversation, ID, account, time in µs and a few flags (inbound, in the
// period, status counted as sent, delivered, read or failed), and one row
// per conversation created in the scan range (contact, account, creation,
// status). Go groups the messages by (team, conversation), orders each
// conversation's few messages by (created_at, ID in byte order) and walks
// them with store.Walk and store.FirstResponse, as store.ComputeMetrics
// does: they read a message's successor, its predecessor, its next
// outbound message, and a conversation's first inbound message since its
// creation. The range suffices: a message of the
// period needs its predecessor only when it is within W before it (so from
// start−W), its successor and next outbound message only within W after it
// (so until end+W), and a conversation created in the period needs its
// first inbound message within W of its creation and that message's answer
// within W more (so until end+2W). A contiguous slice of a conversation's
// order gives each message in it its true neighbour whenever the neighbour
// is close enough to matter; for the same reason the messages from end+W
// on are read only for conversations created in the period (found by a
// hashed subquery on the conversations' (team_id, created_at) index), as
// no other conversation needs them. The lookup statement then reads, by the
// (team_id, id) index, the contacts of the active conversations (with a
// message in the period) created outside the scan range; it runs even when
// there are none, so that the number of statements does not depend on the
// data. The rows are ordered in Go because sorting and windowing every
// active conversation in Postgres costs more than reading the rows and
// ordering them in Go. The results equal store.ComputeMetrics over the
// same rows; the tests cross-check them on random data in several zones,
// under odd session time zones, with linguistic collations and with
// timestamptz sources holding microseconds.
//
// With AggregateRequest.Sketches, the contacts counted as active in each
// scope (from the same scan) also give that scope's sketch.
//
// Business times (AggregateRequest.WorkingHours; see Business hours in the
// analytics package documentation) add no statement. The working hours
// come from the teams table (TeamsTable.WorkingHours, a json, jsonb or
// text column in WorkingHours' JSON form) or from Config.WorkingHours,
// and Teams and Team return them. For each team with working hours, a
// group computes once the open instants of the scan range in the zone of
// the team's items (analytics.WorkingHours.Open, a few time.Date calls per
// local day) with their running sums; each answered turn then costs two
// binary searches. Teams without working hours cost nothing more. Items of
// one team whose periods have the same instants but start in different
// zones are aggregated in groups of their own, since the hours are read in
// the zone of each item.
//
// ActiveContacts (analytics.ActiveContactsCounter) counts contacts.active
// alone, with one statement per group that reads the period's messages once
// and sorts none of them, and StreamSnapshotsOfTeams
// (analytics.SnapshotStreamer) reads the daily snapshots of a batch of
// teams with one statement per part of the batch
// (Config.AggregateParallelism parts at once), from their compact columns
// (the JSON only for rows without them), decoding each row as it comes
// and handing it on, so that a roll-up's memory does not grow with its
// days (SnapshotsOfTeams, analytics.SnapshotRangeReader, decodes the same
// rows in place into one slice): with them
// a Snapshotter rolls weekly and monthly snapshots up from daily ones,
// counting active contacts from the dailies' sketches, and with
// ActiveContacts only for periods with a day that has none.
//
// IDs are compared and ordered in byte order (COLLATE "C"), as Go compares
// strings, whatever the columns' collation. Conversation and contact IDs
// are matched within their team, so hosts may reuse them across teams.
//
// # Campaign funnels
//
// CampaignFunnels needs the messages' campaign column
// (Source.Messages.CampaignID, not mapped by default; ProposeSource
// proposes a column named like campaignId). It answers a page of a team's
// campaigns in one statement, whatever their number: the page of the
// campaigns table in byte order of IDs, the team's messages that carry
// their references (by the (team_id, campaign_id) index of
// RecommendedIndexes), and, for replies, the messages of those messages'
// conversations from the earliest of them on, each with its successor in
// (created_at, id) order from a window function (lead), which must be
// inbound and within the reply window. A campaign's status is read as
// "Running", "Completed" or "Failed" when Source.Campaigns' lists have it.
//
// # Shapes of the host's tables
//
// Source maps tables of these shapes too:
//
//   - ID columns (IDs and references to teams, accounts, conversations and
//     contacts) of type uuid, bigint, integer or smallint as well as text.
//     The API's IDs stay strings: a uuid or integer ID is its column's text
//     form (a uuid as 32 lower-case hex digits in 8-4-4-4-12 groups, an
//     integer in decimal with no '+' and no leading zeros). The statements
//     compare each team column with the request's teams cast to the
//     column's own type (team_id = ANY($1::uuid[])), so that its index
//     serves them. A team or account ID of a request (Aggregate,
//     ActiveContacts, Team) that is not in that form for the type of
//     Teams.ID or Accounts.ID gives an error wrapping
//     analytics.ErrInvalidArgument that names the argument, the type and
//     the column, never a Postgres error; Teams' after may be any string.
//   - Teams without a time-zone column: Source.Teams.TimeZone "-" puts
//     every team in Source.Teams.DefaultTimeZone, which also fills in
//     NULL or empty zones of a zone column. New checks it with
//     time.LoadLocation. It defaults to "", which analytics reads as UTC.
//   - Messages, conversations, contacts or campaigns without a team
//     column (TeamID "-" or empty, with TeamVia): their rows reach their
//     team through their account (TeamViaAccount: Source.Accounts by the
//     row's account ID; contacts then need Contacts.AccountID) or, for
//     messages, through their conversation (TeamViaConversation, which
//     needs conversation IDs unique across teams; the conversation may
//     itself reach its team through its account). The statements read such
//     a table as a subquery joining it to the accounts or conversations,
//     which Postgres flattens into the statement: the number of statements
//     and the results are those of the team-column shape over the rows
//     that reach a team. A table reached through its account is read by
//     the accounts of the group's teams (account_id = ANY of an array
//     computed once per statement), so that an index on (account_id,
//     created_at) serves it; one reached through its conversation is read
//     by creation time, for every team, and joined. A row that reaches none (no account, no
//     conversation, or one that does not exist) is never counted, where
//     with a team column it would count team-wide; CheckSource counts
//     them per table (ColumnCheck.Unreached).
//   - Blocked contacts as values of an enum or text column:
//     Source.Contacts.BlockedValues (such as ["BLOCKED"]) lists the values
//     of the Blocked column, compared as text, that mean blocked. Without
//     it, Blocked is a boolean column.
//   - Sources that are views (or foreign tables): they cannot have
//     indexes, so RecommendedIndexes marks their indexes with Index.Skip,
//     giving the reason, and CreateRecommendedIndexes leaves them out.
//
// # Indexes on the host's tables
//
// The statements are written for these indexes, which RecommendedIndexes
// lists and CreateRecommendedIndexes creates (CREATE INDEX IF NOT EXISTS;
// Index.Concurrently gives the CREATE INDEX CONCURRENTLY form for busy
// databases, to run outside a transaction):
//
//	messages (team_id, created_at)
//	conversations (team_id, created_at)
//	contacts (team_id, created_at)
//	campaigns (team_id, created_at)
//	whatsapp_accounts (team_id)
//	teams ((id::text COLLATE "C"))
//
// plus a unique index on the conversations' (team_id, id), such as the
// reference schema's primary key, for looking up a message's conversation.
// A table with a TeamVia has no team_id: its index is on (account_id,
// created_at) when it reaches its team through its account, on
// (created_at) alone through its conversation, and the accounts' and
// conversations' primary keys serve its join. An index on a view or a
// foreign table is skipped (Index.Skip). CREATE INDEX IF NOT EXISTS
// compares names only, so CreateRecommendedIndexes follows IndexPlan,
// which also skips (naming it) an index that a valid, non-partial btree
// index of the table under another name already serves with the same
// leading key columns, such as one Prisma made for @@index([teamId,
// createdAt]).
//
// On a partitioned table, where Postgres refuses CREATE INDEX
// CONCURRENTLY, IndexPlan lists the partitions an index still lacks
// (Index.Partitions) and Index.Statements builds it partition by
// partition, attaching each to an index made ON ONLY the parent; see
// docs/postgres.md.
//
// # Snapshots
//
// UpsertSnapshots writes a batch in one transaction as INSERT … SELECT …
// ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type) DO
// UPDATE statements of Config.UpsertBatchSize rows, each passing its rows
// as parallel arrays (the metrics as one JSON array): all or nothing, with
// each snapshot's sketch and compact counts beside its metrics. Snapshots reads
// through the indexes and decodes with store.DecodeMetrics (it reads
// neither of the roll-up columns); a row it cannot decode gives ErrCorrupt
// naming its id.
//
// # Read replica
//
// Config.Replica is a physical streaming standby of the primary, a hot
// standby such as pg_basebackup -R makes and managed services' read
// replicas are; New refuses anything else (a primary, a logical replica, a
// standby of another cluster or connected to another database), and a
// standby whose connections resolve a source table's or the snapshot
// table's name to another table than the primary's (another search_path
// finding a same-named table of another schema). The store
// reads on it: Aggregate, ActiveContacts, Snapshots, SnapshotsOfTeams,
// StreamSnapshotsOfTeams, TeamSnapshotDates, Teams, Team and CheckSource. It writes on the
// primary: UpsertSnapshots, Migrate, CreateRecommendedIndexes and the job
// runs (claims read and write in one statement, so JobRuns stays beside
// them); IndexPlan reads the primary's catalog, where
// CreateRecommendedIndexes works.
//
// The rule: a Store never reads snapshots older than those it has
// written. After UpsertSnapshots (or Migrate) commits, the store reads
// the primary's WAL position (pg_current_wal_insert_lsn(), past the
// commit's record) and asks the standby every 10 ms whether
// pg_last_wal_replay_lsn() has reached it, for at most Config.ReplicaWait (5 s by default). So when
// UpsertSnapshots returns, and the Service invalidates the batch's teams
// and warms their dashboards, the standby has the rows: every process's
// reads after the invalidation see them. When the bound passes first,
// UpsertSnapshots still returns nil; the store logs a warning
// (Config.Logger), counts it (ReplicaStats.TimedOut) and reads on the
// primary until the standby has replayed that position, which a read asks
// the standby at most every ReplicaRecheck (100 ms). A context that ends
// during the wait ends it with an error wrapping the context's error; the
// snapshots are committed, and reads go to the primary as after a timeout.
//
// Past the bound, the guarantee is this process's: another process's
// Store does not know of the write, and a read of it that misses the cache
// (the Service invalidated it) reads the lagging standby and can see the
// snapshots as they were before the run, or none, and cache that for the
// TTL of its tier. Set ReplicaWait above the lag the standby is allowed
// (and alerted on), and watch ReplicaStats.TimedOut.
//
// Activity is read as of the standby's replay too, so the Service waits
// for the standby where it matters (Store.AwaitReplica: the primary's WAL
// insert position, pg_current_wal_insert_lsn(), replayed within
// Config.ReplicaWait, else reads on the primary until it is, as after a
// write):
//
//   - Snapshot completeness: a run sees everything committed on the
//     primary before it started. Snapshotter.Generate, GenerateAll and Run
//     (so every scheduled run and TriggerJob) call AwaitReplica once at
//     their start, so late rows committed just before a run are in its
//     snapshots.
//   - InvalidateTeam: Service.InvalidateTeam calls AwaitReplica before it
//     invalidates, so the reads after it (and the values they cache) see
//     every commit made on the primary before the call. The host's writes
//     must have committed before it calls InvalidateTeam. Commits made
//     with synchronous_commit off are covered too.
//   - New teams: Team reads a team the standby does not have yet on the
//     primary before returning ErrNotFound, so a team the host has just
//     inserted is found.
//
// Without InvalidateTeam, a real-time read lags by the standby's lag.
// Long aggregations on a standby can be canceled by the replay of
// conflicting changes; set hot_standby_feedback on, or
// max_standby_streaming_delay above the longest aggregation. A session with synchronous_commit off commits the
// store's writes with it 'local', so that the WAL position read after the
// commit covers it.
//
// A failing standby fails reads: an error of a read on it names
// Config.Replica (for example "pgstore: reading team on Config.Replica:
// sql: database is closed"), and the store does not fail over to the
// primary on errors. To read on the primary, remove Replica from the
// Config and make a new Store.
package pgstore
