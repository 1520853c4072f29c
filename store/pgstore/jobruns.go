package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
)

var _ scheduler.JobRunStore = (*Store)(nil)

// jobRunColumns reads one row of the job-runs table: times as µs since the
// epoch (NULL when unset), the period as text in any DateStyle.
const jobRunColumns = `"job", to_char("period_start", 'YYYY-MM-DD'), "status", COALESCE("claimed_by", ''),
	` + `(extract(epoch FROM "claimed_at") * 1000000)::bigint,
	(extract(epoch FROM "heartbeat_at") * 1000000)::bigint,
	(extract(epoch FROM "finished_at") * 1000000)::bigint,
	"teams", "scopes", "succeeded", "failed", COALESCE("error", '')`

func (s *Store) jobRuns() string { return qualify(s.cfg.Schema, s.cfg.JobRunsTable) }

// ClaimJobRun implements scheduler.JobRunStore with one INSERT … ON
// CONFLICT DO UPDATE … WHERE statement on the job-runs table: Postgres
// locks the existing row and re-checks the condition on its latest version,
// so of many concurrent claimers exactly one gets true. A claim that loses
// reads the run as it stands (a second statement). Times are stored to the
// microsecond. A bad claim (empty or invalid Job or Owner, invalid Period,
// zero Now, StaleAfter not positive) gives ErrInvalidArgument.
func (s *Store) ClaimJobRun(ctx context.Context, c scheduler.JobClaim) (scheduler.JobRun, bool, error) {
	if err := checkCtx(ctx); err != nil {
		return scheduler.JobRun{}, false, err
	}
	if err := c.Validate(); err != nil {
		return scheduler.JobRun{}, false, err
	}
	t := s.jobRuns()
	now := c.Now.UTC()
	staleUs := int64(c.StaleAfter / time.Microsecond)
	rows, err := s.db.QueryContext(ctx, `INSERT INTO `+t+` AS r ("job", "period_start", "status", "claimed_by", "claimed_at", "heartbeat_at")
VALUES (?0, ?1::date, 'running', ?2, ?3::timestamptz, ?3::timestamptz)
ON CONFLICT ("job", "period_start") DO UPDATE SET
	"status" = 'running', "claimed_by" = EXCLUDED."claimed_by",
	"claimed_at" = EXCLUDED."claimed_at", "heartbeat_at" = EXCLUDED."heartbeat_at", "finished_at" = NULL,
	"teams" = 0, "scopes" = 0, "succeeded" = 0, "failed" = 0, "error" = NULL
WHERE r."status" = 'failed'
	OR (r."status" = 'running' AND EXCLUDED."heartbeat_at" - r."heartbeat_at" > ?4::bigint * interval '1 microsecond')
	OR (r."status" = 'succeeded' AND ?5::boolean)
RETURNING `+jobRunColumns, c.Job, c.Period.String(), c.Owner, now, staleUs, c.Force)
	if err != nil {
		return scheduler.JobRun{}, false, s.wrap(ctx, "claiming job run", err)
	}
	runs, err := scanJobRuns(rows)
	if err != nil {
		return scheduler.JobRun{}, false, s.wrap(ctx, "claiming job run", err)
	}
	if len(runs) == 1 {
		return runs[0], true, nil
	}
	rows, err = s.db.QueryContext(ctx, `SELECT `+jobRunColumns+` FROM `+t+` WHERE "job" = ?0 AND "period_start" = ?1::date`,
		c.Job, c.Period.String())
	if err != nil {
		return scheduler.JobRun{}, false, s.wrap(ctx, "reading job run", err)
	}
	if runs, err = scanJobRuns(rows); err != nil {
		return scheduler.JobRun{}, false, s.wrap(ctx, "reading job run", err)
	}
	if len(runs) != 1 {
		return scheduler.JobRun{}, false, fmt.Errorf("pgstore: job run %q for %s lost its claim and vanished", c.Job, c.Period)
	}
	return runs[0], false, nil
}

func checkPeriod(field string, d analytics.Date) error {
	if _, err := d.MarshalText(); err != nil {
		return store.InvalidArgument(field, "%s is not a calendar date in years 0001 to 9999", d)
	}
	return nil
}

// HeartbeatJobRun implements scheduler.JobRunStore: it sets the run's
// heartbeat_at if owner holds it running, else returns ErrNotFound.
func (s *Store) HeartbeatJobRun(ctx context.Context, job string, period analytics.Date, owner string, now time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := checkRunKey(job, period, owner); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE `+s.jobRuns()+` SET "heartbeat_at" = ?3::timestamptz
WHERE "job" = ?0 AND "period_start" = ?1::date AND "status" = 'running' AND "claimed_by" = ?2`,
		job, period.String(), owner, now.UTC())
	if err != nil {
		return s.wrap(ctx, "heartbeat of job run", err)
	}
	return notHeld(res, job, period, owner)
}

func checkRunKey(job string, period analytics.Date, owner string) error {
	if err := analytics.ValidateID("job", job); err != nil {
		return err
	}
	if err := checkPeriod("period", period); err != nil {
		return err
	}
	return analytics.ValidateID("owner", owner)
}

func notHeld(res sql.Result, job string, period analytics.Date, owner string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("pgstore: job run %q for %s: %w", job, period, err)
	}
	if n == 0 {
		return fmt.Errorf("pgstore: running job %q for %s held by %q: %w", job, period, owner, analytics.ErrNotFound)
	}
	return nil
}

// FinishJobRun implements scheduler.JobRunStore. run.Status must be
// JobSucceeded or JobFailed, run.FinishedAt set and the counts not negative,
// else ErrInvalidArgument; the claim and heartbeat instants are kept.
func (s *Store) FinishJobRun(ctx context.Context, run scheduler.JobRun) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := checkRunKey(run.Job, run.Period, run.Owner); err != nil {
		return err
	}
	if run.Status != scheduler.JobSucceeded && run.Status != scheduler.JobFailed {
		return store.InvalidArgument("JobRun.Status", "must be %q or %q, got %q", scheduler.JobSucceeded, scheduler.JobFailed, run.Status)
	}
	if run.FinishedAt.IsZero() {
		return store.InvalidArgument("JobRun.FinishedAt", "must be set")
	}
	if run.Teams < 0 || run.Scopes < 0 || run.Succeeded < 0 || run.Failed < 0 {
		return store.InvalidArgument("JobRun", "counts must not be negative")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE `+s.jobRuns()+` SET "status" = ?3, "finished_at" = ?4::timestamptz,
	"teams" = ?5, "scopes" = ?6, "succeeded" = ?7, "failed" = ?8, "error" = NULLIF(?9, '')
WHERE "job" = ?0 AND "period_start" = ?1::date AND "status" = 'running' AND "claimed_by" = ?2`,
		run.Job, run.Period.String(), run.Owner, string(run.Status), run.FinishedAt.UTC(),
		run.Teams, run.Scopes, run.Succeeded, run.Failed, run.Error)
	if err != nil {
		return s.wrap(ctx, "finishing job run", err)
	}
	return notHeld(res, run.Job, run.Period, run.Owner)
}

// JobRuns implements scheduler.JobRunStore. from after to gives
// ErrInvalidArgument.
func (s *Store) JobRuns(ctx context.Context, job string, from, to analytics.Date) ([]scheduler.JobRun, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := checkPeriod("from", from); err != nil {
		return nil, err
	}
	if err := checkPeriod("to", to); err != nil {
		return nil, err
	}
	if from.After(to) {
		return nil, store.InvalidArgument("from", "%s is after to %s", from, to)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobRunColumns+` FROM `+s.jobRuns()+`
WHERE "job" = ?0 AND "period_start" BETWEEN ?1::date AND ?2::date ORDER BY "period_start"`,
		job, from.String(), to.String())
	if err != nil {
		return nil, s.wrap(ctx, "listing job runs", err)
	}
	runs, err := scanJobRuns(rows)
	if err != nil {
		return nil, s.wrap(ctx, "listing job runs", err)
	}
	return runs, nil
}

func scanJobRuns(rows *sql.Rows) ([]scheduler.JobRun, error) {
	defer rows.Close()
	var out []scheduler.JobRun
	for rows.Next() {
		var r scheduler.JobRun
		var period, status string
		var claimed, beat, finished sql.NullInt64
		if err := rows.Scan(&r.Job, &period, &status, &r.Owner, &claimed, &beat, &finished,
			&r.Teams, &r.Scopes, &r.Succeeded, &r.Failed, &r.Error); err != nil {
			return nil, err
		}
		d, err := analytics.ParseDate(period)
		if err != nil {
			return nil, fmt.Errorf("%w: job run %q: period_start %q", analytics.ErrCorrupt, r.Job, period)
		}
		r.Period, r.Status = d, scheduler.JobStatus(status)
		r.ClaimedAt, r.HeartbeatAt, r.FinishedAt = microTime(claimed), microTime(beat), microTime(finished)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

func microTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}
