package bench

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// The monthly dataset holds March 2026. The monthly job runs as the
// scheduler runs it, at 04:00 UTC on April 1st (when March has ended in
// every zone of the data, UTC−5 to UTC+14), and again at 04:00 UTC on April
// 4th, after the daily job's trailing window has regenerated every zone's
// last days of March late enough for them to be settled.
var (
	monthStart   = analytics.NewDate(2026, time.March, 1)
	monthAt      = time.Date(2026, time.April, 1, 4, 0, 0, 0, time.UTC)
	monthSettled = time.Date(2026, time.April, 4, 4, 0, 0, 0, time.UTC)
)

const monthDays = 31

// The daily job as the scheduler runs it by default: at 02:00 UTC, each
// team's latest complete day and the two before it (JobConfig.Trailing).
const (
	dailyTickHour = 2
	dailyTrailing = 2
)

// plainStore hides a store's optional capabilities, so that a Snapshotter
// over it takes the path every Store supports: direct aggregation.
type plainStore struct{ analytics.Store }

// tally is a store with the roll-up capabilities of pgstore that counts
// the items a roll-up aggregates from messages and those whose active
// contacts it counts again.
type tally struct {
	*pgstore.Store
	aggregated, counted atomic.Int64
}

func (t *tally) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	t.aggregated.Add(int64(len(req.Items)))
	return t.Store.Aggregate(ctx, req)
}

func (t *tally) ActiveContacts(ctx context.Context, req analytics.AggregateRequest) ([]int64, error) {
	t.counted.Add(int64(len(req.Items)))
	return t.Store.ActiveContacts(ctx, req)
}

func (t *tally) String() string {
	return fmt.Sprintf("%d periods aggregated from messages, %d counted for active contacts", t.aggregated.Load(), t.counted.Load())
}

// lastRuns returns, for a team in zone loc, the instant of the last run of
// the daily job up to until that generated each day of the month: runs at
// dailyTickHour UTC every day, each generating the team's latest complete
// day and the dailyTrailing before it.
func lastRuns(loc *time.Location, until time.Time) (map[analytics.Date]time.Time, error) {
	out := map[analytics.Date]time.Time{}
	first := monthStart.In(time.UTC)
	for tick := time.Date(first.Year(), first.Month(), first.Day(), dailyTickHour, 0, 0, 0, time.UTC); !tick.After(until); tick = tick.AddDate(0, 0, 1) {
		latest, err := analytics.LastCompletePeriod(analytics.Daily, tick, loc)
		if err != nil {
			return nil, err
		}
		for d := latest.Date; !d.Before(latest.Date.AddDays(-dailyTrailing)); d = d.AddDays(-1) {
			if !d.Before(monthStart) && d.Before(monthStart.AddDays(monthDays)) {
				out[d] = tick
			}
		}
	}
	return out, nil
}

// generateDailies leaves the month's daily snapshots as the daily job's
// runs up to until leave them: each team-day generated once, as of the
// last run that generated it (after from, the last run up to from having
// been simulated already). It returns how many runs it made.
func generateDailies(ctx context.Context, o *Options, e *env, from, until time.Time) (int, error) {
	runs := map[string]map[analytics.Date]time.Time{} // zone -> day -> last run
	before := map[string]map[analytics.Date]time.Time{}
	var ticks []time.Time
	seen := map[time.Time]bool{}
	teams, err := allTeams(ctx, e.store)
	if err != nil {
		return 0, err
	}
	for _, t := range teams {
		if _, ok := runs[t.TimeZone]; ok {
			continue
		}
		loc, err := t.Location()
		if err != nil {
			return 0, err
		}
		if runs[t.TimeZone], err = lastRuns(loc, until); err != nil {
			return 0, err
		}
		if before[t.TimeZone], err = lastRuns(loc, from); err != nil {
			return 0, err
		}
		for d, tick := range runs[t.TimeZone] {
			if before[t.TimeZone][d] != tick && !seen[tick] {
				seen[tick] = true
				ticks = append(ticks, tick)
			}
		}
	}
	slices.SortFunc(ticks, time.Time.Compare)
	for _, tick := range ticks {
		sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: analytics.NewFakeClock(tick), BatchSize: o.BatchSize})
		if err != nil {
			return 0, err
		}
		r, err := sn.Run(ctx, analytics.Daily, func(t analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			var ps []analytics.Period
			for d, last := range runs[t.TimeZone] {
				if last.Equal(tick) && !before[t.TimeZone][d].Equal(tick) {
					p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
					if err != nil {
						return nil, err
					}
					ps = append(ps, p)
				}
			}
			return ps, nil
		})
		if err != nil {
			return 0, err
		}
		if r.Failed > 0 {
			return 0, fmt.Errorf("bench: daily run of %s: %v", tick.Format(time.RFC3339), r.Err())
		}
	}
	// The runs replaced rows over days; autovacuum, which is off on the
	// benchmark machine, would have removed the old versions meanwhile.
	if _, err := e.db.ExecContext(ctx, `VACUUM analytics_snapshots`); err != nil {
		return 0, fmt.Errorf("bench: vacuuming the snapshots: %w", err)
	}
	return len(ticks), nil
}

// Monthly measures the monthly job on 31 days of data: rolled up from the
// daily snapshots (after generating them as the daily job would have) as
// scheduled on the 1st and once the dailies have settled, by direct
// aggregation, and the floor: one bare aggregate pass over the month's
// messages.
func Monthly(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	cfg := synth.Config{Teams: o.Teams, MessagesPerDay: o.Teams * o.MessagesPerTeamDay, Days: monthDays, Start: monthStart}
	e, err := openEnv(ctx, &o, o.SchemaPrefix+fmt.Sprintf("month_%d", o.Teams), cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	var r monthlyResult

	// The daily snapshots of the month as the daily job's runs up to the
	// morning of the 1st leave them: each team's days regenerated by the
	// trailing window, its last two or three days not settled yet.
	fmt.Fprintf(o.Log, "bench: generating the month's daily snapshots on %s\n", e.ds.Schema)
	start := time.Now()
	if r.runs, err = generateDailies(ctx, &o, e, monthStart.In(time.UTC), monthAt); err != nil {
		return err
	}
	r.dailies = time.Since(start)

	teams, err := allTeams(ctx, e.store)
	if err != nil {
		return err
	}
	scopes := 0
	for _, t := range teams {
		scopes += len(t.Scopes())
	}
	r.onFirst, r.afterSettling = &tally{Store: e.store}, &tally{Store: e.store}
	fmt.Fprintf(o.Log, "bench: monthly job (roll-up, on the 1st) on %s\n", e.ds.Schema)
	if r.rolled.SDK, r.rolled.Statements, r.rolled.PeakHeap, err = measureJob(&o, e, "monthly_on_the_1st", o.Reps, 0, monthlyJob(ctx, &o, r.onFirst, monthAt, scopes, &r.rolled)); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "bench: monthly job (direct) on %s\n", e.ds.Schema)
	if r.direct.SDK, r.direct.Statements, r.direct.PeakHeap, err = measureJob(&o, e, "monthly_direct", 1, 0, monthlyJob(ctx, &o, plainStore{e.store}, monthAt, scopes, &r.direct)); err != nil {
		return err
	}
	if r.floor, r.floorKind, r.messages, err = monthFloor(ctx, &o, e); err != nil {
		return err
	}

	// The daily job's runs of the 2nd to the 4th regenerate the last days
	// of March; then every day of every zone is settled.
	fmt.Fprintf(o.Log, "bench: the daily job's runs up to %s on %s\n", monthSettled.Format(time.RFC3339), e.ds.Schema)
	start = time.Now()
	more, err := generateDailies(ctx, &o, e, monthAt, monthSettled)
	if err != nil {
		return err
	}
	r.dailies += time.Since(start)
	r.runs += more
	fmt.Fprintf(o.Log, "bench: monthly job (roll-up, settled) on %s\n", e.ds.Schema)
	if r.settled.SDK, r.settled.Statements, r.settled.PeakHeap, err = measureJob(&o, e, "monthly_settled", o.Reps, 0, monthlyJob(ctx, &o, r.afterSettling, monthSettled, scopes, &r.settled)); err != nil {
		return err
	}
	r.report(rep, fmt.Sprintf("monthly, %d teams, %d days", o.Teams, monthDays))
	return nil
}

// monthlyJob returns the monthly job at at on st, which must generate
// every one of the scopes; it records the scopes in res.
func monthlyJob(ctx context.Context, o *Options, st analytics.Store, at time.Time, scopes int, res *DailyResult) func() error {
	return func() error {
		if t, ok := st.(*tally); ok {
			t.aggregated.Store(0)
			t.counted.Store(0)
		}
		sn, err := analytics.NewSnapshotter(st, &analytics.SnapshotterConfig{Clock: analytics.NewFakeClock(at), BatchSize: o.BatchSize})
		if err != nil {
			return err
		}
		r, err := sn.GenerateAll(ctx, analytics.Monthly, at)
		if err != nil {
			return err
		}
		if r.Failed > 0 {
			return fmt.Errorf("bench: monthly job: %v", r.Err())
		}
		if r.Succeeded != scopes {
			return fmt.Errorf("bench: monthly job at %s: %d scopes, want every team's %d", at.Format(time.RFC3339), r.Succeeded, scopes)
		}
		res.Scopes = r.Succeeded
		return nil
	}
}

// monthFloor measures one bare aggregate pass over the month's messages,
// both per team (each team's own month) and over one UTC month with no
// team list. It returns the median of the faster of the two, which of the
// two it is (kind), and the number of messages.
func monthFloor(ctx context.Context, o *Options, e *env) (floor time.Duration, kind string, messages int64, err error) {
	items, err := TeamPeriods(ctx, e.store, analytics.Monthly, monthAt)
	if err != nil {
		return 0, "", 0, err
	}
	f := &Floor{Conn: e.conn}
	perTeam, err := Repeat(1, o.Reps, func() error {
		messages, err = f.PerTeam(ctx, items)
		return err
	})
	if err != nil {
		return 0, "", 0, err
	}
	first := monthStart.In(time.UTC)
	oneRange, err := Repeat(1, o.Reps, func() error {
		_, err := f.Range(ctx, first, first.AddDate(0, 1, 0))
		return err
	})
	if err != nil {
		return 0, "", 0, err
	}
	floor, kind = perTeam.Median(), "each team's own month"
	if oneRange.Median() < floor {
		floor, kind = oneRange.Median(), "one UTC month, no team list"
	}
	return floor, kind, messages, nil
}

// monthlyResult is what Monthly measures.
type monthlyResult struct {
	runs                    int           // of the daily job
	dailies                 time.Duration // of the daily job's runs
	rolled, settled, direct DailyResult
	onFirst, afterSettling  *tally // the stores of rolled and settled
	floor                   time.Duration
	floorKind               string
	messages                int64 // in the floor's pass
}

// report adds r's lines to rep under suite.
func (r *monthlyResult) report(rep *Report, suite string) {
	fl := r.floor
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(prep) the month's daily snapshots as the daily job's %d runs at 02:00 UTC (with the 2-day trailing window) leave them, each team-day generated once", r.runs),
		Value: Secs(r.dailies)})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(a) SDK monthly job as scheduled (04:00 UTC on the 1st), rolled up from the dailies; each team's last 2–3 days, not settled, aggregated from messages: %d scopes", r.rolled.Scopes),
		Value: join(Secs(r.rolled.SDK.Median()), fmt.Sprintf("%d statements", r.rolled.Statements), "peak heap "+MB(r.rolled.PeakHeap), r.onFirst.String()),
		Ratio: "(a)/(c) = " + X(Ratio(r.rolled.SDK.Median(), fl)), Target: "≤ 0.5×", Met: YesNo(Ratio(r.rolled.SDK.Median(), fl) <= 0.5)})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(b) SDK monthly job once the dailies have settled (04:00 UTC on the 4th, after the daily job's trailing run): a pure roll-up, %d scopes", r.settled.Scopes),
		Value: join(Secs(r.settled.SDK.Median()), fmt.Sprintf("%d statements", r.settled.Statements), "peak heap "+MB(r.settled.PeakHeap), r.afterSettling.String()),
		Ratio: "(b)/(c) = " + X(Ratio(r.settled.SDK.Median(), fl)), Target: "≤ 0.5×", Met: YesNo(Ratio(r.settled.SDK.Median(), fl) <= 0.5)})
	rep.Add(Line{Suite: suite, What: "(a′) SDK monthly job, aggregated directly (no roll-up; one run)",
		Value: join(Secs(r.direct.SDK.Median()), fmt.Sprintf("%d statements", r.direct.Statements)),
		Ratio: "(a′)/(a) = " + X(Ratio(r.direct.SDK.Median(), r.rolled.SDK.Median()))})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(c) floor: one bare aggregate pass over the month's %d messages (%s)", r.messages, r.floorKind),
		Value: Secs(fl)})
}
