package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
)

// The monthly dataset holds March 2026; the monthly job runs at 09:00 UTC
// on April 1st, when March is the last complete month in every zone.
var (
	monthStart = analytics.NewDate(2026, time.March, 1)
	monthAt    = time.Date(2026, time.April, 1, 9, 0, 0, 0, time.UTC)
)

const monthDays = 31

// plainStore hides a store's optional capabilities, so that a Snapshotter
// over it takes the path every Store supports: direct aggregation.
type plainStore struct{ analytics.Store }

// Monthly measures the monthly job on 31 days of data: rolled up from the
// daily snapshots (after generating them, as the daily job would have), by
// direct aggregation, and the floor: one bare aggregate pass over the
// month's messages.
func Monthly(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	cfg := synth.Config{Teams: o.Teams, MessagesPerDay: o.Teams * o.MessagesPerTeamDay, Days: monthDays, Start: monthStart}
	e, err := openEnv(ctx, &o, o.SchemaPrefix+fmt.Sprintf("month_%d", o.Teams), cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	suite := fmt.Sprintf("monthly, %d teams, %d days", o.Teams, monthDays)

	// The daily snapshots of the month, each generated as the 02:00 job
	// of the next day would have (so the last ones are not yet settled).
	fmt.Fprintf(o.Log, "bench: generating the month's daily snapshots on %s\n", e.ds.Schema)
	start := time.Now()
	for d := range monthDays {
		day := monthStart.AddDays(d)
		at := day.AddDays(1).In(time.UTC).Add(2 * time.Hour)
		clock := analytics.NewFakeClock(at)
		sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: clock, BatchSize: o.BatchSize})
		if err != nil {
			return err
		}
		r, err := sn.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			p, err := analytics.PeriodForDate(analytics.Daily, day, loc)
			return []analytics.Period{p}, err
		})
		if err != nil {
			return err
		}
		if r.Failed > 0 {
			return fmt.Errorf("bench: dailies of %s: %v", day, r.Err())
		}
	}
	dailies := time.Since(start)

	clock := analytics.NewFakeClock(monthAt)
	job := func(st analytics.Store, res *DailyResult) func() error {
		return func() error {
			sn, err := analytics.NewSnapshotter(st, &analytics.SnapshotterConfig{Clock: clock, BatchSize: o.BatchSize})
			if err != nil {
				return err
			}
			r, err := sn.GenerateAll(ctx, analytics.Monthly, monthAt)
			if err != nil {
				return err
			}
			if r.Failed > 0 {
				return fmt.Errorf("bench: monthly job: %v", r.Err())
			}
			res.Scopes = r.Succeeded
			return nil
		}
	}
	var rolled, direct DailyResult
	fmt.Fprintf(o.Log, "bench: monthly job (roll-up) on %s\n", e.ds.Schema)
	before := e.db.Statements()
	if rolled.SDK, err = Repeat(1, o.Reps, job(e.store, &rolled)); err != nil {
		return err
	}
	rolled.Statements = (e.db.Statements() - before) / int64(o.Reps+1)
	heap := StartHeapPeak(time.Millisecond)
	err = job(e.store, &rolled)()
	rolled.PeakHeap = heap.Stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "bench: monthly job (direct) on %s\n", e.ds.Schema)
	before = e.db.Statements()
	if direct.SDK, err = Repeat(0, 1, job(plainStore{e.store}, &direct)); err != nil {
		return err
	}
	direct.Statements = e.db.Statements() - before

	items, err := TeamPeriods(ctx, e.store, analytics.Monthly, monthAt)
	if err != nil {
		return err
	}
	f := &Floor{Conn: e.conn}
	var n int64
	floor, err := Repeat(1, o.Reps, func() error {
		n, err = f.PerTeam(ctx, items)
		return err
	})
	if err != nil {
		return err
	}
	first := monthStart.In(time.UTC)
	floorRange, err := Repeat(1, o.Reps, func() error {
		_, err := f.Range(ctx, first, first.AddDate(0, 1, 0))
		return err
	})
	if err != nil {
		return err
	}
	fl, kind := floor.Median(), "each team's own month"
	if floorRange.Median() < fl {
		fl, kind = floorRange.Median(), "one UTC month, no team list"
	}

	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(prep) the month's %d daily jobs, each as run at 02:00 the next day", monthDays),
		Value: Secs(dailies)})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(a) SDK monthly job, rolled up from the dailies: %d scopes", rolled.Scopes),
		Value: join(Secs(rolled.SDK.Median()), fmt.Sprintf("%d statements", rolled.Statements), "peak heap "+MB(rolled.PeakHeap)),
		Ratio: "(a)/(c) = " + X(Ratio(rolled.SDK.Median(), fl)), Target: "≤ 0.5×", Met: YesNo(Ratio(rolled.SDK.Median(), fl) <= 0.5)})
	rep.Add(Line{Suite: suite, What: "(a′) SDK monthly job, aggregated directly (no roll-up; one run)",
		Value: join(Secs(direct.SDK.Median()), fmt.Sprintf("%d statements", direct.Statements)),
		Ratio: "(a′)/(a) = " + X(Ratio(direct.SDK.Median(), rolled.SDK.Median()))})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(c) floor: one bare aggregate pass over the month's %d messages (%s)", n, kind),
		Value: Secs(fl)})
	return nil
}
