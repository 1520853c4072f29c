package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Scheduler runs the snapshot jobs, generating each team's periods when
// they fall due in the team's zone and claiming each run in a JobRunStore
// so that of many replicas exactly one does it. See the package
// documentation. It is safe for concurrent use.
type Scheduler struct {
	snap  *analytics.Snapshotter
	runs  JobRunStore
	cfg   Config
	after func(time.Duration) <-chan time.Time
	jobs  []*job

	mu      sync.Mutex
	quit    chan struct{}      // closed by Stop: start no new run
	cancel  context.CancelFunc // cancels the running job (hard stop)
	done    chan struct{}      // closed when the loop has returned
	running bool
}

// job is one configured job, with what this Scheduler knows of its runs.
type job struct {
	name     string
	typ      analytics.SnapshotType
	spec     string
	due      analytics.Schedule // the jobs' due times; zero fields for default specs
	lookback int
	trailing int

	mu          sync.Mutex
	checked     time.Time            // the instant of the last check whose latest run succeeded, or was done or held elsewhere
	catchUpHour time.Time            // the UTC hour of the last call that looked at the catch-up
	done        map[time.Time]JobRun // runs seen succeeded, by tick
	caughtUp    time.Time            // the UTC hour of the last catch-up pass seen succeeded
	outageCheck bool                 // the next catch-up looks for an outage beyond the lookback
}

// Job is one of the scheduler's jobs, for hosts that run them from their
// own scheduler (robfig/cron, gocron, River, a Kubernetes CronJob) instead
// of Start.
type Job struct {
	// Name is DailyJob, WeeklyJob or MonthlyJob.
	Name string
	// Spec is the job's cron expression (JobConfig.Spec): when its periods
	// fall due, read in each team's zone, for display. Do not schedule Run
	// on it: read in any one zone it misses the other zones' due times, and
	// their periods are generated up to a period late (a run then logs a
	// warning, see RunResult.Late). Schedule Run on Tick.
	Spec string
	// Tick is when to call Run: TickSpec, every quarter hour, read in UTC.
	Tick string
	// Type is the snapshot type the job generates.
	Type analytics.SnapshotType
	// Run runs the job as of the instant at, which is normally the instant
	// the host's scheduler fired (its now): the run of the latest tick at or
	// before at, then, at most once an hour, the catch-up of the periods of
	// the lookback window whose snapshots do not exist (see the package
	// documentation). Every replica may call it at every tick: runs and
	// catch-up passes are claimed, so each is done once, and one another
	// replica holds or has completed is skipped. A nil ctx, a zero at, one
	// outside the supported instants (from 1970-01-01T00:00:00Z inclusive
	// to 9998-01-01T00:00:00Z exclusive) or one after the clock's now gives
	// ErrInvalidArgument. The error is non-nil when
	// a run could not be done or recorded; teams that failed are in the
	// result's Report.
	Run func(ctx context.Context, at time.Time) (RunResult, error)
}

// RunResult is the outcome of running one job as of one instant.
type RunResult struct {
	// Report is what the run of Tick did. Its At is the instant the call
	// was for; Teams counts the teams it covered (those with a period due
	// at Tick, and those that failed); its counts cover the periods it
	// generated (with Trailing, several per team).
	analytics.Report
	// Tick is the run's tick: the latest UTC quarter hour at or before At
	// at which some team's period fell due. Zero when no team has a period
	// due yet.
	Tick time.Time
	// Run is the run of Tick as recorded in the JobRunStore, or as found
	// there when Skipped; its Job and Period are RunKey(job, Tick). It is
	// zero when the call found nothing new to do: no tick with work has
	// come since this Scheduler's last call of the job that did something
	// (see the package documentation).
	Run JobRun
	// Skipped is true when the run of Tick was not done by this call:
	// another owner holds it, it has already succeeded, or there was
	// nothing new to do.
	Skipped bool
	// Late is the largest lateness of the periods the run generated: the
	// time each was generated minus the instant it fell due
	// (analytics.Schedule.DueAt), the periods regenerated for Trailing and those of
	// a forced run (TriggerJob) left out. A run whose Late exceeds
	// LateAfter logs a warning. Within a tick of 0 when Run is called at
	// every UTC quarter hour (TickSpec); catch-up after an outage is late
	// by the outage.
	Late time.Duration
	// CatchUp has the result of the catch-up pass this call made after the
	// run of Tick, when the pass generated or failed something (see the
	// package documentation); it is empty otherwise. The pass's Tick is
	// zero and its Run is recorded under CatchUpKey; its Late is how late
	// the oldest missing period it generated was.
	CatchUp []RunResult
}

// New returns a Scheduler that generates snapshots with snap and claims
// runs in runs; the Postgres and in-memory stores are JobRunStores. It is
// configured by cfg.WithDefaults() (nil for every default), with Clock
// defaulting to snap's. A nil snap or runs (a typed nil, such as a nil
// *pgstore.Store, included), a typed-nil Config.Clock, or an invalid cfg,
// gives a *analytics.FieldError, wrapping analytics.ErrInvalidArgument,
// that names the field (such as "Config.Daily.Lookback"). New starts
// nothing; see Start, Jobs and RunDue.
func New(snap *analytics.Snapshotter, runs JobRunStore, cfg *Config) (*Scheduler, error) {
	if snap == nil {
		return nil, store.InvalidArgument("snap", "must not be nil")
	}
	if err := checkDep("runs", runs); err != nil {
		return nil, err
	}
	c := cfg.WithDefaults()
	if c.Clock == nil {
		c.Clock = snap.Clock()
	}
	if err := c.validate(snap.Clock()); err != nil {
		return nil, err
	}
	s := &Scheduler{snap: snap, runs: runs, cfg: *c, after: afterFunc(c.Clock)}
	// The jobs share one Schedule; a default spec leaves its type's field
	// nil, so that the zero Schedule's rule is the one definition of it.
	var due analytics.Schedule
	for _, d := range allJobs {
		jc := c.jobConfig(d.name)
		sched, err := parseSpec("Config."+d.typ.String()+".Spec", jc.Spec)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(jc.Spec) != d.spec {
			setSchedule(&due, d.typ, sched)
		}
		s.jobs = append(s.jobs, &job{name: d.name, typ: d.typ, spec: jc.Spec,
			lookback: jc.lookback(), trailing: jc.trailing(), outageCheck: true})
	}
	for _, j := range s.jobs {
		j.due = due
	}
	return s, nil
}

// setSchedule sets the field of due for periods of type typ to sched.
func setSchedule(due *analytics.Schedule, typ analytics.SnapshotType, sched cron.Schedule) {
	switch typ {
	case analytics.Daily:
		due.Daily = sched
	case analytics.Weekly:
		due.Weekly = sched
	case analytics.Monthly:
		due.Monthly = sched
	}
}

// Owner returns the identity the scheduler claims runs under.
func (s *Scheduler) Owner() string { return s.cfg.Owner }

// Jobs returns the three jobs, daily, weekly and monthly, with their specs
// and run functions, for a host that runs them from its own scheduler
// instead of calling Start: call each job's Run at every UTC quarter hour
// (Job.Tick, TickSpec), on every replica. RunDue runs all three in one
// call.
func (s *Scheduler) Jobs() []Job {
	out := make([]Job, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = Job{Name: j.name, Spec: j.spec, Tick: TickSpec, Type: j.typ, Run: func(ctx context.Context, at time.Time) (RunResult, error) {
			if err := store.CheckContext(ctx); err != nil {
				return RunResult{}, err
			}
			if err := s.checkAt(at); err != nil {
				return RunResult{}, err
			}
			tk, err := s.newTick(ctx, at)
			if err != nil {
				return RunResult{Report: analytics.Report{Type: j.typ, At: at}}, err
			}
			return s.runJob(ctx, j, tk, modeExternal, nil)
		}}
	}
	return out
}

// RunDue runs the three jobs, daily, weekly and monthly, as of the instant
// at, as their Job.Run would, listing the teams' zones once: the one call
// a host's scheduler makes at every UTC quarter hour (TickSpec) instead of
// calling Start. It returns the three results in that order; the error
// joins the jobs' errors. A nil ctx, a zero at, one outside the supported
// instants (from 1970-01-01T00:00:00Z inclusive to 9998-01-01T00:00:00Z
// exclusive) or one after the clock's now gives ErrInvalidArgument.
func (s *Scheduler) RunDue(ctx context.Context, at time.Time) ([]RunResult, error) {
	if err := store.CheckContext(ctx); err != nil {
		return nil, err
	}
	if err := s.checkAt(at); err != nil {
		return nil, err
	}
	tk, err := s.newTick(ctx, at)
	if err != nil {
		return nil, err
	}
	out := make([]RunResult, len(s.jobs))
	var errs []error
	for i, j := range s.jobs {
		var err error
		if out[i], err = s.runJob(ctx, j, tk, modeExternal, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// earliestAt and latestAt bound the instants Run and RunDue accept, the
// range of instants the analytics package supports (its documentation,
// "Supported dates"): from earliestAt inclusive to latestAt exclusive.
var (
	earliestAt = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestAt   = time.Date(9998, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// checkAt returns an error wrapping analytics.ErrInvalidArgument, naming
// "at", when at is zero, outside [earliestAt, latestAt) or after the
// clock's now.
func (s *Scheduler) checkAt(at time.Time) error {
	if at.IsZero() {
		return store.InvalidArgument("at", "must be set")
	}
	if at.Before(earliestAt) || !at.Before(latestAt) {
		return store.InvalidArgument("at", "%s is outside the supported range %s to %s",
			at.Format(time.RFC3339Nano), earliestAt.Format(time.RFC3339), latestAt.Format(time.RFC3339))
	}
	if now := s.cfg.Clock.Now(); at.After(now) {
		return store.InvalidArgument("at", "%s is after the clock's now %s",
			at.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return nil
}

// TriggerJob runs the job named name now, as a manual run. It
// regenerates, for every team, its latest due period
// (analytics.Schedule.LastDue under the job's spec: with the default specs,
// what Snapshotter.GenerateAll generates) and, with Trailing, the periods
// before it, even if they were generated already (a forced re-run), then
// makes a catch-up pass, whether or not one was made this hour (not while
// another owner's is running), in RunResult.CatchUp. The forced run is
// recorded as the run of the latest tick with work (RunResult.Tick); a run
// of that tick another owner holds is skipped (RunResult.Skipped). An
// unknown name gives an error wrapping analytics.ErrInvalidArgument that
// lists the valid names, and a nil ctx one that names "ctx". TriggerJob
// works whether or not the Scheduler is started.
func (s *Scheduler) TriggerJob(ctx context.Context, name string) (RunResult, error) {
	if err := store.CheckContext(ctx); err != nil {
		return RunResult{}, err
	}
	for _, j := range s.jobs {
		if j.name == name {
			now := s.cfg.Clock.Now()
			tk, err := s.newTick(ctx, now)
			if err != nil {
				return RunResult{Report: analytics.Report{Type: j.typ, At: now}}, err
			}
			return s.runJob(ctx, j, tk, modeTrigger, nil)
		}
	}
	return RunResult{}, store.InvalidArgument("name", "unknown job %q; the jobs are %s", name, jobNames())
}

// Start launches the scheduling loop and returns at once. The loop first
// runs each job's latest tick and catches up on the periods of the
// lookback windows whose snapshots do not exist (logging a warning when
// the job's last catch-up is older than its window), then sleeps until
// the next UTC quarter hour, runs what is due, and so on. Cancelling ctx stops the loop and cancels a running
// job, as a Stop whose ctx has ended does; Stop is still the way to wait
// for it. Starting a started Scheduler gives an error wrapping
// analytics.ErrInvalidArgument, as does a nil ctx; a stopped one may be
// started again.
func (s *Scheduler) Start(ctx context.Context) error {
	if err := store.CheckContext(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return fmt.Errorf("scheduler: Start: already started: %w", analytics.ErrInvalidArgument)
	}
	runCtx, cancel := context.WithCancel(ctx)
	for _, j := range s.jobs {
		j.mu.Lock()
		j.outageCheck = true
		j.mu.Unlock()
	}
	s.quit = make(chan struct{})
	s.done = make(chan struct{})
	s.cancel = cancel
	s.running = true
	go s.loop(runCtx, s.quit, s.done)
	return nil
}

// Stop stops the loop: it starts no new run, waits for a running one to
// finish and be recorded, and returns once the loop's goroutines have all
// returned. If ctx ends first, Stop cancels the running job (which is then
// recorded as failed, for catch-up to repeat), still waits for the
// goroutines to return, and returns an error wrapping ctx's. Stopping a
// Scheduler that is not started does nothing. A nil ctx gives an error
// wrapping analytics.ErrInvalidArgument, and stops nothing.
func (s *Scheduler) Stop(ctx context.Context) error {
	if err := store.CheckContext(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return nil
	}
	s.running = false
	close(s.quit)
	done, cancel := s.done, s.cancel
	s.mu.Unlock()
	defer cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		cancel()
		<-done
		return fmt.Errorf("scheduler: Stop: the running job was cancelled: %w", ctx.Err())
	}
}

// loop runs what is due at every UTC quarter hour until quit is closed or
// ctx ends.
func (s *Scheduler) loop(ctx context.Context, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	log := s.cfg.Logger
	log.InfoContext(ctx, "scheduler: started", "owner", s.cfg.Owner)
	defer log.InfoContext(context.WithoutCancel(ctx), "scheduler: stopped", "owner", s.cfg.Owner)
	for {
		now := s.cfg.Clock.Now()
		if tk, err := s.newTick(ctx, now); err != nil {
			if !stopping(ctx, quit) {
				log.ErrorContext(ctx, "scheduler: listing the teams' zones failed; waiting for the next tick", "error", err)
			}
		} else {
			for _, j := range s.jobs {
				if stopping(ctx, quit) {
					return
				}
				if _, err := s.runJob(ctx, j, tk, modeScheduled, quit); err != nil {
					log.ErrorContext(ctx, "scheduler: job failed", "job", j.name, "error", err)
				}
			}
		}
		if stopping(ctx, quit) {
			return
		}
		next := slotOf(now).Add(TickEvery)
		// Register the wait before telling anyone the loop is idle, so that
		// a clock moved right after is seen.
		wake := s.after(next.Sub(s.cfg.Clock.Now()))
		if s.cfg.OnIdle != nil {
			s.cfg.OnIdle(next)
		}
		select {
		case <-wake:
		case <-quit:
			return
		case <-ctx.Done():
			return
		}
	}
}

// stopping reports whether Stop was called or ctx has ended.
func stopping(ctx context.Context, quit <-chan struct{}) bool {
	select {
	case <-quit:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}
