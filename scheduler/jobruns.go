package scheduler

import (
	"context"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// JobRunStore keeps durable claims on scheduled runs, so that replicas
// sharing the store run each (job, period) once; New takes one.
// store/pgstore keeps them in the job-runs table; store/memstore keeps them
// in memory, for one process. Package scheduler/jobrunstest is its
// conformance suite.
type JobRunStore interface {
	// ClaimJobRun tries to claim c.Job for c.Period on behalf of c.Owner at
	// c.Now. It succeeds (returning the run, now running, and true) when no
	// run exists; when the run failed; when it is running but its heartbeat
	// is older than c.StaleAfter (its holder died); or, with c.Force, when it
	// succeeded. Otherwise it returns the existing run and false. Claims are
	// atomic: of many concurrent callers exactly one gets true.
	ClaimJobRun(ctx context.Context, c JobClaim) (JobRun, bool, error)
	// HeartbeatJobRun records at now that owner still holds the run of job
	// for period. It returns an error wrapping analytics.ErrNotFound when
	// owner no longer holds it (the run was taken over, or is finished).
	HeartbeatJobRun(ctx context.Context, job string, period analytics.Date, owner string, now time.Time) error
	// FinishJobRun records the outcome of a run that run.Owner holds: its
	// Status (JobSucceeded or JobFailed), FinishedAt, counts and Error. It
	// returns an error wrapping analytics.ErrNotFound when run.Owner no
	// longer holds it.
	FinishJobRun(ctx context.Context, run JobRun) error
	// JobRuns returns the runs of job whose Period is in [from, to], both
	// inclusive, in Period order.
	JobRuns(ctx context.Context, job string, from, to analytics.Date) ([]JobRun, error)
}

// JobClaim asks a JobRunStore for a run; see JobRunStore.ClaimJobRun.
type JobClaim struct {
	// Job names the job, e.g. DailyJob; an ID (analytics.ValidateID).
	Job string
	// Period is the date the run is for; with Job, the run's key.
	Period analytics.Date
	// Owner identifies the claiming process, e.g. "host-a/1234"; an ID.
	Owner string
	// Now is the instant of the claim, recorded as the run's ClaimedAt and
	// HeartbeatAt. Must be set.
	Now time.Time
	// StaleAfter is how old a running claim's heartbeat must be before
	// another owner may take it over. Must be positive.
	StaleAfter time.Duration
	// Force also takes over a run that succeeded (a manual re-run).
	Force bool
}

// JobStatus is the state of a job run. The zero JobStatus is no state: a
// JobRunStore never records it.
type JobStatus string

// Job run states.
const (
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
)

// JobRun is one run of a scheduled job, as a JobRunStore records it. Job
// and Period are the run's key; the scheduler's runs are keyed by tick, Job
// naming the job and the tick's UTC time of day and Period holding the
// tick's UTC date (see RunKey).
type JobRun struct {
	// Job and Period are the run's key, as in JobClaim.
	Job    string
	Period analytics.Date
	// Status is the run's state: JobRunning from its claim until
	// FinishJobRun records JobSucceeded or JobFailed.
	Status JobStatus
	// Owner is the process holding or having finished the run.
	Owner string
	// ClaimedAt is when Owner claimed the run; HeartbeatAt when Owner last
	// renewed its claim (ClaimedAt at first).
	ClaimedAt   time.Time
	HeartbeatAt time.Time
	// FinishedAt is when the run finished; zero while it is running.
	FinishedAt time.Time
	// Teams, Scopes, Succeeded and Failed are the finished run's counts, as
	// in analytics.Report: teams seen, snapshots attempted, written and not
	// written. Zero while it is running; never negative.
	Teams     int
	Scopes    int
	Succeeded int
	Failed    int
	// Error describes what failed; empty when nothing did.
	Error string
}

// Validate checks the claim's fields: Job and Owner are IDs (see
// analytics.ValidateID), Period a calendar date in years 1–9999, Now set,
// StaleAfter positive. Errors wrap analytics.ErrInvalidArgument and name
// the field, e.g. "JobClaim.StaleAfter". JobRunStore implementations call
// it first.
func (c JobClaim) Validate() error {
	if err := analytics.ValidateID("JobClaim.Job", c.Job); err != nil {
		return err
	}
	if _, err := c.Period.MarshalText(); err != nil {
		return store.InvalidArgument("JobClaim.Period", "%s is not a calendar date in years 0001 to 9999", c.Period)
	}
	if err := analytics.ValidateID("JobClaim.Owner", c.Owner); err != nil {
		return err
	}
	if c.Now.IsZero() {
		return store.InvalidArgument("JobClaim.Now", "must be set")
	}
	if c.StaleAfter <= 0 {
		return store.InvalidArgument("JobClaim.StaleAfter", "must be positive, got %v", c.StaleAfter)
	}
	return nil
}
