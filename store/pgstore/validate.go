package pgstore

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// validate checks a Config that has its defaults, and returns a
// *SourceError listing every problem, or nil.
func (c *Config) validate() error {
	if problems := c.problems(); len(problems) > 0 {
		return &SourceError{Problems: problems}
	}
	return nil
}

// problems returns every problem of a Config that has its defaults, each
// a *analytics.FieldError naming the field as Config.Field. It checks
// every field rather than stopping at the first problem, and, so that New
// can still check the rest of the mapping against the database, it
// replaces each name that is not a valid identifier by invalidName, the
// TeamID of a table with a TeamVia by noColumn, and leaves out of its list
// each value holding a NUL byte.
func (c *Config) problems() []error {
	problems := c.settingProblems()
	problems = append(problems, prepareShapes(&c.Source)...)
	problems = append(problems, c.identProblems()...)
	return append(problems, c.Source.listProblems()...)
}

// settingProblems checks the settings of the store's own statements.
func (c *Config) settingProblems() []error {
	var problems []error
	if c.Clock != nil && isNilClock(c.Clock) {
		problems = append(problems, store.InvalidArgument("Config.Clock", "is a nil %T; build it first, or leave the field nil", c.Clock))
	}
	if c.UpsertBatchSize < 0 {
		problems = append(problems, store.InvalidArgument("Config.UpsertBatchSize", "must not be negative, got %d", c.UpsertBatchSize))
	}
	if !workMemRE.MatchString(c.AggregateWorkMem) {
		problems = append(problems, store.InvalidArgument("Config.AggregateWorkMem", "%q is not a memory size such as \"64MB\"", c.AggregateWorkMem))
	}
	if c.AggregateParallelism < 0 {
		problems = append(problems, store.InvalidArgument("Config.AggregateParallelism", "must not be negative, got %d", c.AggregateParallelism))
	}
	if c.ReplicaWait < 0 {
		problems = append(problems, store.InvalidArgument("Config.ReplicaWait", "must not be negative, got %v", c.ReplicaWait))
	}
	return problems
}

// invalidName replaces, in a Config that problems has checked, a table or column
// name that is not a valid identifier: it is not one either, so it never
// names a real table or column, and the checks against the database skip
// it (its problem is already reported).
const invalidName = "-invalid-"

// isNilClock reports whether c holds a nil pointer, such as a nil
// *analytics.FakeClock, which would panic on first use.
func isNilClock(c analytics.Clock) bool {
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// identProblems checks the table and column names of c, replacing each
// that is not a valid identifier by invalidName.
func (c *Config) identProblems() []error {
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
		{"Config.Source.Messages.CampaignID", &s.Messages.CampaignID, true},
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
		{"Config.Source.Campaigns.ID", &s.Campaigns.ID, false},
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
	return problems
}

// listProblems checks the value lists of s, leaving out each value holding
// a NUL byte, and that the lists of one column share no value.
func (s *Source) listProblems() []error {
	var problems []error
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
