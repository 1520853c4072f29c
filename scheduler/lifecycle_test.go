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

func dailyKeys(ws []write) map[analytics.Date]int {
	out := map[analytics.Date]int{}
	for _, w := range ws {
		if w.key.Type == analytics.Daily {
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
		key := date("2026-03-10")
		// A replica claimed the run at its tick and died at once.
		if _, ok, err := h.runs.ClaimJobRun(ctx, analytics.JobClaim{Job: scheduler.DailyJob, Period: key,
			Owner: "dead/1", Now: h.clock.Now(), StaleAfter: 2 * time.Minute}); err != nil || !ok {
			t.Fatalf("claim by the dead replica: %v, %v", ok, err)
		}
		h.start(1, oneJob(3))
		if got := h.jobRuns(scheduler.DailyJob, key, key); len(got) != 1 || got[0].Owner != "dead/1" || got[0].Status != analytics.JobRunning {
			t.Errorf("a fresh claim was not respected: %+v", got)
		}
		if n := dailyKeys(h.rec.take())[key]; n != 0 {
			t.Errorf("the held day %s was generated %d times", key, n)
		}
		// At the next tick the claim is a day stale: it is taken over, and
		// the day generated, along with the new one.
		h.advance(ts("2026-03-12T02:00:00Z"))
		for _, r := range h.jobRuns(scheduler.DailyJob, key, key.AddDays(1)) {
			if r.Owner != "replica-0" || r.Status != analytics.JobSucceeded {
				t.Errorf("run %s after the takeover: %+v, want succeeded by replica-0", r.Period, r)
			}
		}
		// alpha, alpha/alpha-wa and beta's 2026-03-10: by the taken-over
		// run, and again as a trailing day of 2026-03-11's run.
		if n := dailyKeys(h.rec.take())[key]; n != 6 {
			t.Errorf("day %s written %d times after the takeover, want 6", key, n)
		}
		err := h.runs.HeartbeatJobRun(ctx, scheduler.DailyJob, key, "dead/1", h.clock.Now())
		if !errors.Is(err, analytics.ErrNotFound) {
			t.Errorf("heartbeat of the dead replica after the takeover: %v, want ErrNotFound", err)
		}
	})
}

func TestLostClaimCancelsRun(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		at := ts("2026-03-11T02:00:00Z")
		h := newHarness(t, b, at, twoTeams)
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
		key := date("2026-03-10")
		if _, ok, err := h.runs.ClaimJobRun(context.Background(), analytics.JobClaim{Job: scheduler.DailyJob, Period: key,
			Owner: "thief/1", Now: at.Add(10 * time.Minute), StaleAfter: 2 * time.Minute}); err != nil || !ok {
			t.Fatalf("takeover: %v, %v", ok, err)
		}
		h.clock.Advance(30 * time.Second) // the next heartbeat finds the claim gone
		o := <-done
		if !errors.Is(o.err, analytics.ErrNotFound) || !strings.Contains(o.err.Error(), "lost") {
			t.Errorf("Run after losing its claim: %v, want an error wrapping ErrNotFound saying the claim was lost", o.err)
		}
		if o.res.Run.Status != analytics.JobFailed {
			t.Errorf("the abandoned run is reported as %q, want failed", o.res.Run.Status)
		}
		got := h.jobRuns(scheduler.DailyJob, key, key)
		if len(got) != 1 || got[0].Owner != "thief/1" || got[0].Status != analytics.JobRunning {
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
		got := h.jobRuns(scheduler.DailyJob, date("2026-03-10"), date("2026-03-10"))
		if len(got) != 1 || got[0].Status != analytics.JobSucceeded {
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
		key := date("2026-03-10")
		got := h.jobRuns(scheduler.DailyJob, key, key)
		if len(got) != 1 || got[0].Status != analytics.JobFailed || !strings.Contains(got[0].Error, "canceled") {
			t.Fatalf("run cancelled by Stop: %+v, want failed with the cancellation", got)
		}
		h.rec.setBlock(nil)
		h.rec.take()
		h.start(1, oneJob(-1))
		if got := h.jobRuns(scheduler.DailyJob, key, key); len(got) != 1 || got[0].Status != analytics.JobSucceeded || got[0].Owner != "replica-1" {
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

func TestRetriesAndFailedTeams(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{{ID: "good"}, {ID: "flaky", AccountIDs: []string{"flaky-wa"}}, {ID: "broken"}}
	at := ts("2026-03-11T02:00:00Z")
	clock := analytics.NewFakeClock(at)
	mem, runs := memBackend.open(t, clock, teams)
	store := &flakyStore{Store: mem,
		// The batch call and the one-by-one call fail: the first attempt
		// loses the team, the retry saves it.
		fails:     map[string]int{"flaky": 2, "broken": 1 << 30},
		errs:      map[string]error{"flaky": errors.New("i/o timeout"), "broken": analytics.InvalidArgument("Team.TimeZone", "unknown time zone")},
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
	run := func(s *scheduler.Scheduler, at time.Time, waits ...time.Duration) scheduler.RunResult {
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
			// The heartbeat timer and the backoff (the clock is new: no
			// other timers).
			waitFor(t, "a retry backoff", func() bool { return clock.Waiters() >= 2 })
			clock.Advance(w)
		}
		o := <-done
		if o.err != nil {
			t.Fatalf("Run: %v", o.err)
		}
		return o.res
	}
	// Attempt 1: listing teams fails. Attempt 2 (after 1 s): flaky and
	// broken fail. Attempt 3 (after 2 s more): flaky alone, succeeds.
	res := run(reps[0], at, time.Second, 2*time.Second)
	if res.Run.Status != analytics.JobFailed || res.Teams != 3 || res.Scopes != 4 || res.Succeeded != 3 || res.Failed != 1 {
		t.Errorf("run with a broken team: %+v, want failed with 3 teams, 4 scopes, 3 succeeded, 1 failed", res.Run)
	}
	if len(res.Errors) != 1 || res.Errors[0].TeamID != "broken" || !errors.Is(res.Errors[0], analytics.ErrInvalidArgument) {
		t.Errorf("errors: %v, want broken's invalid argument alone", res.Errors)
	}
	if !strings.Contains(res.Run.Error, `failed teams: ["broken"]`) {
		t.Errorf("recorded error %q does not list the broken team", res.Run.Error)
	}
	stored := runsOf(t, runs, scheduler.DailyJob, date("2026-03-10"))
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

	// The team is mended; the next day's run repeats the failed one for it
	// alone, then runs its own day for everyone.
	store.mu.Lock()
	store.fails["broken"] = 0
	store.mu.Unlock()
	clock.Set(ts("2026-03-12T02:00:00Z"))
	res = run(reps[1], clock.Now())
	if len(res.CatchUp) != 1 {
		t.Fatalf("catch-up: %+v, want the failed run repeated", res.CatchUp)
	}
	c := res.CatchUp[0]
	if c.Run.Period != date("2026-03-10") || c.Run.Status != analytics.JobSucceeded || c.Scopes != 1 || c.Succeeded != 1 {
		t.Errorf("repeated run: %+v, want 2026-03-10 succeeded with broken's 1 scope", c.Run)
	}
	if res.Run.Status != analytics.JobSucceeded || res.Scopes != 4 {
		t.Errorf("the day's own run: %+v, want succeeded with 4 scopes", res.Run)
	}
	want = []analytics.SnapshotKey{{Scope: analytics.TeamScope("broken"), Type: analytics.Daily, Date: date("2026-03-10")}}
	for _, tm := range teams {
		for _, sc := range tm.Scopes() {
			want = append(want, analytics.SnapshotKey{Scope: sc, Type: analytics.Daily, Date: date("2026-03-11")})
		}
	}
	sortKeys(want)
	if d := cmp.Diff(want, keysOf(rec.take())); d != "" {
		t.Errorf("written by the repeat and the day's run (-want +got):\n%s", d)
	}
}

func runsOf(t *testing.T, runs analytics.JobRunStore, job string, d analytics.Date) analytics.JobRun {
	t.Helper()
	got, err := runs.JobRuns(context.Background(), job, d, d)
	if err != nil || len(got) != 1 {
		t.Fatalf("JobRuns(%s, %s): %+v, %v", job, d, got, err)
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

		first, err := r.s.Jobs()[0].Run(ctx, at)
		if err != nil || first.Skipped || first.Run.Status != analytics.JobSucceeded {
			t.Fatalf("scheduled run: %+v, %v", first, err)
		}
		again, err := r.s.Jobs()[0].Run(ctx, at)
		if err != nil || !again.Skipped {
			t.Errorf("a second scheduled run of a succeeded period: %+v, %v; want skipped", again, err)
		}
		wrote := keysOf(h.rec.take())
		h.clock.Advance(time.Hour)
		res, err := r.s.TriggerJob(ctx, scheduler.DailyJob)
		if err != nil {
			t.Fatalf("TriggerJob: %v", err)
		}
		if res.Skipped || res.Run.Status != analytics.JobSucceeded || res.Run.Period != date("2026-03-10") || !res.Run.ClaimedAt.Equal(h.clock.Now()) {
			t.Errorf("forced re-run: %+v, want 2026-03-10 claimed again now and succeeded", res.Run)
		}
		if d := cmp.Diff(wrote, keysOf(h.rec.take())); d != "" {
			t.Errorf("the forced re-run wrote other snapshots than the run (-run +re-run):\n%s", d)
		}
	})
}

// TestTriggerBeforeTick triggers the daily job before its tick, when a
// team's day has not ended yet: the run leaves it out and is recorded as
// failed, and the scheduled run completes it.
func TestTriggerBeforeTick(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		teams := []analytics.Team{{ID: "london", TimeZone: "Europe/London"}, {ID: "saopaulo", TimeZone: "America/Sao_Paulo"}}
		h := newHarness(t, b, ts("2026-03-11T02:00:00Z"), teams)
		cfg := oneJob(-1)
		cfg.Daily.Spec = "0 6 * * *"
		cfg.Daily.Trailing = -1
		r := h.newScheduler(cfg)
		// São Paulo's 2026-03-10 ends at 03:00 UTC.
		res, err := r.s.TriggerJob(ctx, scheduler.DailyJob)
		if err != nil {
			t.Fatalf("TriggerJob: %v", err)
		}
		if res.Run.Period != date("2026-03-10") || res.Run.Status != analytics.JobFailed || res.Succeeded != 1 || res.Failed != 0 {
			t.Errorf("early run: %+v, want 2026-03-10 failed with London's day done", res.Run)
		}
		if len(res.Errors) != 1 || res.Errors[0].TeamID != "saopaulo" || !strings.Contains(res.Errors[0].Error(), "had not ended") {
			t.Errorf("early run's errors: %v, want São Paulo's day not ended", res.Errors)
		}
		london := analytics.SnapshotKey{Scope: analytics.TeamScope("london"), Type: analytics.Daily, Date: date("2026-03-10")}
		if d := cmp.Diff([]analytics.SnapshotKey{london}, keysOf(h.rec.take())); d != "" {
			t.Errorf("early run wrote (-want +got):\n%s", d)
		}
		h.clock.Set(ts("2026-03-11T06:00:00Z"))
		res, err = r.s.Jobs()[0].Run(ctx, h.clock.Now())
		if err != nil || res.Run.Status != analytics.JobSucceeded || res.Scopes != 1 {
			t.Errorf("scheduled run: %+v, %v; want succeeded, São Paulo alone", res.Run, err)
		}
		sp := analytics.SnapshotKey{Scope: analytics.TeamScope("saopaulo"), Type: analytics.Daily, Date: date("2026-03-10")}
		if d := cmp.Diff([]analytics.SnapshotKey{sp}, keysOf(h.rec.take())); d != "" {
			t.Errorf("scheduled run wrote (-want +got):\n%s", d)
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
		runs  analytics.JobRunStore
		cfg   scheduler.Config
		field string // "" for a valid config
	}{
		{"defaults", snap, runs, scheduler.Config{}, ""},
		{"nil snapshotter", nil, runs, scheduler.Config{}, "snap"},
		{"nil job-runs store", snap, nil, scheduler.Config{}, "runs"},
		{"bad spec", snap, runs, scheduler.Config{Daily: scheduler.JobConfig{Spec: "0 2 * *"}}, "Config.Daily.Spec"},
		{"spec with a zone", snap, runs, scheduler.Config{Weekly: scheduler.JobConfig{Spec: "CRON_TZ=Asia/Tokyo 0 3 * * 1"}}, "Config.Weekly.Spec"},
		{"spec that never fires", snap, runs, scheduler.Config{Monthly: scheduler.JobConfig{Spec: "0 4 30 2 *"}}, "Config.Monthly.Spec"},
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
		got = append(got, fmt.Sprintf("%s %q %s", j.Name, j.Spec, j.Type))
	}
	want := []string{
		`daily-analytics-snapshot "0 2 * * *" Daily`,
		`weekly-analytics-snapshot "30 5 * * 1" Weekly`,
		`monthly-analytics-snapshot "0 4 1 * *" Monthly`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Jobs (-want +got):\n%s", d)
	}
	for _, at := range []time.Time{{}, clock.Now().Add(time.Second)} {
		if _, err := s.Jobs()[0].Run(context.Background(), at); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Run at %v: %v, want ErrInvalidArgument", at, err)
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
}
