package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// proposeExample runs the program with -propose on schema, which leaves
// the example's tables (empty) there, and returns its output.
func proposeExample(t *testing.T, dbURL, schema string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-database-url", dbURL, "-schema", schema, "-propose"}); err != nil {
		t.Fatalf("run -propose: %v\n%s", err, out.String())
	}
	return out.String()
}

// loadData loads the example's data for testNow (as runExample's -days 45
// does) into the tables of schema, and returns it.
func loadData(t *testing.T, conn *pgx.Conn, schema string) dataset {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	ds := generate(1, testNow.Truncate(24*time.Hour).AddDate(0, 0, -44), testNow)
	if err := load(ctx, conn, ds); err != nil {
		t.Fatal(err)
	}
	return ds
}

func testBun(t *testing.T, dbURL string) *bun.DB {
	t.Helper()
	db, err := openBun(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// teamPeriod returns the items of the team's last complete period of typ
// before testNow in its zone, team-wide and per account.
func teamPeriod(t *testing.T, ds dataset, name string, typ analytics.SnapshotType) (string, analytics.Period, []analytics.ScopePeriod) {
	t.Helper()
	i := slices.IndexFunc(ds.teams, func(tm teamRow) bool { return tm.name == name })
	if i < 0 || ds.teams[i].timezone == nil {
		t.Fatalf("no team %q with a zone in the data", name)
	}
	tm := ds.teams[i]
	loc, err := time.LoadLocation(*tm.timezone)
	if err != nil {
		t.Fatal(err)
	}
	p, err := analytics.LastCompletePeriod(typ, testNow, loc)
	if err != nil {
		t.Fatal(err)
	}
	items := []analytics.ScopePeriod{{Scope: analytics.TeamScope(tm.id), Period: p}}
	for _, a := range ds.accounts {
		if a.teamID == tm.id {
			items = append(items, analytics.ScopePeriod{Scope: analytics.AccountScope(tm.id, a.id), Period: p})
		}
	}
	return tm.id, p, items
}

func aggregate(t *testing.T, db *bun.DB, src pgstore.Source, items []analytics.ScopePeriod) []analytics.Metrics {
	t.Helper()
	ctx := context.Background()
	store, err := pgstore.New(ctx, db, &pgstore.Config{Schema: src.Schema, Source: src})
	if err != nil {
		t.Fatalf("pgstore.New: %v", err)
	}
	ms, err := store.Aggregate(ctx, analytics.AggregateRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// countRows counts the team's rows of table with the given status created
// in the period (UTC wall times, as Prisma stores them).
func countRows(t *testing.T, conn *pgx.Conn, schema, table, status, teamID string, p analytics.Period) int64 {
	t.Helper()
	var n int64
	err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{schema, table}.Sanitize()+`
		WHERE "teamId" = $1 AND "status"::text = $2 AND "createdAt" >= $3 AND "createdAt" < $4`,
		teamID, status, p.Start.UTC(), p.End.UTC()).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPropose checks -propose's output, and that the proposal is the
// example's hand-written mapping but for what its notes explain: New
// accepts it, and its metrics of one team-day equal the hand-written
// mapping's except for the conversations with the one label the notes say
// it left out (PENDING, which mapping.go counts as open).
func TestPropose(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	ctx := context.Background()
	out := proposeExample(t, dbURL, schema)
	ds := loadData(t, conn, schema)
	db := testBun(t, dbURL)

	proposal, notes, err := pgstore.ProposeSource(ctx, db, schema)
	if err != nil {
		t.Fatal(err)
	}

	// The output is the literal and the notes, and the README shows it.
	for _, want := range append([]string{proposal.GoString()}, notes...) {
		if !strings.Contains(out, want) {
			t.Errorf("-propose output lacks %q:\n%s", want, out)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := "```go\n" + strings.ReplaceAll(out, `"`+schema+`"`, `"prisma_example"`) + "```\n"
	if !bytes.Contains(readme, []byte(block)) {
		t.Errorf("README lacks the -propose output as a go block:\n%s", block)
	}

	// The notes are the teams' workingHours column, the messages' PENDING, put in IgnoredStatuses as
	// mapping.go puts it, the sender types taken by a synonym (CONTACT as
	// inbound; AGENT, BOT and SYSTEM as outbound), as mapping.go takes
	// them, and three labels in no list: the conversations' PENDING, and
	// the campaigns' DRAFT and SCHEDULED, which mapping.go leaves in no
	// list too.
	wantNotes := []string{"Teams.WorkingHours: column \"workingHours\" of table \"Team\" holds the teams' working hours",
		"Messages.IgnoredStatuses: label 'PENDING' counts in totals only",
		"Messages.InboundSenderTypes: label 'CONTACT' is taken as inbound, a synonym",
		"Messages.OutboundSenderTypes: label 'AGENT' is taken as outbound, a synonym",
		"Messages.OutboundSenderTypes: label 'BOT' is taken as outbound, a synonym",
		"Messages.OutboundSenderTypes: label 'SYSTEM' is taken as outbound, a synonym",
		"Conversations.Status: label 'PENDING' is in no list", "Campaigns.Status: label 'DRAFT' is in no list",
		"Campaigns.Status: label 'SCHEDULED' is in no list"}
	if len(notes) != len(wantNotes) {
		t.Errorf("%d notes, want %d: %q", len(notes), len(wantNotes), notes)
	}
	for _, w := range wantNotes {
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, w) }) {
			t.Errorf("no note starts with %q: %q", w, notes)
		}
	}
	// Following the PENDING note as mapping.go does gives mapping.go.
	fixed := proposal
	fixed.Conversations.OpenStatuses = append(slices.Clone(proposal.Conversations.OpenStatuses), "PENDING")
	if diff := cmp.Diff(prismaSource(schema), fixed); diff != "" {
		t.Errorf("the proposal, PENDING conversations made open, differs from mapping.go (-mapping.go +proposal):\n%s", diff)
	}

	// One team-day, team-wide and per account.
	teamID, p, items := teamPeriod(t, ds, "Harbor Coffee", analytics.Daily)
	hand := aggregate(t, db, prismaSource(schema), items)
	proposed := aggregate(t, db, proposal, items)
	if diff := cmp.Diff(hand, aggregate(t, db, fixed, items)); diff != "" {
		t.Errorf("metrics of mapping.go and of the proposal with PENDING conversations open differ (-mapping.go +proposal):\n%s", diff)
	}
	pending := countRows(t, conn, schema, "Conversation", "PENDING", teamID, p)
	if pending == 0 {
		t.Fatalf("no PENDING conversation on %s: the comparison cannot show the difference", p.Date)
	}
	if got, want := proposed[0].Conversations.Open, hand[0].Conversations.Open-pending; got != want {
		t.Errorf("team-wide open conversations with the proposal = %d, want mapping.go's %d less the %d PENDING ones = %d",
			got, hand[0].Conversations.Open, pending, want)
	}
	var pendingSum int64
	for i := range hand {
		pendingSum += hand[i].Conversations.Open - proposed[i].Conversations.Open
		proposed[i].Conversations.Open = hand[i].Conversations.Open
	}
	if pendingSum != 2*pending {
		t.Errorf("open conversations differ by %d over the team and its accounts, want %d (the PENDING ones, counted once team-wide and once in their account)",
			pendingSum, 2*pending)
	}
	if diff := cmp.Diff(hand, proposed); diff != "" {
		t.Errorf("metrics of mapping.go and of the proposal differ beyond the open conversations (-mapping.go +proposal):\n%s", diff)
	}
}

// TestMappingUnmapped checks that the example's mapping leaves no message
// unmapped in a team-week that has PENDING messages, which it lists in
// IgnoredStatuses.
func TestMappingUnmapped(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	proposeExample(t, dbURL, schema)
	ds := loadData(t, conn, schema)
	db := testBun(t, dbURL)

	teamID, p, items := teamPeriod(t, ds, "Harbor Coffee", analytics.Weekly)
	if n := countRows(t, conn, schema, "Message", "PENDING", teamID, p); n == 0 {
		t.Fatalf("no PENDING message on %s: the test proves nothing", p.Date)
	}
	ms := aggregate(t, db, prismaSource(schema), items)
	if ms[0].Messages.Total == 0 {
		t.Fatalf("no message on %s", p.Date)
	}
	for i, m := range ms {
		if m.Messages.Unmapped != 0 {
			t.Errorf("%s on %s: %d of %d messages unmapped, want 0", items[i].Scope, p.Date, m.Messages.Unmapped, m.Messages.Total)
		}
	}
}

// TestMappingWrongLabel checks that pgstore.New rejects a label in the
// wrong case and names the enum's label as the near match.
func TestMappingWrongLabel(t *testing.T) {
	t.Parallel()
	_, dbURL, schema := testDB(t)
	proposeExample(t, dbURL, schema)
	db := testBun(t, dbURL)

	src := prismaSource(schema)
	src.Messages.SentStatuses = []string{"sent"}
	_, err := pgstore.New(context.Background(), db, &pgstore.Config{Schema: schema, Source: src})
	if !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Fatalf("pgstore.New with SentStatuses [sent]: err = %v, want ErrInvalidArgument", err)
	}
	for _, want := range []string{"Config.Source.Messages.SentStatuses[0]", "'sent'", "did you mean 'SENT'?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("pgstore.New's error lacks %q:\n%v", want, err)
		}
	}
}
