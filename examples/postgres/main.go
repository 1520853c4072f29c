// Command postgres runs the SDK's full stack on Postgres and Redis: it loads
// generated activity (data.go) into source tables in a schema of its own,
// migrates the snapshot tables, creates the recommended indexes,
// generates daily snapshots for the last days (with a progress bar), then
// weekly and monthly ones, and reads real-time and dashboard metrics through
// the two-tier cache (memory in front of Redis), timing a cold read, a read
// served by Redis and a read served from memory.
//
//	go run ./examples/postgres
//
// It connects to DATABASE_URL and REDIS_URL (defaulting to a local Postgres
// database "test" and Redis database 0); -h lists the flags.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/pgstore"
	"github.com/msgstats/analytics/store/sample"
)

const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
	// schemaMarker is the comment the program puts on the schemas it makes;
	// it drops and re-creates only a schema that carries it.
	schemaMarker = "msgstats/analytics examples/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "postgres:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	databaseURL, redisURL string
	schema, redisPrefix   string
	teams, accounts       int
	messagesPerDay        int
	activityDays          int
	snapshotDays          int
	dashboardDays         int
	team                  string
	now                   time.Time // zero: the system clock
	drop                  bool
}

func parseFlags(out io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("postgres", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.databaseURL, "database-url", envOr("DATABASE_URL", defaultDatabaseURL), "Postgres URL (default $DATABASE_URL, else a local database \"test\")")
	fs.StringVar(&o.redisURL, "redis-url", envOr("REDIS_URL", defaultRedisURL), "Redis URL (default $REDIS_URL, else local Redis database 0)")
	fs.StringVar(&o.schema, "schema", "analytics_example", "Postgres schema of the example's tables; dropped and re-created at start")
	fs.StringVar(&o.redisPrefix, "redis-prefix", "", "Redis key prefix of the run; its keys are deleted at the end (default analytics-example-<random>)")
	fs.IntVar(&o.teams, "teams", 10, "number of teams")
	fs.IntVar(&o.accounts, "accounts", 3, "WhatsApp accounts per team")
	fs.IntVar(&o.activityDays, "days", 32, "days of activity, ending today")
	fs.IntVar(&o.messagesPerDay, "messages-per-day", 2000, "messages per day across all teams")
	fs.IntVar(&o.snapshotDays, "snapshot-days", 30, "daily snapshots to generate per team, ending yesterday")
	fs.IntVar(&o.dashboardDays, "dashboard-days", 14, "length of the dashboard read, in days")
	fs.StringVar(&o.team, "team", "", "team whose metrics are read (default the first team)")
	now := fs.String("now", "", "pretend the time is this RFC 3339 instant (default the system clock)")
	fs.BoolVar(&o.drop, "drop", false, "drop the schema at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return o, fmt.Errorf("-now: %w", err)
		}
		o.now = t
	}
	switch {
	case o.teams < 1:
		return o, errors.New("-teams must be at least 1")
	case o.accounts < 1:
		return o, errors.New("-accounts must be at least 1")
	case o.messagesPerDay < 1:
		return o, errors.New("-messages-per-day must be at least 1")
	case o.activityDays < 1:
		return o, errors.New("-days must be at least 1")
	case o.snapshotDays < 1 || o.snapshotDays > 3660:
		return o, errors.New("-snapshot-days must be in 1..3660")
	case o.dashboardDays < 1 || o.dashboardDays > analytics.MaxDashboardDays:
		return o, fmt.Errorf("-dashboard-days must be in 1..%d", analytics.MaxDashboardDays)
	}
	if err := checkSchemaName(o.schema); err != nil {
		return o, err
	}
	if o.redisPrefix == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return o, err
		}
		o.redisPrefix = "analytics-example-" + hex.EncodeToString(b[:])
	}
	return o, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// checkSchemaName refuses the schemas a database needs for itself.
func checkSchemaName(s string) error {
	switch {
	case s == "":
		return errors.New("-schema must not be empty")
	case s == "public" || s == "information_schema" || strings.HasPrefix(s, "pg_"):
		return fmt.Errorf("-schema %q: the example drops its schema; pick one of its own", s)
	}
	return nil
}

// stopwatch measures wall time; the library's SystemClock is the program's
// only source of it.
type stopwatch struct{ clock analytics.Clock }

func (w stopwatch) start() func() time.Duration {
	t0 := w.clock.Now()
	return func() time.Duration { return w.clock.Now().Sub(t0) }
}

func run(ctx context.Context, out io.Writer, args []string) (err error) {
	o, err := parseFlags(out, args)
	if err != nil {
		return err
	}
	wall := stopwatch{analytics.SystemClock()}
	total := wall.start()
	var clock analytics.Clock = analytics.SystemClock()
	if !o.now.IsZero() {
		clock = analytics.NewFakeClock(o.now)
	}
	now := clock.Now()

	fmt.Fprintf(out, "Postgres  %s, schema %q\n", redactURL(o.databaseURL), o.schema)
	fmt.Fprintf(out, "Redis     %s, key prefix %q\n", redactURL(o.redisURL), o.redisPrefix)
	fmt.Fprintf(out, "Now       %s\n\n", now.UTC().Format(time.RFC3339))

	c, err := connect(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := c.close(ctx, out, o); cerr != nil && err == nil {
			err = cerr
		}
	}()

	// 1. The schema and the host's source tables, filled with the data.
	if err := resetSchema(ctx, c.conn, o.schema); err != nil {
		return err
	}
	c.madeSchema = true
	data, err := loadData(ctx, out, wall, c.conn, o, now)
	if err != nil {
		return err
	}
	// 2. and 3. The store: its tables in the same schema, reading the
	// source tables there.
	store, err := openStore(ctx, out, wall, c.db, o.schema, clock)
	if err != nil {
		return err
	}
	// The cache: memory in front of Redis. Its clock is always the system
	// clock: entries expire in real time even when -now sets the data's.
	cache, err := gocache.New(&gocache.Config{Redis: c.rdb, Prefix: o.redisPrefix})
	if err != nil {
		return err
	}
	defer cache.Close()
	// Dashboard warming is off so that the first read below is really cold.
	svc, err := analytics.New(store, &analytics.Config{Clock: clock, Cache: cache, WarmDashboards: []int{}})
	if err != nil {
		return err
	}

	// 4. Snapshots: one run per day, oldest first, for every team in its
	// own zone; then the weeks and months those days touch.
	gen, err := generate(ctx, out, wall, svc.Snapshotter(), now, o.snapshotDays)
	if err != nil {
		return err
	}
	// 5. Reads through the cache.
	r, err := readThroughCache(ctx, out, wall, replica{store, svc, cache}, c.rdb, o, clock)
	if err != nil {
		return err
	}
	// 6. Summary, from the database itself.
	rows, err := countSnapshots(ctx, c.conn, o.schema, store.Config().SnapshotTable)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nSummary\n")
	fmt.Fprintf(out, "  data         %d rows in %s (%s)\n", data.rows(), ms(data.took), o.schema)
	fmt.Fprintf(out, "  snapshots    Daily %d, Weekly %d, Monthly %d rows in %s.%s\n", rows["Daily"], rows["Weekly"], rows["Monthly"], o.schema, store.Config().SnapshotTable)
	printTimes(out, gen, r, total())
	return nil
}

// printTimes prints the summary's times.
func printTimes(out io.Writer, gen generated, r readTimes, total time.Duration) {
	fmt.Fprintf(out, "  generation   %d snapshots written, %d failed, in %s (%.0f snapshots/s)\n", gen.written, gen.failed, ms(gen.took), float64(gen.written)/gen.took.Seconds())
	fmt.Fprintf(out, "  real time    cold %s, Redis %s, memory %s\n", ms(r.realTime[0]), ms(r.realTime[1]), ms(r.realTime[2]))
	fmt.Fprintf(out, "  dashboard    cold %s, Redis %s, memory %s\n", ms(r.dashboard[0]), ms(r.dashboard[1]), ms(r.dashboard[2]))
	fmt.Fprintf(out, "  total        %s\n", ms(total))
}

// conns are the program's connections: one pgx connection for the bulk
// load, a Bun pool for the store, and a Redis client with
// ContextTimeoutEnabled, which the cache needs to bound slow Redis calls.
type conns struct {
	conn       *pgx.Conn
	db         *bun.DB
	rdb        *redis.Client
	madeSchema bool // the schema is the run's: -drop drops it
}

func connect(ctx context.Context, o options) (*conns, error) {
	pgcfg, err := pgx.ParseConfig(o.databaseURL)
	if err != nil {
		return nil, err
	}
	ropts, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	conn, err := pgx.Connect(ctx, o.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("connecting to Postgres: %w", err)
	}
	ropts.ContextTimeoutEnabled = true
	c := &conns{conn: conn, db: bun.NewDB(sql.OpenDB(stdlib.GetConnector(*pgcfg)), pgdialect.New()), rdb: redis.NewClient(ropts)}
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		c.rdb.Close()
		c.db.Close()
		conn.Close(ctx)
		return nil, fmt.Errorf("connecting to Redis: %w", err)
	}
	return c, nil
}

// close deletes the run's Redis keys (of no use to anyone else), drops the
// schema with -drop, and closes the connections.
func (c *conns) close(ctx context.Context, out io.Writer, o options) error {
	ctx = context.WithoutCancel(ctx)
	defer c.conn.Close(ctx)
	defer c.db.Close()
	defer c.rdb.Close()
	var errs []error
	if o.drop && c.madeSchema {
		if _, err := c.conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{o.schema}.Sanitize()+" CASCADE"); err != nil {
			errs = append(errs, fmt.Errorf("dropping schema %q: %w", o.schema, err))
		} else {
			fmt.Fprintf(out, "Dropped schema %q.\n", o.schema)
		}
	}
	if n, err := deletePrefix(ctx, c.rdb, o.redisPrefix); err != nil {
		errs = append(errs, fmt.Errorf("deleting the run's Redis keys: %w", err))
	} else {
		fmt.Fprintf(out, "Deleted the run's %d Redis keys.\n", n)
	}
	return errors.Join(errs...)
}

// loadedData is what loadData wrote, and how long it took.
type loadedData struct {
	loaded
	took time.Duration
}

// loadData generates the data (data.go) and loads it into the source
// tables. It covers the last o.activityDays UTC days up to today, plus
// tomorrow, which is already today in zones east of UTC.
func loadData(ctx context.Context, out io.Writer, wall stopwatch, conn *pgx.Conn, o options, now time.Time) (loadedData, error) {
	elapsed := wall.start()
	start := analytics.DateOf(now.UTC()).AddDays(-(o.activityDays - 1))
	days := o.activityDays + 1
	teams := sample.Teams(o.teams, o.accounts)
	activity, err := sample.Activity(teams, start, days, o.messagesPerDay)
	if err != nil {
		return loadedData{}, err
	}
	n, err := loadSource(ctx, conn, o.schema, teams, activity)
	if err != nil {
		return loadedData{}, fmt.Errorf("loading the data: %w", err)
	}
	d := loadedData{n, elapsed()}
	fmt.Fprintf(out, "1. Data      %d teams, %d accounts, %d messages, %d conversations, %d contacts, %d campaigns; %d days from %s (%s)\n",
		n.teams, n.accounts, n.messages, n.conversations, n.contacts, n.campaigns, days, start, ms(d.took))
	return d, nil
}

// openStore opens the store on schema, reading the source tables there,
// migrates its tables and creates the recommended indexes.
func openStore(ctx context.Context, out io.Writer, wall stopwatch, db *bun.DB, schema string, clock analytics.Clock) (*pgstore.Store, error) {
	elapsed := wall.start()
	store, err := pgstore.New(ctx, db, &pgstore.Config{Schema: schema, Source: pgstore.Source{Schema: schema}, Clock: clock})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "2. Migrate   %s.%s and %s ready (%s)\n", schema, store.Config().SnapshotTable, store.Config().JobRunsTable, ms(elapsed()))
	elapsed = wall.start()
	if err := store.CreateRecommendedIndexes(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "3. Indexes   %d recommended indexes on the source tables (%s)\n", len(store.RecommendedIndexes()), ms(elapsed()))
	return store, nil
}

// replica is one process's view: the store, and a Service on its own
// cache.
type replica struct {
	store *pgstore.Store
	svc   *analytics.Service
	cache *gocache.Cache
}

// readTimes are the times of the cold, Redis and memory reads.
type readTimes struct{ realTime, dashboard [3]time.Duration }

// readThroughCache reads one team's real-time metrics and dashboard three
// times each (see timeReads), through svc (on cache) and a second replica
// with its own memory tier on the same Redis and prefix, and prints the
// results.
func readThroughCache(ctx context.Context, out io.Writer, wall stopwatch, first replica, rdb *redis.Client, o options, clock analytics.Clock) (readTimes, error) {
	var r readTimes
	store, svc, cache := first.store, first.svc, first.cache
	team, err := pickTeam(ctx, store, o.team)
	if err != nil {
		return r, err
	}
	cache2, err := gocache.New(&gocache.Config{Redis: rdb, Prefix: o.redisPrefix})
	if err != nil {
		return r, err
	}
	defer cache2.Close()
	svc2, err := analytics.New(store, &analytics.Config{Clock: clock, Cache: cache2, WarmDashboards: []int{}})
	if err != nil {
		return r, err
	}
	rt, rtTimes, err := timeReads(wall, func(s *analytics.Service) (analytics.Metrics, error) {
		return s.RealTime(ctx, analytics.TeamScope(team.ID))
	}, svc, svc2)
	if err != nil {
		return r, fmt.Errorf("real-time read: %w", err)
	}
	dash, dashTimes, err := timeReads(wall, func(s *analytics.Service) (analytics.Dashboard, error) {
		return s.Dashboard(ctx, team.ID, o.dashboardDays)
	}, svc, svc2)
	if err != nil {
		return r, fmt.Errorf("dashboard read: %w", err)
	}
	r = readTimes{rtTimes, dashTimes}
	s1, s2 := cache.Stats(), cache2.Stats()
	fmt.Fprintf(out, "\n5. Reads of team %s (%s) through the cache:\n", team.ID, zoneName(team.TimeZone))
	fmt.Fprintf(out, "   %-22s %16s %16s %16s\n", "", "cold (Postgres)", "warm (Redis)", "warm (memory)")
	fmt.Fprintf(out, "   %-22s %16s %16s %16s\n", "real time, team-wide", ms(rtTimes[0]), ms(rtTimes[1]), ms(rtTimes[2]))
	fmt.Fprintf(out, "   %-22s %16s %16s %16s\n", fmt.Sprintf("dashboard, %d days", o.dashboardDays), ms(dashTimes[0]), ms(dashTimes[1]), ms(dashTimes[2]))
	fmt.Fprintf(out, "   All three reads of each returned the same metrics. Cache: %d loads from Postgres, %d Redis hits, %d memory hits.\n",
		s1.Loads+s2.Loads, s1.L2.Hits+s2.L2.Hits, s1.L1.Hits+s2.L1.Hits)
	printReads(out, rt, dash, o.dashboardDays)
	return r, nil
}

// pickTeam returns the team id, or the first team when id is empty.
func pickTeam(ctx context.Context, store *pgstore.Store, id string) (analytics.Team, error) {
	if id == "" {
		teams, err := store.Teams(ctx, "", 1)
		if err != nil {
			return analytics.Team{}, err
		}
		id = teams[0].ID
	}
	return store.Team(ctx, id)
}

// printReads prints the metrics the reads returned.
func printReads(out io.Writer, rt analytics.Metrics, dash analytics.Dashboard, days int) {
	m := rt.Messages
	fmt.Fprintf(out, "\n   Real time, today so far (as of %s): %d messages (%d inbound, %d outbound), delivery %.2f%%, read %.2f%%, reply %.2f%%, %d conversations, avg response %.0f s\n",
		rt.GeneratedAt.UTC().Format(time.RFC3339), m.Total, m.Inbound, m.Outbound, m.DeliveryRate, m.ReadRate, m.ReplyRate,
		rt.Conversations.Total, rt.Conversations.AvgResponseTime)
	c, p, g := dash.Current, dash.Previous, dash.Growth
	fmt.Fprintf(out, "   Dashboard, last %d days: %d messages (previous %d days: %d, %+.2f%%), delivery %.2f%% (%+.2f pt), read %.2f%% (%+.2f pt), reply %.2f%% (%+.2f pt), avg response %.0f s (%+.2f%%)\n",
		days, c.Messages.Total, days, p.Messages.Total, g.Messages,
		c.Messages.DeliveryRate, g.DeliveryRate, c.Messages.ReadRate, g.ReadRate, c.Messages.ReplyRate, g.ReplyRate,
		c.Conversations.AvgResponseTime, g.AvgResponseTime)
	fmt.Fprintf(out, "   The dashboard read %d finished days from daily snapshots and aggregated live today so far, the previous window's last day (cut at the same time of day) and %d days without a snapshot.\n",
		2*days-2-len(dash.LiveDays), len(dash.LiveDays))
}

// generated sums the snapshot runs.
type generated struct {
	written, failed int
	took            time.Duration
}

// generate writes the daily snapshots of the last days days before now,
// one Snapshotter run per day with a progress bar, then the weekly and
// monthly snapshots of the periods those days touch.
func generate(ctx context.Context, out io.Writer, wall stopwatch, snap *analytics.Snapshotter, now time.Time, days int) (generated, error) {
	var g generated
	elapsed := wall.start()
	fmt.Fprintf(out, "4. Snapshots\n")
	bar := newProgress(out, "   Daily  ", days)
	bar.draw(0, 0, 0)
	for i := range days {
		back := days - 1 - i // days before yesterday
		rep, err := snap.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			last, err := analytics.LastCompletePeriod(analytics.Daily, now, loc)
			if err != nil {
				return nil, err
			}
			p, err := analytics.PeriodForDate(analytics.Daily, last.Date.AddDays(-back), loc)
			return []analytics.Period{p}, err
		})
		g.written += rep.Succeeded
		g.failed += rep.Failed
		if err != nil {
			fmt.Fprintln(out)
			return g, err
		}
		bar.draw(i+1, g.written, g.failed)
	}
	bar.finish(fmt.Sprintf("(%s)", ms(elapsed())))
	for _, typ := range []analytics.SnapshotType{analytics.Weekly, analytics.Monthly} {
		t := wall.start()
		rep, err := snap.Run(ctx, typ, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			last, err := analytics.LastCompletePeriod(analytics.Daily, now, loc)
			if err != nil {
				return nil, err
			}
			first, err := analytics.PeriodForDate(analytics.Daily, last.Date.AddDays(-(days - 1)), loc)
			if err != nil {
				return nil, err
			}
			var ps []analytics.Period
			p, err := analytics.LastCompletePeriod(typ, now, loc)
			for ; err == nil && p.End.After(first.Start); p = p.Prev() {
				ps = append(ps, p)
			}
			return ps, err
		})
		g.written += rep.Succeeded
		g.failed += rep.Failed
		if err != nil {
			return g, err
		}
		fmt.Fprintf(out, "   %-7s %d teams, %d snapshots written, %d failed (%s)\n", typ, rep.Teams, rep.Succeeded, rep.Failed, ms(t()))
	}
	g.took = elapsed()
	return g, nil
}

// progress draws a text progress bar. On a terminal it is one line,
// redrawn in place after every day; elsewhere (a file, a pipe, a test's
// buffer) it prints a new line at every tenth of the work, so logs stay
// readable.
type progress struct {
	out      io.Writer
	label    string
	total    int
	terminal bool
	shown    int // the last tenth printed, when not on a terminal
}

const barWidth = 30

func newProgress(out io.Writer, label string, total int) *progress {
	p := &progress{out: out, label: label, total: total, shown: -1}
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) draw(done, written, failed int) {
	n := barWidth * done / p.total
	line := fmt.Sprintf("%s[%s%s] %3d/%d days  %d snapshots written, %d failed",
		p.label, strings.Repeat("#", n), strings.Repeat(".", barWidth-n), done, p.total, written, failed)
	switch tenth := 10 * done / p.total; {
	case p.terminal:
		fmt.Fprint(p.out, "\r"+line)
	case tenth > p.shown:
		if p.shown >= 0 {
			fmt.Fprintln(p.out)
		}
		p.shown = tenth
		fmt.Fprint(p.out, line)
	}
}

// finish ends the bar's line with note.
func (p *progress) finish(note string) { fmt.Fprintf(p.out, "  %s\n", note) }

// timeReads reads through three paths and times each: first on a (cold),
// then on b, a second replica whose memory is empty (served by Redis), then
// on a again (served from memory). The three results must agree.
func timeReads[T any](wall stopwatch, read func(*analytics.Service) (T, error), a, b *analytics.Service) (T, [3]time.Duration, error) {
	var times [3]time.Duration
	var vals [3]T
	for i, s := range []*analytics.Service{a, b, a} {
		elapsed := wall.start()
		v, err := read(s)
		if err != nil {
			return v, times, err
		}
		times[i], vals[i] = elapsed(), v
	}
	first, err := json.Marshal(vals[0])
	if err != nil {
		return vals[0], times, err
	}
	for _, v := range vals[1:] {
		b, err := json.Marshal(v)
		if err != nil {
			return vals[0], times, err
		}
		if !bytes.Equal(first, b) {
			return vals[0], times, errors.New("a cached read differs from the cold read")
		}
	}
	return vals[0], times, nil
}

// resetSchema drops schema (when this program made it) and creates it
// anew, marked as the program's.
func resetSchema(ctx context.Context, conn *pgx.Conn, schema string) error {
	var comment *string
	err := conn.QueryRow(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&comment)
	q := pgx.Identifier{schema}.Sanitize()
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("looking up schema %q: %w", schema, err)
	case comment == nil || *comment != schemaMarker:
		return fmt.Errorf("schema %q exists and was not made by this example; pass another -schema", schema)
	default:
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+q+" CASCADE"); err != nil {
			return fmt.Errorf("dropping schema %q: %w", schema, err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+q); err != nil {
		return fmt.Errorf("creating schema %q: %w", schema, err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON SCHEMA "+q+" IS '"+schemaMarker+"'"); err != nil {
		return fmt.Errorf("marking schema %q: %w", schema, err)
	}
	return nil
}

// countSnapshots returns the snapshot rows per type.
func countSnapshots(ctx context.Context, conn *pgx.Conn, schema, table string) (map[string]int64, error) {
	rows, err := conn.Query(ctx, "SELECT snapshot_type::text, count(*) FROM "+pgx.Identifier{schema, table}.Sanitize()+" GROUP BY 1")
	if err != nil {
		return nil, fmt.Errorf("counting snapshots: %w", err)
	}
	out := map[string]int64{}
	var typ string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&typ, &n}, func() error { out[typ] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("counting snapshots: %w", err)
	}
	return out, nil
}

// deletePrefix deletes every key under prefix+":" with SCAN and DEL (never
// FLUSHDB: the Redis may be shared) and returns how many it deleted.
func deletePrefix(ctx context.Context, rdb *redis.Client, prefix string) (int64, error) {
	var n int64
	iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		d, err := rdb.Del(ctx, batch...).Result()
		n += d
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// redactURL hides a password in a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func zoneName(z string) string {
	if z == "" {
		return "UTC"
	}
	return z
}

// ms formats a duration in milliseconds, with more digits for short ones.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.3f ms", v)
	}
}
