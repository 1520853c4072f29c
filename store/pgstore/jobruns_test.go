package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// TestJobRuns walks one (job, period) through its life: a claim, a held
// claim refused, a stale takeover won by exactly one of many concurrent
// sessions, the former owner shut out, a finish, and a forced re-run.
func TestJobRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil, envOptions{params: map[string]string{"TimeZone": "Asia/Tokyo"}})
	s := e.store
	ctx := context.Background()
	day := analytics.NewDate(2026, 3, 10)
	t0 := time.Date(2026, 3, 11, 2, 0, 0, 0, time.UTC)
	const stale = 2 * time.Minute
	claim := func(owner string, now time.Time, force bool) (scheduler.JobRun, bool) {
		t.Helper()
		run, ok, err := s.ClaimJobRun(ctx, scheduler.JobClaim{Job: "daily", Period: day, Owner: owner, Now: now, StaleAfter: stale, Force: force})
		if err != nil {
			t.Fatal(err)
		}
		return run, ok
	}
	first, ok := claim("a/1", t0, false)
	want := scheduler.JobRun{Job: "daily", Period: day, Status: scheduler.JobRunning, Owner: "a/1", ClaimedAt: t0, HeartbeatAt: t0}
	if !ok || !cmp.Equal(want, first) {
		t.Fatalf("first claim: %+v, %v", first, ok)
	}
	if run, ok := claim("b/1", t0.Add(stale), false); ok || !cmp.Equal(want, run) {
		t.Errorf("claim of a run exactly StaleAfter old: %+v, %v; want the held run, false", run, ok)
	}

	// Twelve sessions race to take over the stale run: one wins.
	later := t0.Add(stale + time.Second)
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 12 {
		owner := fmt.Sprintf("c/%d", i)
		wg.Go(func() {
			<-gate
			_, ok, err := s.ClaimJobRun(ctx, scheduler.JobClaim{Job: "daily", Period: day, Owner: owner, Now: later, StaleAfter: stale})
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, owner)
				mu.Unlock()
			}
		})
	}
	close(gate)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("takeover winners: %v, want exactly one", winners)
	}
	owner := winners[0]
	if err := s.HeartbeatJobRun(ctx, "daily", day, "a/1", later); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("heartbeat by the former owner: %v, want ErrNotFound", err)
	}
	if err := s.HeartbeatJobRun(ctx, "daily", day, owner, later.Add(time.Second)); err != nil {
		t.Errorf("heartbeat by the owner: %v", err)
	}
	done := scheduler.JobRun{Job: "daily", Period: day, Owner: owner, Status: scheduler.JobSucceeded,
		FinishedAt: later.Add(time.Minute), Teams: 3, Scopes: 9, Succeeded: 8, Failed: 1, Error: `team "x": boom`}
	if err := s.FinishJobRun(ctx, done); err != nil {
		t.Fatal(err)
	}
	runs, err := s.JobRuns(ctx, "daily", day.AddDays(-1), day.AddDays(1))
	if err != nil {
		t.Fatal(err)
	}
	done.ClaimedAt, done.HeartbeatAt = later, later.Add(time.Second)
	if d := cmp.Diff([]scheduler.JobRun{done}, runs); d != "" {
		t.Errorf("JobRuns (-want +got):\n%s", d)
	}
	if _, ok := claim("d/1", later.Add(time.Hour), false); ok {
		t.Errorf("a succeeded run was claimed without Force")
	}
	if run, ok := claim("d/1", later.Add(time.Hour), true); !ok || run.Owner != "d/1" || run.Teams != 0 || run.Error != "" || !run.FinishedAt.IsZero() {
		t.Errorf("forced claim: %+v, %v", run, ok)
	}
	if _, _, err := s.ClaimJobRun(ctx, scheduler.JobClaim{Job: "daily", Period: day, Owner: "e", Now: t0}); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("claim without StaleAfter: %v", err)
	}
}
