package pgstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// envInt reads a positive integer from the environment, or returns def.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q is not a positive integer", name, v)
	}
	return n
}

// BenchmarkDailySnapshots generates the daily snapshots of every team
// (team-wide and per account) for one day of a synthetic dataset, as the
// daily job does: Snapshotter.GenerateAll over the store. Sizes come from
// the environment:
//
//	PGSTORE_BENCH_TEAMS             teams (default 50), 3 accounts each
//	PGSTORE_BENCH_MESSAGES_PER_DAY  messages per day over all teams (default 200 × teams)
//	PGSTORE_BENCH_BATCH             Snapshotter.BatchSize (default 200)
//
// For example, 1000 teams and 330,000 messages a day:
//
//	PGSTORE_BENCH_TEAMS=1000 PGSTORE_BENCH_MESSAGES_PER_DAY=330000 \
//	    go test -run '^$' -bench DailySnapshots -benchtime 3x ./store/pgstore
//
// It reports the statements each run takes (statements/op) besides time.
func BenchmarkDailySnapshots(b *testing.B) {
	teams := envInt(b, "PGSTORE_BENCH_TEAMS", 50)
	perDay := envInt(b, "PGSTORE_BENCH_MESSAGES_PER_DAY", 200*teams)
	batch := envInt(b, "PGSTORE_BENCH_BATCH", 200)
	ctx := context.Background()
	db := testenv.DB(b)
	var schema string
	if err := db.NewRaw(`SELECT current_schema()`).Scan(ctx, &schema); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, testenv.Require(b, "TEST_DATABASE_URL"))
	if err != nil {
		b.Fatal(err)
	}
	cfg := synth.Config{Teams: teams, MessagesPerDay: perDay, Days: 4, Start: analytics.NewDate(2026, 3, 2)}
	stats, err := synth.LoadPostgres(ctx, conn, schema, cfg)
	conn.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d messages, %d rows", stats.Messages, stats.Rows())
	st, err := pgstore.New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateRecommendedIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	h := &countHook{}
	db.AddQueryHook(h)
	// 2026-03-04 (the third day, with a day of data on either side) is the
	// last complete day everywhere at 14:00 UTC on 03-05.
	clock := analytics.NewFakeClock(time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC))
	sn, err := analytics.NewSnapshotter(st, &analytics.SnapshotterConfig{Clock: clock, BatchSize: batch})
	if err != nil {
		b.Fatal(err)
	}
	statements := 0
	b.ResetTimer()
	for b.Loop() {
		var rep analytics.Report
		statements += h.counting(func() { rep, err = sn.GenerateAll(ctx, analytics.Daily, clock.Now()) })
		if err != nil || rep.Failed > 0 || rep.Succeeded != teams*4 {
			b.Fatalf("GenerateAll: %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
}

// BenchmarkAggregateHours aggregates one day of every scope of
// PGSTORE_BENCH_TEAMS generated teams (default 50) without working hours
// and with working hours on every team, to measure what business times
// cost.
func BenchmarkAggregateHours(b *testing.B) {
	teams := envInt(b, "PGSTORE_BENCH_TEAMS", 50)
	ctx := context.Background()
	db := testenv.DB(b)
	var schema string
	if err := db.NewRaw(`SELECT current_schema()`).Scan(ctx, &schema); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, testenv.Require(b, "TEST_DATABASE_URL"))
	if err != nil {
		b.Fatal(err)
	}
	cfg := synth.Config{Teams: teams, MessagesPerDay: 330 * teams, Days: 4, Start: analytics.NewDate(2026, 3, 2)}
	if _, err := synth.LoadPostgres(ctx, conn, schema, cfg); err != nil {
		b.Fatal(err)
	}
	conn.Close(ctx)
	st, err := pgstore.New(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateRecommendedIndexes(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	list, err := st.Teams(ctx, "", teams)
	if err != nil {
		b.Fatal(err)
	}
	var items []analytics.ScopePeriod
	all := map[string]*analytics.WorkingHours{}
	giveHours(list)
	for i, t := range list {
		loc, err := t.Location()
		if err != nil {
			b.Fatal(err)
		}
		p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 4), loc)
		if err != nil {
			b.Fatal(err)
		}
		for _, sc := range t.Scopes() {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
		}
		if t.Hours == nil {
			t.Hours = list[(i+1)%len(list)].Hours // every team gets some
		}
		all[t.ID] = t.Hours
	}
	for _, c := range []struct {
		name  string
		hours map[string]*analytics.WorkingHours
	}{{"none", nil}, {"all", all}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: items, WorkingHours: c.hours}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
