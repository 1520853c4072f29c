package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var _ analytics.JobRunStore = (*Store)(nil)

// jobTable holds the job runs of a Store behind a mutex of its own, so that
// claims never wait for snapshot or activity work. Its zero value is ready
// to use.
type jobTable struct {
	mu   sync.Mutex
	runs map[jobKey]analytics.JobRun
}

type jobKey struct {
	job    string
	period analytics.Date
}

// ClaimJobRun implements analytics.JobRunStore. The check and the write are
// made under one lock, so of many concurrent claimers exactly one succeeds.
// A bad claim (empty Job or Owner, invalid Period, zero Now, StaleAfter not
// positive) gives an error wrapping analytics.ErrInvalidArgument.
func (s *Store) ClaimJobRun(ctx context.Context, c analytics.JobClaim) (analytics.JobRun, bool, error) {
	if err := ctx.Err(); err != nil {
		return analytics.JobRun{}, false, fmt.Errorf("memstore: %w", err)
	}
	if err := c.Validate(); err != nil {
		return analytics.JobRun{}, false, fmt.Errorf("memstore: %w", err)
	}
	t := &s.jobs
	t.mu.Lock()
	defer t.mu.Unlock()
	k := jobKey{c.Job, c.Period}
	old, exists := t.runs[k]
	if exists {
		take := old.Status == analytics.JobFailed ||
			(old.Status == analytics.JobRunning && c.Now.Sub(old.HeartbeatAt) > c.StaleAfter) ||
			(old.Status == analytics.JobSucceeded && c.Force)
		if !take {
			return old, false, nil
		}
	}
	run := analytics.JobRun{
		Job:         c.Job,
		Period:      c.Period,
		Status:      analytics.JobRunning,
		Owner:       c.Owner,
		ClaimedAt:   c.Now,
		HeartbeatAt: c.Now,
	}
	if t.runs == nil {
		t.runs = map[jobKey]analytics.JobRun{}
	}
	t.runs[k] = run
	return run, true, nil
}

// HeartbeatJobRun implements analytics.JobRunStore.
func (s *Store) HeartbeatJobRun(ctx context.Context, job string, period analytics.Date, owner string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	t := &s.jobs
	t.mu.Lock()
	defer t.mu.Unlock()
	k := jobKey{job, period}
	run, ok := t.runs[k]
	if !ok || run.Status != analytics.JobRunning || run.Owner != owner {
		return fmt.Errorf("memstore: running job %q for %s held by %q: %w", job, period, owner, analytics.ErrNotFound)
	}
	run.HeartbeatAt = now
	t.runs[k] = run
	return nil
}

// FinishJobRun implements analytics.JobRunStore. run.Status must be
// analytics.JobSucceeded or analytics.JobFailed and run.FinishedAt must be
// set, else the error wraps analytics.ErrInvalidArgument. The claim and
// heartbeat instants of the stored run are kept.
func (s *Store) FinishJobRun(ctx context.Context, run analytics.JobRun) error {
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
	if !ok || cur.Status != analytics.JobRunning || cur.Owner != run.Owner {
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
func checkFinish(run analytics.JobRun) error {
	if run.Status != analytics.JobSucceeded && run.Status != analytics.JobFailed {
		return store.InvalidArgument("JobRun.Status", "must be %q or %q, got %q", analytics.JobSucceeded, analytics.JobFailed, run.Status)
	}
	if run.FinishedAt.IsZero() {
		return store.InvalidArgument("JobRun.FinishedAt", "must be set")
	}
	if run.Teams < 0 || run.Scopes < 0 || run.Succeeded < 0 || run.Failed < 0 {
		return store.InvalidArgument("JobRun", "counts must not be negative")
	}
	return nil
}

// JobRuns implements analytics.JobRunStore. from after to gives an error
// wrapping analytics.ErrInvalidArgument.
func (s *Store) JobRuns(ctx context.Context, job string, from, to analytics.Date) ([]analytics.JobRun, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if from.After(to) {
		return nil, fmt.Errorf("memstore: %w", store.InvalidArgument("from", "%s is after to %s", from, to))
	}
	t := &s.jobs
	t.mu.Lock()
	var out []analytics.JobRun
	for k, r := range t.runs {
		if k.job == job && !k.period.Before(from) && !k.period.After(to) {
			out = append(out, r)
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b analytics.JobRun) int { return a.Period.Compare(b.Period) })
	return out, nil
}
