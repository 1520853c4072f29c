// Package soak is a bounded load test of the Service: many concurrent
// readers over many teams, reading real-time metrics, dashboards and
// snapshots through two replicas' gocache.Caches (memory tier plus one
// shared real Redis, a single server or a Redis Cluster), while snapshots
// are generated and random teams are invalidated. It counts errors and
// stale reads and measures latency per read kind; Config.During can break
// Redis meanwhile (internal/soak's failover test kills a cluster master).
//
// The store is memstore holding a synthetic dataset (internal/synth): the
// soak measures the Service and the cache, not Postgres, whose
// performance has its own suite (docs/performance.md). Readers never
// pause, so on a small machine the generating goroutine gets a small share
// of the CPU: a short soak writes a few batches of snapshots (each
// invalidating and re-warming its teams), not whole runs.
//
// # Staleness
//
// A read is stale when it returns data older than the invalidation bound
// allows. Precisely, with B the caches' InvalidationBound: let an
// InvalidateTeam(T) call, on either replica, start at wall time t0 and
// return nil at t1, and let r be the wall time at which a read of team T
// started, on either replica, with r ≥ t1 + B. Then:
//
//   - a RealTime read must return Metrics.GeneratedAt ≥ t0;
//   - a Dashboard read must return Dashboard.AsOf ≥ t0;
//   - a Snapshots read must return, for every snapshot key in its range
//     whose write (UpsertSnapshots) returned by t0, that key, with a
//     CreatedAt no earlier than the last such write's.
//
// The line is the call's start t0, not its return t1: a value computed
// while the call was in flight may be on either side of the invalidation
// (another replica may see the new generation before the call returns), so
// only values computed before the call began are certainly older.
//
// Reads that start within B of an invalidation may be served the team's
// older entries by the replica that did not invalidate, as the Cache
// contract allows. Independently of invalidations, every value is at most
// its TTL old when served, plus the time its load took: a RealTime or
// Dashboard read starting at r must be as of no earlier than
// r − TTL − LoadTimeout. Snapshot generation invalidates the teams it
// wrote (Service's AfterBatch), so the Snapshots rule covers freshly
// generated rows. A read that fails, or a generation run that reports a
// failed team, is an error.
package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/memstore"
)

// Config sizes a soak. Every zero field means the default stated on the
// field (see WithDefaults).
type Config struct {
	// Duration is how long the readers run. Defaults to 20 s.
	Duration time.Duration
	// Teams is the number of teams. Defaults to 1000.
	Teams int
	// Readers is the number of concurrent reader goroutines. Defaults to 200.
	Readers int
	// InvalidationsPerSecond paces the invalidating goroutine. Defaults to 200.
	InvalidationsPerSecond int
	// Redis is the shared second cache tier, with ContextTimeoutEnabled set.
	// Required: nil is an error.
	Redis redis.UniversalClient
	// Prefix is the Redis key prefix of the run; the caller deletes its
	// keys afterwards. Required: empty is an error.
	Prefix string
	// InvalidationBound is the caches' InvalidationBound. Defaults to
	// gocache.DefaultInvalidationBound (1 s).
	InvalidationBound time.Duration
	// CheckBound is the bound the staleness check allows. Defaults to
	// InvalidationBound; a smaller one shows that the check can fail.
	CheckBound time.Duration
	// TTLs are the caches' TTL tiers. Defaults to 2 s real-time, 3 s
	// dashboard and 5 s snapshots: short, so that entries expire during a
	// short run.
	TTLs analytics.CacheTTLs
	// Seed selects the dataset and the readers' choices. Defaults to 0.
	Seed uint64
	// During, when set, runs alongside the readers, given the two
	// replicas' caches, for example to kill a Redis node and watch the
	// caches recover; its ctx ends when the readers stop, and Run waits for
	// it to return. Defaults to nil.
	During func(ctx context.Context, caches [2]*gocache.Cache)
}

// WithDefaults returns a copy of c with every zero field set to its
// default. A nil c gives every default. It does not validate: Run reports
// what is wrong with the result.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.Duration == 0 {
		out.Duration = 20 * time.Second
	}
	if out.Teams == 0 {
		out.Teams = 1000
	}
	if out.Readers == 0 {
		out.Readers = 200
	}
	if out.InvalidationsPerSecond == 0 {
		out.InvalidationsPerSecond = 200
	}
	if out.InvalidationBound == 0 {
		out.InvalidationBound = gocache.DefaultInvalidationBound
	}
	if out.CheckBound == 0 {
		out.CheckBound = out.InvalidationBound
	}
	if out.TTLs == (analytics.CacheTTLs{}) {
		out.TTLs = analytics.CacheTTLs{RealTime: 2 * time.Second, Dashboard: 3 * time.Second, Snapshots: 5 * time.Second}
	}
	return &out
}

// validate checks a Config that has its defaults; errors are
// *analytics.FieldError naming the field as Config.Field.
func (c *Config) validate() error {
	if c.Redis == nil {
		return &analytics.FieldError{Field: "Config.Redis", Reason: "is required"}
	}
	if c.Prefix == "" {
		return &analytics.FieldError{Field: "Config.Prefix", Reason: "is required"}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"Config.Duration", int64(c.Duration)},
		{"Config.Teams", int64(c.Teams)},
		{"Config.Readers", int64(c.Readers)},
		{"Config.InvalidationsPerSecond", int64(c.InvalidationsPerSecond)},
		{"Config.InvalidationBound", int64(c.InvalidationBound)},
		{"Config.CheckBound", int64(c.CheckBound)},
	} {
		if f.v < 0 {
			return &analytics.FieldError{Field: f.name, Reason: fmt.Sprintf("must not be negative, got %d", f.v)}
		}
	}
	return nil
}

// Kinds of read, in Result.Kinds order.
const (
	KindRealTime  = "RealTime"
	KindDashboard = "Dashboard"
	KindSnapshots = "Snapshots"
)

// KindResult is what one kind of read did.
type KindResult struct {
	Kind     string
	Reads    int
	P50, P99 time.Duration
	Max      time.Duration
}

// Result is the outcome of a soak.
type Result struct {
	Duration time.Duration
	Teams    int
	Readers  int
	// Kinds has one entry per kind of read.
	Kinds []KindResult
	// Invalidations counts InvalidateTeam calls of the invalidating
	// goroutine; SnapshotRuns the completed generation runs and
	// SnapshotsWritten the snapshots they wrote.
	Invalidations    int
	SnapshotRuns     int
	SnapshotsWritten int
	// Errors counts failed reads, invalidations and generation runs;
	// Stale counts stale reads (see the package documentation), Checked
	// the reads that an invalidation rule applied to. Samples
	// holds the first few of both.
	Errors  int
	Stale   int
	Checked int
	Samples []string
	// InvalidationsUnavailable counts InvalidateTeam calls that returned
	// an error wrapping analytics.ErrCacheUnavailable: Redis could not be
	// reached, so the invalidation was applied on one replica and left
	// pending for Redis (the Cache contract's outage behaviour). They are
	// not in Errors.
	InvalidationsUnavailable int
	// ErrorTimes are when each error happened, and StaleReads every stale
	// read, in no particular order.
	ErrorTimes []time.Time
	StaleReads []StaleRead
}

// StaleRead is one stale read.
type StaleRead struct {
	// Start is when the read started.
	Start time.Time
	// Invalidation is when the invalidation it missed started; zero when
	// the read broke the TTL rule instead.
	Invalidation time.Time
	// What describes it.
	What string
}

// String summarises r on a few lines.
func (r Result) String() string {
	s := fmt.Sprintf("soak %v, %d teams, %d readers: %d invalidations (%d with Redis unavailable), %d snapshot runs (%d snapshots), %d errors, %d stale reads of %d checked against an invalidation",
		r.Duration.Round(time.Millisecond), r.Teams, r.Readers, r.Invalidations, r.InvalidationsUnavailable, r.SnapshotRuns, r.SnapshotsWritten, r.Errors, r.Stale, r.Checked)
	for _, k := range r.Kinds {
		s += fmt.Sprintf("\n  %-9s %8d reads  p50 %-10v p99 %-10v max %v", k.Kind, k.Reads, k.P50, k.P99, k.Max)
	}
	for _, x := range r.Samples {
		s += "\n  " + x
	}
	return s
}

// history is what the checker knows of one team: when its invalidations
// returned, and when each of its snapshots was written.
type history struct {
	mu     sync.Mutex
	inval  []call // in order of recording
	writes map[analytics.SnapshotKey][]write
}

// call is one InvalidateTeam call: when it started and when it returned.
type call struct{ start, end time.Time }

type write struct {
	done      time.Time // when UpsertSnapshots returned
	createdAt time.Time
}

// lastInvalidation returns the latest start of an invalidation that
// returned by at.
func (h *history) lastInvalidation(at time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var best time.Time
	for _, c := range h.inval {
		if !c.end.After(at) && c.start.After(best) {
			best = c.start
		}
	}
	return best, !best.IsZero()
}

// required returns, for each key of the team, the CreatedAt of its last
// write that returned by t0.
func (h *history) required(t0 time.Time, keep func(analytics.SnapshotKey) bool) map[analytics.SnapshotKey]time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[analytics.SnapshotKey]time.Time{}
	for k, ws := range h.writes {
		if !keep(k) {
			continue
		}
		for _, w := range ws {
			if !w.done.After(t0) && w.createdAt.After(out[k]) {
				out[k] = w.createdAt
			}
		}
	}
	return out
}

// world is one soak's shared state.
type world struct {
	cfg     Config
	clock   analytics.Clock
	teams   []analytics.Team
	hist    map[string]*history
	from    analytics.Date // first and last dates of snapshot reads
	to      analytics.Date
	errors  atomic.Int64
	stale   atomic.Int64
	checked atomic.Int64
	unavail atomic.Int64
	smu     sync.Mutex
	samples []string
	errAt   []time.Time
	staleRd []StaleRead
}

func (w *world) sample(format string, args ...any) {
	w.smu.Lock()
	defer w.smu.Unlock()
	if len(w.samples) < 10 {
		w.samples = append(w.samples, fmt.Sprintf(format, args...))
	}
}

func (w *world) fail(format string, args ...any) {
	w.errors.Add(1)
	now := w.clock.Now()
	w.smu.Lock()
	w.errAt = append(w.errAt, now)
	w.smu.Unlock()
	w.sample("error: "+format, args...)
}

// staleRead records a stale read that started at start and missed the
// invalidation that started at inval (zero: none, the TTL rule).
func (w *world) staleRead(start, inval time.Time, format string, args ...any) {
	w.stale.Add(1)
	w.smu.Lock()
	w.staleRd = append(w.staleRd, StaleRead{Start: start, Invalidation: inval, What: fmt.Sprintf(format, args...)})
	w.smu.Unlock()
	w.sample("stale: "+format, args...)
}

// recordingCache records when each successful InvalidateTeam started and
// returned.
type recordingCache struct {
	analytics.Cache
	w *world
}

func (c recordingCache) InvalidateTeam(ctx context.Context, teamID string) error {
	start := c.w.clock.Now()
	err := c.Cache.InvalidateTeam(ctx, teamID)
	if err == nil {
		end := c.w.clock.Now()
		h := c.w.hist[teamID]
		h.mu.Lock()
		h.inval = append(h.inval, call{start, end})
		h.mu.Unlock()
	}
	return err
}

// recordingStore records when each snapshot write returned.
type recordingStore struct {
	analytics.Store
	w *world
}

func (s recordingStore) UpsertSnapshots(ctx context.Context, snaps []analytics.Snapshot) error {
	if err := s.Store.UpsertSnapshots(ctx, snaps); err != nil {
		return err
	}
	done := s.w.clock.Now()
	for _, sn := range snaps {
		h := s.w.hist[sn.Scope.TeamID]
		h.mu.Lock()
		h.writes[sn.Key()] = append(h.writes[sn.Key()], write{done: done, createdAt: sn.CreatedAt})
		h.mu.Unlock()
	}
	return nil
}

// Run runs one soak as cfg says and returns its result. The error is
// non-nil only when the soak could not be set up; errors and stale reads
// during the run are counted in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg = *cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	w, store, err := newWorld(cfg)
	if err != nil {
		return Result{}, err
	}
	svcs, caches, closeCaches, err := w.replicas(store)
	if err != nil {
		return Result{}, err
	}
	defer closeCaches()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	var n counts
	bg.Go(func() { w.generate(runCtx, svcs, &n) })
	bg.Go(func() { w.invalidate(runCtx, svcs, &n) })
	if cfg.During != nil {
		bg.Go(func() { cfg.During(runCtx, caches) })
	}

	began := w.clock.Now()
	deadline := began.Add(cfg.Duration)
	lat := make([][3][]time.Duration, cfg.Readers)
	var readers sync.WaitGroup
	for r := range cfg.Readers {
		readers.Go(func() { lat[r] = w.read(ctx, svcs, uint64(r), deadline) })
	}
	readers.Wait()
	elapsed := w.clock.Now().Sub(began)
	cancel()
	bg.Wait()

	res := w.result(elapsed, lat, &n)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// counts counts what the soak's background goroutines did.
type counts struct {
	runs, written, invalidations atomic.Int64
}

// newWorld builds the soak's dataset, four local days up to and including
// today in every zone, in a memstore, and returns the world and the store
// that records its writes.
func newWorld(cfg Config) (*world, recordingStore, error) {
	w := &world{cfg: cfg, clock: analytics.SystemClock(), hist: map[string]*history{}}
	today := analytics.DateOf(w.clock.Now().UTC())
	start := today.AddDays(-3)
	teams, act, err := synth.Build(synth.Config{Seed: cfg.Seed, Teams: cfg.Teams, AccountsPerTeam: 1, Start: start, Days: 4,
		MessagesPerDay: 20 * cfg.Teams, ContactsPerTeam: 10, CampaignsPerDay: float64(cfg.Teams) / 10})
	if err != nil {
		return nil, recordingStore{}, err
	}
	w.teams, w.from, w.to = teams, start, today
	for _, tm := range teams {
		w.hist[tm.ID] = &history{writes: map[analytics.SnapshotKey][]write{}}
	}
	mem := memstore.New(&memstore.Config{Clock: w.clock})
	if err := mem.AddTeams(teams...); err != nil {
		return nil, recordingStore{}, err
	}
	if err := mem.Add(act); err != nil {
		return nil, recordingStore{}, err
	}
	return w, recordingStore{Store: mem, w: w}, nil
}

// replicas returns two Services on store whose caches share Redis, their
// caches, and a function that closes the caches.
func (w *world) replicas(store recordingStore) (svcs [2]*analytics.Service, caches [2]*gocache.Cache, closeCaches func(), err error) {
	closeCaches = func() {
		for _, c := range caches {
			if c != nil {
				c.Close()
			}
		}
	}
	for i := range svcs {
		c, err := gocache.New(&gocache.Config{Redis: w.cfg.Redis, Prefix: w.cfg.Prefix, TTLs: w.cfg.TTLs,
			InvalidationBound: w.cfg.InvalidationBound,
			// Generous: a timeout would turn an invalidation into an
			// error on a loaded two-core machine, which is not what the
			// soak measures.
			RedisTimeout: 2 * time.Second})
		if err != nil {
			closeCaches()
			return svcs, caches, nil, err
		}
		caches[i] = c
		svcs[i], err = analytics.New(store, &analytics.Config{Cache: recordingCache{Cache: c, w: w}, WarmDashboards: []int{7}, Snapshotter: &analytics.SnapshotterConfig{BatchSize: 100}})
		if err != nil {
			closeCaches()
			return svcs, caches, nil, err
		}
	}
	return svcs, caches, closeCaches, nil
}

// generate generates the daily snapshots of every finished day, over and
// over, alternating replicas, until ctx is done.
func (w *world) generate(ctx context.Context, svcs [2]*analytics.Service, n *counts) {
	for i := 0; ctx.Err() == nil; i++ {
		rep, err := svcs[i%2].Snapshotter().Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			var ps []analytics.Period
			for d := w.from; d.Before(w.to); d = d.AddDays(1) {
				p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
				if err != nil {
					return nil, err
				}
				ps = append(ps, p)
			}
			return ps, nil
		})
		n.written.Add(int64(rep.Succeeded))
		if ctx.Err() != nil {
			return // a run cut short by the end of the soak is no error
		}
		if err != nil || rep.Failed != 0 {
			w.fail("snapshot run: %v, %v", err, rep.Err())
		}
		n.runs.Add(1)
	}
}

// invalidate invalidates random teams, on random replicas, at
// cfg.InvalidationsPerSecond, until ctx is done.
func (w *world) invalidate(ctx context.Context, svcs [2]*analytics.Service, n *counts) {
	rng := rand.New(rand.NewPCG(w.cfg.Seed, 2))
	tick := time.NewTicker(time.Second / time.Duration(w.cfg.InvalidationsPerSecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		team := w.teams[rng.IntN(len(w.teams))].ID
		if err := svcs[rng.IntN(2)].InvalidateTeam(ctx, team); err != nil {
			switch {
			case ctx.Err() != nil:
			case errors.Is(err, analytics.ErrCacheUnavailable):
				w.unavail.Add(1)
			default:
				w.fail("InvalidateTeam(%q): %v", team, err)
			}
			continue
		}
		n.invalidations.Add(1)
	}
}

// read is reader r: it reads random scopes of random teams on random
// replicas, without pause, until deadline or until ctx is done, checks
// every read, and returns the durations of the reads by kind (real-time,
// dashboard, snapshots).
func (w *world) read(ctx context.Context, svcs [2]*analytics.Service, r uint64, deadline time.Time) [3][]time.Duration {
	var lat [3][]time.Duration
	rng := rand.New(rand.NewPCG(w.cfg.Seed, r+100))
	for {
		t0 := w.clock.Now()
		if !t0.Before(deadline) || ctx.Err() != nil {
			return lat
		}
		team := w.teams[rng.IntN(len(w.teams))]
		scope := team.Scopes()[rng.IntN(1+len(team.AccountIDs))]
		kind := rng.IntN(4) // 0, 1: RealTime; 2: Dashboard; 3: Snapshots
		svc := svcs[rng.IntN(2)]
		switch kind {
		case 0, 1:
			m, err := svc.RealTime(ctx, scope)
			lat[0] = append(lat[0], w.clock.Now().Sub(t0))
			if err != nil {
				w.fail("RealTime(%s): %v", scope, err)
				continue
			}
			w.checkAsOf(KindRealTime, scope.TeamID, t0, m.GeneratedAt, w.cfg.TTLs.RealTime)
		case 2:
			d, err := svc.Dashboard(ctx, team.ID, 7)
			lat[1] = append(lat[1], w.clock.Now().Sub(t0))
			if err != nil {
				w.fail("Dashboard(%q): %v", team.ID, err)
				continue
			}
			w.checkAsOf(KindDashboard, team.ID, t0, d.AsOf, w.cfg.TTLs.Dashboard)
		case 3:
			snaps, err := svc.Snapshots(ctx, scope, analytics.Daily, w.from, w.to)
			lat[2] = append(lat[2], w.clock.Now().Sub(t0))
			if err != nil {
				w.fail("Snapshots(%s): %v", scope, err)
				continue
			}
			w.checkSnapshots(scope, t0, snaps)
		}
	}
}

// result returns the soak's Result: elapsed is how long the readers ran,
// lat the durations of each reader's reads by kind.
func (w *world) result(elapsed time.Duration, lat [][3][]time.Duration, n *counts) Result {
	res := Result{Duration: elapsed, Teams: w.cfg.Teams, Readers: w.cfg.Readers, Invalidations: int(n.invalidations.Load()),
		SnapshotRuns: int(n.runs.Load()), SnapshotsWritten: int(n.written.Load()),
		Errors: int(w.errors.Load()), Stale: int(w.stale.Load()), Checked: int(w.checked.Load()), Samples: w.samples,
		InvalidationsUnavailable: int(w.unavail.Load()), ErrorTimes: w.errAt, StaleReads: w.staleRd}
	for k, name := range []string{KindRealTime, KindDashboard, KindSnapshots} {
		var all []time.Duration
		for r := range lat {
			all = append(all, lat[r][k]...)
		}
		slices.Sort(all)
		kr := KindResult{Kind: name, Reads: len(all)}
		if len(all) > 0 {
			kr.P50, kr.P99, kr.Max = quantile(all, 0.5), quantile(all, 0.99), all[len(all)-1]
		}
		res.Kinds = append(res.Kinds, kr)
	}
	return res
}

// quantile returns the q-quantile of sorted (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// checkAsOf applies the staleness rules to a value as of asOf, read from
// team by a read that started at start.
func (w *world) checkAsOf(kind, team string, start, asOf time.Time, ttl time.Duration) {
	t0, ok := w.hist[team].lastInvalidation(start.Add(-w.cfg.CheckBound))
	if ok {
		w.checked.Add(1)
	}
	if ok && asOf.Before(t0) {
		w.staleRead(start, t0, "%s of %q started %v after an invalidation began, but is as of %v before it",
			kind, team, start.Sub(t0), t0.Sub(asOf))
	}
	if oldest := start.Add(-ttl - gocache.DefaultLoadTimeout); asOf.Before(oldest) {
		w.staleRead(start, time.Time{}, "%s of %q is as of %v, more than its TTL %v (plus the load timeout) before the read", kind, team, start.Sub(asOf), ttl)
	}
}

// checkSnapshots applies the Snapshots staleness rule.
func (w *world) checkSnapshots(scope analytics.Scope, start time.Time, snaps []analytics.Snapshot) {
	h := w.hist[scope.TeamID]
	t0, ok := h.lastInvalidation(start.Add(-w.cfg.CheckBound))
	if !ok {
		return
	}
	w.checked.Add(1)
	need := h.required(t0, func(k analytics.SnapshotKey) bool {
		return k.Scope == scope && k.Type == analytics.Daily && !k.Date.Before(w.from) && !k.Date.After(w.to)
	})
	got := map[analytics.SnapshotKey]time.Time{}
	for _, s := range snaps {
		got[s.Key()] = s.CreatedAt
	}
	for k, created := range need {
		have, ok := got[k]
		switch {
		case !ok:
			w.staleRead(start, t0, "Snapshots of %s started %v after an invalidation began, but lack %s written before it", scope, start.Sub(t0), k.Date)
		case have.Before(created):
			w.staleRead(start, t0, "Snapshots of %s started %v after an invalidation began, but hold %s as created at %v, not the %v written before it",
				scope, start.Sub(t0), k.Date, have, created)
		}
	}
}
