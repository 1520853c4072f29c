package soak_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/soak"
	"github.com/msgstats/analytics/internal/testenv"
)

// Failover test timing, in real time.
const (
	failoverSoak   = 16 * time.Second // the soak's duration
	failoverKillAt = 3 * time.Second  // when a master is killed, from the start
	// failoverLimit is how long the cluster and the caches may take to
	// recover from the kill: generous, as a bound and not a measurement.
	failoverLimit = 30 * time.Second
)

// TestSoakClusterFailover runs the soak on a private Redis Cluster (three
// masters, one replica each, cluster-node-timeout 1 s) with 500 teams and
// 50 readers, and kills one master with SIGKILL, found by its PID, 3 s
// into a 16 s run:
//
//	go test -race -count=1 -run TestSoakClusterFailover -v ./internal/soak
//
// Reads must go on without errors, served from memory and the store while
// the master's slots are unavailable; the cache must recover once the
// replica is promoted; and no read that starts after the caches recovered
// may be staler than the invalidation bound (the package's staleness
// rules). It logs the errors, the stale reads (all, and after recovery),
// and how long the cluster and the caches took to recover, without
// asserting on timings beyond a generous limit.
func TestSoakClusterFailover(t *testing.T) {
	cl := testenv.StartRedisCluster(t)
	w := &failoverWatch{cl: cl, t: t}
	// Fewer teams and readers than TestSoak: the cluster's six nodes need
	// some of the CPU too, or they miss heartbeats and fail each other.
	res, err := soak.Run(context.Background(), soak.Config{Duration: failoverSoak, Teams: 500, Readers: 50,
		Redis: cl.Client(), Prefix: "soak", During: w.run})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	f := w.figures(t)

	staleBefore, staleAfter := 0, 0
	for _, sr := range res.StaleReads {
		switch {
		case sr.Start.Before(w.killed):
			staleBefore++
		case !sr.Start.Before(f.recovered):
			staleAfter++
			t.Logf("failover: stale after recovery: %s (its invalidation started %v before the kill)",
				sr.What, w.killed.Sub(sr.Invalidation).Round(time.Microsecond))
		}
	}
	t.Logf("failover: killed master %s (pid %d) %v into the soak", w.master, w.pid, w.killed.Sub(w.start).Round(time.Millisecond))
	t.Logf("failover: read errors %d; stale reads %d overall, %d before the kill, %d after the caches recovered; %d invalidations with Redis unavailable; %d Redis errors in the caches",
		res.Errors, res.Stale, staleBefore, staleAfter, res.InvalidationsUnavailable, f.redisErrors)
	t.Logf("failover: kill → cluster ok with the replica promoted %v; kill → last Redis error in a cache %v; kill → caches recovered (next Redis round trip, neither degraded) %v",
		f.clusterOK.Sub(w.killed).Round(time.Millisecond), f.lastError.Sub(w.killed).Round(time.Millisecond),
		f.recovered.Sub(w.killed).Round(time.Millisecond))

	if res.Errors != 0 {
		t.Errorf("%d errors during the failover, want none", res.Errors)
	}
	if staleAfter != 0 {
		t.Errorf("%d stale reads after the caches recovered, want none", staleAfter)
	}
	if f.redisErrors == 0 {
		t.Error("no cache saw a Redis error: the kill was not noticed, and the test proves nothing")
	}
	if d := f.recovered.Sub(w.killed); d > failoverLimit {
		t.Errorf("the caches took %v to recover, more than %v", d, failoverLimit)
	}
}

// failoverWatch kills a master during the soak and samples the caches'
// Stats every 5 ms.
type failoverWatch struct {
	cl *testenv.PrivateRedisCluster
	t  *testing.T

	mu        sync.Mutex
	start     time.Time
	killed    time.Time
	clusterOK time.Time // zero: the cluster did not recover in the run
	master    string
	pid       int
	samples   []sample
	err       error
}

// sample is the caches' counters at one instant.
type sample struct {
	at       time.Time
	errors   uint64 // L2 errors of both caches
	trips    uint64 // L2 hits, misses and sets of both caches: Redis round trips that succeeded
	degraded bool   // either cache
}

// run is the soak's During hook.
func (w *failoverWatch) run(ctx context.Context, caches [2]*gocache.Cache) {
	w.mu.Lock()
	w.start = time.Now()
	w.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.sample(ctx, caches)
	}()
	defer func() { <-done }()
	select {
	case <-ctx.Done():
		w.fail(ctx.Err())
		return
	case <-time.After(failoverKillAt):
	}
	masters, err := w.cl.Masters(ctx)
	if err != nil {
		w.fail(err)
		return
	}
	pid, err := w.cl.PID(ctx, masters[0])
	if err != nil {
		w.fail(err)
		return
	}
	w.mu.Lock()
	w.master, w.pid, w.killed = masters[0], pid, time.Now()
	w.mu.Unlock()
	if err := w.cl.Kill(pid); err != nil {
		w.fail(err)
		return
	}
	for ctx.Err() == nil {
		if ok, _ := w.cl.Healthy(ctx); ok {
			w.mu.Lock()
			w.clusterOK = time.Now()
			w.mu.Unlock()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *failoverWatch) sample(ctx context.Context, caches [2]*gocache.Cache) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var s sample
		for _, c := range caches {
			st := c.Stats()
			s.errors += st.L2.Errors
			s.trips += st.L2.Hits + st.L2.Misses + st.L2.Sets
			s.degraded = s.degraded || st.Degraded
		}
		s.at = time.Now()
		w.mu.Lock()
		w.samples = append(w.samples, s)
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *failoverWatch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// failoverFigures are what the samples show.
type failoverFigures struct {
	clusterOK   time.Time // cluster ok again, the replica promoted
	lastError   time.Time // the last sample in which a cache's Redis errors grew
	recovered   time.Time // the first sample after it with more round trips and neither cache degraded
	redisErrors uint64    // Redis errors in the caches from the kill on
}

// figures reads the samples, failing t if the kill did not happen or the
// cluster or the caches did not recover before the soak ended.
func (w *failoverWatch) figures(t *testing.T) failoverFigures {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.killed.IsZero() {
		t.Fatalf("killing a master during the soak: %v", w.err)
	}
	f := failoverFigures{clusterOK: w.clusterOK}
	if f.clusterOK.IsZero() {
		t.Fatalf("the cluster did not recover within the soak (%v after the kill)", failoverSoak-failoverKillAt)
	}
	last := -1
	var before uint64
	for i, s := range w.samples {
		if s.at.Before(w.killed) {
			before = s.errors
			continue
		}
		if i > 0 && s.errors > w.samples[i-1].errors {
			last = i
		}
		f.redisErrors = s.errors - before
	}
	if last < 0 {
		f.lastError = w.killed
		last = 0
	} else {
		f.lastError = w.samples[last].at
	}
	for _, s := range w.samples[last+1:] {
		if s.trips > w.samples[last].trips && !s.degraded {
			f.recovered = s.at
			break
		}
	}
	if f.recovered.IsZero() {
		t.Fatalf("the caches did not recover before the soak ended (%v after the kill)", failoverSoak-failoverKillAt)
	}
	return f
}
