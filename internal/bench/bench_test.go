package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
)

// options returns Options for a test: small datasets in schemas of the
// test's own, dropped when it ends.
func options(t *testing.T, teams int) Options {
	t.Helper()
	return optionsOn(t, "TEST_DATABASE_URL", teams)
}

// optionsOn is options on the Postgres of the environment variable name.
func optionsOn(t *testing.T, name string, teams int) Options {
	t.Helper()
	url := testenv.Require(t, name)
	prefix := testenv.UniqueName("benchtest_") + "_"
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("dropping the test's schemas: %v", err)
			return
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, prefix)
		if err != nil {
			t.Errorf("listing the test's schemas: %v", err)
			return
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Errorf("listing the test's schemas: %v", err)
			return
		}
		for _, n := range names {
			if _, err := conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{n}.Sanitize()+` CASCADE`); err != nil {
				t.Errorf("dropping schema %s: %v", n, err)
			}
		}
	})
	return Options{DatabaseURL: url, RedisURL: os.Getenv("TEST_REDIS_URL"), Reps: 1, Teams: teams, MessagesPerTeamDay: 60,
		ReadsMessagesPerTeamDay: 150, SchemaPrefix: prefix, RedisTimeout: 2 * time.Second}
}

// TestOriginalMatchesSDK checks that the baseline computes what it claims
// to: where the original system's definitions are the SDK's (message
// status and direction counts, campaigns, conversations created, contacts
// active, and the team-wide contact counts), it must give the SDK's
// numbers for every scope of the day.
func TestOriginalMatchesSDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options(t, 7)
	o.defaults()
	e, err := openEnv(ctx, &o, o.SchemaPrefix+"daily", dailyConfig(o.Teams, o.MessagesPerTeamDay))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	teams, err := allTeams(ctx, e.store)
	if err != nil {
		t.Fatal(err)
	}
	var items []analytics.ScopePeriod
	for _, tm := range teams {
		loc, err := tm.Location()
		if err != nil {
			t.Fatal(err)
		}
		p, err := analytics.LastCompletePeriod(analytics.Daily, dailyAt, loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range tm.Scopes() {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
		}
	}
	sdk, err := e.store.Aggregate(ctx, analytics.AggregateRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	orig := &Original{Conn: e.conn, Inbound: "contact"}
	type shared struct {
		Total, Sent, Delivered, Read, Failed, Inbound, Outbound int64
		Campaigns                                               analytics.CampaignMetrics
		Conversations                                           [3]int64
		Active                                                  int64
		ContactsTotal, ContactsNew, ContactsBlocked             int64
	}
	var messages int64
	for i, it := range items {
		m, err := orig.Metrics(ctx, it)
		if err != nil {
			t.Fatal(err)
		}
		s := sdk[i]
		want := shared{s.Messages.Total, s.Messages.Sent, s.Messages.Delivered, s.Messages.Read, s.Messages.Failed,
			s.Messages.Inbound, s.Messages.Outbound, s.Campaigns,
			[3]int64{s.Conversations.Total, s.Conversations.Open, s.Conversations.Closed}, s.Contacts.Active, 0, 0, 0}
		c := m.Campaigns
		got := shared{m.Messages.Total, m.Messages.Sent, m.Messages.Delivered, m.Messages.Read, m.Messages.Failed,
			m.Messages.Inbound, m.Messages.Outbound,
			analytics.CampaignMetrics{Total: c.Total, Active: c.Active, Completed: c.Completed, Failed: c.Failed,
				TotalRecipients: c.TotalRecipients, MessagesSent: c.MessagesSent, MessagesDelivered: c.MessagesDelivered,
				MessagesRead: c.MessagesRead, AvgDeliveryRate: s.Campaigns.AvgDeliveryRate, AvgReadRate: s.Campaigns.AvgReadRate},
			[3]int64{m.Conversations.Total, m.Conversations.Open, m.Conversations.Closed}, m.Contacts.Active, 0, 0, 0}
		if it.Scope.TeamWide() {
			want.ContactsTotal, want.ContactsNew, want.ContactsBlocked = s.Contacts.Total, s.Contacts.New, s.Contacts.Blocked
			got.ContactsTotal, got.ContactsNew, got.ContactsBlocked = m.Contacts.Total, m.Contacts.New, m.Contacts.Blocked
			messages += s.Messages.Total
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: the original pattern differs from the SDK (-sdk +original):\n%s", it.Scope, d)
		}
	}
	if messages == 0 {
		t.Fatal("the day has no messages: the comparison proves nothing")
	}
	if want := int64(12 * len(items)); orig.Statements != want-int64(len(items)) {
		t.Errorf("the original pattern ran %d statements for %d scopes, want %d (11 queries each, no upserts here)", orig.Statements, len(items), want-int64(len(items)))
	}
}

// TestSuites runs every suite on tiny datasets and checks the table they
// add up to: one line per measurement, each with a value, the daily job
// covering every scope; and the profiles (Options.ProfileDir) of every
// job and uncached read.
func TestSuites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options(t, 5)
	o.ProfileDir = t.TempDir()
	testenv.Require(t, "TEST_REDIS_URL")
	var rep Report
	if err := Daily(ctx, o, &rep); err != nil {
		t.Fatalf("Daily: %v", err)
	}
	if err := Monthly(ctx, o, &rep); err != nil {
		t.Fatalf("Monthly: %v", err)
	}
	if err := Scale(ctx, o, []int{3, 5}, &rep); err != nil {
		t.Fatalf("Scale: %v", err)
	}
	if err := Reads(ctx, o, &rep); err != nil {
		t.Fatalf("Reads: %v", err)
	}
	var lines []string
	for _, l := range rep.Lines {
		if l.Value == "" {
			t.Errorf("line %q has no value", l.What)
		}
		lines = append(lines, l.Suite+" | "+l.What)
	}
	want := []string{
		"daily, 5 teams, direct | (n) network: SELECT 1 round trip",
		"daily, 5 teams, direct | (a) SDK daily job: 20 scopes (team-wide + per account)",
		"daily, 5 teams, direct | (b) original pattern",
		"daily, 5 teams, direct | (c) floor",
		"monthly, 5 teams, 31 days | (prep)",
		"monthly, 5 teams, 31 days | (a) SDK monthly job as scheduled (04:00 UTC on the 1st), rolled up from the dailies",
		"monthly, 5 teams, 31 days | (b) SDK monthly job once the dailies have settled",
		"monthly, 5 teams, 31 days | (a′) SDK monthly job, aggregated directly",
		"monthly, 5 teams, 31 days | (c) floor",
		"scale, 3 teams | daily job: 12 scopes",
		"scale, 5 teams | daily job: 20 scopes",
		"reads, 1 team of 10 | go-redis GET",
		"reads, 1 team of 10 | real-time read (Service.RealTime) served from memory",
		"reads, 1 team of 10 | real-time read (Service.RealTime) served from Redis",
		"reads, 1 team of 10 | … of which the cache alone (gocache.Cache.Get of the bytes, no decoding), from memory",
		"reads, 1 team of 10 | … of which the cache alone, from Redis",
		"reads, 1 team of 10 | decoding the value into Metrics",
		"reads, 1 team of 10 | real-time read (Service.RealTime) uncached",
		"reads, 1 team of 10 | 30-day dashboard uncached",
		"reads, 1 team of 10 | uncached real-time read, CPU time per read",
		"reads, 1 team of 10 | uncached 30-day dashboard, CPU time per read",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d is %q, want it to start with %q", i, lines[i], w)
		}
	}
	var b strings.Builder
	rep.Write(&b)
	if got := strings.Count(b.String(), "\n| "); got != len(want) { // rows after the header
		t.Errorf("the table has %d rows, want %d:\n%s", got, len(want), b.String())
	}

	// Every profile, with the statements its runs made.
	for name, stmt := range map[string]string{
		"daily_5":                  "INSERT INTO",
		"monthly_on_the_1st":       "INSERT INTO",
		"monthly_settled":          "SELECT id, team_id, whatsapp_account_id",
		"monthly_direct":           "INSERT INTO",
		"scale_3":                  "INSERT INTO",
		"scale_5":                  "INSERT INTO",
		"reads_realtime_uncached":  "DECLARE analytics_scan",
		"reads_dashboard_uncached": "DECLARE analytics_scan",
	} {
		if fi, err := os.Stat(filepath.Join(o.ProfileDir, name+".pprof")); err != nil || fi.Size() == 0 {
			t.Errorf("profile %s: %v, %v; want a non-empty file", name, fi, err)
		}
		txt, err := os.ReadFile(filepath.Join(o.ProfileDir, name+".statements.txt"))
		if err != nil {
			t.Errorf("statements of %s: %v", name, err)
			continue
		}
		if !strings.Contains(string(txt), stmt) {
			t.Errorf("statements of %s do not list %q:\n%s", name, stmt, txt)
		}
	}
}
