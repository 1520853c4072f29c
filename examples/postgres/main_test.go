package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

// TestMain fails the run if a goroutine outlives the tests: the program
// must close its pools, clients and caches.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testDB connects to TEST_DATABASE_URL and picks a schema name of the
// test's own, dropped at cleanup whatever the program left.
func testDB(t *testing.T) (*pgx.Conn, string, string) {
	t.Helper()
	url := requireEnv(t, "TEST_DATABASE_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL is set but Postgres cannot be reached: %v", err)
	}
	schema := uniqueName("example_pg_")
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	return conn, url, schema
}

// testRedis connects to TEST_REDIS_URL and picks a key prefix of the test's
// own, whose keys are deleted at cleanup whatever the program left.
func testRedis(t *testing.T) (string, *redis.Client, string) {
	t.Helper()
	url := requireEnv(t, "TEST_REDIS_URL")
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		rdb.Close()
		t.Fatalf("TEST_REDIS_URL is set but Redis cannot be reached: %v", err)
	}
	prefix := uniqueName("example-pg-")
	t.Cleanup(func() {
		if _, err := deletePrefix(context.Background(), rdb, prefix); err != nil {
			t.Errorf("deleting keys under %s: %v", prefix, err)
		}
		rdb.Close()
	})
	return url, rdb, prefix
}

// TestRun runs the program on small data at a fixed instant and checks what
// it prints against the database it wrote and against the same data
// aggregated independently in memory.
func TestRun(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	redisURL, rdb, prefix := testRedis(t)
	ctx := context.Background()

	const (
		teams, accounts, days, perDay = 3, 2, 12, 600
		snapshotDays, dashboardDays   = 10, 5
	)
	// A Tuesday: the daily snapshots cover 2026-10-24 to 11-02 in each of
	// the teams' zones (UTC, New York, Berlin), which touch two complete
	// ISO weeks (from 10-19 and 10-26) and one complete month (October).
	now := time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)
	const weeklyWant, monthlyWant = teams * (1 + accounts) * 2, teams * (1 + accounts) * 1
	var out bytes.Buffer
	err := run(ctx, &out, []string{
		"-database-url", dbURL, "-redis-url", redisURL, "-schema", schema, "-redis-prefix", prefix,
		"-teams", strconv.Itoa(teams), "-accounts", strconv.Itoa(accounts), "-days", strconv.Itoa(days),
		"-messages-per-day", strconv.Itoa(perDay), "-snapshot-days", strconv.Itoa(snapshotDays),
		"-dashboard-days", strconv.Itoa(dashboardDays), "-now", now.Format(time.RFC3339),
	})
	s := out.String()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, s)
	}

	dailyWant := teams * (1 + accounts) * snapshotDays
	for _, want := range []string{
		fmt.Sprintf("%d teams, %d accounts, %d messages,", teams, teams*accounts, perDay*(days+1)),
		fmt.Sprintf("[##############################]  %d/%d days  %d snapshots written, 0 failed", snapshotDays, snapshotDays, dailyWant),
		"Reads of team team-0001 (UTC)",
		"All three reads of each returned the same metrics. Cache: 2 loads from Postgres, 2 Redis hits, 2 memory hits.",
		fmt.Sprintf("The dashboard read %d finished days from daily snapshots", 2*dashboardDays-2),
		"and 0 days without a snapshot",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}

	// The summary's row counts are the table's.
	counts := map[string]int{}
	rows, err := conn.Query(ctx, "SELECT snapshot_type::text, count(*)::int FROM "+pgx.Identifier{schema, "analytics_snapshots"}.Sanitize()+" GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var typ string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&typ, &n}, func() error { counts[typ] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"Daily": dailyWant, "Weekly": weeklyWant, "Monthly": monthlyWant}, counts); diff != "" {
		t.Errorf("snapshot rows per type (-want +got):\n%s", diff)
	}
	summary := fmt.Sprintf("snapshots    Daily %d, Weekly %d, Monthly %d rows", counts["Daily"], counts["Weekly"], counts["Monthly"])
	if !strings.Contains(s, summary) {
		t.Errorf("output lacks %q:\n%s", summary, s)
	}

	// Each team's team-wide daily snapshots are the snapshotDays local
	// days before its today.
	tms := sample.Teams(teams, accounts)
	for _, tm := range tms {
		loc, err := time.LoadLocation(tm.TimeZone)
		if err != nil {
			t.Fatal(err)
		}
		yesterday := analytics.DateOf(now.In(loc)).AddDays(-1)
		var want []string
		for i := snapshotDays - 1; i >= 0; i-- {
			want = append(want, yesterday.AddDays(-i).String())
		}
		rows, err := conn.Query(ctx, "SELECT date::text FROM "+pgx.Identifier{schema, "analytics_snapshots"}.Sanitize()+
			" WHERE team_id = $1 AND whatsapp_account_id IS NULL AND snapshot_type = 'Daily' ORDER BY date", tm.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("daily snapshot dates of %s (%s) (-want +got):\n%s", tm.ID, tm.TimeZone, diff)
		}
	}

	// The printed metrics equal the same data aggregated in memory, with no
	// snapshots and no cache.
	mem := memstore.New(nil)
	// As the program does: days UTC days up to today, plus tomorrow.
	activity, err := sample.Activity(tms, analytics.DateOf(now).AddDays(-(days - 1)), days+1, perDay)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.AddTeams(tms...); err != nil {
		t.Fatal(err)
	}
	if err := mem.Add(activity); err != nil {
		t.Fatal(err)
	}
	ref, err := analytics.New(mem, &analytics.Config{Clock: analytics.NewFakeClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := ref.RealTime(ctx, analytics.TeamScope("team-0001"))
	if err != nil {
		t.Fatal(err)
	}
	dash, err := ref.Dashboard(ctx, "team-0001", dashboardDays)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("Real time, today so far (as of %s): %d messages (%d inbound, %d outbound), delivery %.2f%%, read %.2f%%, reply %.2f%%, %d conversations,",
			now.Format(time.RFC3339), rt.Messages.Total, rt.Messages.Inbound, rt.Messages.Outbound,
			rt.Messages.DeliveryRate, rt.Messages.ReadRate, rt.Messages.ReplyRate, rt.Conversations.Total),
		fmt.Sprintf("Dashboard, last %d days: %d messages (previous %d days: %d, %+.2f%%), delivery %.2f%% (%+.2f pt), read %.2f%% (%+.2f pt), reply %.2f%% (%+.2f pt),",
			dashboardDays, dash.Current.Messages.Total, dashboardDays, dash.Previous.Messages.Total, dash.Growth.Messages,
			dash.Current.Messages.DeliveryRate, dash.Growth.DeliveryRate, dash.Current.Messages.ReadRate, dash.Growth.ReadRate,
			dash.Current.Messages.ReplyRate, dash.Growth.ReplyRate),
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if rt.Messages.Total == 0 || dash.Current.Messages.Total == 0 {
		t.Errorf("the reference saw no messages (real time %d, dashboard %d): the data does not cover now", rt.Messages.Total, dash.Current.Messages.Total)
	}

	// The run deleted its Redis keys, and said how many.
	if m := regexp.MustCompile(`Deleted the run's (\d+) Redis keys\.`).FindStringSubmatch(s); m == nil || m[1] == "0" {
		t.Errorf("no report of deleted Redis keys:\n%s", s)
	}
	keys, _, err := rdb.Scan(ctx, 0, prefix+":*", 1000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys left under the run's prefix: %q", keys)
	}
}

// TestRunResetAndDrop runs the program twice on one schema (the second run
// replaces the first's data) with -drop, which removes the schema.
func TestRunResetAndDrop(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	redisURL, _, prefix := testRedis(t)
	ctx := context.Background()
	args := []string{"-database-url", dbURL, "-redis-url", redisURL, "-schema", schema, "-redis-prefix", prefix,
		"-teams", "1", "-accounts", "1", "-days", "2", "-messages-per-day", "50", "-snapshot-days", "1",
		"-dashboard-days", "1", "-now", "2026-03-10T12:00:00Z"}
	var out bytes.Buffer
	if err := run(ctx, &out, args); err != nil {
		t.Fatalf("first run: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, &out, append(args, "-drop")); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "snapshots    Daily 2, Weekly ") {
		t.Errorf("the second run's summary is not of one team's data alone:\n%s", out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("Dropped schema %q.", schema)) {
		t.Errorf("no report of the dropped schema:\n%s", out.String())
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("schema %s still exists after -drop", schema)
	}
}

// TestRunRefusesForeignSchema checks that the program never drops a schema
// it did not make, nor a system schema.
func TestRunRefusesForeignSchema(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	redisURL, _, prefix := testRedis(t)
	ctx := context.Background()
	q := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+q+"; CREATE TABLE "+q+".precious (id int)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ schema, want string }{
		{schema, "was not made by this example"},
		{"public", "pick one of its own"},
		{"pg_catalog", "pick one of its own"},
	} {
		var out bytes.Buffer
		err := run(ctx, &out, []string{"-database-url", dbURL, "-redis-url", redisURL, "-schema", tc.schema, "-redis-prefix", prefix})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-schema %s: err = %v, want one saying %q", tc.schema, err, tc.want)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+q+".precious").Scan(&n); err != nil {
		t.Errorf("the foreign schema's table is gone: %v", err)
	}
}
