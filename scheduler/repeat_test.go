package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// TestFailedRunRepeatedNextCall has a team fail for a reason that may pass
// in the 02:00 UTC daily run, with every team in UTC (so that no other
// tick has work until the next day), and the store mended at 02:05: the
// call at 02:15 repeats the run for that team alone, and the calls after
// it generate nothing more.
func TestFailedRunRepeatedNextCall(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{{ID: "good"}, {ID: "down"}}
	at := ts("2026-03-11T02:00:00Z")
	clock := analytics.NewFakeClock(at)
	mem, runs := memBackend.open(t, clock, teams)
	store := &flakyStore{Store: mem, fails: map[string]int{"down": 1 << 30},
		errs: map[string]error{"down": errors.New("connection refused")}}
	rec := &recorder{}
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock, AfterBatch: rec.hook(0, clock)})
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingRuns{JobRunStore: runs}
	s, err := scheduler.New(snap, counted, &scheduler.Config{Clock: clock, Owner: "me", Retry: scheduler.Retry{Attempts: 1},
		Daily: scheduler.JobConfig{Trailing: -1}, Weekly: scheduler.JobConfig{Lookback: -1}, Monthly: scheduler.JobConfig{Lookback: -1}})
	if err != nil {
		t.Fatal(err)
	}
	daily := s.Jobs()[0]
	ctx := context.Background()
	res, err := daily.Run(ctx, at)
	if err != nil || res.Run.Status != scheduler.JobFailed {
		t.Fatalf("02:00 run: status %q, error %v; want a run recorded failed", res.Run.Status, err)
	}
	for _, w := range rec.take() {
		if w.key.Scope.TeamID == "down" {
			t.Fatalf("02:00 run wrote %v for the failing team", w.key)
		}
	}
	mended := at.Add(5 * time.Minute)
	clock.Set(mended)
	store.mu.Lock()
	store.fails["down"] = 0
	store.mu.Unlock()

	counted.reads.Store(0)
	var written time.Time // when the failing team's latest day was generated
	latest := lastN(analytics.Daily, at, time.UTC, 1)[0]
	seen := map[analytics.SnapshotKey]bool{}
	for tick := at.Add(scheduler.TickEvery); tick.Before(ts("2026-03-12T02:00:00Z")); tick = tick.Add(scheduler.TickEvery) {
		clock.Set(tick)
		if _, err := daily.Run(ctx, tick); err != nil {
			t.Fatalf("%s: %v", tick.Format(time.RFC3339), err)
		}
		for _, w := range rec.take() {
			if w.key.Scope.TeamID != "down" {
				t.Errorf("%s: regenerated %v", tick.Format(time.RFC3339), w.key)
				continue
			}
			if seen[w.key] {
				t.Errorf("%s: generated %v again", tick.Format(time.RFC3339), w.key)
			}
			seen[w.key] = true
			if w.end.Equal(latest.End) {
				written = tick
			}
		}
	}
	// After the repeat, the idle calls read the runs only to look at the
	// catch-up, once an hour: at most one read for the repeat, and one for
	// the catch-up of each hour.
	if n := counted.reads.Load(); n > 1+24 {
		t.Errorf("%d reads of the job runs in a day of quarter-hour calls, want at most 25", n)
	}
	if written.IsZero() {
		t.Fatal("the failing team's day was never generated before the next day's run")
	}
	if d := written.Sub(mended); d > 15*time.Minute {
		t.Errorf("the failing team's day was generated %v after the store was mended, at %s; want within 15m", d, written.Format(time.RFC3339))
	}
}

// countingRuns counts the JobRuns reads of a JobRunStore.
type countingRuns struct {
	scheduler.JobRunStore
	reads atomic.Int64
}

func (c *countingRuns) JobRuns(ctx context.Context, job string, from, to analytics.Date) ([]scheduler.JobRun, error) {
	c.reads.Add(1)
	return c.JobRunStore.JobRuns(ctx, job, from, to)
}
