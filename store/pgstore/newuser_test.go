package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// prismaUUIDDB returns a database whose search_path holds only the schema
// of testdata/prisma_uuid.sql, with no rows.
func prismaUUIDDB(t *testing.T) *bun.DB {
	t.Helper()
	ddl, err := os.ReadFile("testdata/prisma_uuid.sql")
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.DB(t)
	if _, err := db.ExecContext(context.Background(), string(ddl)); err != nil {
		t.Fatalf("loading testdata/prisma_uuid.sql: %v", err)
	}
	return db
}

// uuidSource is the hand-written mapping of testdata/prisma_uuid.sql.
func uuidSource() pgstore.Source {
	return pgstore.Source{
		Teams:    pgstore.TeamsTable{Table: "Team", ID: "id", TimeZone: "-"},
		Accounts: pgstore.AccountsTable{Table: "WhatsAppAccount", ID: "id", TeamID: "teamId"},
		Messages: pgstore.MessagesTable{Table: "Message", ID: "id", TeamVia: pgstore.TeamViaAccount, AccountID: "whatsAppAccountId",
			ConversationID: "conversationId", Status: "status", SenderType: "direction", CreatedAt: "createdAt",
			CampaignID:   "campaignId",
			SentStatuses: []string{"SENT"}, DeliveredStatuses: []string{"DELIVERED"}, ReadStatuses: []string{"READ"},
			FailedStatuses: []string{"FAILED"}, IgnoredStatuses: []string{"PENDING", "DELETED"},
			InboundSenderTypes: []string{"INBOUND"}, OutboundSenderTypes: []string{"OUTBOUND"}},
		Conversations: pgstore.ConversationsTable{Table: "Conversation", ID: "id", TeamID: "teamId", AccountID: "whatsAppAccountId",
			ContactID: "contactId", Status: "status", CreatedAt: "createdAt",
			OpenStatuses: []string{"OPEN"}, ClosedStatuses: []string{"CLOSED"}},
		Contacts: pgstore.ContactsTable{Table: "Contact", ID: "id", TeamID: "teamId", CreatedAt: "createdAt",
			Blocked: "status", BlockedValues: []string{"BLOCKED"}, EngagementScore: "engagementScore"},
		Campaigns: pgstore.CampaignsTable{Table: "Campaign", TeamID: "teamId", AccountID: "whatsAppAccountId", Status: "status",
			TotalRecipients: "totalRecipients", MessagesSent: "sentCount", MessagesDelivered: "deliveredCount",
			MessagesRead: "readCount", CreatedAt: "createdAt",
			RunningStatuses: []string{"RUNNING"}, CompletedStatuses: []string{"COMPLETED"}, FailedStatuses: []string{"FAILED"}},
	}
}

// TestProposeSourceShapes: on a schema with uuid IDs, messages without a
// team column, contacts blocked by a status label and teams without a
// zone column, the proposal uses TeamVia, BlockedValues and TimeZone "-",
// notes each choice and every ignored status, prints TeamVia as its
// constant, and New accepts it as it stands.
func TestProposeSourceShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaUUIDDB(t)
	src, notes, err := pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(uuidSource(), src); d != "" {
		t.Errorf("ProposeSource (-want +got):\n%s", d)
	}
	all := strings.Join(notes, "\n")
	for _, n := range []string{
		`Teams.TimeZone: table "Team" has no zone column; "-" puts every team in Teams.DefaultTimeZone`,
		`Messages.TeamVia: table "Message" has no team column; its rows reach their team through their account ("whatsAppAccountId"), as pgstore.TeamViaAccount`,
		`Contacts.Blocked: table "Contact" has no blocked column; a contact is blocked when its "status" is 'BLOCKED'`,
		`Messages.IgnoredStatuses: label 'PENDING' counts in totals only`,
		`Messages.IgnoredStatuses: label 'DELETED' counts in totals only`,
		`Conversations.Status: label 'EXPIRED' is in no list`,
	} {
		if !strings.Contains(all, n) {
			t.Errorf("notes lack %q:\n%s", n, all)
		}
	}
	lit := fmt.Sprintf("%#v", src)
	if !regexp.MustCompile(`\n\t\tTeamVia: +pgstore\.TeamViaAccount,\n`).MatchString(lit) {
		t.Errorf("GoString does not print the TeamVia constant:\n%s", lit)
	}
	back, err := evalSource(lit)
	if err != nil {
		t.Fatalf("GoString is not a Source literal: %v\n%s", err, lit)
	}
	if d := cmp.Diff(src, back); d != "" {
		t.Errorf("GoString round trip (-proposed +parsed):\n%s", d)
	}
	if _, err := pgstore.New(ctx, db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New rejects the proposal: %v", err)
	}

	// The contacts' status as text: its blocked value comes from the
	// planner's statistics, once analyzed.
	if _, err := db.ExecContext(ctx, `
ALTER TABLE "Contact" SET (autovacuum_enabled = false);
ALTER TABLE "Contact" ALTER COLUMN "status" DROP DEFAULT, ALTER COLUMN "status" TYPE text;
INSERT INTO "Team" ("id", "name") VALUES ('11111111-1111-4111-8111-111111111111', 't');
INSERT INTO "Contact" ("id", "teamId", "status")
SELECT 'k' || i, '11111111-1111-4111-8111-111111111111', CASE WHEN i % 5 = 0 THEN 'BLOCKED' ELSE 'ACTIVE' END
FROM generate_series(1, 100) i;`); err != nil {
		t.Fatal(err)
	}
	src, notes, err = pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if src.Contacts.Blocked != "" || src.Contacts.BlockedValues != nil ||
		!strings.Contains(strings.Join(notes, "\n"), `Contacts.Blocked: table "Contact" has no matching column, nor a status enum with a blocked label`) {
		t.Errorf("before ANALYZE: Blocked %q, BlockedValues %q, notes:\n%s", src.Contacts.Blocked, src.Contacts.BlockedValues, strings.Join(notes, "\n"))
	}
	if _, err := db.ExecContext(ctx, `ANALYZE "Contact"`); err != nil {
		t.Fatal(err)
	}
	src, notes, err = pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(uuidSource().Contacts, src.Contacts); d != "" {
		t.Errorf("Contacts proposed from the statistics (-want +got):\n%s", d)
	}
	if n := `a contact is blocked when its "status" is 'BLOCKED' (Contacts.BlockedValues, from its values in the planner's statistics`; !strings.Contains(strings.Join(notes, "\n"), n) {
		t.Errorf("notes lack %q:\n%s", n, strings.Join(notes, "\n"))
	}
	if _, err := pgstore.New(ctx, db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New rejects the proposal with a text status: %v", err)
	}
}

// TestNewPointsToTheFix: the problems of a mapping of the uuid schema
// that ignores its shapes suggest the setting that fits (TeamVia,
// TimeZone "-", BlockedValues), and come in one error together with the
// configuration's own problems, which do not hide them.
func TestNewPointsToTheFix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaUUIDDB(t)

	src := uuidSource()
	src.Teams.TimeZone = "timeZone"
	src.Messages.TeamVia = ""
	src.Contacts.BlockedValues = nil
	src.Campaigns.TeamID = "team_id"
	// The configuration's own problems.
	src.Teams.DefaultTimeZone = "Pacific/Chathm"
	src.Conversations.TeamVia = pgstore.TeamViaAccount // with TeamID "teamId"
	src.Messages.FailedStatuses = []string{"FAILED", "SENT"}
	src.Campaigns.Status = "status;drop"
	_, err := pgstore.New(ctx, db, &pgstore.Config{Source: src, UpsertBatchSize: -1})
	probs := sourceProblems(t, err)
	want := []string{
		`Config.UpsertBatchSize: must not be negative`,
		`Config.Source.Conversations.TeamID: is "teamId", but TeamVia "account" reads the team elsewhere`,
		`Config.Source.Teams.DefaultTimeZone: "Pacific/Chathm" is not a time zone`,
		`Config.Source.Campaigns.Status: "status;drop" is not an identifier`,
		`Config.Source.Messages: value "SENT" is in both SentStatuses and FailedStatuses`,
		`Config.Source.Teams.TimeZone: table `,
		`.Team has no column "timeZone" (or it is not readable); if the teams have no zone column, set Config.Source.Teams.TimeZone to "-" and Config.Source.Teams.DefaultTimeZone to their zone`,
		`Config.Source.Messages.TeamID: table `,
		`.Message has no column "team_id" (or it is not readable); if the table has no team column, set Config.Source.Messages.TeamVia to pgstore.TeamViaAccount to reach the team through its account ("whatsAppAccountId")`,
		`.Campaign has no column "team_id" (or it is not readable); did you mean "teamId"?`,
		`Config.Source.Contacts.Blocked: column "status" of `,
		`.Contact is USER-DEFINED (type `,
		`"ContactStatus", an enum whose labels are ACTIVE, BLOCKED, UNSUBSCRIBED); it must be boolean; for a column whose values say whether a contact is blocked, set Config.Source.Contacts.BlockedValues`,
	}
	all := strings.Join(probs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the problems lack %q:\n%s", w, all)
		}
	}
	if len(probs) != 9 {
		t.Errorf("%d problems, want 9:\n%s", len(probs), all)
	}

	// A Source.Schema that is not an identifier: the configuration's
	// problems alone, as no table can be looked up.
	src = uuidSource()
	src.Schema = "no such"
	src.Teams.DefaultTimeZone = "Nowhere/Else"
	_, err = pgstore.New(ctx, db, &pgstore.Config{Source: src})
	probs = sourceProblems(t, err)
	if len(probs) != 2 {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}

	// Migrations reports every problem of the configuration too.
	_, err = pgstore.MigrationSQL(&pgstore.Config{SnapshotTable: "bad name", Source: pgstore.Source{Teams: pgstore.TeamsTable{DefaultTimeZone: "Nowhere/Else"}}})
	var se *pgstore.SourceError
	if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &se) || len(se.Problems) != 2 {
		t.Errorf("MigrationSQL: %v", err)
	}
}

// TestIDErrorsNameTheArgument: on a uuid teams table, an ID that cannot be
// a uuid gives ErrInvalidArgument naming what the caller passed, from
// every read, Snapshots and SnapshotsOfTeams included.
func TestIDErrorsNameTheArgument(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaUUIDDB(t)
	st, err := pgstore.New(ctx, db, &pgstore.Config{Source: uuidSource()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	field := func(err error) string {
		var fe *analytics.FieldError
		if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) {
			return fmt.Sprintf("not a FieldError: %v", err)
		}
		return fe.Field
	}
	day := analytics.NewDate(2026, 3, 10)
	_, rtErr := svc.RealTime(ctx, analytics.TeamScope("team-1"))
	_, teamErr := st.Team(ctx, "team-1")
	_, snapErr := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("team-1"), Type: analytics.Daily, From: day, To: day})
	_, rangeErr := st.SnapshotsOfTeams(ctx, []string{"11111111-1111-4111-8111-111111111111", "team-1"}, analytics.Daily, day, day)
	for _, c := range []struct {
		what string
		err  error
		want string
	}{
		{"RealTime", rtErr, "Scope.TeamID"},
		{"Team", teamErr, "Scope.TeamID"},
		{"Snapshots", snapErr, "Scope.TeamID"},
		{"SnapshotsOfTeams", rangeErr, "teams[1]"},
	} {
		if got := field(c.err); got != c.want {
			t.Errorf("%s: field %q (%v), want %q", c.what, got, c.err, c.want)
		}
	}
	// A valid ID of no team: no rows, no error.
	if got, err := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("11111111-1111-4111-8111-111111111111"),
		Type: analytics.Daily, From: day, To: day}); err != nil || len(got) != 0 {
		t.Errorf("Snapshots of a valid unknown team: %v, %v", got, err)
	}
}

// TestIndexPlanSkipsExistingIndexes: an index of the host's under another
// name with the recommended leading keys (Prisma's own) serves, so
// IndexPlan skips it naming that index and CreateRecommendedIndexes does
// not build a twin; partial indexes and other key orders do not count.
func TestIndexPlanSkipsExistingIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaUUIDDB(t)
	if _, err := db.ExecContext(ctx, `
CREATE INDEX "Contact_teamId_createdAt_id_idx" ON "Contact" ("teamId", "createdAt", "id");
CREATE INDEX "Conversation_open_idx" ON "Conversation" ("teamId", "createdAt") WHERE "status" = 'OPEN';
CREATE INDEX "Campaign_createdAt_teamId_idx" ON "Campaign" ("createdAt", "teamId");
CREATE INDEX "Campaign_teamId_hash_idx" ON "Campaign" USING hash ("teamId");`); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, db, &pgstore.Config{Source: uuidSource()})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := st.IndexPlan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	skips := map[string]string{}
	for _, ix := range plan {
		skips[ix.Name] = ix.Skip
	}
	want := map[string]string{
		"analytics_Message_account_created_idx":   `index "Message_whatsAppAccountId_createdAt_idx" on "Message" already serves it`,
		"analytics_Contact_team_created_idx":      `index "Contact_teamId_createdAt_id_idx" on "Contact" already serves it`,
		"analytics_WhatsAppAccount_team_idx":      `index "WhatsAppAccount_teamId_idx" on "WhatsAppAccount" already serves it`,
		"analytics_Conversation_team_created_idx": "",
		"analytics_Campaign_team_created_idx":     "",
		"analytics_Team_id_c_idx":                 "",
		"analytics_Message_campaign_idx":          "", // messages reach their team through the account: (campaignId) alone
	}
	for name, w := range want {
		got, ok := skips[name]
		if !ok || w == "" && got != "" || w != "" && !strings.HasPrefix(got, w) {
			t.Errorf("index %s: Skip %q, want %q", name, got, w)
		}
	}
	for i := 0; i < 2; i++ {
		if err := st.CreateRecommendedIndexes(ctx); err != nil {
			t.Fatalf("CreateRecommendedIndexes: %v", err)
		}
	}
	var made []string
	if err := db.NewRaw(`SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'analytics\_%' ORDER BY 1`).Scan(ctx, &made); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"analytics_Campaign_team_created_idx", "analytics_Conversation_team_created_idx", "analytics_Message_campaign_idx", "analytics_Team_id_c_idx"}, made); d != "" {
		t.Errorf("indexes created (-want +got):\n%s", d)
	}
	if len(st.RecommendedIndexes()) != len(plan) {
		t.Errorf("IndexPlan has %d indexes, RecommendedIndexes %d", len(plan), len(st.RecommendedIndexes()))
	}
}
