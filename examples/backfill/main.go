// Command backfill regenerates the snapshots of a date range for chosen
// teams, as a host does after fixing its data or changing a metric
// definition, with a progress bar and a summary. It runs on the in-memory
// store with generated data, so it needs no services; a host passes its
// pgstore.Store instead (see README.md).
//
//	go run ./examples/backfill
//	go run ./examples/backfill -from 2026-03-02 -to 2026-03-15 -teams team-0001,team-0004 -type Weekly
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	from, to analytics.Date
	teams    []string // empty: all
	typ      analytics.SnapshotType
}

func parse(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(out)
	from := fs.String("from", "2026-03-01", "first local date of the range (inclusive)")
	to := fs.String("to", "2026-03-21", "last local date of the range (inclusive)")
	teams := fs.String("teams", "", "comma-separated team IDs (default: every team)")
	typ := fs.String("type", "Daily", "snapshot type: Daily, Weekly or Monthly")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.from, err = analytics.ParseDate(*from); err != nil {
		return o, fmt.Errorf("-from: %w", err)
	}
	if o.to, err = analytics.ParseDate(*to); err != nil {
		return o, fmt.Errorf("-to: %w", err)
	}
	if o.from.After(o.to) {
		return o, fmt.Errorf("-from %s is after -to %s: %w", o.from, o.to, analytics.ErrInvalidArgument)
	}
	if o.typ, err = analytics.ParseSnapshotType(*typ); err != nil {
		return o, fmt.Errorf("-type: %w", err)
	}
	if *teams != "" {
		o.teams = strings.Split(*teams, ",")
	}
	return o, nil
}

func run(ctx context.Context, out io.Writer, args []string) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	// The data: 8 teams in several zones, three weeks from 2026-03-01; the
	// clock reads a day after it ends, so every period in it has ended.
	clock := analytics.NewFakeClock(time.Date(2026, 3, 23, 12, 0, 0, 0, time.UTC))
	store := memstore.New(&memstore.Config{Clock: clock})
	teams := sample.Teams(8, 2)
	if err := store.AddTeams(teams...); err != nil {
		return err
	}
	activity, err := sample.Activity(teams, analytics.NewDate(2026, 3, 1), 21, 2000)
	if err != nil {
		return err
	}
	if err := store.Add(activity); err != nil {
		return err
	}
	return backfill(ctx, out, store, clock, o)
}

// backfill regenerates o's periods in store: the work a host would do on
// its own store.
func backfill(ctx context.Context, out io.Writer, store analytics.Store, clock analytics.Clock, o options) error {
	teams, err := chosenTeams(ctx, store, o.teams)
	if err != nil {
		return err
	}
	pl, err := makePlan(teams, o, clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Regenerating %s snapshots from %s to %s for %d teams: %d periods, %d snapshots\n",
		o.typ, o.from, o.to, len(teams), len(pl.keys), pl.snapshots)

	bar := &progress{out: out, total: pl.snapshots, lastDrawn: -1}
	bar.draw()
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{
		Clock:      clock,
		AfterBatch: func(_ context.Context, snaps []analytics.Snapshot) { bar.add(len(snaps)) },
	})
	if err != nil {
		return err
	}
	wall := analytics.SystemClock()
	started := wall.Now()
	sum, err := execute(ctx, snap, o.typ, pl, bar)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Done: %d snapshots written, %d failed, %d team periods not ended yet (skipped), in %v.\n",
		sum.Succeeded, sum.Failed, pl.notEnded, wall.Now().Sub(started).Round(time.Millisecond))
	for _, e := range sum.Errors {
		fmt.Fprintf(out, "  %v\n", e)
	}
	if sum.Failed > 0 {
		return fmt.Errorf("backfill: %d snapshots failed", sum.Failed)
	}
	return nil
}

// plan is the work of a backfill.
type plan struct {
	periods   map[string][]analytics.Period // by team ID
	keys      []analytics.Date              // the periods' first dates, over every team, in order
	snapshots int                           // the snapshots to write: periods × the team's scopes
	notEnded  int                           // team periods skipped because they have not ended
}

// makePlan lists every team's periods of o.typ that hold a date of the
// range, in the team's own zone, and have ended at now.
func makePlan(teams []analytics.Team, o options, now time.Time) (plan, error) {
	pl := plan{periods: map[string][]analytics.Period{}}
	for _, t := range teams {
		loc, err := t.Location()
		if err != nil {
			return pl, err
		}
		for d := o.from; !d.After(o.to); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(o.typ, d, loc)
			if err != nil {
				return pl, err
			}
			if ps := pl.periods[t.ID]; len(ps) > 0 && ps[len(ps)-1].Date == p.Date {
				continue
			}
			if !p.Ended(now) {
				pl.notEnded++
				continue
			}
			pl.periods[t.ID] = append(pl.periods[t.ID], p)
			pl.snapshots += len(t.Scopes())
			if !slices.Contains(pl.keys, p.Date) {
				pl.keys = append(pl.keys, p.Date)
			}
		}
	}
	slices.SortFunc(pl.keys, analytics.Date.Compare)
	return pl, nil
}

// execute runs pl: one Snapshotter run per period key, so the bar moves as
// periods complete; each run covers every chosen team in batches.
func execute(ctx context.Context, snap *analytics.Snapshotter, typ analytics.SnapshotType, pl plan, bar *progress) (analytics.Report, error) {
	var sum analytics.Report
	for _, key := range pl.keys {
		rep, err := snap.Run(ctx, typ, func(t analytics.Team, _ *time.Location) ([]analytics.Period, error) {
			for _, p := range pl.periods[t.ID] {
				if p.Date == key {
					return []analytics.Period{p}, nil
				}
			}
			return nil, nil
		})
		sum.Scopes += rep.Scopes
		sum.Succeeded += rep.Succeeded
		sum.Failed += rep.Failed
		sum.Errors = append(sum.Errors, rep.Errors...)
		bar.fail(rep.Failed)
		if err != nil {
			return sum, fmt.Errorf("backfill: period %s: %w", key, err)
		}
	}
	return sum, nil
}

// chosenTeams returns the teams named, or every team if none is.
func chosenTeams(ctx context.Context, store analytics.Store, ids []string) ([]analytics.Team, error) {
	if len(ids) == 0 {
		var all []analytics.Team
		after := ""
		for {
			page, err := store.Teams(ctx, after, 500)
			if err != nil {
				return nil, err
			}
			all = append(all, page...)
			if len(page) < 500 {
				return all, nil
			}
			after = page[len(page)-1].ID
		}
	}
	var out []analytics.Team
	for _, id := range ids {
		t, err := store.Team(ctx, strings.TrimSpace(id))
		if errors.Is(err, analytics.ErrNotFound) {
			return nil, fmt.Errorf("backfill: -teams: no team %q: %w", id, err)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// progress draws a bar of snapshots done (and failed) out of total on one
// terminal line.
type progress struct {
	out                 io.Writer
	total, written, bad int
	lastDrawn           int
}

const barWidth = 30

func (p *progress) add(n int)  { p.written += n; p.draw() }
func (p *progress) fail(n int) { p.bad += n; p.draw() }

func (p *progress) draw() {
	n := p.written + p.bad
	if n == p.lastDrawn {
		return
	}
	p.lastDrawn = n
	filled := barWidth
	if p.total > 0 {
		filled = barWidth * n / p.total
	}
	pct := 100
	if p.total > 0 {
		pct = 100 * n / p.total
	}
	fmt.Fprintf(p.out, "\r[%s%s] %3d%% %d/%d snapshots", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), pct, n, p.total)
	if p.bad > 0 {
		fmt.Fprintf(p.out, " (%d failed)", p.bad)
	}
}

func (p *progress) done() {
	p.lastDrawn = -1
	p.draw()
	fmt.Fprintln(p.out)
}
