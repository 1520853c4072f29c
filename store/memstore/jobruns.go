package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
)

var _ scheduler.JobRunStore = (*Store)(nil)

// jobTable holds the job runs of a Store behind a mutex of its own, so that
// claims never wait for snapshot or activity work. Its zero value is ready
// to use.
type jobTable struct {
	mu   sync.Mutex
	runs map[jobKey]scheduler.JobRun
}

type jobKey struct {
	job    string
	period analytics.Date
}

// ClaimJobRun implements scheduler.JobRunStore. The check and the write are
// made under one lock, so of many concurrent claimers exactly one succeeds.
// A bad claim (empty Job or Owner, invalid Period, zero Now, StaleAfter not
// positive) gives an error wrapping analytics.ErrInvalidArgument.
func (s *Store) ClaimJobRun(ctx context.Context, c scheduler.JobClaim) (scheduler.JobRun, bool, error) {
	if err := ctx.Err(); err != nil {
		return scheduler.JobRun{}, false, fmt.Errorf("memstore: %w", err)
	}
	if err := c.Validate(); err != nil {
		return scheduler.JobRun{}, false, fmt.Errorf("memstore: %w", err)
	}
	t := &s.jobs
	t.mu.Lock()
	defer t.mu.Unlock()
	k := jobKey{c.Job, c.Period}
	old, exists := t.runs[k]
	if exists {
		take := old.Status == scheduler.JobFailed ||
			(old.Status == scheduler.JobRunning && c.Now.Sub(old.HeartbeatAt) > c.StaleAfter) ||
			(old.Status == scheduler.JobSucceeded && c.Force)
		if !take {
			return old, false, nil
		}
	}
	run := scheduler.JobRun{
		Job:         c.Job,
		Period:      c.Period,
		Status:      scheduler.JobRunning,
		Owner:       c.Owner,
		ClaimedAt:   c.Now,
		HeartbeatAt: c.Now,
	}
	if t.runs == nil {
		t.runs = map[jobKey]scheduler.JobRun{}
	}
	t.runs[k] = run
	return run, true, nil
}

// HeartbeatJobRun implements scheduler.JobRunStore.
func (s *Store) HeartbeatJobRun(ctx context.Context, job string, period analytics.Date, owner string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	t := &s.jobs
	t.mu.Lock()
	defer t.mu.Unlock()
	k := jobKey{job, period}
	run, ok := t.runs[k]
	if !ok || run.Status != scheduler.JobRunning || run.Owner != owner {
		return fmt.Errorf("memstore: running job %q for %s held by %q: %w", job, period, owner, analytics.ErrNotFound)
	}
	run.HeartbeatAt = now
	t.runs[k] = run
	return nil
}

// FinishJobRun implements scheduler.JobRunStore. run.Status must be
// scheduler.JobSucceeded or scheduler.JobFailed and run.FinishedAt must be
// set, else the error wraps analytics.ErrInvalidArgument. The claim and
// heartbeat instants of the stored run are kept.
func (s *Store) FinishJobRun(ctx context.Context, run scheduler.JobRun) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	if err := checkFinish(run); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	t := &s.jobs
	t.mu.Lock()
	defer t.mu.Unlock()
	k := jobKey{run.Job, run.Period}
	cur, ok := t.runs[k]
	if !ok || cur.Status != scheduler.JobRunning || cur.Owner != run.Owner {
		return fmt.Errorf("memstore: running job %q for %s held by %q: %w", run.Job, run.Period, run.Owner, analytics.ErrNotFound)
	}
	cur.Status = run.Status
	cur.FinishedAt = run.FinishedAt
	cur.Teams, cur.Scopes, cur.Succeeded, cur.Failed = run.Teams, run.Scopes, run.Succeeded, run.Failed
	cur.Error = run.Error
	t.runs[k] = cur
	return nil
}

// checkFinish validates the outcome FinishJobRun records.
func checkFinish(run scheduler.JobRun) error {
	if run.Status != scheduler.JobSucceeded && run.Status != scheduler.JobFailed {
		return store.InvalidArgument("JobRun.Status", "must be %q or %q, got %q", scheduler.JobSucceeded, scheduler.JobFailed, run.Status)
	}
	if run.FinishedAt.IsZero() {
		return store.InvalidArgument("JobRun.FinishedAt", "must be set")
	}
	if run.Teams < 0 || run.Scopes < 0 || run.Succeeded < 0 || run.Failed < 0 {
		return store.InvalidArgument("JobRun", "counts must not be negative")
	}
	return nil
}

// JobRuns implements scheduler.JobRunStore. from after to gives an error
// wrapping analytics.ErrInvalidArgument.
func (s *Store) JobRuns(ctx context.Context, job string, from, to analytics.Date) ([]scheduler.JobRun, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if from.After(to) {
		return nil, fmt.Errorf("memstore: %w", store.InvalidArgument("from", "%s is after to %s", from, to))
	}
	t := &s.jobs
	t.mu.Lock()
	var out []scheduler.JobRun
	for k, r := range t.runs {
		if k.job == job && !k.period.Before(from) && !k.period.After(to) {
			out = append(out, r)
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b scheduler.JobRun) int { return a.Period.Compare(b.Period) })
	return out, nil
}
