package scheduler_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store/memstore"
)

// backend opens a store holding teams, and the JobRunStore beside it.
type backend struct {
	name string
	open func(t *testing.T, clock analytics.Clock, teams []analytics.Team) (analytics.Store, scheduler.JobRunStore)
}

var memBackend = backend{"memstore", func(t *testing.T, clock analytics.Clock, teams []analytics.Team) (analytics.Store, scheduler.JobRunStore) {
	s := memstore.New(&memstore.Config{Clock: clock})
	if err := s.AddTeams(teams...); err != nil {
		t.Fatal(err)
	}
	return s, s
}}

// write is one snapshot written, by which replica, at what clock time.
type write struct {
	replica int
	key     analytics.SnapshotKey
	end     time.Time // the end of the snapshot's period
	at      time.Time
}

// recorder collects every snapshot written through the Snapshotters'
// AfterBatch hooks.
type recorder struct {
	mu     sync.Mutex
	writes []write
	// block, if set, is called inside AfterBatch before recording.
	block func(ctx context.Context)
}

func (r *recorder) hook(replica int, clock analytics.Clock) func(ctx context.Context, snaps []analytics.Snapshot) {
	return func(ctx context.Context, snaps []analytics.Snapshot) {
		r.mu.Lock()
		block := r.block
		r.mu.Unlock()
		if block != nil {
			block(ctx)
		}
		now := clock.Now()
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, s := range snaps {
			r.writes = append(r.writes, write{replica, s.Key(), s.Metrics.Range.End, now})
		}
	}
}

// take returns the writes recorded since the last take.
func (r *recorder) take() []write {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.writes
	r.writes = nil
	return w
}

func (r *recorder) setBlock(f func(ctx context.Context)) {
	r.mu.Lock()
	r.block = f
	r.mu.Unlock()
}

// replica is one scheduler with its idle notifications.
type replica struct {
	s    *scheduler.Scheduler
	idle chan time.Time
	next time.Time // the tick it last said it waits for
}

// harness runs replicas of the scheduler on one store and one fake clock.
type harness struct {
	t        *testing.T
	clock    *analytics.FakeClock
	store    analytics.Store
	runs     scheduler.JobRunStore
	rec      *recorder
	replicas []*replica
	nextID   int
}

func newHarness(t *testing.T, b backend, start time.Time, teams []analytics.Team) *harness {
	t.Helper()
	clock := analytics.NewFakeClock(start)
	store, runs := b.open(t, clock, teams)
	h := &harness{t: t, clock: clock, store: store, runs: runs, rec: &recorder{}}
	t.Cleanup(h.stopAll)
	return h
}

// newScheduler makes one more replica (not started), with cfg's Clock and
// Owner filled in.
func (h *harness) newScheduler(cfg scheduler.Config) *replica {
	h.t.Helper()
	id := h.nextID
	h.nextID++
	snap, err := analytics.NewSnapshotter(h.store, &analytics.SnapshotterConfig{Clock: h.clock, AfterBatch: h.rec.hook(id, h.clock)})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.Clock = h.clock
	if cfg.Owner == "" {
		cfg.Owner = fmt.Sprintf("replica-%d", id)
	}
	// Each wake-up is handled by one waitIdle; the buffer keeps the loop
	// from ever blocking on it.
	idle := make(chan time.Time, 64)
	cfg.OnIdle = func(next time.Time) { idle <- next }
	s, err := scheduler.New(snap, h.runs, &cfg)
	if err != nil {
		h.t.Fatalf("scheduler.New: %v", err)
	}
	r := &replica{s: s, idle: idle}
	return r
}

// start starts n replicas and waits until each has caught up and is idle.
func (h *harness) start(n int, cfg scheduler.Config) {
	h.t.Helper()
	var started []*replica
	for range n {
		r := h.newScheduler(cfg)
		if err := r.s.Start(context.Background()); err != nil {
			h.t.Fatalf("Start: %v", err)
		}
		h.replicas = append(h.replicas, r)
		started = append(started, r)
	}
	for _, r := range started {
		h.waitIdle(r)
	}
}

// waitIdle waits until r's loop is idle and returns its next tick, which
// must be after the clock's now.
func (h *harness) waitIdle(r *replica) time.Time {
	h.t.Helper()
	select {
	case next := <-r.idle:
		if !next.After(h.clock.Now()) {
			h.t.Fatalf("%s is idle until %v, not after now %v", r.s.Owner(), next, h.clock.Now())
		}
		r.next = next
		return next
	case <-time.After(60 * time.Second): // a safety net against a hung test, not a wait for time
		h.t.Fatalf("%s did not become idle", r.s.Owner())
		return time.Time{}
	}
}

// advance sets the clock to at and waits until every running replica has
// handled it and is idle again.
func (h *harness) advance(at time.Time) {
	h.t.Helper()
	h.clock.Set(at)
	for _, r := range h.replicas {
		h.waitIdle(r)
	}
}

// stopAll stops every replica.
func (h *harness) stopAll() {
	for _, r := range h.replicas {
		if err := r.s.Stop(context.Background()); err != nil {
			h.t.Errorf("Stop: %v", err)
		}
	}
	h.replicas = nil
}

// run returns the recorded run of job at tick, or the zero JobRun.
func (h *harness) run(job string, tick time.Time) scheduler.JobRun {
	h.t.Helper()
	name, d := scheduler.RunKey(job, tick)
	runs := h.jobRuns(name, d, d)
	if len(runs) != 1 {
		return scheduler.JobRun{}
	}
	return runs[0]
}

// jobRuns returns the recorded runs under the job name job (see
// scheduler.RunKey) with dates in [from, to].
func (h *harness) jobRuns(job string, from, to analytics.Date) []scheduler.JobRun {
	h.t.Helper()
	runs, err := h.runs.JobRuns(context.Background(), job, from, to)
	if err != nil {
		h.t.Fatal(err)
	}
	return runs
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) analytics.Date {
	d, err := analytics.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mustLoc(name string) *time.Location {
	loc, err := analytics.Team{TimeZone: name}.Location()
	if err != nil {
		panic(err)
	}
	return loc
}

// teamKeys lists the keys of every scope of teams for the periods of type
// typ that pick gives each team's zone.
func teamKeys(teams []analytics.Team, typ analytics.SnapshotType, pick func(loc *time.Location) []analytics.Period) []analytics.SnapshotKey {
	var out []analytics.SnapshotKey
	for _, tm := range teams {
		for _, p := range pick(mustLoc(tm.TimeZone)) {
			for _, sc := range tm.Scopes() {
				out = append(out, analytics.SnapshotKey{Scope: sc, Type: typ, Date: p.Date})
			}
		}
	}
	sortKeys(out)
	return out
}

func sortKeys(ks []analytics.SnapshotKey) {
	slices.SortFunc(ks, func(a, b analytics.SnapshotKey) int {
		return cmpKey(a, b)
	})
}

func cmpKey(a, b analytics.SnapshotKey) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := cmpString(a.Scope.String(), b.Scope.String()); c != 0 {
		return c
	}
	return a.Date.Compare(b.Date)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// keysOf returns the keys of ws, sorted, duplicates kept.
func keysOf(ws []write) []analytics.SnapshotKey {
	out := make([]analytics.SnapshotKey, len(ws))
	for i, w := range ws {
		out[i] = w.key
	}
	sortKeys(out)
	return out
}

// lastN returns the period of type typ last complete at at in loc and the
// n-1 before it, oldest first.
func lastN(typ analytics.SnapshotType, at time.Time, loc *time.Location, n int) []analytics.Period {
	p, err := analytics.LastCompletePeriod(typ, at, loc)
	if err != nil {
		panic(err)
	}
	out := []analytics.Period{p}
	for len(out) < n {
		out = append(out, out[len(out)-1].Prev())
	}
	slices.Reverse(out)
	return out
}

// endingIn returns the periods of type typ in loc that end in (from, to],
// oldest first: those a run whose tick is to, after one at from, generates.
func endingIn(typ analytics.SnapshotType, from, to time.Time, loc *time.Location) []analytics.Period {
	p, err := analytics.PeriodOf(typ, from, loc)
	if err != nil {
		panic(err)
	}
	var out []analytics.Period
	for ; !p.End.After(to); p = p.Next() {
		out = append(out, p)
	}
	return out
}

// union merges period lists, dropping repeated dates.
func union(lists ...[]analytics.Period) []analytics.Period {
	var out []analytics.Period
	for _, l := range lists {
		for _, p := range l {
			if !slices.ContainsFunc(out, func(o analytics.Period) bool { return o.Date == p.Date }) {
				out = append(out, p)
			}
		}
	}
	return out
}
