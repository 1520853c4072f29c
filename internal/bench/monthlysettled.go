package bench

import (
	"context"
	"fmt"

	"github.com/msgstats/analytics/internal/synth"
)

// MonthlySettled measures the settled roll-up (Monthly's (b)) and the floor
// (c) on the daily snapshots an earlier Monthly run left in its dataset,
// without generating them again (which takes minutes): a quick loop for
// work on the roll-up. It fails if the dailies are missing or not all
// settled.
func MonthlySettled(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	cfg := synth.Config{Teams: o.Teams, MessagesPerDay: o.Teams * o.MessagesPerTeamDay, Days: monthDays, Start: monthStart}
	e, err := openKept(ctx, &o, o.DatabaseURL, o.SchemaPrefix+fmt.Sprintf("month_%d", o.Teams), cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	teams, err := allTeams(ctx, e.store)
	if err != nil {
		return err
	}
	scopes := 0
	for _, t := range teams {
		scopes += len(t.Scopes())
	}
	if ok, err := settledDailies(ctx, e, scopes); err != nil || !ok {
		return fmt.Errorf("bench: %s lacks the settled daily snapshots of a monthly run (run -suites monthly first): %v", e.ds.Schema, err)
	}
	var r monthlyResult
	r.afterSettling = &tally{Store: e.store}
	fmt.Fprintf(o.Log, "bench: monthly job (roll-up, settled) on %s's kept dailies\n", e.ds.Schema)
	if r.settled.SDK, r.settled.Statements, r.settled.PeakHeap, err = measureJob(&o, e, "monthly_settled", o.Reps, 1, monthlyJob(ctx, &o, r.afterSettling, monthSettled, scopes, &r.settled)); err != nil {
		return err
	}
	if r.floor, r.floorKind, r.messages, err = monthFloor(ctx, &o, e); err != nil {
		return err
	}
	fl := r.floor
	suite := fmt.Sprintf("monthly settled, %d teams, %d days", o.Teams, monthDays)
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(b) SDK monthly job on the settled dailies a monthly run left (04:00 UTC on the 4th): a pure roll-up, %d scopes", r.settled.Scopes),
		Value: join(Secs(r.settled.SDK.Median()), fmt.Sprintf("%d statements", r.settled.Statements), "peak heap "+MB(r.settled.PeakHeap), r.afterSettling.String()),
		Ratio: "(b)/(c) = " + X(Ratio(r.settled.SDK.Median(), fl)), Target: "≤ 0.5×", Met: YesNo(Ratio(r.settled.SDK.Median(), fl) <= 0.5)})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("(c) floor: one bare aggregate pass over the month's %d messages (%s)", r.messages, r.floorKind),
		Value: Secs(fl)})
	return nil
}
