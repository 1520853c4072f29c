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
	// modeScheduled: the loop woke up; quit may stop it between runs.
	modeScheduled mode = iota
	// modeExternal: Job.Run or RunDue.
	modeExternal
	// modeTrigger: TriggerJob; the latest tick's run is forced and covers
	// every team's latest due period.
	modeTrigger
)

// maxPeriodsPerRun bounds the periods of one team one run may be assigned,
// and the steps of the searches below, which only a spec that fires far
// less often than its period could reach.
const maxPeriodsPerRun = 1000

// slotOf returns the latest tick (UTC quarter hour) at or before t.
func slotOf(t time.Time) time.Time { return t.UTC().Truncate(TickEvery) }

// slotFor returns the first tick at or after the instant due.
func slotFor(due time.Time) time.Time {
	s := slotOf(due)
	if s.Before(due) {
		s = s.Add(TickEvery)
	}
	return s
}

// RunKey returns the key under which the run of job at tick is recorded
// in the JobRunStore: JobRun.Job is the job's name, "@" and the tick's
// UTC time of day ("daily-analytics-snapshot@07:00Z"), and JobRun.Period
// is the tick's UTC date. tick is read as its UTC quarter hour.
func RunKey(job string, tick time.Time) (string, analytics.Date) {
	u := slotOf(tick)
	return job + "@" + u.Format("15:04") + "Z", analytics.DateOf(u)
}

// tickOf reads the tick back from a key RunKey made; ok is false for any
// other key.
func tickOf(job string, run JobRun) (time.Time, bool) {
	rest, ok := strings.CutPrefix(run.Job, job+"@")
	if !ok || len(rest) != len("15:04Z") {
		return time.Time{}, false
	}
	hm, err := time.Parse("15:04Z", rest)
	if err != nil {
		return time.Time{}, false
	}
	d := run.Period
	return time.Date(d.Year, d.Month, d.Day, hm.Hour(), hm.Minute(), 0, 0, time.UTC), true
}

// tick is what one instant's runs share: the teams' zones, listed once,
// and each job's latest tick with work.
type tick struct {
	at     time.Time
	zones  []*time.Location
	latest map[*job]time.Time
	any    time.Time // the latest of latest
}

// newTick lists the teams' zones and finds each job's latest tick with
// work at or before at.
func (s *Scheduler) newTick(ctx context.Context, at time.Time) (*tick, error) {
	tk := &tick{at: at, latest: map[*job]time.Time{}}
	err := s.retry(ctx, "listing the teams' zones", func() error {
		var err error
		tk.zones, err = s.snap.TeamZones(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, j := range s.jobs {
		for _, loc := range tk.zones {
			_, slot, err := j.lastSlotPeriod(at, loc)
			if err != nil {
				return nil, fmt.Errorf("scheduler: %s: %w", j.name, err)
			}
			if slot.After(tk.latest[j]) {
				tk.latest[j] = slot
			}
		}
		if tk.latest[j].After(tk.any) {
			tk.any = tk.latest[j]
		}
	}
	return tk, nil
}

// lastSlotPeriod returns the latest period of j in loc whose tick is at or
// before at, and that tick.
func (j *job) lastSlotPeriod(at time.Time, loc *time.Location) (analytics.Period, time.Time, error) {
	p, err := j.due.LastDue(j.typ, at, loc)
	if err != nil {
		return analytics.Period{}, time.Time{}, err
	}
	for range maxPeriodsPerRun {
		due, err := j.due.DueAt(p)
		if err != nil {
			return analytics.Period{}, time.Time{}, err
		}
		if slot := slotFor(due); !slot.After(at) {
			return p, slot, nil
		}
		p = p.Prev()
	}
	return analytics.Period{}, time.Time{}, fmt.Errorf("scheduler: no %s period in %s has its tick at or before %s", j.typ, loc, at.Format(time.RFC3339))
}

// window returns the ticks with work of the lookback window at tk: for
// each zone, the ticks of its latest Lookback periods whose tick has come,
// oldest first.
func (j *job) window(tk *tick) ([]time.Time, error) {
	set := map[time.Time]bool{}
	for _, loc := range tk.zones {
		p, slot, err := j.lastSlotPeriod(tk.at, loc)
		if err != nil {
			return nil, err
		}
		for n := 0; ; {
			set[slot] = true
			if n++; n == j.lookback {
				break
			}
			p = p.Prev()
			due, err := j.due.DueAt(p)
			if err != nil {
				return nil, err
			}
			slot = slotFor(due)
		}
	}
	out := make([]time.Time, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	slices.SortFunc(out, time.Time.Compare)
	return out, nil
}

// recentRuns is how far back runJob reads the runs of the ticks with
// work, to know which are still running elsewhere (their periods are left
// to them) and whether the latest one is done.
const recentRuns = 24 * time.Hour

// runJob runs job j as of tk.at: the run of the latest tick with work,
// unless it has succeeded (with modeTrigger, forced), then the catch-up
// pass (see catchUp). It returns the latest tick's result, with the
// catch-up pass's in CatchUp when it generated anything. Unless m is
// modeTrigger, it returns at once, doing nothing, when no tick with work
// of any job has come since its last settled check (one whose latest run
// succeeded, or was done or held elsewhere) and the catch-up has been
// looked at this UTC hour: a failed latest run is thus repeated by the
// next call, and the catch-up is looked at once an hour, idle or not.
func (s *Scheduler) runJob(ctx context.Context, j *job, tk *tick, m mode, quit <-chan struct{}) (RunResult, error) {
	at := tk.at
	latest := tk.latest[j]
	res := RunResult{Report: analytics.Report{Type: j.typ, At: at}, Tick: latest, Skipped: true}
	if latest.IsZero() {
		return res, nil // no teams
	}
	hour := at.UTC().Truncate(time.Hour)
	j.mu.Lock()
	idle := m != modeTrigger && !j.checked.IsZero() && !tk.any.After(j.checked) && j.catchUpHour.Equal(hour)
	j.mu.Unlock()
	if idle {
		return res, nil
	}
	window, err := j.window(tk)
	if err != nil {
		return res, fmt.Errorf("scheduler: %s: %w", j.name, err)
	}
	known, err := s.knownRecent(ctx, j, window, at)
	if err != nil {
		return res, err
	}

	force := m == modeTrigger
	var errs []error
	res, ranLatest, settled, err := s.runLatest(ctx, j, latest, at, known, force)
	if err != nil {
		errs = append(errs, err)
	}
	if quit == nil || !stopping(ctx, quit) {
		c, ran, err := s.catchUp(ctx, j, tk, window, s.busyTicks(known, latest, ranLatest), force)
		if err != nil {
			errs = append(errs, err)
		}
		if ran {
			res.CatchUp = []RunResult{c}
		}
		j.mu.Lock()
		j.catchUpHour = hour
		j.mu.Unlock()
	}
	j.mu.Lock()
	if settled && at.After(j.checked) {
		j.checked = at
	}
	for t := range j.done {
		if t.Before(window[0]) {
			delete(j.done, t)
		}
	}
	j.mu.Unlock()
	return res, errors.Join(errs...)
}

// knownRecent returns the recorded runs of the ticks of window within
// recentRuns before at (see knownRuns), and keeps the succeeded ones in
// j.done so that they are not read again.
func (s *Scheduler) knownRecent(ctx context.Context, j *job, window []time.Time, at time.Time) (map[time.Time]JobRun, error) {
	var recent []time.Time
	for _, slot := range window {
		if slot.After(at.Add(-recentRuns)) {
			recent = append(recent, slot)
		}
	}
	known, err := s.knownRuns(ctx, j, recent)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	for slot, r := range known {
		if r.Status == JobSucceeded {
			j.done[slot] = r // read no more
		}
	}
	j.mu.Unlock()
	return known, nil
}

// runLatest runs j's latest tick as of at, unless its run in known has
// succeeded and force is false; a failed run is repeated for the teams
// that failed (see failedTeams), unless force is set. It records the run
// in known (and in j.done if it succeeded). ran reports whether a run was
// done; settled whether the latest run succeeded, or was done or held
// elsewhere.
func (s *Scheduler) runLatest(ctx context.Context, j *job, latest, at time.Time, known map[time.Time]JobRun, force bool) (res RunResult, ran, settled bool, err error) {
	prev, seen := known[latest]
	if seen && prev.Status == JobSucceeded && !force {
		return RunResult{Report: analytics.Report{Type: j.typ, At: at}, Tick: latest, Run: prev, Skipped: true}, false, true, nil
	}
	var only map[string]bool
	if seen && prev.Status == JobFailed && !force {
		only = failedTeams(prev.Error)
	}
	res, err = s.runSlot(ctx, j, latest, at, force, only)
	if res.Run.Status == JobSucceeded {
		j.mu.Lock()
		j.done[latest] = res.Run
		j.mu.Unlock()
	}
	if res.Run.Job != "" {
		known[latest] = res.Run
	}
	settled = err == nil && (res.Skipped || res.Run.Status == JobSucceeded)
	return res, !res.Skipped, settled, err
}

// busyTicks returns the ticks the catch-up leaves alone: those whose runs
// another owner is doing (running, with a heartbeat within StaleAfter),
// and the latest tick if this call ran it (its failures are repeated at
// the next pass).
func (s *Scheduler) busyTicks(known map[time.Time]JobRun, latest time.Time, ranLatest bool) map[time.Time]bool {
	now := s.cfg.Clock.Now()
	busy := map[time.Time]bool{}
	for slot, r := range known {
		if r.Status == JobRunning && r.Owner != s.cfg.Owner && now.Sub(r.HeartbeatAt) <= s.cfg.StaleAfter {
			busy[slot] = true
		}
	}
	if ranLatest {
		busy[latest] = true
	}
	return busy
}

// knownRuns returns the recorded runs of the ticks of window: those this
// Scheduler saw succeed, and the others read from the store, one read per
// time of day.
func (s *Scheduler) knownRuns(ctx context.Context, j *job, window []time.Time) (map[time.Time]JobRun, error) {
	known := map[time.Time]JobRun{}
	type span struct{ from, to analytics.Date }
	spans := map[string]*span{}
	var names []string
	j.mu.Lock()
	if j.done == nil {
		j.done = map[time.Time]JobRun{}
	}
	for _, slot := range window {
		if r, ok := j.done[slot]; ok {
			known[slot] = r
			continue
		}
		name, d := RunKey(j.name, slot)
		if sp, ok := spans[name]; ok {
			sp.to = d // window is sorted
			continue
		}
		spans[name] = &span{d, d}
		names = append(names, name)
	}
	j.mu.Unlock()
	inWindow := map[time.Time]bool{}
	for _, slot := range window {
		inWindow[slot] = true
	}
	for _, name := range names {
		sp := spans[name]
		var runs []JobRun
		err := s.retry(ctx, "listing the runs of "+name, func() error {
			var err error
			runs, err = s.runs.JobRuns(ctx, name, sp.from, sp.to)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if slot, ok := tickOf(j.name, r); ok && inWindow[slot] {
				known[slot] = r
			}
		}
	}
	return known, nil
}

// runSlot claims the run of j at tick slot and, if it gets it, runs and
// records it. force takes over a succeeded run and covers every team's
// latest due period at at (TriggerJob); only, when not nil, limits the run
// to those teams (the ones that failed before).
func (s *Scheduler) runSlot(ctx context.Context, j *job, slot, at time.Time, force bool, only map[string]bool) (RunResult, error) {
	name, key := RunKey(j.name, slot)
	log := s.cfg.Logger.With("job", j.name, "tick", slot.Format(time.RFC3339), "owner", s.cfg.Owner)
	res := RunResult{Report: analytics.Report{Type: j.typ, At: at}, Tick: slot}
	return s.runClaimed(ctx, j, name, key, force, res, log, func(ctx context.Context) (analytics.Report, time.Duration, error) {
		log.InfoContext(ctx, "scheduler: run claimed", "forced", force, "failed_teams_only", len(only))
		pl := &planner{typ: j.typ, due: j.due, slot: slot, at: at, force: force, trailing: j.trailing}
		return s.execute(ctx, j, pl, at, only)
	})
}

// runClaimed claims the run (name, key) (with force, taking over a
// succeeded one) and, if it gets it, does work under the claim, renewing
// it, and records the outcome. res is the result to fill in.
func (s *Scheduler) runClaimed(ctx context.Context, j *job, name string, key analytics.Date, force bool, res RunResult, log *slog.Logger,
	work func(ctx context.Context) (analytics.Report, time.Duration, error)) (RunResult, error) {
	var run JobRun
	var claimed bool
	err := s.retry(ctx, "claiming "+name+" "+key.String(), func() error {
		var err error
		run, claimed, err = s.runs.ClaimJobRun(ctx, JobClaim{
			Job: name, Period: key, Owner: s.cfg.Owner, Now: s.cfg.Clock.Now(),
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

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	beat := s.heartbeat(runCtx, cancel, name, key, log)
	rep, late, runErr := work(runCtx)
	lastBeat, lost := beat()
	if lost {
		runErr = fmt.Errorf("scheduler: %s %s: the claim was lost to another owner: %w", name, key, analytics.ErrNotFound)
	}
	res.Report = rep
	res.Late = late
	s.warnLate(ctx, j, late)

	run.HeartbeatAt = lastBeat
	run.FinishedAt = s.cfg.Clock.Now()
	run.Teams, run.Scopes, run.Succeeded, run.Failed = rep.Teams, rep.Scopes, rep.Succeeded, rep.Failed
	run.Status = JobSucceeded
	if runErr != nil || slices.ContainsFunc(rep.Errors, func(te analytics.TeamError) bool { return !dataError(te.Err) }) {
		run.Status = JobFailed
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
	ferr := s.retry(finishCtx, "recording "+name+" "+key.String(), func() error {
		return s.runs.FinishJobRun(finishCtx, run)
	})
	res.Run = run
	if ferr == nil {
		log.InfoContext(ctx, "scheduler: run finished", "status", string(run.Status), "teams", rep.Teams,
			"scopes", rep.Scopes, "succeeded", rep.Succeeded, "failed", rep.Failed, "duration", rep.Duration)
	}
	if ferr != nil {
		if errors.Is(ferr, analytics.ErrNotFound) {
			// Another owner took the claim over (this replica's heartbeat
			// looked stale to it): the run is not this replica's to record,
			// and whatever it generated may be generated again.
			res.Run.Status = JobFailed
			res.Run.Error = "the claim was lost to another owner before the run was recorded"
			log.WarnContext(ctx, "scheduler: claim lost before the run was recorded; check that the replicas' clocks agree (see the package documentation)")
			return res, fmt.Errorf("scheduler: %s %s: the claim was lost to another owner before the run was recorded (its heartbeat looked stale to the new holder): %w", name, key, analytics.ErrNotFound)
		}
		return res, errors.Join(runErr, ferr)
	}
	return res, runErr
}

// heartbeat renews the claim every HeartbeatEvery until the returned stop
// function is called; stop returns the last recorded heartbeat and whether
// the claim was lost, in which case cancel was called.
func (s *Scheduler) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, name string, key analytics.Date, log *slog.Logger) (stop func() (time.Time, bool)) {
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
			err := s.runs.HeartbeatJobRun(ctx, name, key, s.cfg.Owner, now)
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

// execute generates the team periods of the run of j at tick slot (with
// force, every team's latest due period at at), retrying transient
// failures.
func (s *Scheduler) execute(ctx context.Context, j *job, pl *planner, at time.Time, only map[string]bool) (analytics.Report, time.Duration, error) {
	started := s.cfg.Clock.Now()
	pl.now, pl.teams = s.cfg.Clock.Now, map[string]bool{}
	slot := pl.slot

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
		s.cfg.Logger.WarnContext(ctx, "scheduler: retrying", "job", j.name, "tick", slot.Format(time.RFC3339),
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
	slices.SortFunc(rep.Errors, func(a, b analytics.TeamError) int { return strings.Compare(a.TeamID, b.TeamID) })
	for _, te := range rep.Errors {
		pl.teams[te.TeamID] = true
	}
	rep.Teams = len(pl.teams)
	rep.At = at
	rep.Duration = s.cfg.Clock.Now().Sub(started)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return rep, pl.late, runErr
}

// LateAfter is how late (generated after falling due) a period may be
// generated before the run logs a warning: a host that calls Run at every
// UTC quarter hour (TickSpec) generates each period within a tick of its
// due time, and in practice at it.
const LateAfter = 15 * time.Minute

// warnLate logs a warning when a run generated a period more than
// LateAfter after it fell due.
func (s *Scheduler) warnLate(ctx context.Context, j *job, late time.Duration) {
	if late > LateAfter {
		s.cfg.Logger.WarnContext(ctx, "scheduler: periods generated late; if this is not a catch-up after an outage, "+
			"call Run (or RunDue) at every UTC quarter hour (TickSpec, \""+TickSpec+"\"), not on the job's Spec",
			"job", j.name, "late", late)
	}
}

// mergeRetry folds the report of a retry of the teams in retried into rep.
// Teams outside retried that fail in every run (a time zone that cannot
// be loaded) are already in rep.
func mergeRetry(rep *analytics.Report, r analytics.Report, retried map[string]bool) {
	rep.Succeeded += r.Succeeded
	rep.Failed -= r.Succeeded
	rep.Errors = slices.DeleteFunc(rep.Errors, func(te analytics.TeamError) bool { return retried[te.TeamID] })
	for _, te := range r.Errors {
		if retried[te.TeamID] {
			rep.Errors = append(rep.Errors, te)
		}
	}
}

// planner chooses the team periods of one run. A team's period belongs to
// the run of its tick, the first tick at or after the instant it falls due
// (analytics.Schedule.DueAt): each team period thus belongs to exactly one run,
// whatever the team's zone. A forced run (TriggerJob) takes instead every
// team's latest due period at at, as Snapshotter.GenerateAll does. With
// trailing, the trailing periods before the team's period come too.
type planner struct {
	typ      analytics.SnapshotType
	due      analytics.Schedule
	slot, at time.Time
	force    bool
	trailing int
	now      func() time.Time
	// fixed, when not nil, gives the periods of each team instead (the
	// catch-up's); teams absent from it get none.
	fixed map[string]teamPlan

	mu    sync.Mutex
	teams map[string]bool // the teams given periods
	late  time.Duration   // the largest lateness of a due period given
}

func (pl *planner) pick(only map[string]bool) analytics.PeriodPicker {
	return func(team analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		if only != nil && !only[team.ID] {
			return nil, nil
		}
		if pl.fixed != nil {
			return pl.pickFixed(team)
		}
		out, err := pl.periods(loc)
		if err != nil || len(out) == 0 {
			return nil, err
		}
		var late time.Duration
		if !pl.force {
			now := pl.now()
			for _, p := range out {
				if due, err := pl.due.DueAt(p); err == nil && p.Ended(now) {
					late = max(late, now.Sub(due))
				}
			}
		}
		for q := out[len(out)-1]; len(out) <= pl.trailing; {
			q = q.Prev()
			out = append(out, q)
		}
		slices.SortFunc(out, func(a, b analytics.Period) int { return a.Start.Compare(b.Start) })
		pl.mu.Lock()
		pl.teams[team.ID] = true
		pl.late = max(pl.late, late)
		pl.mu.Unlock()
		return out, nil
	}
}

// pickFixed returns the periods fixed gives team.
func (pl *planner) pickFixed(team analytics.Team) ([]analytics.Period, error) {
	plan, ok := pl.fixed[team.ID]
	if !ok {
		return nil, nil
	}
	late := pl.now().Sub(plan.firstDue)
	pl.mu.Lock()
	pl.teams[team.ID] = true
	pl.late = max(pl.late, late)
	pl.mu.Unlock()
	return plan.periods, nil
}

// periods returns the periods of the run in loc, latest first.
func (pl *planner) periods(loc *time.Location) ([]analytics.Period, error) {
	if pl.force {
		p, err := pl.due.LastDue(pl.typ, pl.at, loc)
		return []analytics.Period{p}, err
	}
	p, err := pl.due.LastDue(pl.typ, pl.slot, loc)
	if err != nil {
		return nil, err
	}
	var out []analytics.Period
	for range maxPeriodsPerRun {
		due, err := pl.due.DueAt(p)
		if err != nil {
			return nil, err
		}
		switch slot := slotFor(due); {
		case slot.After(pl.slot):
		case slot.Equal(pl.slot):
			out = append(out, p)
		default:
			return out, nil
		}
		p = p.Prev()
	}
	return nil, fmt.Errorf("scheduler: more than %d %s periods in %s fall due at the tick %s",
		maxPeriodsPerRun, pl.typ, loc, pl.slot.Format(time.RFC3339))
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
