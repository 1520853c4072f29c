// Command warmbench measures what dashboard warming adds to a catch-up:
// a 35-day daily catch-up for 3 teams through Service.Snapshotter, one run
// per day as the scheduler makes it, on Postgres with a tiered cache
// (memory, and Redis when -redis-url is set), with warming on
// (Config.WarmDashboards nil: 7, 30 and 90 days) and off. It prints the
// median of each and their ratio.
//
// By default the host has been running before the catch-up: the 145 days
// before it (-history) have their daily snapshots, generated before the
// clock starts, so the windows of the 90-day dashboard and its previous
// 90 days are all stored, and warming computes every length. -history 0
// is a host's first backfill: only the dashboards whose two windows the
// catch-up stored (the 7-day one after 35 days) are warmed, the others
// being left to their first read (see Config.WarmDashboards). For
// example:
//
//	go run ./internal/warmbench \
//	    -database-url 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    -redis-url redis://127.0.0.1:6379/0
//
// The dataset is loaded into its own schema (-schema, dropped at the end
// unless -keep).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/bench"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

func main() {
	var o options
	flag.StringVar(&o.url, "database-url", os.Getenv("TEST_DATABASE_URL"), "Postgres URL (default $TEST_DATABASE_URL)")
	flag.StringVar(&o.redisURL, "redis-url", os.Getenv("TEST_REDIS_URL"), "Redis URL of the cache's second tier (default $TEST_REDIS_URL; empty: memory only)")
	flag.StringVar(&o.schema, "schema", "warmbench", "Postgres schema of the dataset")
	flag.BoolVar(&o.keep, "keep", false, "keep the schema after the run")
	flag.IntVar(&o.teams, "teams", 3, "number of teams")
	flag.IntVar(&o.days, "days", 35, "days of the catch-up")
	flag.IntVar(&o.history, "history", 145, "days before the catch-up that have their snapshots")
	flag.IntVar(&o.perDay, "messages-per-day", 1000, "messages per day across all teams")
	flag.IntVar(&o.reps, "reps", 3, "measured catch-ups per setting; the median is reported")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "warmbench:", err)
		os.Exit(1)
	}
}

type options struct {
	url, redisURL, schema              string
	keep                               bool
	teams, days, history, perDay, reps int
}

func run(o options) error {
	if o.url == "" {
		return fmt.Errorf("no database: pass -database-url or set TEST_DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg := *(&synth.Config{Teams: o.teams, Days: o.history + o.days + 1, MessagesPerDay: o.perDay}).WithDefaults()
	ds, err := bench.Load(ctx, o.url, o.schema, cfg, false, os.Stdout)
	if err != nil {
		return err
	}
	if !o.keep {
		defer dropSchema(o.url, o.schema)
	}
	db, err := bench.Open(ctx, o.url, o.schema, 8)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		return err
	}
	var rdb *redis.Client
	if o.redisURL != "" {
		ropts, err := redis.ParseURL(o.redisURL)
		if err != nil {
			return fmt.Errorf("parsing the Redis URL: %w", err)
		}
		ropts.ContextTimeoutEnabled = true
		rdb = redis.NewClient(ropts)
		defer rdb.Close()
	}
	// The catch-up's clock: 03:00 UTC the day after the dataset's last
	// day, so the 35 days before it have ended in every zone.
	end := ds.Config.Start.AddDays(ds.Config.Days).In(time.UTC).Add(3 * time.Hour)

	times := map[bool][]time.Duration{}
	for rep := 0; rep <= o.reps; rep++ { // rep 0 warms Postgres up, unmeasured
		for _, warm := range []bool{false, true} {
			d, err := catchUp(ctx, db, store, rdb, warm, end, o.days, o.history)
			if err != nil {
				return err
			}
			if rep > 0 {
				times[warm] = append(times[warm], d)
			}
			fmt.Printf("rep %d, warming %-3s: %v\n", rep, onOff(warm), d.Round(time.Millisecond))
		}
	}
	off, on := median(times[false]), median(times[true])
	fmt.Printf("\n%d-day daily catch-up after %d days of snapshots, %d teams, %d messages: warming off %v, on %v, ratio %.2f (median of %d)\n",
		o.days, o.history, o.teams, ds.Messages, off.Round(time.Millisecond), on.Round(time.Millisecond),
		float64(on)/float64(off), o.reps)
	return nil
}

// catchUp empties the snapshots, generates those of the history days
// before the catch-up (untimed), and times one catch-up of days daily
// runs, oldest first, through a fresh Service's Snapshotter.
func catchUp(ctx context.Context, db *bench.DB, store *pgstore.Store, rdb *redis.Client, warm bool, now time.Time, days, history int) (time.Duration, error) {
	if _, err := db.ExecContext(ctx, `TRUNCATE analytics_snapshots`); err != nil {
		return 0, err
	}
	clock := analytics.NewFakeClock(now)
	daysAgo := func(from, to int) analytics.PeriodPicker { // from ≥ to ≥ 1
		return func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			var ps []analytics.Period
			for ago := from; ago >= to; ago-- {
				p, err := analytics.PeriodForDate(analytics.Daily, analytics.DateOf(now.In(loc)).AddDays(-ago), loc)
				if err != nil {
					return nil, err
				}
				ps = append(ps, p)
			}
			return ps, nil
		}
	}
	if history > 0 {
		snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
		if err != nil {
			return 0, err
		}
		rep, err := snap.Run(ctx, analytics.Daily, daysAgo(days+history, days+1))
		if err == nil {
			err = rep.Err()
		}
		if err != nil {
			return 0, fmt.Errorf("generating the history: %w", err)
		}
	}
	cc := &gocache.Config{Clock: clock, Prefix: "warmbench-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	if rdb != nil {
		cc.Redis = rdb
	}
	cache, err := gocache.New(cc)
	if err != nil {
		return 0, err
	}
	defer cache.Close()
	cfg := &analytics.Config{Clock: clock, Cache: cache}
	if !warm {
		cfg.WarmDashboards = []int{}
	}
	svc, err := analytics.New(store, cfg)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for ago := days; ago >= 1; ago-- {
		rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, daysAgo(ago, ago))
		if err != nil {
			return 0, err
		}
		if rep.Failed != 0 {
			return 0, fmt.Errorf("the run of %d days ago failed: %w", ago, rep.Err())
		}
	}
	return time.Since(start), nil
}

func dropSchema(url, schema string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warmbench: dropping the schema:", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		fmt.Fprintln(os.Stderr, "warmbench: dropping the schema:", err)
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
