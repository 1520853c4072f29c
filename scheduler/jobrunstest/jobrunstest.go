// Package jobrunstest is the conformance suite of scheduler.JobRunStore.
// Every implementation runs it from its own tests:
//
//	func TestJobRuns(t *testing.T) {
//		jobrunstest.Run(t, func(t *testing.T) scheduler.JobRunStore {
//			return mystore.New(...) // a fresh, empty store (a new schema, ...)
//		})
//	}
//
// The suite checks claims (new, held, stale and taken over, forced, failed
// and claimed again), heartbeats, finishing, the ownership checks, listing
// runs by date range, concurrent claims of one run, argument checks and
// cancelled contexts. Every subtest opens its own store and runs in
// parallel with the others.
//
// Beyond what the interface documents, a store passes only if it keeps
// instants to the microsecond at least (the suite uses whole seconds);
// treats a claim whose heartbeat is exactly StaleAfter old as still held;
// keeps ClaimedAt and HeartbeatAt when a run is finished; resets Owner,
// ClaimedAt, HeartbeatAt, FinishedAt, the counts and Error when a run is
// claimed anew; gives analytics.ErrInvalidArgument for an empty Job or
// Owner, an invalid Period, a zero Now, a StaleAfter that is not positive,
// a finish whose Status is not succeeded or failed, and JobRuns with from
// after to; and returns an error wrapping context.Canceled for a cancelled
// context.
package jobrunstest

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

// Open returns a fresh, empty JobRunStore (a new Postgres schema, a new
// memstore, ...). It is called once per subtest, possibly from parallel
// subtests; it should fail t (t.Fatal) if it cannot open one, and may use
// t.Cleanup to release the store.
type Open func(t *testing.T) scheduler.JobRunStore

type subtest struct {
	name string
	run  func(t *testing.T, open Open)
}

var tests = []subtest{
	{"ClaimNew", testClaimNew},
	{"ClaimHeld", testClaimHeld},
	{"StaleTakeover", testStaleTakeover},
	{"HeartbeatKeepsClaim", testHeartbeatKeepsClaim},
	{"FinishAndForce", testFinishAndForce},
	{"FailedIsReclaimed", testFailedIsReclaimed},
	{"NotOwner", testNotOwner},
	{"JobRunsRange", testJobRunsRange},
	{"ConcurrentClaims", testConcurrentClaims},
	{"InvalidArguments", testJobRunInvalid},
	{"Canceled", testJobRunCanceled},
}

// Run runs the whole suite against the stores open returns. Each subtest
// calls t.Parallel.
func Run(t *testing.T, open Open) {
	t.Helper()
	for _, st := range tests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.run(t, open)
		})
	}
}

const (
	jobA  = "daily-analytics-snapshot"
	jobB  = "weekly-analytics-snapshot"
	stale = 2 * time.Minute
)

var (
	jobT0  = ts("2026-03-11T02:00:00Z")
	jobDay = date("2026-03-10")
)

func claimAt(job string, d analytics.Date, owner string, now time.Time) scheduler.JobClaim {
	return scheduler.JobClaim{Job: job, Period: d, Owner: owner, Now: now, StaleAfter: stale}
}

// claim claims and fails t on an error or an unexpected outcome.
func claim(t *testing.T, s scheduler.JobRunStore, c scheduler.JobClaim, wantOK bool) scheduler.JobRun {
	t.Helper()
	run, ok, err := s.ClaimJobRun(context.Background(), c)
	if err != nil {
		t.Fatalf("ClaimJobRun(%+v): %v", c, err)
	}
	if ok != wantOK {
		t.Fatalf("ClaimJobRun(%+v) = %+v, %v; want claimed = %v", c, run, ok, wantOK)
	}
	return run
}

// oneRun returns the stored run of job on d, failing t unless there is
// exactly one.
func oneRun(t *testing.T, s scheduler.JobRunStore, job string, d analytics.Date) scheduler.JobRun {
	t.Helper()
	runs, err := s.JobRuns(context.Background(), job, d, d)
	if err != nil {
		t.Fatalf("JobRuns: %v", err)
	}
	if len(runs) != 1 {
		t.Fatalf("JobRuns(%s, %s) = %+v, want one run", job, d, runs)
	}
	return runs[0]
}

func running(job string, d analytics.Date, owner string, claimed, beat time.Time) scheduler.JobRun {
	return scheduler.JobRun{Job: job, Period: d, Status: scheduler.JobRunning, Owner: owner, ClaimedAt: claimed, HeartbeatAt: beat}
}

func testClaimNew(t *testing.T, open Open) {
	s := open(t)
	got := claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	want := running(jobA, jobDay, "host-a/1", jobT0, jobT0)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("claimed run (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, oneRun(t, s, jobA, jobDay)); d != "" {
		t.Errorf("stored run (-want +got):\n%s", d)
	}
	// Another job, or another period of the same job, is another run.
	claim(t, s, claimAt(jobB, jobDay, "host-b/1", jobT0), true)
	claim(t, s, claimAt(jobA, jobDay.AddDays(1), "host-b/1", jobT0), true)
}

func testClaimHeld(t *testing.T, open Open) {
	s := open(t)
	want := claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	for _, c := range []scheduler.JobClaim{
		claimAt(jobA, jobDay, "host-b/1", jobT0),
		claimAt(jobA, jobDay, "host-a/1", jobT0.Add(time.Second)), // the holder itself
		claimAt(jobA, jobDay, "host-b/1", jobT0.Add(stale)),       // exactly StaleAfter old: still held
		{Job: jobA, Period: jobDay, Owner: "host-b/1", Now: jobT0.Add(time.Minute), StaleAfter: stale, Force: true},
	} {
		got := claim(t, s, c, false)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ClaimJobRun(%+v) of a held run returned (-want +got):\n%s", c, d)
		}
	}
}

func testStaleTakeover(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	claim(t, s, claimAt(jobA, jobDay, "dead/1", jobT0), true)
	later := jobT0.Add(stale + time.Second)
	got := claim(t, s, claimAt(jobA, jobDay, "alive/2", later), true)
	if d := cmp.Diff(running(jobA, jobDay, "alive/2", later, later), got); d != "" {
		t.Errorf("taken-over run (-want +got):\n%s", d)
	}
	// The dead owner, back from a pause, has lost the run.
	if err := s.HeartbeatJobRun(ctx, jobA, jobDay, "dead/1", later); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("HeartbeatJobRun by the former owner: %v, want ErrNotFound", err)
	}
	done := scheduler.JobRun{Job: jobA, Period: jobDay, Status: scheduler.JobSucceeded, Owner: "dead/1", FinishedAt: later}
	if err := s.FinishJobRun(ctx, done); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("FinishJobRun by the former owner: %v, want ErrNotFound", err)
	}
	if err := s.HeartbeatJobRun(ctx, jobA, jobDay, "alive/2", later.Add(time.Second)); err != nil {
		t.Errorf("HeartbeatJobRun by the new owner: %v", err)
	}
	if got := oneRun(t, s, jobA, jobDay); got.Owner != "alive/2" || got.Status != scheduler.JobRunning {
		t.Errorf("after the takeover the stored run is %+v, want running by alive/2", got)
	}
}

func testHeartbeatKeepsClaim(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	beat := jobT0.Add(90 * time.Second)
	if err := s.HeartbeatJobRun(ctx, jobA, jobDay, "host-a/1", beat); err != nil {
		t.Fatalf("HeartbeatJobRun: %v", err)
	}
	if d := cmp.Diff(running(jobA, jobDay, "host-a/1", jobT0, beat), oneRun(t, s, jobA, jobDay)); d != "" {
		t.Errorf("run after a heartbeat (-want +got):\n%s", d)
	}
	// StaleAfter since the claim, but not since the heartbeat: still held.
	claim(t, s, claimAt(jobA, jobDay, "host-b/1", jobT0.Add(stale+time.Second)), false)
	claim(t, s, claimAt(jobA, jobDay, "host-b/1", beat.Add(stale+time.Second)), true)
}

func testFinishAndForce(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	beat := jobT0.Add(30 * time.Second)
	if err := s.HeartbeatJobRun(ctx, jobA, jobDay, "host-a/1", beat); err != nil {
		t.Fatal(err)
	}
	end := jobT0.Add(45 * time.Second)
	done := scheduler.JobRun{
		Job: jobA, Period: jobDay, Status: scheduler.JobSucceeded, Owner: "host-a/1",
		// What a finisher passes for these is ignored: the claim's are kept.
		ClaimedAt: end, HeartbeatAt: end,
		FinishedAt: end, Teams: 3, Scopes: 7, Succeeded: 6, Failed: 1, Error: `team "t3": boom`,
	}
	if err := s.FinishJobRun(ctx, done); err != nil {
		t.Fatalf("FinishJobRun: %v", err)
	}
	want := done
	want.ClaimedAt, want.HeartbeatAt = jobT0, beat
	if d := cmp.Diff(want, oneRun(t, s, jobA, jobDay)); d != "" {
		t.Errorf("finished run (-want +got):\n%s", d)
	}
	// A succeeded run is not claimed again, however old, unless forced.
	got := claim(t, s, claimAt(jobA, jobDay, "host-b/1", end.Add(time.Hour)), false)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ClaimJobRun of a succeeded run returned (-want +got):\n%s", d)
	}
	forced := claimAt(jobA, jobDay, "host-b/1", end.Add(time.Hour))
	forced.Force = true
	got = claim(t, s, forced, true)
	if d := cmp.Diff(running(jobA, jobDay, "host-b/1", forced.Now, forced.Now), got); d != "" {
		t.Errorf("forced claim (-want +got):\n%s", d)
	}
}

func testFailedIsReclaimed(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	failed := scheduler.JobRun{Job: jobA, Period: jobDay, Status: scheduler.JobFailed, Owner: "host-a/1",
		FinishedAt: jobT0.Add(time.Second), Teams: 2, Scopes: 2, Failed: 2, Error: "listing teams: connection reset"}
	if err := s.FinishJobRun(ctx, failed); err != nil {
		t.Fatalf("FinishJobRun: %v", err)
	}
	// At once, by anyone, the original owner included.
	now := jobT0.Add(2 * time.Second)
	got := claim(t, s, claimAt(jobA, jobDay, "host-a/1", now), true)
	if d := cmp.Diff(running(jobA, jobDay, "host-a/1", now, now), got); d != "" {
		t.Errorf("reclaimed failed run (-want +got):\n%s", d)
	}
}

func testNotOwner(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	at := jobT0.Add(time.Second)
	finish := func(owner string, d analytics.Date) scheduler.JobRun {
		return scheduler.JobRun{Job: jobA, Period: d, Status: scheduler.JobSucceeded, Owner: owner, FinishedAt: at}
	}
	tests := []struct {
		name string
		err  error
	}{
		{"heartbeat by another owner", s.HeartbeatJobRun(ctx, jobA, jobDay, "host-b/1", at)},
		{"heartbeat of another period", s.HeartbeatJobRun(ctx, jobA, jobDay.AddDays(1), "host-a/1", at)},
		{"heartbeat of another job", s.HeartbeatJobRun(ctx, jobB, jobDay, "host-a/1", at)},
		{"finish by another owner", s.FinishJobRun(ctx, finish("host-b/1", jobDay))},
		{"finish of a run never claimed", s.FinishJobRun(ctx, finish("host-a/1", jobDay.AddDays(-1)))},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, analytics.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tt.name, tt.err)
		}
	}
	if got := oneRun(t, s, jobA, jobDay); got.Status != scheduler.JobRunning || got.Owner != "host-a/1" || !got.HeartbeatAt.Equal(jobT0) {
		t.Errorf("calls by non-owners changed the run: %+v", got)
	}
	if err := s.FinishJobRun(ctx, finish("host-a/1", jobDay)); err != nil {
		t.Fatalf("FinishJobRun by the owner: %v", err)
	}
	// Once finished, the run is no longer held by anyone.
	if err := s.HeartbeatJobRun(ctx, jobA, jobDay, "host-a/1", at); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("heartbeat after finishing: %v, want ErrNotFound", err)
	}
	if err := s.FinishJobRun(ctx, finish("host-a/1", jobDay)); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("finishing twice: %v, want ErrNotFound", err)
	}
}

func testJobRunsRange(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	// Claimed out of order, across a month and a year boundary.
	days := []string{"2026-01-01", "2025-12-31", "2026-03-01", "2026-02-28", "2025-12-30"}
	for i, d := range days {
		claim(t, s, claimAt(jobA, date(d), fmt.Sprintf("host/%d", i), jobT0), true)
	}
	claim(t, s, claimAt(jobB, date("2026-01-01"), "host/b", jobT0), true)
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2025-12-31", "2026-02-28", []string{"2025-12-31", "2026-01-01", "2026-02-28"}},
		{"2025-01-01", "2027-01-01", []string{"2025-12-30", "2025-12-31", "2026-01-01", "2026-02-28", "2026-03-01"}},
		{"2026-03-01", "2026-03-01", []string{"2026-03-01"}},
		{"2026-01-02", "2026-02-27", nil},
	}
	for _, tt := range tests {
		runs, err := s.JobRuns(ctx, jobA, date(tt.from), date(tt.to))
		if err != nil {
			t.Fatalf("JobRuns(%s, %s): %v", tt.from, tt.to, err)
		}
		var got []string
		for _, r := range runs {
			if r.Job != jobA {
				t.Errorf("JobRuns(%s) returned a run of %s", jobA, r.Job)
			}
			got = append(got, r.Period.String())
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("JobRuns(%s, %s) periods (-want +got):\n%s", tt.from, tt.to, d)
		}
	}
}

func testConcurrentClaims(t *testing.T, open Open) {
	s := open(t)
	const n = 12
	race := func(now time.Time, prefix string) (winners []string) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			owner := fmt.Sprintf("%s/%d", prefix, i)
			wg.Go(func() {
				<-start
				run, ok, err := s.ClaimJobRun(context.Background(), claimAt(jobA, jobDay, owner, now))
				if err != nil {
					t.Errorf("ClaimJobRun by %s: %v", owner, err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, owner)
					mu.Unlock()
				} else if run.Owner == owner {
					t.Errorf("%s lost the claim but was returned as its owner: %+v", owner, run)
				}
			})
		}
		close(start)
		wg.Wait()
		return winners
	}
	first := race(jobT0, "fresh")
	if len(first) != 1 {
		t.Fatalf("%d concurrent claims of a new run: winners %v, want exactly one", n, first)
	}
	if got := oneRun(t, s, jobA, jobDay); got.Owner != first[0] {
		t.Errorf("stored owner %q, want the winner %q", got.Owner, first[0])
	}
	// The winner died: of n replicas taking the stale run over, one wins.
	second := race(jobT0.Add(stale+time.Minute), "takeover")
	if len(second) != 1 {
		t.Fatalf("%d concurrent takeovers of a stale run: winners %v, want exactly one", n, second)
	}
	if got := oneRun(t, s, jobA, jobDay); got.Owner != second[0] {
		t.Errorf("stored owner %q, want the winner %q", got.Owner, second[0])
	}
}

func testJobRunInvalid(t *testing.T, open Open) {
	s := open(t)
	ctx := context.Background()
	good := claimAt(jobA, jobDay, "host-a/1", jobT0)
	claims := map[string]func(c *scheduler.JobClaim){
		"empty job":           func(c *scheduler.JobClaim) { c.Job = "" },
		"empty owner":         func(c *scheduler.JobClaim) { c.Owner = "" },
		"zero period":         func(c *scheduler.JobClaim) { c.Period = analytics.Date{} },
		"impossible period":   func(c *scheduler.JobClaim) { c.Period = analytics.Date{Year: 2026, Month: 2, Day: 30} },
		"zero now":            func(c *scheduler.JobClaim) { c.Now = time.Time{} },
		"zero StaleAfter":     func(c *scheduler.JobClaim) { c.StaleAfter = 0 },
		"negative StaleAfter": func(c *scheduler.JobClaim) { c.StaleAfter = -time.Second },
	}
	for name, mutate := range claims {
		c := good
		mutate(&c)
		_, ok, err := s.ClaimJobRun(ctx, c)
		if !errors.Is(err, analytics.ErrInvalidArgument) || ok {
			t.Errorf("ClaimJobRun with %s: %v, %v; want ErrInvalidArgument", name, ok, err)
		}
	}
	claim(t, s, good, true)
	for _, st := range []scheduler.JobStatus{scheduler.JobRunning, "", "done"} {
		run := scheduler.JobRun{Job: jobA, Period: jobDay, Owner: "host-a/1", Status: st, FinishedAt: jobT0}
		if err := s.FinishJobRun(ctx, run); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("FinishJobRun with status %q: %v, want ErrInvalidArgument", st, err)
		}
	}
	if got := oneRun(t, s, jobA, jobDay); got.Status != scheduler.JobRunning {
		t.Errorf("an invalid finish changed the run: %+v", got)
	}
	if _, err := s.JobRuns(ctx, jobA, jobDay, jobDay.AddDays(-1)); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("JobRuns with from after to: %v, want ErrInvalidArgument", err)
	}
}

func testJobRunCanceled(t *testing.T, open Open) {
	s := open(t)
	claim(t, s, claimAt(jobA, jobDay, "host-a/1", jobT0), true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	at := jobT0.Add(time.Second)
	_, _, err := s.ClaimJobRun(ctx, claimAt(jobA, jobDay.AddDays(1), "host-a/1", at))
	wantErr(t, "ClaimJobRun with a cancelled context", err, context.Canceled)
	wantErr(t, "HeartbeatJobRun with a cancelled context", s.HeartbeatJobRun(ctx, jobA, jobDay, "host-a/1", at), context.Canceled)
	done := scheduler.JobRun{Job: jobA, Period: jobDay, Status: scheduler.JobSucceeded, Owner: "host-a/1", FinishedAt: at}
	wantErr(t, "FinishJobRun with a cancelled context", s.FinishJobRun(ctx, done), context.Canceled)
	_, err = s.JobRuns(ctx, jobA, jobDay, jobDay)
	wantErr(t, "JobRuns with a cancelled context", err, context.Canceled)
	// Nothing was written.
	if got := oneRun(t, s, jobA, jobDay); got.Status != scheduler.JobRunning || !got.HeartbeatAt.Equal(jobT0) {
		t.Errorf("calls with a cancelled context changed the run: %+v", got)
	}
	runs, err := s.JobRuns(context.Background(), jobA, jobDay.AddDays(1), jobDay.AddDays(1))
	if err != nil || len(runs) != 0 {
		t.Errorf("a claim with a cancelled context was stored: %+v, %v", runs, err)
	}
}

// ts parses an RFC 3339 instant such as "2026-03-11T02:00:00Z".
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// date parses a date such as "2026-03-10".
func date(s string) analytics.Date {
	d, err := analytics.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}
