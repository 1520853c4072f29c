package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/latencyproxy"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// Options configure a run.
type Options struct {
	// DatabaseURL is the Postgres to load and measure.
	DatabaseURL string
	// RedisURL is the Redis of the read benchmarks.
	RedisURL string
	// RedisTimeout is the read benchmarks' gocache.Config.RedisTimeout;
	// 0 is the cache's default. Tests on a busy machine raise it, since a
	// Redis call past it turns the cache degraded and its memory tier cold.
	RedisTimeout time.Duration
	// Reuse keeps datasets already loaded by an earlier run.
	Reuse bool
	// Reps is how many measured repetitions each timing takes (after one
	// unmeasured warm-up); the median is reported. Defaults to 3.
	Reps int
	// Teams is the number of teams of the daily and monthly suites.
	// Defaults to 1000.
	Teams int
	// MessagesPerTeamDay is the mean number of messages per team and day.
	// Defaults to 330.
	MessagesPerTeamDay int
	// OriginalTeams limits the original pattern to the first N teams, its
	// time then scaled to all teams; 0 runs it on all of them.
	OriginalTeams int
	// BatchSize is the Snapshotter's BatchSize; 0 for its default.
	BatchSize int
	// Log receives progress lines.
	Log io.Writer
	// ReadsMessagesPerTeamDay is the messages per day of each of the 10
	// teams of the reads suite. Defaults to 18000, which puts a little over
	// 10,000 in the day of the reads.
	ReadsMessagesPerTeamDay int
	// ReplicaURL, if set, is a physical standby of DatabaseURL: the reads
	// suite measures its uncached reads again with the store reading on
	// it (pgstore.Config.Replica). The dataset reaches it by replication.
	ReplicaURL string
	// SchemaPrefix starts the name of every schema a dataset is loaded
	// into. Defaults to "bench_".
	SchemaPrefix string
	// Latency is the one-way network delays the daily suite runs at: at
	// each, every connection of the suite goes through a latencyproxy
	// that delays both directions by it; 0 is a direct connection.
	// Defaults to [0].
	Latency LatencyList
	// ProfileDir, if set, receives for each SDK job and uncached read
	// measured a CPU profile of its runs (NAME.pprof, for go tool pprof)
	// and the time its statements took per run (NAME.statements.txt).
	ProfileDir string
	// ScaleDatabaseURL is the Postgres of the scale suite's monthly
	// dataset of 10,000 teams (MonthlyScale); its source, the monthly
	// suite's dataset, stays in DatabaseURL. Defaults to DatabaseURL.
	ScaleDatabaseURL string
}

func (o *Options) defaults() {
	if o.Reps <= 0 {
		o.Reps = 3
	}
	if o.Teams <= 0 {
		o.Teams = 1000
	}
	if o.MessagesPerTeamDay <= 0 {
		o.MessagesPerTeamDay = 330
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.ReadsMessagesPerTeamDay <= 0 {
		o.ReadsMessagesPerTeamDay = 18000
	}
	if o.SchemaPrefix == "" {
		o.SchemaPrefix = "bench_"
	}
	if len(o.Latency) == 0 {
		o.Latency = LatencyList{0}
	}
}

// dailyStart is the first day of the daily datasets; dailyAt is when the
// daily job runs on them: 09:00 UTC on the sixth day, when the fifth
// (2026-03-05) is the last complete day in every zone of the datasets
// (from 04:00 in New York to 23:00 in Kiritimati), with four days of
// activity before it and one after.
var (
	dailyStart = analytics.NewDate(2026, time.March, 1)
	dailyAt    = time.Date(2026, time.March, 6, 9, 0, 0, 0, time.UTC)
)

const dailyDays = 6

func dailyConfig(teams, perTeamDay int) synth.Config {
	return synth.Config{Teams: teams, MessagesPerDay: teams * perTeamDay, Days: dailyDays, Start: dailyStart}
}

// DailyResult is the measurement of the daily job on one dataset.
type DailyResult struct {
	Teams, Scopes int
	Messages      int64 // messages in the periods of the job
	SDK           Sample
	Statements    int64
	PeakHeap      uint64
	Floor         Sample // PerTeam
	FloorRange    Sample // Range over the UTC day
}

// env is an open dataset: its pool, store and a pgx connection.
type env struct {
	ds    Dataset
	db    *DB
	store *pgstore.Store
	conn  *pgx.Conn
}

// openEnv loads the dataset cfg describes into schema (see Load) and
// connects to it.
func openEnv(ctx context.Context, o *Options, schema string, cfg synth.Config) (*env, error) {
	ds, err := Load(ctx, o.DatabaseURL, schema, cfg, o.Reuse, o.Log)
	if err != nil {
		return nil, err
	}
	return connectEnv(ctx, o.DatabaseURL, ds)
}

// connectEnv connects to the loaded dataset ds at dbURL: a pool of 8,
// its store (migrated) with an empty snapshot table, and a connection.
func connectEnv(ctx context.Context, dbURL string, ds Dataset) (*env, error) {
	db, err := Open(ctx, dbURL, ds.Schema, 8)
	if err != nil {
		return nil, err
	}
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	// A reused dataset gets the migrations added since it was loaded
	// (Migrate is idempotent).
	if err := st.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Every suite starts from an empty snapshot table, as on a dataset's
	// first run: a reused dataset's table otherwise holds the dead row
	// versions of every earlier run (autovacuum is off here, and VACUUM
	// does not shrink a table), and the monthly roll-up, which reads the
	// dailies, would read those too and time slower than on a fresh table.
	if _, err := db.ExecContext(ctx, `TRUNCATE analytics_snapshots`); err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: emptying the snapshots: %w", err)
	}
	pc, err := pgx.ParseConfig(dbURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	pc.RuntimeParams["search_path"] = ds.Schema
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &env{ds: ds, db: db, store: st, conn: conn}, nil
}

func (e *env) Close() {
	e.conn.Close(context.Background())
	e.db.Close()
}

// measureDaily times the SDK's daily job and the floor on e; name names
// its profile (Options.ProfileDir).
func measureDaily(ctx context.Context, o *Options, e *env, name string) (DailyResult, error) {
	var r DailyResult
	clock := analytics.NewFakeClock(dailyAt)
	sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: clock, BatchSize: o.BatchSize})
	if err != nil {
		return r, err
	}
	run := func() error {
		rep, err := sn.GenerateAll(ctx, analytics.Daily, dailyAt)
		if err != nil {
			return err
		}
		if rep.Failed > 0 {
			return fmt.Errorf("bench: daily job: %d scopes failed: %v", rep.Failed, rep.Err())
		}
		r.Teams, r.Scopes = rep.Teams, rep.Succeeded
		return nil
	}
	fmt.Fprintf(o.Log, "bench: daily job on %s\n", e.ds.Schema)
	if r.SDK, r.Statements, r.PeakHeap, err = measureJob(o, e, name, o.Reps, 1, run); err != nil {
		return r, err
	}

	items, err := TeamPeriods(ctx, e.store, analytics.Daily, dailyAt)
	if err != nil {
		return r, err
	}
	f := &Floor{Conn: e.conn}
	if r.Floor, err = Repeat(1, o.Reps, func() error {
		r.Messages, err = f.PerTeam(ctx, items)
		return err
	}); err != nil {
		return r, err
	}
	day := dailyAt.Truncate(24*time.Hour).AddDate(0, 0, -1)
	if r.FloorRange, err = Repeat(1, o.Reps, func() error {
		_, err := f.Range(ctx, day, day.AddDate(0, 0, 1))
		return err
	}); err != nil {
		return r, err
	}
	return r, nil
}

// measureJob times job: warmup unmeasured runs, then reps measured ones,
// the last of which also gives the statements per run and the peak heap.
// With Options.ProfileDir, every run is profiled under name.
func measureJob(o *Options, e *env, name string, reps, warmup int, job func() error) (Sample, int64, uint64, error) {
	var (
		s          Sample
		statements int64
		peak       uint64
	)
	err := profile(o, e.db, name, warmup+reps, func() error {
		var err error
		if s, err = Repeat(warmup, reps-1, job); err != nil {
			return err
		}
		before := e.db.Statements()
		heap := StartHeapPeak(time.Millisecond)
		start := time.Now()
		err = job()
		d := time.Since(start)
		peak = heap.Stop()
		if err != nil {
			return err
		}
		s.Runs = append(s.Runs, d)
		statements = e.db.Statements() - before
		return nil
	})
	return s, statements, peak, err
}

// floor returns the faster of the two floors.
func (r DailyResult) floor() (time.Duration, string) {
	if r.FloorRange.Median() < r.Floor.Median() {
		return r.FloorRange.Median(), "one UTC day, no team list"
	}
	return r.Floor.Median(), "each team's own day"
}

// Daily measures, at each latency of o.Latency, the round trip of a
// SELECT 1, the daily job (a), the original pattern (b) and the floor (c)
// on the daily dataset of o.Teams teams, and adds them to rep.
func Daily(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	name := fmt.Sprintf("daily_%d", o.Teams)
	ds, err := Load(ctx, o.DatabaseURL, o.SchemaPrefix+name, dailyConfig(o.Teams, o.MessagesPerTeamDay), o.Reuse, o.Log)
	if err != nil {
		return err
	}
	for _, lat := range o.Latency {
		r, err := dailyAtLatency(ctx, &o, ds, name, lat)
		if err != nil {
			return err
		}
		for _, l := range r.lines() {
			rep.Add(l)
		}
	}
	if slices.ContainsFunc(o.Latency, func(d time.Duration) bool { return d > 0 }) {
		rep.Note("Latency: in the daily rows named \"… ms each way\", every connection of the suite (the SDK's pool, the original pattern's and the floor's) went through internal/latencyproxy, in the harness's process, which passes each chunk of bytes on that long after reading it, in both directions; \"direct\" rows connect to Postgres directly. Row (n) gives the round trip that results.")
	}
	return nil
}

// dailyAtLatency measures the daily suite on ds with every connection
// through a proxy that delays each direction by lat (none at 0); name
// names the SDK job's profile, suffixed with the latency when not 0.
func dailyAtLatency(ctx context.Context, o *Options, ds Dataset, name string, lat time.Duration) (dailyRun, error) {
	r := dailyRun{Latency: lat}
	dbURL := o.DatabaseURL
	var proxy *latencyproxy.Proxy
	if lat > 0 {
		var err error
		if dbURL, proxy, err = startLatency(dbURL, lat); err != nil {
			return r, err
		}
		defer proxy.Close()
		name += "_" + strings.ReplaceAll(lat.String(), "µ", "u")
	}
	e, err := connectEnv(ctx, dbURL, ds)
	if err != nil {
		return r, err
	}
	defer e.Close()
	fmt.Fprintf(o.Log, "bench: daily suite on %s, %s\n", ds.Schema, latencyName(lat))
	if r.RTT, err = roundTrips(ctx, e.conn, 1000); err != nil {
		return r, err
	}
	if r.DailyResult, err = measureDaily(ctx, o, e, name); err != nil {
		return r, err
	}
	if err := measureOriginal(ctx, o, e, &r); err != nil {
		return r, err
	}
	if proxy != nil {
		r.Proxy = proxy.Stats()
	}
	return r, nil
}

// measureOriginal runs the original pattern once on e and records its
// time, statements and scopes in r; with o.OriginalTeams, on the first
// OriginalTeams teams only, its time and statements then scaled to all
// of r.Teams.
func measureOriginal(ctx context.Context, o *Options, e *env, r *dailyRun) error {
	orig := &Original{Conn: e.conn, Inbound: synth.SenderType(store.Message{Inbound: true})}
	if err := orig.Setup(ctx); err != nil {
		return err
	}
	teams := analytics.TeamReader(e.store)
	r.OrigScale = 1
	if o.OriginalTeams > 0 && o.OriginalTeams < r.Teams {
		teams = firstTeams{e.store, o.OriginalTeams}
		r.OrigTeams = o.OriginalTeams
		r.OrigScale = float64(r.Teams) / float64(o.OriginalTeams)
	}
	fmt.Fprintf(o.Log, "bench: original pattern on %s\n", e.ds.Schema)
	start := time.Now()
	scopes, err := orig.RunDaily(ctx, teams, dailyAt)
	if err != nil {
		return err
	}
	r.Orig = time.Duration(float64(time.Since(start)) * r.OrigScale)
	r.OrigStatements = int64(float64(orig.Statements) * r.OrigScale)
	r.OrigScopes = scopes
	return nil
}

// firstTeams is a TeamReader limited to the first n teams.
type firstTeams struct {
	analytics.TeamReader
	n int
}

func (f firstTeams) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	ts, err := allTeams(ctx, f.TeamReader)
	if err != nil {
		return nil, err
	}
	ts = ts[:min(f.n, len(ts))]
	var out []analytics.Team
	for _, t := range ts {
		if t.ID > after && len(out) < limit {
			out = append(out, t)
		}
	}
	return out, nil
}
