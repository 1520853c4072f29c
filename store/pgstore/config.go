package pgstore

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Config configures a Store. The zero value (or a nil *Config) gives the
// defaults, which match the original system's tables. Every table and column
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
	// writes. Defaults to the reference schema (internal/synth/schema.sql);
	// see Source.
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

	Teams         TeamsTable
	Accounts      AccountsTable
	Messages      MessagesTable
	Conversations ConversationsTable
	Contacts      ContactsTable
	Campaigns     CampaignsTable
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
	// TeamViaAccount; it then defaults to "account_id".
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

// withDefaults returns a copy of cfg with every default filled in and every
// field checked: a *SourceError listing every problem of the
// configuration (see resolve).
func (cfg *Config) withDefaults() (Config, error) {
	c, problems := cfg.resolve()
	if len(problems) > 0 {
		return Config{}, &SourceError{Problems: problems}
	}
	return c, nil
}

// resolve returns a copy of cfg with every default filled in, and every
// problem of its fields, each an error wrapping ErrInvalidArgument. It
// checks every field rather than stopping at the first problem; so that
// New can still check the rest of the mapping against the database, a
// name that is not a valid identifier is replaced by invalidName, and a
// value holding a NUL byte is left out of its list.
func (cfg *Config) resolve() (Config, []error) {
	var c Config
	if cfg != nil {
		c = *cfg
		c.Source.Messages.SentStatuses = slices.Clone(c.Source.Messages.SentStatuses)
		c.Source.Messages.DeliveredStatuses = slices.Clone(c.Source.Messages.DeliveredStatuses)
		c.Source.Messages.ReadStatuses = slices.Clone(c.Source.Messages.ReadStatuses)
		c.Source.Messages.FailedStatuses = slices.Clone(c.Source.Messages.FailedStatuses)
		c.Source.Messages.InboundSenderTypes = slices.Clone(c.Source.Messages.InboundSenderTypes)
		c.Source.Messages.IgnoredStatuses = slices.Clone(c.Source.Messages.IgnoredStatuses)
		c.Source.Messages.OutboundSenderTypes = slices.Clone(c.Source.Messages.OutboundSenderTypes)
		c.Source.Conversations.OpenStatuses = slices.Clone(c.Source.Conversations.OpenStatuses)
		c.Source.Conversations.ClosedStatuses = slices.Clone(c.Source.Conversations.ClosedStatuses)
		c.Source.Campaigns.RunningStatuses = slices.Clone(c.Source.Campaigns.RunningStatuses)
		c.Source.Campaigns.CompletedStatuses = slices.Clone(c.Source.Campaigns.CompletedStatuses)
		c.Source.Campaigns.FailedStatuses = slices.Clone(c.Source.Campaigns.FailedStatuses)
	}
	var problems []error
	def(&c.SnapshotTable, "analytics_snapshots")
	def(&c.JobRunsTable, "analytics_job_runs")
	def(&c.MigrationsTable, "analytics_schema_migrations")
	if c.Clock == nil {
		c.Clock = analytics.SystemClock()
	}
	if c.UpsertBatchSize < 0 {
		problems = append(problems, store.InvalidArgument("Config.UpsertBatchSize", "must not be negative, got %d", c.UpsertBatchSize))
		c.UpsertBatchSize = 0
	}
	if c.AggregateWorkMem == "" {
		c.AggregateWorkMem = DefaultAggregateWorkMem
	}
	if !workMemRE.MatchString(c.AggregateWorkMem) {
		problems = append(problems, store.InvalidArgument("Config.AggregateWorkMem", "%q is not a memory size such as \"64MB\"", c.AggregateWorkMem))
		c.AggregateWorkMem = DefaultAggregateWorkMem
	}
	if c.AggregateParallelism < 0 {
		problems = append(problems, store.InvalidArgument("Config.AggregateParallelism", "must not be negative, got %d", c.AggregateParallelism))
		c.AggregateParallelism = 0
	}
	if c.AggregateParallelism == 0 {
		c.AggregateParallelism = DefaultAggregateParallelism
	}
	if c.UpsertBatchSize == 0 {
		c.UpsertBatchSize = DefaultUpsertBatchSize
	}

	problems = append(problems, prepareShapes(&c.Source)...)
	s := &c.Source
	def(&s.Teams.Table, "teams")
	def(&s.Teams.ID, "id")
	def(&s.Teams.TimeZone, "timezone")

	def(&s.Accounts.Table, "whatsapp_accounts")
	def(&s.Accounts.ID, "id")
	def(&s.Accounts.TeamID, "team_id")

	m := &s.Messages
	def(&m.Table, "messages")
	def(&m.ID, "id")
	def(&m.TeamID, "team_id")
	def(&m.AccountID, "account_id")
	def(&m.ConversationID, "conversation_id")
	def(&m.Status, "status")
	def(&m.SenderType, "sender_type")
	def(&m.CreatedAt, "created_at")
	defList(&m.SentStatuses, analytics.StatusSent)
	defList(&m.DeliveredStatuses, analytics.StatusDelivered)
	defList(&m.ReadStatuses, analytics.StatusRead)
	defList(&m.FailedStatuses, analytics.StatusFailed)
	defList(&m.InboundSenderTypes, "contact")
	defaultIgnored(m)

	cv := &s.Conversations
	def(&cv.Table, "conversations")
	def(&cv.ID, "id")
	def(&cv.TeamID, "team_id")
	def(&cv.AccountID, "account_id")
	def(&cv.ContactID, "contact_id")
	def(&cv.Status, "status")
	def(&cv.CreatedAt, "created_at")
	defList(&cv.OpenStatuses, analytics.ConversationOpen)
	defList(&cv.ClosedStatuses, analytics.ConversationClosed)

	ct := &s.Contacts
	def(&ct.Table, "contacts")
	def(&ct.ID, "id")
	def(&ct.TeamID, "team_id")
	def(&ct.CreatedAt, "created_at")
	def(&ct.Blocked, "is_blocked")
	def(&ct.EngagementScore, "engagement_score")

	cp := &s.Campaigns
	def(&cp.Table, "campaigns")
	def(&cp.TeamID, "team_id")
	def(&cp.AccountID, "account_id")
	def(&cp.Status, "status")
	def(&cp.TotalRecipients, "total_recipients")
	def(&cp.MessagesSent, "messages_sent")
	def(&cp.MessagesDelivered, "messages_delivered")
	def(&cp.MessagesRead, "messages_read")
	def(&cp.CreatedAt, "created_at")
	defList(&cp.RunningStatuses, analytics.CampaignRunning)
	defList(&cp.CompletedStatuses, analytics.CampaignCompleted)
	defList(&cp.FailedStatuses, analytics.CampaignFailed)

	return c, append(problems, c.validate()...)
}

// invalidName replaces, in the Config resolve returns, a table or column
// name that is not a valid identifier: it is not one either, so it never
// names a real table or column, and the checks against the database skip
// it (its problem is already reported).
const invalidName = "-invalid-"

// validate checks the identifiers and value lists of c, replacing each
// invalid identifier by invalidName and leaving out each value holding a
// NUL byte, and returns every problem.
func (c *Config) validate() []error {
	var problems []error
	s := &c.Source
	idents := []struct {
		field    string
		v        *string
		optional bool
	}{
		{"Config.Schema", &c.Schema, true},
		{"Config.SnapshotTable", &c.SnapshotTable, false},
		{"Config.JobRunsTable", &c.JobRunsTable, false},
		{"Config.MigrationsTable", &c.MigrationsTable, false},
		{"Config.Source.Schema", &s.Schema, true},
		{"Config.Source.Teams.Table", &s.Teams.Table, false},
		{"Config.Source.Teams.ID", &s.Teams.ID, false},
		{"Config.Source.Teams.TimeZone", &s.Teams.TimeZone, false},
		{"Config.Source.Accounts.Table", &s.Accounts.Table, false},
		{"Config.Source.Accounts.ID", &s.Accounts.ID, false},
		{"Config.Source.Accounts.TeamID", &s.Accounts.TeamID, false},
		{"Config.Source.Messages.Table", &s.Messages.Table, false},
		{"Config.Source.Messages.ID", &s.Messages.ID, false},
		{"Config.Source.Messages.TeamID", &s.Messages.TeamID, false},
		{"Config.Source.Messages.AccountID", &s.Messages.AccountID, false},
		{"Config.Source.Messages.ConversationID", &s.Messages.ConversationID, false},
		{"Config.Source.Messages.Status", &s.Messages.Status, false},
		{"Config.Source.Messages.SenderType", &s.Messages.SenderType, false},
		{"Config.Source.Messages.CreatedAt", &s.Messages.CreatedAt, false},
		{"Config.Source.Conversations.Table", &s.Conversations.Table, false},
		{"Config.Source.Conversations.ID", &s.Conversations.ID, false},
		{"Config.Source.Conversations.TeamID", &s.Conversations.TeamID, false},
		{"Config.Source.Conversations.AccountID", &s.Conversations.AccountID, false},
		{"Config.Source.Conversations.ContactID", &s.Conversations.ContactID, false},
		{"Config.Source.Conversations.Status", &s.Conversations.Status, false},
		{"Config.Source.Conversations.CreatedAt", &s.Conversations.CreatedAt, false},
		{"Config.Source.Contacts.Table", &s.Contacts.Table, false},
		{"Config.Source.Contacts.ID", &s.Contacts.ID, false},
		{"Config.Source.Contacts.TeamID", &s.Contacts.TeamID, false},
		{"Config.Source.Contacts.CreatedAt", &s.Contacts.CreatedAt, false},
		{"Config.Source.Contacts.Blocked", &s.Contacts.Blocked, false},
		{"Config.Source.Contacts.EngagementScore", &s.Contacts.EngagementScore, false},
		{"Config.Source.Campaigns.Table", &s.Campaigns.Table, false},
		{"Config.Source.Campaigns.TeamID", &s.Campaigns.TeamID, false},
		{"Config.Source.Campaigns.AccountID", &s.Campaigns.AccountID, false},
		{"Config.Source.Campaigns.Status", &s.Campaigns.Status, false},
		{"Config.Source.Campaigns.TotalRecipients", &s.Campaigns.TotalRecipients, false},
		{"Config.Source.Campaigns.MessagesSent", &s.Campaigns.MessagesSent, false},
		{"Config.Source.Campaigns.MessagesDelivered", &s.Campaigns.MessagesDelivered, false},
		{"Config.Source.Campaigns.MessagesRead", &s.Campaigns.MessagesRead, false},
		{"Config.Source.Campaigns.CreatedAt", &s.Campaigns.CreatedAt, false},
	}
	for _, id := range idents {
		if id.optional && *id.v == "" || mayBeNoColumn(id.field, *id.v) || *id.v == invalidName {
			continue
		}
		if err := checkIdent(id.field, *id.v); err != nil {
			problems = append(problems, err)
			*id.v = invalidName
		}
	}

	lists := []struct {
		field string
		v     *[]string
	}{
		{"Config.Source.Messages.SentStatuses", &s.Messages.SentStatuses},
		{"Config.Source.Messages.DeliveredStatuses", &s.Messages.DeliveredStatuses},
		{"Config.Source.Messages.ReadStatuses", &s.Messages.ReadStatuses},
		{"Config.Source.Messages.FailedStatuses", &s.Messages.FailedStatuses},
		{"Config.Source.Messages.InboundSenderTypes", &s.Messages.InboundSenderTypes},
		{"Config.Source.Messages.IgnoredStatuses", &s.Messages.IgnoredStatuses},
		{"Config.Source.Messages.OutboundSenderTypes", &s.Messages.OutboundSenderTypes},
		{"Config.Source.Conversations.OpenStatuses", &s.Conversations.OpenStatuses},
		{"Config.Source.Conversations.ClosedStatuses", &s.Conversations.ClosedStatuses},
		{"Config.Source.Campaigns.RunningStatuses", &s.Campaigns.RunningStatuses},
		{"Config.Source.Campaigns.CompletedStatuses", &s.Campaigns.CompletedStatuses},
		{"Config.Source.Campaigns.FailedStatuses", &s.Campaigns.FailedStatuses},
	}
	for _, l := range lists {
		problems = append(problems, dropNUL(l.field, l.v)...)
	}
	disjoint := func(group string, fields []string, sets ...[]string) {
		seen := map[string]string{}
		for i, set := range sets {
			for _, v := range set {
				if f, ok := seen[v]; ok && f != fields[i] {
					problems = append(problems, store.InvalidArgument(group, "value %q is in both %s and %s", v, f, fields[i]))
					continue
				}
				seen[v] = fields[i]
			}
		}
	}
	m := &s.Messages
	disjoint("Config.Source.Messages", []string{"SentStatuses", "DeliveredStatuses", "ReadStatuses", "FailedStatuses", "IgnoredStatuses"},
		m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses, m.FailedStatuses, m.IgnoredStatuses)
	disjoint("Config.Source.Messages", []string{"InboundSenderTypes", "OutboundSenderTypes"},
		m.InboundSenderTypes, m.OutboundSenderTypes)
	disjoint("Config.Source.Conversations", []string{"OpenStatuses", "ClosedStatuses"},
		s.Conversations.OpenStatuses, s.Conversations.ClosedStatuses)
	cp := &s.Campaigns
	disjoint("Config.Source.Campaigns", []string{"RunningStatuses", "CompletedStatuses", "FailedStatuses"},
		cp.RunningStatuses, cp.CompletedStatuses, cp.FailedStatuses)
	return problems
}

// dropNUL removes from *list the values holding a NUL byte (which no
// Postgres text can hold) and returns a problem for each, naming field.
func dropNUL(field string, list *[]string) []error {
	var problems []error
	kept := (*list)[:0:0]
	for i, v := range *list {
		if strings.IndexByte(v, 0) >= 0 {
			problems = append(problems, store.InvalidArgument(fmt.Sprintf("%s[%d]", field, i), "contains a NUL byte"))
			continue
		}
		kept = append(kept, v)
	}
	if problems != nil {
		*list = kept
	}
	return problems
}

func checkIdent(field, v string) error {
	if len(v) > maxIdentLen {
		return store.InvalidArgument(field, "identifier %q is longer than %d bytes", v, maxIdentLen)
	}
	if !identRE.MatchString(v) {
		return store.InvalidArgument(field, "%q is not an identifier of the form [A-Za-z_][A-Za-z0-9_]*", v)
	}
	return nil
}
