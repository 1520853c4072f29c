package scheduler

import (
	"context"
	"slices"
	"time"

	"github.com/msgstats/analytics"
)

// CatchUpKey returns the key under which the catch-up passes of job (see
// the package documentation) are claimed and recorded in the JobRunStore:
// JobRun.Job is the job's name and "@catch-up"
// ("daily-analytics-snapshot@catch-up"), and JobRun.Period the UTC date of
// the instant at. One row per job and UTC day holds the day's latest pass.
func CatchUpKey(job string, at time.Time) (string, analytics.Date) {
	return job + "@catch-up", analytics.DateOf(at.UTC())
}

// teamPlan is what the catch-up generates for one team.
type teamPlan struct {
	periods  []analytics.Period // oldest first: the missing ones and their trailing periods
	firstDue time.Time          // when the oldest missing one fell due
}

// catchUp runs the catch-up pass of j as of tk.at, unless this Scheduler
// has made one this UTC hour, or another owner has finished one this hour
// or is making one (with force, TriggerJob's, only the last). The pass is
// claimed under CatchUpKey (taking over the day's earlier pass), finds each
// team's due periods within the lookback window whose team-wide snapshot
// does not exist, leaving out those whose ticks are in busy, and generates
// them (with Trailing, the periods before each too). ran is true when the
// pass generated or failed something.
func (s *Scheduler) catchUp(ctx context.Context, j *job, tk *tick, window []time.Time, busy map[time.Time]bool, force bool) (res RunResult, ran bool, err error) {
	at := tk.at
	hour := at.UTC().Truncate(time.Hour)
	name, key := CatchUpKey(j.name, at)
	j.mu.Lock()
	done := j.caughtUp.Equal(hour)
	checkOutage := j.outageCheck
	j.outageCheck = false
	j.mu.Unlock()
	if done && !force {
		return res, false, nil
	}
	from := key
	if checkOutage {
		from = key.AddDays(-366)
	}
	var prev []JobRun
	err = s.retry(ctx, "listing the runs of "+name, func() error {
		var err error
		prev, err = s.runs.JobRuns(ctx, name, from, key)
		return err
	})
	if err != nil {
		return res, false, err
	}
	if checkOutage {
		s.warnOutage(ctx, j, tk, window, prev)
	}
	if n := len(prev); !force && n > 0 && prev[n-1].Period == key && prev[n-1].Status == JobSucceeded &&
		!prev[n-1].FinishedAt.Before(hour) {
		j.mu.Lock()
		j.caughtUp = hour
		j.mu.Unlock()
		return res, false, nil
	}
	log := s.cfg.Logger.With("job", j.name, "catch_up", key.String(), "owner", s.cfg.Owner)
	res = RunResult{Report: analytics.Report{Type: j.typ, At: at}}
	res, err = s.runClaimed(ctx, j, name, key, true, res, log, func(ctx context.Context) (analytics.Report, time.Duration, error) {
		plans, err := s.missing(ctx, j, at, busy)
		if err != nil || len(plans) == 0 {
			return analytics.Report{Type: j.typ, At: at}, 0, err
		}
		log.InfoContext(ctx, "scheduler: catching up on periods never generated", "teams", len(plans))
		return s.execute(ctx, j, &planner{typ: j.typ, due: j.due, at: at, fixed: plans}, at, nil)
	})
	if !res.Skipped && res.Run.Status == JobSucceeded {
		j.mu.Lock()
		j.caughtUp = hour
		j.mu.Unlock()
	}
	return res, !res.Skipped && (res.Scopes > 0 || err != nil), err
}

// missing returns, by team, what the catch-up must generate: each team's
// latest Lookback periods whose tick has come by at, whose ticks are not in
// busy, and whose team-wide snapshot does not exist, with the Trailing
// periods before each. It lists the teams in batches and reads, per batch,
// which snapshots exist in one call (Snapshotter.TeamSnapshotDates). Teams
// whose zone cannot be loaded are left out: the runs of the ticks report
// them.
func (s *Scheduler) missing(ctx context.Context, j *job, at time.Time, busy map[time.Time]bool) (map[string]teamPlan, error) {
	plans := map[string]teamPlan{}
	err := s.snap.TeamBatches(ctx, func(teams []analytics.Team) error {
		var cands []catchUpCandidate
		var ids []string
		var from, to analytics.Date
		for _, t := range teams {
			c, ok := candidateOf(j, t, at, busy)
			if !ok {
				continue
			}
			for _, p := range c.periods {
				if from.IsZero() || p.Date.Before(from) {
					from = p.Date
				}
				if p.Date.After(to) {
					to = p.Date
				}
			}
			cands = append(cands, c)
			ids = append(ids, t.ID)
		}
		if len(cands) == 0 {
			return nil
		}
		var have map[string][]analytics.Date
		err := s.retry(ctx, "reading which snapshots exist", func() error {
			var err error
			have, err = s.snap.TeamSnapshotDates(ctx, ids, j.typ, from, to)
			return err
		})
		if err != nil {
			return err
		}
		for _, c := range cands {
			if plan := planOf(j, c, have[c.id]); len(plan.periods) > 0 {
				plans[c.id] = plan
			}
		}
		return nil
	})
	return plans, err
}

// catchUpCandidate is a team's periods the catch-up may have to generate.
type catchUpCandidate struct {
	id      string
	periods []analytics.Period // latest first
	dues    []time.Time        // when each of periods fell due
}

// candidateOf returns team t's latest j.lookback periods whose tick has
// come by at, leaving out those whose ticks are in busy. ok is false when
// there are none, or when t's zone cannot be loaded.
func candidateOf(j *job, t analytics.Team, at time.Time, busy map[time.Time]bool) (c catchUpCandidate, ok bool) {
	loc, err := t.Location()
	if err != nil {
		return c, false
	}
	p, _, err := j.lastSlotPeriod(at, loc)
	if err != nil {
		return c, false
	}
	c.id = t.ID
	for n := 0; n < j.lookback; n++ {
		if n > 0 {
			p = p.Prev()
		}
		due, err := j.due.DueAt(p)
		if err != nil {
			break
		}
		if busy[slotFor(due)] {
			continue
		}
		c.periods = append(c.periods, p)
		c.dues = append(c.dues, due)
	}
	return c, len(c.periods) > 0
}

// planOf returns what the catch-up must generate for candidate c, given
// the dates of c's team-wide snapshots that exist (have, sorted): each
// period of c without one, with the j.trailing periods before it, once
// each and oldest first.
func planOf(j *job, c catchUpCandidate, have []analytics.Date) teamPlan {
	var plan teamPlan
	seen := map[analytics.Date]bool{}
	for i, p := range c.periods {
		if _, ok := slices.BinarySearchFunc(have, p.Date, analytics.Date.Compare); ok {
			continue
		}
		plan.firstDue = c.dues[i] // the periods go back in time
		for q, k := p, 0; k <= j.trailing; q, k = q.Prev(), k+1 {
			if !seen[q.Date] {
				seen[q.Date] = true
				plan.periods = append(plan.periods, q)
			}
		}
	}
	slices.SortFunc(plan.periods, func(a, b analytics.Period) int { return a.Start.Compare(b.Start) })
	return plan
}

// warnOutage logs a warning when the latest succeeded catch-up pass of j
// in prev finished before the oldest tick of the lookback window: the
// periods that fell due between the two, beyond the window, were not
// generated and no catch-up will generate them. It counts them for each
// of the teams' zones.
func (s *Scheduler) warnOutage(ctx context.Context, j *job, tk *tick, window []time.Time, prev []JobRun) {
	var last time.Time
	for _, r := range prev {
		if r.Status == JobSucceeded && r.FinishedAt.After(last) {
			last = r.FinishedAt
		}
	}
	if last.IsZero() || len(window) == 0 || !last.Before(window[0]) {
		return
	}
	most := 0
	for _, loc := range tk.zones {
		p, _, err := j.lastSlotPeriod(tk.at, loc)
		if err != nil {
			continue
		}
		n := 0
		for k := 0; k < j.lookback+maxPeriodsPerRun; k++ {
			due, err := j.due.DueAt(p)
			if err != nil || !due.After(last) {
				break
			}
			if k >= j.lookback {
				n++
			}
			p = p.Prev()
		}
		most = max(most, n)
	}
	if most == 0 {
		return
	}
	s.cfg.Logger.WarnContext(ctx, "scheduler: periods fell due before the lookback window while no catch-up ran; "+
		"they were not generated and no catch-up will generate them (generate them with analytics.Snapshotter.Run, "+
		"or raise the job's Lookback)",
		"job", j.name, "last_catch_up", last.UTC().Format(time.RFC3339), "lookback", j.lookback,
		"lookback_from", window[0].Format(time.RFC3339), "periods_per_team", most, "zones", len(tk.zones))
}
