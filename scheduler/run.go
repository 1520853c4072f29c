package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/msgstats/analytics"
)

// mode is why a job runs.
type mode int

const (
	// modeScheduled: the loop woke up; only periods whose tick has come
	// are run.
	modeScheduled mode = iota
	// modeExternal: Job.Run; the latest ended period is run even before
	// its tick.
	modeExternal
	// modeTrigger: TriggerJob; as modeExternal, forcing a re-run.
	modeTrigger
)

// maxPeriodsPerRun bounds the team periods one run may be assigned, which
// only a spec that fires far less often than its period could reach.
const maxPeriodsPerRun = 1000

// tick returns the instant the run of key period p is scheduled for: the
// first firing of the job's spec at or after p ends.
func (s *Scheduler) tick(j *job, p analytics.Period) (time.Time, error) {
	t := j.sched.Next(p.End.Add(-time.Nanosecond).In(s.cfg.Location))
	if t.IsZero() {
		return time.Time{}, fmt.Errorf("scheduler: %s: spec %q does not fire after %s", j.name, j.spec, p.End.Format(time.RFC3339))
	}
	return t, nil
}

// runJob runs job j as of at: every period of the lookback window whose
// run is missing or failed, oldest first, ending with the latest. In
// modeScheduled the latest is the latest whose tick is at or before at and
// quit stops it between periods; otherwise it is the period that last
// ended at at. It returns the latest period's result, with the others in
// CatchUp.
func (s *Scheduler) runJob(ctx context.Context, j *job, at time.Time, m mode, quit <-chan struct{}) (RunResult, error) {
	loc := s.cfg.Location
	latest, err := analytics.LastCompletePeriod(j.typ, at, loc)
	if err != nil {
		return RunResult{}, fmt.Errorf("scheduler: %s: %w", j.name, err)
	}
	if m == modeScheduled {
		for range j.lookback {
			t, err := s.tick(j, latest)
			if err != nil {
				return RunResult{}, err
			}
			if !t.After(at) {
				break
			}
			latest = latest.Prev()
		}
	}
	window := []analytics.Period{latest}
	for len(window) < j.lookback {
		window = append(window, window[len(window)-1].Prev())
	}
	slices.Reverse(window)
	var known []analytics.JobRun
	err = s.retry(ctx, "listing the runs of "+j.name, func() error {
		var err error
		known, err = s.runs.JobRuns(ctx, j.name, window[0].Date, latest.Date)
		return err
	})
	if err != nil {
		return RunResult{}, err
	}
	byKey := map[analytics.Date]analytics.JobRun{}
	for _, r := range known {
		byKey[r.Period] = r
	}

	var res RunResult
	var catchUp []RunResult
	var errs []error
	for i, p := range window {
		last := i == len(window)-1
		if quit != nil && stopping(ctx, quit) {
			break
		}
		t, err := s.tick(j, p)
		if err != nil {
			return res, err
		}
		if t.After(at) && (m == modeScheduled || !last) {
			continue // not due
		}
		force := last && m == modeTrigger
		prev, seen := byKey[p.Date]
		var r RunResult
		switch {
		case seen && prev.Status == analytics.JobSucceeded && !force:
			r = RunResult{Report: analytics.Report{Type: j.typ, At: at}, Run: prev, Skipped: true}
		default:
			var only map[string]bool
			if seen && prev.Status == analytics.JobFailed && !force {
				only = failedTeams(prev.Error)
			}
			r, err = s.runPeriod(ctx, j, p, at, force, only)
			if err != nil {
				errs = append(errs, err)
			}
		}
		if last {
			res = r
		} else if !r.Skipped {
			catchUp = append(catchUp, r)
		}
	}
	res.CatchUp = catchUp
	return res, errors.Join(errs...)
}

// runPeriod claims the run of j for key period p and, if it gets it, runs
// and records it. only, when not nil, limits the run to those teams (the
// ones that failed before).
func (s *Scheduler) runPeriod(ctx context.Context, j *job, p analytics.Period, at time.Time, force bool, only map[string]bool) (RunResult, error) {
	log := s.cfg.Logger.With("job", j.name, "period", p.Date.String(), "owner", s.cfg.Owner)
	res := RunResult{Report: analytics.Report{Type: j.typ, At: at}}
	var run analytics.JobRun
	var claimed bool
	err := s.retry(ctx, "claiming "+j.name+" "+p.Date.String(), func() error {
		var err error
		run, claimed, err = s.runs.ClaimJobRun(ctx, analytics.JobClaim{
			Job: j.name, Period: p.Date, Owner: s.cfg.Owner, Now: s.cfg.Clock.Now(),
			StaleAfter: s.cfg.StaleAfter, Force: force,
		})
		return err
	})
	if err != nil {
		return res, err
	}
	res.Run = run
	if !claimed {
		res.Skipped = true
		log.DebugContext(ctx, "scheduler: run held or done elsewhere", "holder", run.Owner, "status", string(run.Status))
		return res, nil
	}
	log.InfoContext(ctx, "scheduler: run claimed", "forced", force, "failed_teams_only", len(only))

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	beat := s.heartbeat(runCtx, cancel, j, p.Date, log)
	rep, runErr := s.execute(runCtx, j, p, at, only)
	lastBeat, lost := beat()
	if lost {
		runErr = fmt.Errorf("scheduler: %s %s: the claim was lost to another owner: %w", j.name, p.Date, analytics.ErrNotFound)
	}
	res.Report = rep

	run.HeartbeatAt = lastBeat
	run.FinishedAt = s.cfg.Clock.Now()
	run.Teams, run.Scopes, run.Succeeded, run.Failed = rep.Teams, rep.Scopes, rep.Succeeded, rep.Failed
	run.Status = analytics.JobSucceeded
	if runErr != nil || len(rep.Errors) > 0 {
		run.Status = analytics.JobFailed
	}
	run.Error = failureText(runErr, rep)
	if lost {
		res.Run = run
		log.WarnContext(ctx, "scheduler: claim lost; run abandoned")
		return res, runErr
	}
	// Record the outcome even when ctx has ended (a hard stop), so that a
	// replica repeats the run at once instead of waiting for it to go stale.
	finishCtx, cancelFinish := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelFinish()
	ferr := s.retry(finishCtx, "recording "+j.name+" "+p.Date.String(), func() error {
		return s.runs.FinishJobRun(finishCtx, run)
	})
	res.Run = run
	log.InfoContext(ctx, "scheduler: run finished", "status", string(run.Status), "teams", rep.Teams,
		"scopes", rep.Scopes, "succeeded", rep.Succeeded, "failed", rep.Failed, "duration", rep.Duration)
	if ferr != nil {
		if errors.Is(ferr, analytics.ErrNotFound) {
			ferr = fmt.Errorf("scheduler: %s %s: the claim was lost to another owner before the run was recorded: %w", j.name, p.Date, ferr)
		}
		return res, errors.Join(runErr, ferr)
	}
	return res, runErr
}

// heartbeat renews the claim every HeartbeatEvery until the returned stop
// function is called; stop returns the last recorded heartbeat and whether
// the claim was lost, in which case cancel was called.
func (s *Scheduler) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, j *job, key analytics.Date, log *slog.Logger) (stop func() (time.Time, bool)) {
	var (
		mu   sync.Mutex
		last = s.cfg.Clock.Now()
		lost bool
	)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-s.after(s.cfg.HeartbeatEvery):
			case <-quit:
				return
			case <-ctx.Done():
				return
			}
			now := s.cfg.Clock.Now()
			err := s.runs.HeartbeatJobRun(ctx, j.name, key, s.cfg.Owner, now)
			switch {
			case err == nil:
				mu.Lock()
				last = now
				mu.Unlock()
			case errors.Is(err, analytics.ErrNotFound):
				mu.Lock()
				lost = true
				mu.Unlock()
				cancel(err)
				return
			case ctx.Err() != nil:
				return
			default:
				log.WarnContext(ctx, "scheduler: heartbeat failed", "error", err)
			}
		}
	})
	return func() (time.Time, bool) {
		close(quit)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return last, lost
	}
}

// execute generates the team periods of key period p, retrying transient
// failures. Teams whose periods had not all ended at at are listed in the
// report's Errors.
func (s *Scheduler) execute(ctx context.Context, j *job, p analytics.Period, at time.Time, only map[string]bool) (analytics.Report, error) {
	started := s.cfg.Clock.Now()
	prevTick, err := s.tick(j, p.Prev())
	if err != nil {
		return analytics.Report{Type: j.typ, At: at}, err
	}
	thisTick, err := s.tick(j, p)
	if err != nil {
		return analytics.Report{Type: j.typ, At: at}, err
	}
	asOf := thisTick
	if at.Before(asOf) {
		asOf = at
	}
	pl := &planner{typ: j.typ, from: prevTick, to: thisTick, asOf: asOf, trailing: j.trailing, unended: map[string]analytics.Period{}}

	var rep analytics.Report
	var runErr error
	backoff := s.cfg.Retry.Backoff
	for attempt := 1; ; attempt++ {
		r, err := s.snap.Run(ctx, j.typ, pl.pick(only))
		switch {
		case err != nil:
			// The run as a whole failed (listing teams, or ctx): redo it all.
			rep, runErr = r, err
		case attempt == 1 || runErr != nil:
			rep, runErr = r, nil
		default:
			mergeRetry(&rep, r, only)
		}
		if ctx.Err() != nil || attempt >= s.cfg.Retry.Attempts {
			break
		}
		var retry map[string]bool
		if runErr == nil {
			for _, te := range rep.Errors {
				if !permanent(te.Err) {
					if retry == nil {
						retry = map[string]bool{}
					}
					retry[te.TeamID] = true
				}
			}
			if retry == nil {
				break
			}
		} else {
			retry = only // the same teams again
		}
		s.cfg.Logger.WarnContext(ctx, "scheduler: retrying", "job", j.name, "period", p.Date.String(),
			"attempt", attempt+1, "teams", len(retry), "run_error", runErr, "backoff", backoff)
		if !s.sleep(ctx, backoff) {
			break
		}
		backoff = min(2*backoff, s.cfg.Retry.MaxBackoff)
		only = retry
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = context.Cause(ctx)
	}
	for team, q := range pl.unendedTeams() {
		if slices.ContainsFunc(rep.Errors, func(te analytics.TeamError) bool { return te.TeamID == team }) {
			continue
		}
		rep.Errors = append(rep.Errors, analytics.TeamError{TeamID: team, Err: analytics.InvalidArgument("period",
			"%s had not ended at %s; it is generated when the run is repeated after %s",
			q, at.Format(time.RFC3339), thisTick.Format(time.RFC3339))})
	}
	slices.SortFunc(rep.Errors, func(a, b analytics.TeamError) int { return strings.Compare(a.TeamID, b.TeamID) })
	rep.At = at
	rep.Duration = s.cfg.Clock.Now().Sub(started)
	return rep, runErr
}

// mergeRetry folds the report of a retry of the teams in retried into rep.
func mergeRetry(rep *analytics.Report, r analytics.Report, retried map[string]bool) {
	rep.Succeeded += r.Succeeded
	rep.Failed -= r.Succeeded
	rep.Errors = slices.DeleteFunc(rep.Errors, func(te analytics.TeamError) bool { return retried[te.TeamID] })
	rep.Errors = append(rep.Errors, r.Errors...)
}

// planner chooses the team periods of one key period's run. A team's
// period belongs to the run whose tick is the first at or after the
// period's end: the periods ending in (from, to], from and to being the
// ticks of the key period before and of this one. Each team period thus
// belongs to exactly one run, whatever the team's zone. Of those, the ones
// ended at asOf are generated, plus, with trailing, the team's latest
// complete period at asOf and the trailing ones before it.
type planner struct {
	typ            analytics.SnapshotType
	from, to, asOf time.Time
	trailing       int

	mu      sync.Mutex
	unended map[string]analytics.Period // team -> its first period not ended at asOf
}

func (pl *planner) pick(only map[string]bool) analytics.PeriodPicker {
	return func(team analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		if only != nil && !only[team.ID] {
			return nil, nil
		}
		var out []analytics.Period
		q, err := analytics.PeriodOf(pl.typ, pl.from, loc)
		if err != nil {
			return nil, err
		}
		for n := 0; !q.End.After(pl.to); n++ {
			if n == maxPeriodsPerRun {
				return nil, fmt.Errorf("scheduler: more than %d %s periods between %s and %s",
					maxPeriodsPerRun, pl.typ, pl.from.Format(time.RFC3339), pl.to.Format(time.RFC3339))
			}
			if q.End.After(pl.asOf) {
				pl.mu.Lock()
				if _, ok := pl.unended[team.ID]; !ok {
					pl.unended[team.ID] = q
				}
				pl.mu.Unlock()
				break
			}
			out = append(out, q)
			q = q.Next()
		}
		if pl.trailing > 0 {
			latest, err := analytics.LastCompletePeriod(pl.typ, pl.asOf, loc)
			if err != nil {
				return nil, err
			}
			for range pl.trailing + 1 {
				if !slices.ContainsFunc(out, func(o analytics.Period) bool { return o.Date == latest.Date }) {
					out = append(out, latest)
				}
				latest = latest.Prev()
			}
		}
		slices.SortFunc(out, func(a, b analytics.Period) int { return a.Start.Compare(b.Start) })
		return out, nil
	}
}

// unendedTeams returns the teams with a period not ended at asOf.
func (pl *planner) unendedTeams() map[string]analytics.Period {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.unended
}

// retry calls f until it succeeds, fails with a permanent error, ctx ends
// or Retry.Attempts are spent, waiting between attempts.
func (s *Scheduler) retry(ctx context.Context, what string, f func() error) error {
	backoff := s.cfg.Retry.Backoff
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if permanent(err) || ctx.Err() != nil || attempt >= s.cfg.Retry.Attempts {
			return fmt.Errorf("scheduler: %s: %w", what, err)
		}
		s.cfg.Logger.WarnContext(ctx, "scheduler: retrying", "what", what, "attempt", attempt+1, "error", err, "backoff", backoff)
		if !s.sleep(ctx, backoff) {
			return fmt.Errorf("scheduler: %s: %w (after %v)", what, ctx.Err(), err)
		}
		backoff = min(2*backoff, s.cfg.Retry.MaxBackoff)
	}
}

// sleep waits d on the clock; it returns false if ctx ended first.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-s.after(d):
		return true
	case <-ctx.Done():
		return false
	}
}
