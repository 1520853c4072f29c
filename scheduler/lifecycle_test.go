package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
)

var twoTeams = []analytics.Team{
	{ID: "alpha", TimeZone: "UTC", AccountIDs: []string{"alpha-wa"}},
	{ID: "beta", TimeZone: "Asia/Tokyo"},
}

// oneJob is a config whose weekly and monthly jobs look back one period
// only, and whose daily job looks back lookback days.
func oneJob(lookback int) scheduler.Config {
	return scheduler.Config{
		Daily:   scheduler.JobConfig{Lookback: lookback},
		Weekly:  scheduler.JobConfig{Lookback: -1},
		Monthly: scheduler.JobConfig{Lookback: -1},
		Retry:   scheduler.Retry{Attempts: 1},
	}
}

// waitFor polls cond, failing t if it does not hold soon. It waits for
// goroutines to reach a state, not for time to pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// teamDays counts the daily snapshots of team's scopes in ws by date.
func teamDays(ws []write, team string) map[analytics.Date]int {
	out := map[analytics.Date]int{}
	for _, w := range ws {
		if w.key.Type == analytics.Daily && w.key.Scope.TeamID == team {
			out[w.key.Date]++
		}
	}
	return out
}

func TestStaleClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, ts("2026-03-11T02:00:00Z"), twoTeams)
		ctx := context.Background()
		// alpha's 2026-03-10 falls due at 02:00 UTC on 03-11: a replica
		// claimed that tick's run and died at once.
		tick := ts("2026-03-11T02:00:00Z")
		name, key := scheduler.RunKey(scheduler.DailyJob, tick)
		if _, ok, err := h.runs.ClaimJobRun(ctx, scheduler.JobClaim{Job: name, Period: key,
			Owner: "dead/1", Now: h.clock.Now(), StaleAfter: 2 * time.Minute}); err != nil || !ok {
			t.Fatalf("claim by the dead replica: %v, %v", ok, err)
		}
		h.start(1, oneJob(3))
		if got := h.run(scheduler.DailyJob, tick); got.Owner != "dead/1" || got.Status != scheduler.JobRunning {
			t.Errorf("a fresh claim was not respected: %+v", got)
		}
		day := date("2026-03-10")
		if n := teamDays(h.rec.take(), "alpha")[day]; n != 0 {
			t.Errorf("alpha's held day %s was generated %d times", day, n)
		}
		// Five minutes later the claim is stale: another replica calling
		// Run within the tick takes it over and generates the day.
		h.clock.Set(tick.Add(5 * time.Minute))
		other := h.newScheduler(oneJob(3))
		if _, err := other.s.Jobs()[0].Run(ctx, h.clock.Now()); err != nil {
			t.Fatalf("Run after the claim went stale: %v", err)
		}
		if r := h.run(scheduler.DailyJob, tick); r.Owner != "replica-1" || r.Status != scheduler.JobSucceeded {
			t.Errorf("run at %v after the takeover: %+v, want succeeded by replica-1", tick, r)
		}
		// alpha and alpha/alpha-wa's 2026-03-10, by the taken-over run.
		if n := teamDays(h.rec.take(), "alpha")[day]; n != 2 {
			t.Errorf("alpha's %s written %d times after the takeover, want 2", day, n)
		}
		err := h.runs.HeartbeatJobRun(ctx, name, key, "dead/1", h.clock.Now())
		if !errors.Is(err, analytics.ErrNotFound) {
			t.Errorf("heartbeat of the dead replica after the takeover: %v, want ErrNotFound", err)
		}
	})
}

func TestLostClaimCancelsRun(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		at := ts("2026-03-11T02:00:00Z")
		h := newHarness(t, b, at, twoTeams[:1])
		entered := make(chan struct{})
		var once sync.Once
		h.rec.setBlock(func(ctx context.Context) {
			once.Do(func() { close(entered) })
			<-ctx.Done()
		})
		r := h.newScheduler(oneJob(-1))
		type outcome struct {
			res scheduler.RunResult
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := r.s.Jobs()[0].Run(context.Background(), at)
			done <- outcome{res, err}
		}()
		<-entered
		waitFor(t, "the heartbeat timer", func() bool { return h.clock.Waiters() > 0 })
		// Another replica, whose clock runs ahead, sees the claim stale.
		name, key := scheduler.RunKey(scheduler.DailyJob, at)
		if _, ok, err := h.runs.ClaimJobRun(context.Background(), scheduler.JobClaim{Job: name, Period: key,
			Owner: "thief/1", Now: at.Add(10 * time.Minute), StaleAfter: 2 * time.Minute}); err != nil || !ok {
			t.Fatalf("takeover: %v, %v", ok, err)
		}
		h.clock.Advance(30 * time.Second) // the next heartbeat finds the claim gone
		o := <-done
		if !errors.Is(o.err, analytics.ErrNotFound) || !strings.Contains(o.err.Error(), "lost") {
			t.Errorf("Run after losing its claim: %v, want an error wrapping ErrNotFound saying the claim was lost", o.err)
		}
		if o.res.Run.Status != scheduler.JobFailed {
			t.Errorf("the abandoned run is reported as %q, want failed", o.res.Run.Status)
		}
		got := h.jobRuns(name, key, key)
		if len(got) != 1 || got[0].Owner != "thief/1" || got[0].Status != scheduler.JobRunning {
			t.Errorf("the loser overwrote the new holder's run: %+v", got)
		}
	})
}

func TestStopWaitsForRunningJob(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, ts("2026-03-11T01:00:00Z"), twoTeams)
		r := h.newScheduler(oneJob(-1))
		if err := r.s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.waitIdle(r)
		entered := make(chan struct{})
		release := make(chan struct{})
		var once sync.Once
		h.rec.setBlock(func(ctx context.Context) {
			once.Do(func() { close(entered) })
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
		h.clock.Set(ts("2026-03-11T02:00:00Z"))
		<-entered
		stopped := make(chan error, 1)
		go func() { stopped <- r.s.Stop(context.Background()) }()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while a job was running", err)
		case <-time.After(100 * time.Millisecond): // a bounded check that Stop is still waiting
		}
		close(release)
		if err := <-stopped; err != nil {
			t.Fatalf("Stop: %v", err)
		}
		// The run was recorded before Stop returned.
		if got := h.run(scheduler.DailyJob, ts("2026-03-11T02:00:00Z")); got.Status != scheduler.JobSucceeded {
			t.Errorf("run after a graceful Stop: %+v, want succeeded", got)
		}
	})
}

func TestStopCancelsWhenContextEnds(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		h := newHarness(t, b, ts("2026-03-11T01:00:00Z"), twoTeams)
		r := h.newScheduler(oneJob(-1))
		if err := r.s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.waitIdle(r)
		entered := make(chan struct{})
		var once sync.Once
		h.rec.setBlock(func(ctx context.Context) {
			once.Do(func() { close(entered) })
			<-ctx.Done()
		})
		h.clock.Set(ts("2026-03-11T02:00:00Z"))
		<-entered
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.s.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Stop with an ended context: %v, want context.Canceled", err)
		}
		// Recorded as failed, so that the next run repeats it at once.
		tick := ts("2026-03-11T02:00:00Z")
		if got := h.run(scheduler.DailyJob, tick); got.Status != scheduler.JobFailed || !strings.Contains(got.Error, "canceled") {
			t.Fatalf("run cancelled by Stop: %+v, want failed with the cancellation", got)
		}
		h.rec.setBlock(nil)
		h.rec.take()
		h.start(1, oneJob(-1))
		if got := h.run(scheduler.DailyJob, tick); got.Status != scheduler.JobSucceeded || got.Owner != "replica-1" {
			t.Errorf("run after a restart: %+v, want succeeded by replica-1", got)
		}
	})
}

func TestStartAndStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, memBackend, ts("2026-03-11T01:00:00Z"), twoTeams)
	r := h.newScheduler(oneJob(-1))
	ctx := context.Background()
	if err := r.s.Stop(ctx); err != nil {
		t.Errorf("Stop before Start: %v", err)
	}
	for round := range 2 { // a stopped scheduler starts again
		if err := r.s.Start(ctx); err != nil {
			t.Fatalf("Start (round %d): %v", round, err)
		}
		h.waitIdle(r)
		if err := r.s.Start(ctx); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Start of a started scheduler: %v, want ErrInvalidArgument", err)
		}
		if err := r.s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if err := r.s.Stop(ctx); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	}
	// Cancelling Start's context ends the loop too.
	sctx, cancel := context.WithCancel(ctx)
	if err := r.s.Start(sctx); err != nil {
		t.Fatal(err)
	}
	h.waitIdle(r)
	cancel()
	if err := r.s.Stop(ctx); err != nil {
		t.Errorf("Stop after Start's context ended: %v", err)
	}
}

// flakyStore fails Aggregate for chosen teams: each of the next
// fails[team] calls that include the team returns errs[team] (or another
// failing team's error).
type flakyStore struct {
	analytics.Store
	mu        sync.Mutex
	fails     map[string]int
	errs      map[string]error
	listFails int // Teams calls to fail
}

func (f *flakyStore) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	f.mu.Lock()
	var err error
	seen := map[string]bool{}
	for _, it := range req.Items {
		if id := it.Scope.TeamID; f.fails[id] > 0 && !seen[id] {
			seen[id] = true
			f.fails[id]--
			err = f.errs[id]
		}
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.Store.Aggregate(ctx, req)
}

func (f *flakyStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listFails > 0 {
		f.listFails--
		return nil, errors.New("connection reset by peer")
	}
	return f.Store.Teams(ctx, after, limit)
}

// TestRetriesAndFailedTeams runs a day with a team that fails once (it
// is retried within the run), one that fails for bad data (it is reported
// and the run still succeeds) and one that keeps failing for a reason
// that may pass (the run fails, and the next tick repeats it for that
// team alone).
func TestRetriesAndFailedTeams(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{{ID: "good"}, {ID: "flaky", AccountIDs: []string{"flaky-wa"}}, {ID: "broken"}, {ID: "down"}}
	at := ts("2026-03-11T02:00:00Z")
	clock := analytics.NewFakeClock(at)
	mem, runs := memBackend.open(t, clock, teams)
	store := &flakyStore{Store: mem,
		// The batch call and the one-by-one call fail: the first attempt
		// loses the team, the retry saves it.
		fails: map[string]int{"flaky": 2, "broken": 1 << 30, "down": 1 << 30},
		errs: map[string]error{"flaky": errors.New("i/o timeout"), "down": errors.New("connection refused"),
			"broken": store.InvalidArgument("Team.TimeZone", "unknown time zone")},
		listFails: 1,
	}
	rec := &recorder{}
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock, AfterBatch: rec.hook(0, clock)})
	if err != nil {
		t.Fatal(err)
	}
	// Two replicas: one looks back one day only, the other two.
	var reps []*scheduler.Scheduler
	for i, lookback := range []int{-1, 2} {
		s, err := scheduler.New(snap, runs, &scheduler.Config{Clock: clock, Owner: fmt.Sprint("me-", i),
			Daily: scheduler.JobConfig{Lookback: lookback, Trailing: -1}})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, s)
	}
	type wait struct {
		waiters int
		d       time.Duration
	}
	run := func(s *scheduler.Scheduler, at time.Time, waits ...wait) scheduler.RunResult {
		t.Helper()
		type outcome struct {
			res scheduler.RunResult
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			res, err := s.Jobs()[0].Run(context.Background(), at)
			done <- outcome{res, err}
		}()
		for _, w := range waits {
			// The backoff, and the heartbeat timer once the run is claimed
			// (the clock is new: no other timers).
			waitFor(t, "a retry backoff", func() bool { return clock.Waiters() >= w.waiters })
			clock.Advance(w.d)
		}
		o := <-done
		if o.err != nil {
			t.Fatalf("Run: %v", o.err)
		}
		return o.res
	}
	// Listing the zones fails, and is retried after 1 s. Attempt 1: flaky,
	// broken and down fail. Attempt 2 (after 1 s): flaky succeeds, down
	// fails. Attempt 3 (after 2 s more): down fails again.
	res := run(reps[0], at, wait{1, time.Second}, wait{2, time.Second}, wait{2, 2 * time.Second})
	if res.Run.Status != scheduler.JobFailed || res.Teams != 4 || res.Scopes != 5 || res.Succeeded != 3 || res.Failed != 2 {
		t.Errorf("run with a broken and a down team: %+v, want failed with 4 teams, 5 scopes, 3 succeeded, 2 failed", res.Run)
	}
	var failed []string
	for _, te := range res.Errors {
		failed = append(failed, te.TeamID)
	}
	if d := cmp.Diff([]string{"broken", "down"}, failed); d != "" || !errors.Is(res.Errors[0], analytics.ErrInvalidArgument) {
		t.Errorf("errors: %v, want broken's invalid argument and down's failure", res.Errors)
	}
	if !strings.Contains(res.Run.Error, `failed teams: ["down"]`) || !strings.Contains(res.Run.Error, "1 of them for bad data (not repeated)") {
		t.Errorf("recorded error %q does not list down alone for a repeat", res.Run.Error)
	}
	stored := h1Run(t, runs, scheduler.DailyJob, at)
	if d := cmp.Diff(res.Run, stored); d != "" {
		t.Errorf("stored run differs from the returned one (-returned +stored):\n%s", d)
	}
	wrote := keysOf(rec.take())
	want := []analytics.SnapshotKey{
		{Scope: analytics.TeamScope("flaky"), Type: analytics.Daily, Date: date("2026-03-10")},
		{Scope: analytics.AccountScope("flaky", "flaky-wa"), Type: analytics.Daily, Date: date("2026-03-10")},
		{Scope: analytics.TeamScope("good"), Type: analytics.Daily, Date: date("2026-03-10")},
	}
	sortKeys(want)
	if d := cmp.Diff(want, wrote); d != "" {
		t.Errorf("written (-want +got):\n%s", d)
	}

	// down is mended, broken is not. The next day's run repeats the failed
	// one for down alone, then runs its own day for everyone; broken fails
	// it again, without failing it.
	store.mu.Lock()
	store.fails["down"] = 0
	store.mu.Unlock()
	clock.Set(ts("2026-03-12T02:00:00Z"))
	res = run(reps[1], clock.Now())
	if len(res.CatchUp) != 1 {
		t.Fatalf("catch-up: %+v, want down's missing day generated", res.CatchUp)
	}
	// The catch-up generates the days never generated: down's, and tries
	// broken's again (its snapshot is missing too), which fails for bad
	// data without failing the pass.
	c := res.CatchUp[0]
	if c.Run.Job != scheduler.DailyJob+"@catch-up" || c.Run.Status != scheduler.JobSucceeded || c.Scopes != 2 || c.Succeeded != 1 {
		t.Errorf("catch-up: %+v, want succeeded with down's scope and broken's", c.Run)
	}
	if res.Run.Status != scheduler.JobSucceeded || res.Scopes != 5 || res.Failed != 1 || !strings.Contains(res.Run.Error, "broken") {
		t.Errorf("the day's own run: %+v, want succeeded with 5 scopes, broken's failure recorded", res.Run)
	}
	want = []analytics.SnapshotKey{{Scope: analytics.TeamScope("down"), Type: analytics.Daily, Date: date("2026-03-10")}}
	for _, tm := range teams {
		for _, sc := range tm.Scopes() {
			if tm.ID != "broken" {
				want = append(want, analytics.SnapshotKey{Scope: sc, Type: analytics.Daily, Date: date("2026-03-11")})
			}
		}
	}
	sortKeys(want)
	if d := cmp.Diff(want, keysOf(rec.take())); d != "" {
		t.Errorf("written by the repeat and the day's run (-want +got):\n%s", d)
	}
	// The third day's catch-up tries broken's missing days alone, once
	// each: its bad data fails it again without failing the pass.
	clock.Set(ts("2026-03-13T02:00:00Z"))
	res = run(reps[1], clock.Now())
	if res.Run.Status != scheduler.JobSucceeded {
		t.Errorf("third day: %+v; want its own run succeeded", res.Run)
	}
	for _, c := range res.CatchUp {
		if c.Run.Status != scheduler.JobSucceeded || c.Succeeded != 0 || len(c.Errors) != 1 || c.Errors[0].TeamID != "broken" {
			t.Errorf("third day's catch-up: %+v, want broken alone tried, the pass succeeded", c)
		}
	}
	if w := rec.take(); len(w) != 4 {
		t.Errorf("third day wrote %d snapshots, want the day's 5 scopes but broken's: %v", len(w), keysOf(w))
	}
}

// h1Run returns the recorded run of job at tick.
func h1Run(t *testing.T, runs scheduler.JobRunStore, job string, tick time.Time) scheduler.JobRun {
	t.Helper()
	name, d := scheduler.RunKey(job, tick)
	got, err := runs.JobRuns(context.Background(), name, d, d)
	if err != nil || len(got) != 1 {
		t.Fatalf("JobRuns(%s, %s): %+v, %v", name, d, got, err)
	}
	return got[0]
}

func TestTriggerJob(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		at := ts("2026-03-11T02:00:00Z")
		h := newHarness(t, b, at, twoTeams)
		r := h.newScheduler(oneJob(-1))

		_, err := r.s.TriggerJob(ctx, "hourly-analytics-snapshot")
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("TriggerJob of an unknown job: %v, want ErrInvalidArgument", err)
		}
		for _, name := range []string{scheduler.DailyJob, scheduler.WeeklyJob, scheduler.MonthlyJob} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("the error %q does not list %s", err, name)
			}
		}

		// alpha's day falls due now, beta's (Tokyo) fell due at 17:00 UTC.
		first, err := r.s.Jobs()[0].Run(ctx, at)
		if err != nil || first.Skipped || first.Run.Status != scheduler.JobSucceeded || !first.Tick.Equal(at) ||
			len(first.CatchUp) != 1 || first.CatchUp[0].Run.Job != scheduler.DailyJob+"@catch-up" || first.CatchUp[0].Scopes != 3 {
			t.Fatalf("scheduled run: %+v, %v; want the run at 02:00 and a catch-up of beta's day (17:00)", first, err)
		}
		again, err := r.s.Jobs()[0].Run(ctx, at)
		if err != nil || !again.Skipped {
			t.Errorf("a second scheduled run of a succeeded tick: %+v, %v; want skipped", again, err)
		}
		wrote := keysOf(h.rec.take())
		h.clock.Advance(time.Hour)
		res, err := r.s.TriggerJob(ctx, scheduler.DailyJob)
		if err != nil {
			t.Fatalf("TriggerJob: %v", err)
		}
		name, key := scheduler.RunKey(scheduler.DailyJob, at)
		if res.Skipped || res.Run.Status != scheduler.JobSucceeded || res.Run.Job != name || res.Run.Period != key ||
			!res.Run.ClaimedAt.Equal(h.clock.Now()) || len(res.CatchUp) != 0 {
			t.Errorf("forced re-run: %+v, want %s %s claimed again now and succeeded", res.Run, name, key)
		}
		if d := cmp.Diff(wrote, keysOf(h.rec.take())); d != "" {
			t.Errorf("the forced re-run wrote other snapshots than the runs (-runs +re-run):\n%s", d)
		}
	})
}

// TestTriggerAgreesWithGenerateAll triggers the monthly job when Berlin's
// November has fallen due (04:00 local, 03:00 UTC) and New York's has
// ended (05:00 UTC) but not fallen due (04:00 local, 09:00 UTC), and
// again after: TriggerJob, the scheduled run and GenerateAll write the
// same months.
func TestTriggerAgreesWithGenerateAll(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		teams := []analytics.Team{{ID: "berlin", TimeZone: "Europe/Berlin"}, {ID: "newyork", TimeZone: "America/New_York"}}
		h := newHarness(t, b, ts("2026-12-01T06:00:00Z"), teams)
		r := h.newScheduler(scheduler.Config{Monthly: scheduler.JobConfig{Lookback: -1}})
		gen, err := analytics.NewSnapshotter(h.store, &analytics.SnapshotterConfig{Clock: h.clock, AfterBatch: h.rec.hook(99, h.clock)})
		if err != nil {
			t.Fatal(err)
		}
		key := func(team, d string) analytics.SnapshotKey {
			return analytics.SnapshotKey{Scope: analytics.TeamScope(team), Type: analytics.Monthly, Date: date(d)}
		}
		for _, step := range []struct {
			at        string
			want      []analytics.SnapshotKey // due: each team's latest due month
			scheduled []analytics.SnapshotKey // what the scheduled run has left to do
		}{
			{"2026-12-01T06:00:00Z", []analytics.SnapshotKey{key("berlin", "2026-11-01"), key("newyork", "2026-10-01")},
				[]analytics.SnapshotKey{key("berlin", "2026-11-01"), key("newyork", "2026-10-01")}},
			{"2026-12-01T09:00:00Z", []analytics.SnapshotKey{key("berlin", "2026-11-01"), key("newyork", "2026-11-01")},
				[]analytics.SnapshotKey{key("newyork", "2026-11-01")}},
		} {
			h.clock.Set(ts(step.at))
			h.rec.take()
			if _, err := r.s.Jobs()[2].Run(ctx, h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			scheduled := keysOf(h.rec.take())
			res, err := r.s.TriggerJob(ctx, scheduler.MonthlyJob)
			if err != nil || res.Run.Status != scheduler.JobSucceeded {
				t.Fatalf("TriggerJob at %s: %+v, %v", step.at, res.Run, err)
			}
			triggered := keysOf(h.rec.take())
			if _, err := gen.GenerateAll(ctx, analytics.Monthly, h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			generated := keysOf(h.rec.take())
			sortKeys(step.want)
			if d := cmp.Diff(step.want, triggered); d != "" {
				t.Errorf("at %s TriggerJob wrote (-want +got):\n%s", step.at, d)
			}
			if d := cmp.Diff(step.want, generated); d != "" {
				t.Errorf("at %s GenerateAll wrote (-want +got):\n%s", step.at, d)
			}
			sortKeys(step.scheduled)
			if d := cmp.Diff(step.scheduled, scheduled); d != "" {
				t.Errorf("at %s the scheduled run wrote (-want +got):\n%s", step.at, d)
			}
		}
	})
}

func TestNew(t *testing.T) {
	t.Parallel()
	store, runs := memBackend.open(t, analytics.SystemClock(), nil)
	snap, err := analytics.NewSnapshotter(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		snap  *analytics.Snapshotter
		runs  scheduler.JobRunStore
		cfg   scheduler.Config
		field string // "" for a valid config
	}{
		{"defaults", snap, runs, scheduler.Config{}, ""},
		{"nil snapshotter", nil, runs, scheduler.Config{}, "snap"},
		{"nil job-runs store", snap, nil, scheduler.Config{}, "runs"},
		{"bad spec", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "0 2 * *"}}, "Config.Daily.Spec"},
		{"spec with a zone", snap, runs, scheduler.Config{Weekly: scheduler.JobConfig{Spec: "CRON_TZ=Asia/Tokyo 0 3 * * 1"}}, "Config.Weekly.Spec"},
		{"spec that never fires", snap, runs, scheduler.Config{Monthly: scheduler.JobConfig{Spec: "0 4 30 2 *"}}, "Config.Monthly.Spec"},
		{"spec off the quarter hours", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "10 2 * * *"}}, "Config.Daily.Spec"},
		{"spec every minute", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "* 2 * * *"}}, "Config.Daily.Spec"},
		{"spec on quarter hours", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "15,45 1 * * *"}}, ""},
		{"interval", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "@every 1h"}}, "Config.Daily.Spec"},
		{"descriptor", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "@daily"}}, ""},
		{"lookback", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Lookback: -2}}, "Config.Daily.Lookback"},
		{"trailing", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Trailing: -2}}, "Config.Daily.Trailing"},
		{"heartbeat not under staleness", snap, runs, scheduler.Config{StaleAfter: time.Minute, HeartbeatEvery: time.Minute}, "Config.HeartbeatEvery"},
		{"negative staleness", snap, runs, scheduler.Config{StaleAfter: -time.Second}, "Config.StaleAfter"},
		{"negative attempts", snap, runs, scheduler.Config{Retry: scheduler.Retry{Attempts: -1}}, "Config.Retry.Attempts"},
		{"owner with NUL", snap, runs, scheduler.Config{Owner: "a\x00b"}, "Config.Owner"},
	}
	for _, tt := range tests {
		_, err := scheduler.New(tt.snap, tt.runs, &tt.cfg)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: %v, want an ErrInvalidArgument naming %s", tt.name, err, tt.field)
		}
	}
	// Default owners differ between schedulers of one process.
	a, _ := scheduler.New(snap, runs, nil)
	b, _ := scheduler.New(snap, runs, nil)
	if a.Owner() == b.Owner() || a.Owner() == "" {
		t.Errorf("default owners %q and %q, want two distinct ones", a.Owner(), b.Owner())
	}
}

func TestJobs(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	store, runs := memBackend.open(t, clock, twoTeams)
	snap, _ := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	s, err := scheduler.New(snap, runs, &scheduler.Config{Clock: clock, Weekly: scheduler.JobConfig{Spec: "30 5 * * 1"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range s.Jobs() {
		got = append(got, fmt.Sprintf("%s %q %q %s", j.Name, j.Spec, j.Tick, j.Type))
	}
	want := []string{
		`daily-analytics-snapshot "0 2 * * *" "*/15 * * * *" Daily`,
		`weekly-analytics-snapshot "30 5 * * 1" "*/15 * * * *" Weekly`,
		`monthly-analytics-snapshot "0 4 1 * *" "*/15 * * * *" Monthly`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Jobs (-want +got):\n%s", d)
	}
	for _, at := range []time.Time{{}, clock.Now().Add(time.Second)} {
		if _, err := s.Jobs()[0].Run(context.Background(), at); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Run at %v: %v, want ErrInvalidArgument", at, err)
		}
		if _, err := s.RunDue(context.Background(), at); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("RunDue at %v: %v, want ErrInvalidArgument", at, err)
		}
	}
	// RunDue runs the three jobs: alpha's day (UTC) falls due now, beta's
	// (Tokyo) fell due at 17:00 UTC; no week or month has fallen due since
	// Tokyo's March began.
	res, err := s.RunDue(context.Background(), clock.Now())
	if err != nil || len(res) != 3 {
		t.Fatalf("RunDue: %+v, %v", res, err)
	}
	if r := res[0]; r.Run.Status != scheduler.JobSucceeded || !r.Tick.Equal(clock.Now()) || len(r.CatchUp) == 0 {
		t.Errorf("RunDue's daily run: %+v, want the tick now succeeded, after catching up", r)
	}
	for i, typ := range analytics.SnapshotTypes() {
		if res[i].Type != typ {
			t.Errorf("RunDue's result %d is of type %s, want %s", i, res[i].Type, typ)
		}
	}
}

func TestFailureText(t *testing.T) {
	t.Parallel()
	odd := []string{"a\nb", `q"uote`, "équipe-東京", "plain"}
	var errs []analytics.TeamError
	for _, id := range odd {
		errs = append(errs, analytics.TeamError{TeamID: id, Err: errors.New("boom\nsecond line")})
	}
	text := scheduler.FailureText(nil, analytics.Report{Teams: 10, Errors: errs})
	if !strings.HasPrefix(text, "4 of 10 teams failed\n") {
		t.Errorf("text starts %q", text)
	}
	got := scheduler.FailedTeams(text)
	want := map[string]bool{}
	for _, id := range odd {
		want[id] = true
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("FailedTeams round trip (-want +got):\n%s", d)
	}
	// Many teams: the error lines are cut, the list is whole.
	errs = nil
	for i := range 50 {
		errs = append(errs, analytics.TeamError{TeamID: fmt.Sprintf("t%02d", i), Err: errors.New("x")})
	}
	text = scheduler.FailureText(nil, analytics.Report{Teams: 50, Errors: errs})
	if n := len(scheduler.FailedTeams(text)); n != 50 || !strings.Contains(text, "... and 30 more") {
		t.Errorf("50 failed teams: %d listed in %q", n, text)
	}
	// Too many to list, or a failure of the whole run: everyone again.
	errs = nil
	for i := range 100 {
		errs = append(errs, analytics.TeamError{TeamID: strings.Repeat(fmt.Sprint(i%10), 1000), Err: errors.New("x")})
	}
	if got := scheduler.FailedTeams(scheduler.FailureText(nil, analytics.Report{Errors: errs})); got != nil {
		t.Errorf("a list too long was written: %d teams", len(got))
	}
	if got := scheduler.FailedTeams(scheduler.FailureText(errors.New("listing teams: reset"), analytics.Report{Errors: errs[:1]})); got != nil {
		t.Errorf("a run-level failure lists teams: %v", got)
	}
	if got := scheduler.FailureText(nil, analytics.Report{Teams: 3}); got != "" {
		t.Errorf("no failure gives %q", got)
	}
	// Teams that failed for bad data are described, not listed for a
	// repeat.
	bad := []analytics.TeamError{
		{TeamID: "mars", Err: fmt.Errorf("zone: %w", analytics.ErrCorrupt)},
		{TeamID: "gone", Err: analytics.ErrNotFound},
		{TeamID: "down", Err: errors.New("connection refused")},
	}
	text = scheduler.FailureText(nil, analytics.Report{Teams: 5, Errors: bad})
	if d := cmp.Diff(map[string]bool{"down": true}, scheduler.FailedTeams(text)); d != "" || !strings.HasPrefix(text, "3 of 5 teams failed, 2 of them for bad data (not repeated)\n") {
		t.Errorf("text %q lists for a repeat (-want +got):\n%s", text, d)
	}
}
