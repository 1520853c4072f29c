package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestNewChecksSource checks that New names the Config field, table and
// column of every mismatch between the source mapping and the database.
func TestNewChecksSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	ctx := context.Background()
	if _, err := e.db.ExecContext(ctx, `
		CREATE TABLE msgs_text_time (LIKE messages);
		ALTER TABLE msgs_text_time ALTER COLUMN created_at TYPE text;
		CREATE TABLE msgs_int_team (LIKE messages);
		ALTER TABLE msgs_int_team ALTER COLUMN team_id TYPE numeric USING 0;`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  pgstore.Config
		want []string // substrings of the error
	}{
		{"missing table", pgstore.Config{Source: pgstore.Source{Campaigns: pgstore.CampaignsTable{Table: "campaign"}}},
			[]string{"Config.Source.Campaigns.Table", `"campaign"`, "does not exist"}},
		{"missing column", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{SenderType: "sender"}}},
			[]string{"Config.Source.Messages.SenderType", `"sender"`, "messages"}},
		{"missing schema", pgstore.Config{Source: pgstore.Source{Schema: "no_such_schema"}},
			[]string{"Config.Source.Teams.Table", `"no_such_schema"`}},
		{"case matters", pgstore.Config{Source: pgstore.Source{Contacts: pgstore.ContactsTable{CreatedAt: "Created_At"}}},
			[]string{"Config.Source.Contacts.CreatedAt", `"Created_At"`}},
		{"time column of type text", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{Table: "msgs_text_time"}}},
			[]string{"Config.Source.Messages.CreatedAt", "is text", "timestamp"}},
		{"ID column of type numeric", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{Table: "msgs_int_team"}}},
			[]string{"Config.Source.Messages.TeamID", "is numeric"}},
		{"not an identifier", pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{Table: `teams"; DROP TABLE teams; --`}}},
			[]string{"Config.Source.Teams.Table", "not an identifier"}},
		{"too long", pgstore.Config{SnapshotTable: strings.Repeat("s", 64)},
			[]string{"Config.SnapshotTable", "63 bytes"}},
		{"status in two sets", pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{FailedStatuses: []string{"failed", "read"}}}},
			[]string{"Config.Source.Messages", `"read"`, "ReadStatuses", "FailedStatuses"}},
		{"negative batch", pgstore.Config{UpsertBatchSize: -1}, []string{"Config.UpsertBatchSize"}},
		{"work_mem not a size", pgstore.Config{AggregateWorkMem: "64MB'; SET jit = on; --"}, []string{"Config.AggregateWorkMem"}},
		{"work_mem without a unit", pgstore.Config{AggregateWorkMem: "65536"}, []string{"Config.AggregateWorkMem"}},
		{"negative parallelism", pgstore.Config{AggregateParallelism: -1}, []string{"Config.AggregateParallelism"}},
	}
	for _, tt := range tests {
		_, err := pgstore.New(ctx, e.db, &tt.cfg)
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", tt.name, err, w)
			}
		}
	}
	if _, err := pgstore.New(ctx, nil, nil); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("New(nil db): %v", err)
	}
	// The defaults match the reference schema.
	st, err := pgstore.New(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := st.Config()
	if c.SnapshotTable != "analytics_snapshots" || c.Source.Messages.CreatedAt != "created_at" ||
		!cmp.Equal(c.Source.Messages.InboundSenderTypes, []string{"contact"}) || c.UpsertBatchSize != pgstore.DefaultUpsertBatchSize ||
		c.AggregateWorkMem != pgstore.DefaultAggregateWorkMem || c.AggregateParallelism != pgstore.DefaultAggregateParallelism {
		t.Errorf("defaults: %+v", c)
	}
}

// TestSourceMapping reads a host whose tables look nothing like the
// reference schema: another schema, camel-case names, enum statuses in
// capitals, timestamptz columns. It is made of views over the reference
// tables, so ComputeMetrics on the same activity gives the expected result.
func TestSourceMapping(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 10
	teams, act := genDataset(7, from, days, false, analytics.DefaultReplyWindow)
	e := newEnv(t, teams, act, envOptions{noMig: true})
	ctx := context.Background()
	host := testenv.UniqueName("host_")
	h := testenv.QuoteIdent(host)
	t.Cleanup(func() {
		if _, err := e.db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+h+` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	ddl := `
CREATE SCHEMA ` + h + `;
CREATE TYPE ` + h + `."MsgState" AS ENUM ('SENT', 'DELIVERED', 'READ', 'FAILED', 'PENDING');
CREATE VIEW ` + h + `."Team" AS SELECT id AS "teamId", timezone AS "tz" FROM teams;
CREATE VIEW ` + h + `."WaAccount" AS SELECT id::varchar AS "accId", team_id AS "teamId" FROM whatsapp_accounts;
CREATE VIEW ` + h + `."Message" AS SELECT id AS "msgId", team_id AS "teamId", account_id AS "waId",
	conversation_id AS "convId", upper(status)::` + h + `."MsgState" AS "state",
	CASE sender_type WHEN 'contact' THEN 'CUSTOMER' ELSE 'AGENT' END AS "from",
	created_at AT TIME ZONE 'UTC' AS "createdAt" FROM messages;
CREATE VIEW ` + h + `."Conversation" AS SELECT id AS "convId", team_id AS "teamId", account_id AS "waId",
	contact_id AS "contactId", upper(status) AS "state", created_at AT TIME ZONE 'UTC' AS "createdAt" FROM conversations;
CREATE VIEW ` + h + `."Contact" AS SELECT id AS "contactId", team_id AS "teamId", created_at AT TIME ZONE 'UTC' AS "createdAt",
	is_blocked AS "blocked", engagement_score AS "score" FROM contacts;
CREATE VIEW ` + h + `."Campaign" AS SELECT team_id AS "teamId", account_id AS "waId", upper(status) AS "state",
	total_recipients::bigint AS "recipients", messages_sent AS "sent", messages_delivered AS "delivered",
	messages_read::numeric AS "read", created_at AT TIME ZONE 'UTC' AS "createdAt" FROM campaigns;`
	if _, err := e.db.ExecContext(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	cfg := &pgstore.Config{Source: pgstore.Source{
		Schema:   host,
		Teams:    pgstore.TeamsTable{Table: "Team", ID: "teamId", TimeZone: "tz"},
		Accounts: pgstore.AccountsTable{Table: "WaAccount", ID: "accId", TeamID: "teamId"},
		Messages: pgstore.MessagesTable{Table: "Message", ID: "msgId", TeamID: "teamId", AccountID: "waId",
			ConversationID: "convId", Status: "state", SenderType: "from", CreatedAt: "createdAt",
			SentStatuses: []string{"SENT"}, DeliveredStatuses: []string{"DELIVERED"}, ReadStatuses: []string{"READ"},
			FailedStatuses: []string{"FAILED"}, InboundSenderTypes: []string{"CUSTOMER"}, IgnoredStatuses: []string{"PENDING"}},
		Conversations: pgstore.ConversationsTable{Table: "Conversation", ID: "convId", TeamID: "teamId", AccountID: "waId",
			ContactID: "contactId", Status: "state", CreatedAt: "createdAt",
			OpenStatuses: []string{"OPEN"}, ClosedStatuses: []string{"CLOSED"}},
		Contacts: pgstore.ContactsTable{Table: "Contact", ID: "contactId", TeamID: "teamId", CreatedAt: "createdAt",
			Blocked: "blocked", EngagementScore: "score"},
		Campaigns: pgstore.CampaignsTable{Table: "Campaign", TeamID: "teamId", AccountID: "waId", Status: "state",
			TotalRecipients: "recipients", MessagesSent: "sent", MessagesDelivered: "delivered", MessagesRead: "read",
			CreatedAt: "createdAt", RunningStatuses: []string{"RUNNING"}, CompletedStatuses: []string{"COMPLETED"},
			FailedStatuses: []string{"FAILED"}},
	}}
	// The reference tables stay in the search_path; make sure the store
	// reads the host schema by hiding nothing but renaming everything.
	st, err := pgstore.New(ctx, e.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items}
	want, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Aggregate through the mapping differs from ComputeMetrics (-want +got):\n%s", d)
	}
	gotTeams, err := st.Teams(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotTeams) != len(teams) {
		t.Errorf("Teams through the mapping: %d teams, want %d", len(gotTeams), len(teams))
	}
}
