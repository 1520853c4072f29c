package pgstore_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// WithDefaults sets every zero field to the default its documentation
// states, keeps set fields, and shares no slice with its receiver.
func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	var nilCfg *pgstore.Config
	d := nilCfg.WithDefaults()
	via := (&pgstore.Config{Source: pgstore.Source{
		Messages: pgstore.MessagesTable{TeamVia: pgstore.TeamViaConversation},
		Contacts: pgstore.ContactsTable{TeamVia: pgstore.TeamViaAccount},
	}}).WithDefaults()
	tests := []struct {
		name      string
		got, want any
	}{
		{"Schema", d.Schema, ""},
		{"SnapshotTable", d.SnapshotTable, "analytics_snapshots"},
		{"JobRunsTable", d.JobRunsTable, "analytics_job_runs"},
		{"MigrationsTable", d.MigrationsTable, "analytics_schema_migrations"},
		{"Clock", d.Clock, analytics.SystemClock()},
		{"UpsertBatchSize", d.UpsertBatchSize, pgstore.DefaultUpsertBatchSize},
		{"AggregateWorkMem", d.AggregateWorkMem, pgstore.DefaultAggregateWorkMem},
		{"AggregateParallelism", d.AggregateParallelism, pgstore.DefaultAggregateParallelism},
		{"Replica", d.Replica == nil, true},
		{"ReplicaWait", d.ReplicaWait, pgstore.DefaultReplicaWait},
		{"Logger", d.Logger != nil, true},
		{"Source.Teams", d.Source.Teams, pgstore.TeamsTable{Table: "teams", ID: "id", TimeZone: "timezone"}},
		{"Source.Accounts", d.Source.Accounts, pgstore.AccountsTable{Table: "whatsapp_accounts", ID: "id", TeamID: "team_id"}},
		{"Source.Messages.Table", d.Source.Messages.Table, "messages"},
		{"Source.Messages.TeamID", d.Source.Messages.TeamID, "team_id"},
		{"Source.Messages.SentStatuses", d.Source.Messages.SentStatuses, []string{"sent"}},
		{"Source.Messages.ReadStatuses", d.Source.Messages.ReadStatuses, []string{"read"}},
		{"Source.Messages.InboundSenderTypes", d.Source.Messages.InboundSenderTypes, []string{"contact"}},
		{"Source.Messages.IgnoredStatuses", d.Source.Messages.IgnoredStatuses, pgstore.DefaultIgnoredStatuses},
		{"Source.Messages.OutboundSenderTypes", len(d.Source.Messages.OutboundSenderTypes), 0},
		{"Source.Conversations.OpenStatuses", d.Source.Conversations.OpenStatuses, []string{"open"}},
		{"Source.Contacts.Blocked", d.Source.Contacts.Blocked, "is_blocked"},
		{"Source.Contacts.AccountID", d.Source.Contacts.AccountID, ""},
		{"Source.Contacts.EngagementScore", d.Source.Contacts.EngagementScore, "engagement_score"},
		{"Source.Campaigns.RunningStatuses", d.Source.Campaigns.RunningStatuses, []string{"Running"}},
		{"Source.Campaigns.MessagesRead", d.Source.Campaigns.MessagesRead, "messages_read"},
		{"TeamVia: Source.Messages.TeamID", via.Source.Messages.TeamID, "-"},
		{"TeamVia: Source.Contacts.TeamID", via.Source.Contacts.TeamID, "-"},
		{"TeamVia: Source.Contacts.AccountID", via.Source.Contacts.AccountID, "account_id"},
		{"set kept", (&pgstore.Config{SnapshotTable: "snaps"}).WithDefaults().SnapshotTable, "snaps"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("WithDefaults().%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	in := &pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{SentStatuses: []string{"sent"}}}}
	in.WithDefaults().Source.Messages.SentStatuses[0] = "changed"
	if in.Source.Messages.SentStatuses[0] != "sent" {
		t.Errorf("WithDefaults shares SentStatuses with its receiver")
	}
}

// Each invalid field gives a *pgstore.SourceError holding a
// *analytics.FieldError, wrapping ErrInvalidArgument, that names it; every
// problem is reported at once.
func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	var nilClock *analytics.FakeClock
	tests := []struct {
		field string
		cfg   pgstore.Config
	}{
		{"Config.Clock", pgstore.Config{Clock: nilClock}},
		{"Config.Schema", pgstore.Config{Schema: "a b"}},
		{"Config.SnapshotTable", pgstore.Config{SnapshotTable: strings.Repeat("s", 64)}},
		{"Config.UpsertBatchSize", pgstore.Config{UpsertBatchSize: -1}},
		{"Config.AggregateWorkMem", pgstore.Config{AggregateWorkMem: "lots"}},
		{"Config.AggregateParallelism", pgstore.Config{AggregateParallelism: -1}},
		{"Config.Source.Teams.DefaultTimeZone", pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{DefaultTimeZone: "Mars/Olympus"}}}},
		{"Config.Source.Messages.TeamID", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{TeamID: "-"}}}},
		{"Config.Source.Messages.TeamVia", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{TeamVia: "team"}}}},
		{"Config.Source.Contacts.AccountID", pgstore.Config{Source: pgstore.Source{Contacts: pgstore.ContactsTable{TeamVia: pgstore.TeamViaAccount, AccountID: "1a"}}}},
		{"Config.Source.Campaigns.TeamID", pgstore.Config{Source: pgstore.Source{Campaigns: pgstore.CampaignsTable{TeamVia: pgstore.TeamViaAccount, TeamID: "team_id"}}}},
		{"Config.Source.Messages.ReadStatuses[0]", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{ReadStatuses: []string{"r\x00"}}}}},
		{"Config.Source.Conversations", pgstore.Config{Source: pgstore.Source{Conversations: pgstore.ConversationsTable{ClosedStatuses: []string{"open"}}}}},
	}
	for _, tt := range tests {
		_, err := pgstore.Migrations(&tt.cfg)
		var se *pgstore.SourceError
		if !errors.As(err, &se) || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Migrations with a bad %s: %v, want a *SourceError wrapping ErrInvalidArgument", tt.field, err)
			continue
		}
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("Migrations with a bad %s: %v, want a FieldError naming it first", tt.field, err)
		}
	}
	both := pgstore.Config{UpsertBatchSize: -1, SnapshotTable: "1x"}
	_, err := pgstore.Migrations(&both)
	if se := (*pgstore.SourceError)(nil); !errors.As(err, &se) || len(se.Problems) != 2 {
		t.Errorf("Migrations with two bad fields: %v, want both in one *SourceError", err)
	}
}
