package scheduler

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
)

// Scheduler runs the snapshot jobs on their schedules, claiming each
// (job, period) in a JobRunStore so that of many replicas exactly one runs
// it. See the package documentation. It is safe for concurrent use.
type Scheduler struct {
	snap  *analytics.Snapshotter
	runs  analytics.JobRunStore
	cfg   Config
	after func(time.Duration) <-chan time.Time
	jobs  []*job

	mu      sync.Mutex
	quit    chan struct{}      // closed by Stop: start no new run
	cancel  context.CancelFunc // cancels the running job (hard stop)
	done    chan struct{}      // closed when the loop has returned
	running bool
}

// job is one configured job.
type job struct {
	name     string
	typ      analytics.SnapshotType
	spec     string
	sched    cron.Schedule
	lookback int
	trailing int
}

// Job is one of the scheduler's jobs, for hosts that run them from their
// own scheduler (robfig/cron, gocron, River, a Kubernetes CronJob) instead
// of Start.
type Job struct {
	// Name is DailyJob, WeeklyJob or MonthlyJob.
	Name string
	// Spec is the job's cron expression, read in the Scheduler's Location.
	Spec string
	// Type is the snapshot type the job generates.
	Type analytics.SnapshotType
	// Run runs the job as of the instant at, which is normally the instant
	// the host's scheduler fired (its now): it catches up on the periods of
	// the lookback window that were missed or failed, then runs the period
	// that last ended at at in the Scheduler's Location. Every replica may
	// call it at every tick: the runs are claimed, so each period is
	// generated once, and a period another replica holds or has completed
	// is skipped (RunResult.Skipped). A zero at, or one after the clock's
	// now, gives ErrInvalidArgument. The error is non-nil when a run could
	// not be done or recorded; teams that failed are in the result's
	// Report and make the recorded run failed, without an error.
	Run func(ctx context.Context, at time.Time) (RunResult, error)
}

// RunResult is the outcome of running one job for one period.
type RunResult struct {
	// Report is what the snapshot run did. Its At is the instant the run
	// was for, its counts cover the periods the run generated (with
	// Trailing, several per team), and its Errors include the teams whose
	// period had not ended yet (see TriggerJob).
	analytics.Report
	// Run is the run as recorded in the JobRunStore, or as found there when
	// Skipped. Run.Period is the run's key.
	Run analytics.JobRun
	// Skipped is true when the run was not done because another owner
	// holds it or it has already succeeded.
	Skipped bool
	// CatchUp has the results of the earlier periods this call ran first
	// because their runs were missing or had failed, oldest first.
	CatchUp []RunResult
}

// New returns a Scheduler that generates snapshots with snap and claims
// runs in runs; the Postgres and in-memory stores are JobRunStores. A nil
// snap or runs, or an invalid cfg, gives an error wrapping
// analytics.ErrInvalidArgument that names the field. cfg may be nil for
// the defaults. New starts nothing; see Start and Jobs.
func New(snap *analytics.Snapshotter, runs analytics.JobRunStore, cfg *Config) (*Scheduler, error) {
	if snap == nil {
		return nil, analytics.InvalidArgument("snap", "must not be nil")
	}
	if runs == nil {
		return nil, analytics.InvalidArgument("runs", "must not be nil")
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Scheduler{snap: snap, runs: runs, cfg: c, after: afterFunc(c.Clock)}
	for _, d := range allJobs {
		jc := c.jobConfig(d.name)
		sched, err := parseSpec("Config."+d.typ.String()+".Spec", jc.Spec)
		if err != nil {
			return nil, err
		}
		s.jobs = append(s.jobs, &job{name: d.name, typ: d.typ, spec: jc.Spec, sched: sched,
			lookback: jc.Lookback, trailing: jc.Trailing})
	}
	return s, nil
}

// afterFunc returns the clock's After if it has one, else real timers.
func afterFunc(c analytics.Clock) func(time.Duration) <-chan time.Time {
	if a, ok := c.(interface {
		After(time.Duration) <-chan time.Time
	}); ok {
		return a.After
	}
	return time.After
}

// Owner returns the identity the scheduler claims runs under.
func (s *Scheduler) Owner() string { return s.cfg.Owner }

// Jobs returns the three jobs, daily, weekly and monthly, with their specs
// and run functions. A host that calls their Run from its own scheduler
// does not call Start.
func (s *Scheduler) Jobs() []Job {
	out := make([]Job, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = Job{Name: j.name, Spec: j.spec, Type: j.typ, Run: func(ctx context.Context, at time.Time) (RunResult, error) {
			if at.IsZero() {
				return RunResult{}, analytics.InvalidArgument("at", "must be set")
			}
			if now := s.cfg.Clock.Now(); at.After(now) {
				return RunResult{}, analytics.InvalidArgument("at", "%s is after the clock's now %s",
					at.Format(time.RFC3339), now.Format(time.RFC3339))
			}
			return s.runJob(ctx, j, at, modeExternal, nil)
		}}
	}
	return out
}

// TriggerJob runs the job named name now, as a manual run: it catches up
// on missed or failed periods of the lookback window, then runs the period
// that last ended in the Scheduler's Location, even if that run already
// succeeded (a forced re-run). If that period's scheduled time has not come
// yet, teams whose own period has not ended by now are left out, listed in
// the Report's Errors, and the run is recorded as failed, so that the
// scheduled tick completes it. A run another owner holds is skipped
// (RunResult.Skipped). An unknown name gives an error wrapping
// analytics.ErrInvalidArgument that lists the valid names. TriggerJob works
// whether or not the Scheduler is started.
func (s *Scheduler) TriggerJob(ctx context.Context, name string) (RunResult, error) {
	for _, j := range s.jobs {
		if j.name == name {
			return s.runJob(ctx, j, s.cfg.Clock.Now(), modeTrigger, nil)
		}
	}
	return RunResult{}, analytics.InvalidArgument("name", "unknown job %q; the jobs are %s", name, jobNames())
}

// Start launches the scheduling loop and returns at once. The loop first
// catches up on every job's missed or failed periods within their
// lookback windows, then sleeps until the next tick of any job, runs what
// is due, and so on. Cancelling ctx stops the loop and cancels a running
// job, as a Stop whose ctx has ended does; Stop is still the way to wait
// for it. Starting a started Scheduler gives an error wrapping
// analytics.ErrInvalidArgument; a stopped one may be started again.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return fmt.Errorf("scheduler: Start: already started: %w", analytics.ErrInvalidArgument)
	}
	runCtx, cancel := context.WithCancel(ctx)
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
// Scheduler that is not started does nothing.
func (s *Scheduler) Stop(ctx context.Context) error {
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

// loop runs due jobs and waits for the next tick until quit is closed or
// ctx ends.
func (s *Scheduler) loop(ctx context.Context, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	log := s.cfg.Logger
	log.InfoContext(ctx, "scheduler: started", "owner", s.cfg.Owner, "location", s.cfg.Location.String())
	defer log.InfoContext(context.WithoutCancel(ctx), "scheduler: stopped", "owner", s.cfg.Owner)
	for {
		now := s.cfg.Clock.Now()
		for _, j := range s.jobs {
			if stopping(ctx, quit) {
				return
			}
			if _, err := s.runJob(ctx, j, now, modeScheduled, quit); err != nil {
				log.ErrorContext(ctx, "scheduler: job failed", "job", j.name, "error", err)
			}
		}
		if stopping(ctx, quit) {
			return
		}
		var next time.Time
		for _, j := range s.jobs {
			if t := j.sched.Next(now.In(s.cfg.Location)); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() {
			log.ErrorContext(ctx, "scheduler: no job will ever fire again; the loop stops")
			select {
			case <-quit:
			case <-ctx.Done():
			}
			return
		}
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
