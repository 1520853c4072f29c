package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestDefaultTimeZone reads teams from a table without a zone column, all
// in the configured default zone, and from one with the column, where the
// default fills in NULL and empty zones only; an unknown default zone
// fails New.
func TestDefaultTimeZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	teams := []analytics.Team{
		{ID: "a", TimeZone: "Asia/Kolkata"},
		{ID: "b", TimeZone: ""},
		{ID: "c", TimeZone: "UTC"},
	}
	e := newEnv(t, teams, nil, envOptions{noMig: true})
	zones := func(cfg *pgstore.Config) []string {
		t.Helper()
		st, err := pgstore.New(ctx, e.db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Teams(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tm := range got {
			out = append(out, tm.ID+":"+tm.TimeZone)
		}
		one, err := st.Team(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		return append(out, "Team(b):"+one.TimeZone)
	}
	ny := pgstore.Source{Teams: pgstore.TeamsTable{DefaultTimeZone: "America/New_York"}}
	if d := cmp.Diff([]string{"a:Asia/Kolkata", "b:America/New_York", "c:UTC", "Team(b):America/New_York"}, zones(&pgstore.Config{Source: ny})); d != "" {
		t.Errorf("with a zone column (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a:Asia/Kolkata", "b:", "c:UTC", "Team(b):"}, zones(nil)); d != "" {
		t.Errorf("with a zone column and no default (-want +got):\n%s", d)
	}
	if _, err := e.db.ExecContext(ctx, `ALTER TABLE teams DROP COLUMN timezone`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.New(ctx, e.db, nil); err == nil || !strings.Contains(err.Error(), "Config.Source.Teams.TimeZone") {
		t.Errorf("New without the zone column: %v, want an error naming Config.Source.Teams.TimeZone", err)
	}
	ny.Teams.TimeZone = "-"
	if d := cmp.Diff([]string{"a:America/New_York", "b:America/New_York", "c:America/New_York", "Team(b):America/New_York"}, zones(&pgstore.Config{Source: ny})); d != "" {
		t.Errorf("without a zone column (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a:", "b:", "c:", "Team(b):"}, zones(&pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{TimeZone: "-"}}})); d != "" {
		t.Errorf("without a zone column or a default (-want +got):\n%s", d)
	}
	for _, z := range []string{"America/Nowhere", "-", "Local\x00"} {
		_, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{TimeZone: "-", DefaultTimeZone: z}}})
		if !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), "Config.Source.Teams.DefaultTimeZone") {
			t.Errorf("DefaultTimeZone %q: %v, want ErrInvalidArgument naming Config.Source.Teams.DefaultTimeZone", z, err)
		}
	}
}

// TestBlockedValues maps blocked contacts as values of an enum column and
// of a text column, and requires the same metrics as the boolean column.
func TestBlockedValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := synth.Config{Seed: 3, Teams: 4, AccountsPerTeam: 2, Start: analytics.NewDate(2026, 3, 2), Days: 5, MessagesPerDay: 200}
	teams, act, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, teams, &act, envOptions{})
	if _, err := e.db.ExecContext(ctx, `
		CREATE TYPE contact_status AS ENUM ('ACTIVE', 'BLOCKED', 'ARCHIVED', 'SPAM');
		ALTER TABLE contacts ADD COLUMN status contact_status, ADD COLUMN state TEXT;
		UPDATE contacts SET
			status = CASE WHEN is_blocked THEN (CASE WHEN id < 'm' THEN 'BLOCKED' ELSE 'SPAM' END)::contact_status
				WHEN random() < 0.5 THEN 'ARCHIVED' END,
			state = CASE WHEN is_blocked THEN 'blocked' WHEN random() < 0.5 THEN 'active' END;`); err != nil {
		t.Fatal(err)
	}
	items, err := allItems(teams, cfg.Start.In(time.UTC), cfg.Days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items}
	want, err := e.store.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(want, func(m analytics.Metrics) bool { return m.Contacts.Blocked > 0 }) {
		t.Fatal("no item counts a blocked contact")
	}
	for _, ct := range []pgstore.ContactsTable{
		{Blocked: "status", BlockedValues: []string{"BLOCKED", "SPAM"}},
		{Blocked: "state", BlockedValues: []string{"blocked"}},
	} {
		st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Contacts: ct}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Aggregate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Blocked %q in %q: boolean (-) vs values (+):\n%s", ct.Blocked, ct.BlockedValues, d)
		}
	}
	// Without BlockedValues the column must be boolean.
	_, err = pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Contacts: pgstore.ContactsTable{Blocked: "status"}}})
	if !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), "Config.Source.Contacts.Blocked") {
		t.Errorf("Blocked on an enum without BlockedValues: %v, want ErrInvalidArgument naming Config.Source.Contacts.Blocked", err)
	}
	// BlockedValues on an enum are checked against its labels.
	_, err = pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Contacts: pgstore.ContactsTable{Blocked: "status", BlockedValues: []string{"blocked"}}}})
	if !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), "Config.Source.Contacts.BlockedValues") || !strings.Contains(err.Error(), "'BLOCKED'") {
		t.Errorf("BlockedValues [blocked] on an enum labelled BLOCKED: %v, want ErrInvalidArgument naming the field and suggesting 'BLOCKED'", err)
	}
}

// TestRecommendedIndexesOnViews maps messages to a view and teams to a
// view: CreateRecommendedIndexes creates the other indexes and skips
// theirs, which RecommendedIndexes marks with the reason; Migrate makes
// the snapshots table without a foreign key to the teams view.
func TestRecommendedIndexesOnViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	if _, err := e.db.ExecContext(ctx, `
		CREATE VIEW messages_v AS SELECT * FROM messages;
		CREATE VIEW teams_v AS SELECT * FROM teams;`); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{
		Messages: pgstore.MessagesTable{Table: "messages_v"},
		Teams:    pgstore.TeamsTable{Table: "teams_v"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, ix := range st.RecommendedIndexes() {
		if ix.Skip != "" {
			skipped = append(skipped, ix.Table+": "+ix.Skip)
		}
	}
	want := []string{`"messages_v": "messages_v" is a view, which cannot have indexes`, `"teams_v": "teams_v" is a view, which cannot have indexes`}
	if d := cmp.Diff(want, skipped); d != "" {
		t.Errorf("skipped indexes (-want +got):\n%s", d)
	}
	if err := st.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatalf("CreateRecommendedIndexes: %v", err)
	}
	var made []string
	if err := e.db.NewRaw(`SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'analytics\_%' ORDER BY 1`).Scan(ctx, &made); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"analytics_campaigns_team_created_idx", "analytics_contacts_team_created_idx", "analytics_conversations_team_created_idx", "analytics_whatsapp_accounts_team_idx"}, made); d != "" {
		t.Errorf("indexes created (-want +got):\n%s", d)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate with teams as a view: %v", err)
	}
	if _, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{
		Scope:  analytics.TeamScope("t"),
		Period: analytics.Period{Type: analytics.Daily, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
	}}}); err != nil {
		t.Fatalf("Aggregate over the view: %v", err)
	}
}

// TestSnapshotsForeignKeyByIDType checks that Migrate references the teams
// table from the snapshots table when its ID is text, and leaves the key
// out when it is a uuid (which TEXT cannot reference).
func TestSnapshotsForeignKeyByIDType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, typ := range []string{"text", "uuid"} {
		e := newEnv(t, nil, nil, envOptions{schema: typedSchema(typ)})
		var n int
		if err := e.db.NewRaw(`SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'analytics_snapshots'::regclass AND contype = 'f'`).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"text": 1, "uuid": 0}[typ]
		if n != want {
			t.Errorf("teams.id %s: %d foreign keys on the snapshots table, want %d", typ, n, want)
		}
		if err := e.store.Migrate(ctx); err != nil {
			t.Errorf("teams.id %s: second Migrate: %v", typ, err)
		}
	}
}
