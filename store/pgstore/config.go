package pgstore

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Config configures a Store. A nil *Config, and every zero field, means the
// default stated on the field (see WithDefaults); the defaults match the
// reference schema's tables. Every table and column
// name is an SQL identifier: it must match [A-Za-z_][A-Za-z0-9_]* and be at
// most 63 bytes long. Names are always double-quoted in SQL, so they are
// case-sensitive: "createdAt" names a column created as "createdAt".
type Config struct {
	// Schema is the schema holding the tables the store owns (snapshots, job
	// runs, migration bookkeeping) and the "SnapshotType" enum. Defaults to
	// "", which leaves those names unqualified: they resolve through the
	// connection's search_path, and Migrate creates them in its first schema
	// (current_schema()).
	Schema string

	// SnapshotTable is the snapshots table. Defaults to "analytics_snapshots".
	SnapshotTable string

	// JobRunsTable is the table in which schedulers claim (job, period) runs.
	// Defaults to "analytics_job_runs".
	JobRunsTable string

	// MigrationsTable records which of the store's migrations have been
	// applied. Defaults to "analytics_schema_migrations" (not
	// "schema_migrations", which hosts' own migration tools often use).
	MigrationsTable string

	// Source maps the host's activity tables, which the store reads and never
	// writes. Defaults to the reference schema (the table and column names
	// documented on each Source field); see Source.
	Source Source

	// Clock gives the store's now: the CreatedAt of snapshots upserted with a
	// zero CreatedAt. Defaults to analytics.SystemClock().
	Clock analytics.Clock

	// UpsertBatchSize is the number of rows per INSERT statement of
	// UpsertSnapshots; larger batches are split into several statements of
	// one transaction. Defaults to 500. Negative gives ErrInvalidArgument.
	UpsertBatchSize int

	// AggregateWorkMem is the work_mem of Aggregate's statements, set for
	// their transaction only (SET LOCAL): the sorts, hashes and window of
	// a group of teams should stay in memory. A Postgres memory size such as
	// "64MB" or "512kB". Defaults to DefaultAggregateWorkMem (64MB).
	AggregateWorkMem string

	// AggregateParallelism is how many groups of teams Aggregate aggregates
	// at once, each in its own transaction on its own connection of the
	// pool. Defaults to DefaultAggregateParallelism (2); 1 runs them one
	// after another. Negative gives ErrInvalidArgument.
	AggregateParallelism int

	// Replica, when set, is a physical streaming standby of the primary
	// (the *bun.DB given to New) on which the store reads: Aggregate,
	// ActiveContacts, Snapshots, SnapshotsOfTeams, TeamSnapshotDates,
	// Teams, Team and CheckSource. Writes (UpsertSnapshots), Migrate,
	// CreateRecommendedIndexes, IndexPlan and the job runs stay on the
	// primary. Its connections must resolve names as the primary's do (the
	// same search_path). New checks that it is a standby of the primary's
	// cluster and database that sees the source tables, and that it
	// resolves the name of each source table and of the snapshot table to
	// the primary's table (the same OID), not a same-named table of
	// another schema; see "Read replica"
	// in the package documentation for what it guarantees. A failing
	// Replica fails reads, with errors naming it; the store does not fail
	// over to the primary (remove it from the Config to read there).
	// Defaults to nil: everything on the primary. The store does not close
	// it.
	Replica *bun.DB

	// ReplicaWait bounds how long UpsertSnapshots and Migrate wait, after
	// committing, for Replica to replay the commit, and AwaitReplica for it
	// to replay the primary's commits, measured in real time (not Clock).
	// Past it, reads go to the primary until Replica has replayed them. Defaults to DefaultReplicaWait (5s); a tiny
	// value such as time.Nanosecond sends reads to the primary after every
	// write until Replica has replayed it. Negative gives
	// ErrInvalidArgument. Unused without Replica.
	ReplicaWait time.Duration

	// WorkingHours, when set, gives each team's working hours, for hosts
	// that keep them elsewhere than a column of the teams table: Teams and
	// Team call it once per team they return and put its result (nil: no
	// working hours) in analytics.Team.Hours. Its error, wrapped with the
	// team's ID, goes to that team's analytics.Team.HoursErr, and so do
	// hours that fail analytics.WorkingHours.Validate (wrapping
	// analytics.ErrCorrupt): the team is still listed, and a snapshot run
	// fails that team alone. Setting both it and
	// Source.Teams.WorkingHours gives ErrInvalidArgument. Defaults to nil:
	// hours come from Source.Teams.WorkingHours, or no team has any.
	WorkingHours func(ctx context.Context, team analytics.Team) (*analytics.WorkingHours, error)

	// Logger receives the store's warnings: today, a Replica that has not
	// replayed a write within ReplicaWait, and its catching up. Defaults
	// to a logger that discards everything.
	Logger *slog.Logger
}

// Source maps the host's tables. Every empty field takes its default. Only
// the columns listed here are read; each must exist (New checks them against
// information_schema). ID columns (IDs and the team, account, conversation
// and contact references) must be text, varchar, char, uuid, bigint,
// integer or smallint; created_at columns must be timestamp without time
// zone (read as UTC wall time) or timestamp with time zone.
//
// IDs of uuid and integer columns are their text form (col::text: for a
// uuid, 32 lower-case hex digits as 8-4-4-4-12; for an integer, its
// decimal with no '+' and no leading zeros), and the statements compare
// such columns as their own type, so that their indexes serve them. A team
// or account ID of a request that is not in that form for the type of
// Teams.ID or Accounts.ID gives an error wrapping
// analytics.ErrInvalidArgument that names the argument and the column.
// Two ID columns that refer to each other (such as Accounts.TeamID and
// Teams.ID) are compared as they are when they have the same type, as text
// when not.
type Source struct {
	// Schema is the schema of the host's tables. Defaults to "": unqualified
	// names resolved through the search_path.
	Schema string

	// Teams maps the teams table. Defaults to the defaults stated on
	// TeamsTable's fields, as for the other tables.
	Teams TeamsTable
	// Accounts maps the accounts table.
	Accounts AccountsTable
	// Messages maps the messages table.
	Messages MessagesTable
	// Conversations maps the conversations table.
	Conversations ConversationsTable
	// Contacts maps the contacts table.
	Contacts ContactsTable
	// Campaigns maps the campaigns table.
	Campaigns CampaignsTable
}

// TeamsTable maps the host's teams.
type TeamsTable struct {
	// Table defaults to "teams".
	Table string
	// ID defaults to "id".
	ID string
	// TimeZone holds the team's IANA zone name; NULL or empty means
	// DefaultTimeZone. Defaults to "timezone". "-" says the table has no
	// such column: every team is in DefaultTimeZone.
	TimeZone string
	// DefaultTimeZone is the IANA zone name of the teams whose TimeZone
	// column is NULL or empty, and of every team when TimeZone is "-".
	// Defaults to "", which analytics reads as UTC. New checks it with
	// time.LoadLocation and gives ErrInvalidArgument for a zone it does
	// not know.
	DefaultTimeZone string
	// WorkingHours is a json, jsonb or text column holding the team's
	// working hours in the JSON form of analytics.WorkingHours, such as
	// {"mon": ["09:00-17:30"], "closed": ["2026-12-25"]}. NULL, '' and
	// JSON null mean no working hours; a value that does not parse gives
	// the team an analytics.Team.HoursErr wrapping analytics.ErrCorrupt
	// that names it (the team is still listed; a snapshot run fails that
	// team alone). Defaults to "" (or "-"): the table has no such
	// column, and teams have working hours only through
	// Config.WorkingHours.
	WorkingHours string
}

// AccountsTable maps the host's WhatsApp Business accounts.
type AccountsTable struct {
	// Table defaults to "whatsapp_accounts".
	Table string
	// ID defaults to "id".
	ID string
	// TeamID defaults to "team_id".
	TeamID string
}

// MessagesTable maps the host's messages. A message's status counts as sent
// when it is one of SentStatuses, DeliveredStatuses or ReadStatuses, as
// delivered when it is one of DeliveredStatuses or ReadStatuses, as read
// when it is one of ReadStatuses, and as failed when it is one of
// FailedStatuses; the four lists must not share a value. Statuses are
// compared as text, so enum columns work. New checks the values of enum
// columns against their labels and, once the table has been analyzed,
// those of text columns against the planner's statistics: a value absent
// while its near match is present, InboundSenderTypes matching no value,
// and the sent, delivered and read statuses together matching no value
// are errors (see the package documentation).
type MessagesTable struct {
	// Table defaults to "messages".
	Table string
	// ID defaults to "id"; with CreatedAt it orders a conversation's messages.
	ID string
	// TeamID defaults to "team_id". It must be empty (or "-") when
	// TeamVia is set.
	TeamID string
	// TeamVia, for a table with no team column, says how a message reaches
	// its team: TeamViaAccount (through AccountID) or TeamViaConversation
	// (through ConversationID). Defaults to TeamViaColumn (TeamID). A
	// message that reaches no team (no account, or no conversation) is
	// never counted.
	TeamVia TeamVia
	// AccountID defaults to "account_id"; NULL means no account.
	AccountID string
	// ConversationID defaults to "conversation_id"; NULL or '' means none.
	ConversationID string
	// Status defaults to "status".
	Status string
	// SenderType defaults to "sender_type".
	SenderType string
	// CreatedAt defaults to "created_at".
	CreatedAt string
	// CampaignID is the campaign a message was sent for (an ID column;
	// NULL or '' means none), which campaign funnels read
	// (Store.CampaignFunnels). Defaults to "": not mapped, and
	// CampaignFunnels then fails with an error naming this field; set it,
	// say, to "campaign_id" or Prisma's "campaignId".
	CampaignID string

	// SentStatuses defaults to ["sent"].
	SentStatuses []string
	// DeliveredStatuses defaults to ["delivered"].
	DeliveredStatuses []string
	// ReadStatuses defaults to ["read"].
	ReadStatuses []string
	// FailedStatuses defaults to ["failed"].
	FailedStatuses []string
	// InboundSenderTypes are the SenderType values of messages the contact
	// sent; every other value, and NULL, is outbound. Defaults to ["contact"].
	InboundSenderTypes []string

	// IgnoredStatuses are statuses that count towards Total only and are
	// not unmapped (analytics.MessageMetrics.Unmapped), such as pending or
	// queued. A message whose status (or NULL) is in none of the five
	// lists counts as unmapped. Defaults to DefaultIgnoredStatuses; New
	// checks it against an enum column's labels only when it is set.
	IgnoredStatuses []string
	// OutboundSenderTypes, when set, are the SenderType values of messages
	// sent by the business: a message whose sender type (or NULL) is in
	// neither this list nor InboundSenderTypes still counts as outbound,
	// and also as unmapped. Empty (the default) makes every value outside
	// InboundSenderTypes outbound, none unmapped.
	OutboundSenderTypes []string
}

// DefaultIgnoredStatuses is the default MessagesTable.IgnoredStatuses.
var DefaultIgnoredStatuses = []string{"pending", "queued", "received"}

// ConversationsTable maps the host's conversations.
type ConversationsTable struct {
	// Table defaults to "conversations".
	Table string
	// ID defaults to "id". IDs must be unique within a team, and across
	// teams when Messages.TeamVia is TeamViaConversation.
	ID string
	// TeamID defaults to "team_id". It must be empty (or "-") when
	// TeamVia is set.
	TeamID string
	// TeamVia, for a table with no team column, says how a conversation
	// reaches its team: TeamViaAccount (through AccountID). Defaults to
	// TeamViaColumn (TeamID). A conversation with no account never counts,
	// nor do the contacts it would give an account scope.
	TeamVia TeamVia
	// AccountID defaults to "account_id".
	AccountID string
	// ContactID defaults to "contact_id"; NULL or '' means none.
	ContactID string
	// Status defaults to "status".
	Status string
	// CreatedAt defaults to "created_at".
	CreatedAt string

	// OpenStatuses defaults to ["open"].
	OpenStatuses []string
	// ClosedStatuses defaults to ["closed"].
	ClosedStatuses []string
}

// ContactsTable maps the host's contacts.
type ContactsTable struct {
	// Table defaults to "contacts".
	Table string
	// ID defaults to "id".
	ID string
	// TeamID defaults to "team_id". It must be empty (or "-") when
	// TeamVia is set.
	TeamID string
	// TeamVia, for a table with no team column, says how a contact reaches
	// its team: TeamViaAccount (through AccountID). Defaults to
	// TeamViaColumn (TeamID). A contact with no account is never counted.
	TeamVia TeamVia
	// AccountID is the contact's account, read only when TeamVia is
	// TeamViaAccount. Defaults to "account_id" then, and is left empty
	// otherwise.
	AccountID string
	// CreatedAt defaults to "created_at".
	CreatedAt string
	// Blocked is a boolean column; NULL counts as not blocked. Defaults to
	// "is_blocked". With BlockedValues, it may be a column of any type
	// (such as an enum or text status).
	Blocked string
	// BlockedValues, when not empty, are the values of the Blocked column
	// (compared as text, so enum labels work) that mean blocked; every
	// other value, and NULL, is not blocked. Defaults to none: Blocked is
	// then a boolean.
	BlockedValues []string
	// EngagementScore is a numeric column read as double precision; NULL
	// and NaN count as 0. Defaults to "engagement_score".
	EngagementScore string
}

// CampaignsTable maps the host's campaigns. Counter columns are integers;
// NULL counts as 0.
type CampaignsTable struct {
	// Table defaults to "campaigns".
	Table string
	// ID defaults to "id". Only campaign funnels read it, so New checks it
	// only when Messages.CampaignID is set. IDs must be unique within a
	// team.
	ID string
	// TeamID defaults to "team_id". It must be empty (or "-") when
	// TeamVia is set.
	TeamID string
	// TeamVia, for a table with no team column, says how a campaign
	// reaches its team: TeamViaAccount (through AccountID). Defaults to
	// TeamViaColumn (TeamID). A campaign with no account is never counted.
	TeamVia TeamVia
	// AccountID defaults to "account_id".
	AccountID string
	// Status defaults to "status".
	Status string
	// TotalRecipients defaults to "total_recipients".
	TotalRecipients string
	// MessagesSent defaults to "messages_sent".
	MessagesSent string
	// MessagesDelivered defaults to "messages_delivered".
	MessagesDelivered string
	// MessagesRead defaults to "messages_read".
	MessagesRead string
	// CreatedAt defaults to "created_at".
	CreatedAt string

	// RunningStatuses defaults to ["Running"].
	RunningStatuses []string
	// CompletedStatuses defaults to ["Completed"].
	CompletedStatuses []string
	// FailedStatuses defaults to ["Failed"].
	FailedStatuses []string
}

// DefaultUpsertBatchSize is the default Config.UpsertBatchSize.
const DefaultUpsertBatchSize = 500

// Defaults of the aggregation settings of Config.
const (
	DefaultAggregateWorkMem     = "64MB"
	DefaultAggregateParallelism = 2
)

var workMemRE = regexp.MustCompile(`^[1-9][0-9]{0,8}(kB|MB|GB)$`)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxIdentLen is Postgres's NAMEDATALEN-1.
const maxIdentLen = 63

// quoteIdent double-quotes a validated identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// qualify returns the quoted, optionally schema-qualified name.
func qualify(schema, name string) string {
	if schema == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings).
func quoteLiteral(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func defList(p *[]string, v ...string) {
	if len(*p) == 0 {
		*p = v
	}
}

// WithDefaults returns a copy of c with every zero field set to its
// default, Source included; the copy shares no slice with c. A nil c
// gives every default. It does not validate: New, Migrations and
// MigrationSQL report every problem of the result at once in a
// *SourceError.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	def(&out.SnapshotTable, "analytics_snapshots")
	def(&out.JobRunsTable, "analytics_job_runs")
	def(&out.MigrationsTable, "analytics_schema_migrations")
	if out.Clock == nil {
		out.Clock = analytics.SystemClock()
	}
	if out.UpsertBatchSize == 0 {
		out.UpsertBatchSize = DefaultUpsertBatchSize
	}
	def(&out.AggregateWorkMem, DefaultAggregateWorkMem)
	if out.AggregateParallelism == 0 {
		out.AggregateParallelism = DefaultAggregateParallelism
	}
	if out.ReplicaWait == 0 {
		out.ReplicaWait = DefaultReplicaWait
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	out.Source = out.Source.withDefaults()
	return &out
}

// withDefaults returns a copy of s, sharing no slice with it, with every
// zero field set to its default.
func (s Source) withDefaults() Source {
	s.Teams = s.Teams.withDefaults()
	s.Accounts = s.Accounts.withDefaults()
	s.Messages = s.Messages.withDefaults()
	s.Conversations = s.Conversations.withDefaults()
	s.Contacts = s.Contacts.withDefaults()
	s.Campaigns = s.Campaigns.withDefaults()
	return s
}

// defTeamID sets the default of the TeamID of a table reaching its team
// via via: "team_id" for its own column, else noColumn.
func defTeamID(teamID *string, via TeamVia) {
	if via != TeamViaColumn {
		def(teamID, noColumn)
	}
	def(teamID, "team_id")
}

func (t TeamsTable) withDefaults() TeamsTable {
	def(&t.Table, "teams")
	def(&t.ID, "id")
	def(&t.TimeZone, "timezone")
	return t
}

func (t AccountsTable) withDefaults() AccountsTable {
	def(&t.Table, "whatsapp_accounts")
	def(&t.ID, "id")
	def(&t.TeamID, "team_id")
	return t
}

func (m MessagesTable) withDefaults() MessagesTable {
	def(&m.Table, "messages")
	def(&m.ID, "id")
	defTeamID(&m.TeamID, m.TeamVia)
	def(&m.AccountID, "account_id")
	def(&m.ConversationID, "conversation_id")
	def(&m.Status, "status")
	def(&m.SenderType, "sender_type")
	def(&m.CreatedAt, "created_at")
	for _, l := range []*[]string{&m.SentStatuses, &m.DeliveredStatuses, &m.ReadStatuses, &m.FailedStatuses,
		&m.InboundSenderTypes, &m.IgnoredStatuses, &m.OutboundSenderTypes} {
		*l = slices.Clone(*l)
	}
	defList(&m.SentStatuses, store.StatusSent)
	defList(&m.DeliveredStatuses, store.StatusDelivered)
	defList(&m.ReadStatuses, store.StatusRead)
	defList(&m.FailedStatuses, store.StatusFailed)
	defList(&m.InboundSenderTypes, "contact")
	defaultIgnored(&m)
	return m
}

func (t ConversationsTable) withDefaults() ConversationsTable {
	def(&t.Table, "conversations")
	def(&t.ID, "id")
	defTeamID(&t.TeamID, t.TeamVia)
	def(&t.AccountID, "account_id")
	def(&t.ContactID, "contact_id")
	def(&t.Status, "status")
	def(&t.CreatedAt, "created_at")
	t.OpenStatuses, t.ClosedStatuses = slices.Clone(t.OpenStatuses), slices.Clone(t.ClosedStatuses)
	defList(&t.OpenStatuses, store.ConversationOpen)
	defList(&t.ClosedStatuses, store.ConversationClosed)
	return t
}

func (t ContactsTable) withDefaults() ContactsTable {
	def(&t.Table, "contacts")
	def(&t.ID, "id")
	defTeamID(&t.TeamID, t.TeamVia)
	if t.TeamVia == TeamViaAccount {
		def(&t.AccountID, "account_id")
	}
	def(&t.CreatedAt, "created_at")
	def(&t.Blocked, "is_blocked")
	t.BlockedValues = slices.Clone(t.BlockedValues)
	def(&t.EngagementScore, "engagement_score")
	return t
}

func (t CampaignsTable) withDefaults() CampaignsTable {
	def(&t.Table, "campaigns")
	def(&t.ID, "id")
	defTeamID(&t.TeamID, t.TeamVia)
	def(&t.AccountID, "account_id")
	def(&t.Status, "status")
	def(&t.TotalRecipients, "total_recipients")
	def(&t.MessagesSent, "messages_sent")
	def(&t.MessagesDelivered, "messages_delivered")
	def(&t.MessagesRead, "messages_read")
	def(&t.CreatedAt, "created_at")
	t.RunningStatuses = slices.Clone(t.RunningStatuses)
	t.CompletedStatuses = slices.Clone(t.CompletedStatuses)
	t.FailedStatuses = slices.Clone(t.FailedStatuses)
	defList(&t.RunningStatuses, store.CampaignRunning)
	defList(&t.CompletedStatuses, store.CampaignCompleted)
	defList(&t.FailedStatuses, store.CampaignFailed)
	return t
}
