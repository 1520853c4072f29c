// Command quickstart runs the SDK end to end with no services: it generates
// six weeks of activity for a few teams (data.go) into the in-memory store, runs the
// daily, weekly and monthly snapshot jobs, and prints one team's snapshots
// and a 7-day dashboard.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// The data: 4 teams in several time zones, 2 WhatsApp accounts each, 46
// local days from 2026-10-01; the last day is "today".
const (
	teamCount, accountsPerTeam = 4, 2
	days, messagesPerDay       = 46, 1200
)

var firstDay = analytics.NewDate(2026, 10, 1)

func run(ctx context.Context, out io.Writer) error {
	// A fixed clock makes the output the same on every run: 15:00 UTC on the
	// last day of the data.
	clock := analytics.NewFakeClock(time.Date(2026, 11, 15, 15, 0, 0, 0, time.UTC))
	store, err := loadStore(clock)
	if err != nil {
		return fmt.Errorf("loading data: %w", err)
	}
	svc, err := analytics.New(store, &analytics.Config{Clock: clock})
	if err != nil {
		return err
	}
	if err := runJobs(ctx, out, svc.Snapshotter(), clock.Now()); err != nil {
		return err
	}
	team, err := store.Team(ctx, "team-0002")
	if err != nil {
		return err
	}
	loc, err := team.Location()
	if err != nil {
		return err
	}
	if err := printSnapshots(ctx, out, svc, team, loc, clock.Now()); err != nil {
		return err
	}
	if err := printDashboard(ctx, out, svc, team, loc); err != nil {
		return err
	}
	return printRealTime(ctx, out, svc, team)
}

// loadStore returns an in-memory store holding the example's teams and
// activity.
func loadStore(clock analytics.Clock) (*memstore.Store, error) {
	store := memstore.New(&memstore.Config{Clock: clock})
	teams := sample.Teams(teamCount, accountsPerTeam)
	if err := store.AddTeams(teams...); err != nil {
		return nil, err
	}
	activity, err := sample.Activity(teams, firstDay, days, messagesPerDay)
	if err != nil {
		return nil, err
	}
	return store, store.Add(activity)
}

// runJobs runs the jobs: every team's last complete day, week and month, in
// its own zone; then the 13 days before yesterday, so the dashboard has
// history.
func runJobs(ctx context.Context, out io.Writer, snap *analytics.Snapshotter, now time.Time) error {
	for _, typ := range analytics.SnapshotTypes() {
		rep, err := snap.GenerateAll(ctx, typ, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-7s job: %d teams, %d snapshots written, %d failed\n", typ, rep.Teams, rep.Succeeded, rep.Failed)
	}
	rep, err := snap.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		last, err := analytics.LastCompletePeriod(analytics.Daily, now, loc)
		var ps []analytics.Period
		for p := last.Prev(); len(ps) < 13; p = p.Prev() {
			ps = append(ps, p)
		}
		return ps, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backfill:    %d snapshots written, %d failed\n\n", rep.Succeeded, rep.Failed)
	return nil
}

// printSnapshots prints team's latest team-wide daily, weekly and monthly
// snapshot.
func printSnapshots(ctx context.Context, out io.Writer, svc *analytics.Service, team analytics.Team, loc *time.Location, now time.Time) error {
	fmt.Fprintf(out, "Team %s (%s), team-wide snapshots:\n", team.ID, team.TimeZone)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tdate\tmessages\tdelivered %\tread %\treplied %\tfailed %\tconversations\tavg resp s\tmedian s\tp90 s\tnew contacts\t")
	for _, typ := range analytics.SnapshotTypes() {
		p, err := analytics.LastCompletePeriod(typ, now, loc)
		if err != nil {
			return err
		}
		snaps, err := svc.Snapshots(ctx, analytics.TeamScope(team.ID), typ, p.Date, p.Date)
		if err != nil {
			return err
		}
		for _, s := range snaps {
			m := s.Metrics
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%.0f\t%.0f\t%d\t\n", s.Type, s.Date,
				m.Messages.Total, m.Messages.DeliveryRate, m.Messages.ReadRate, m.Messages.ReplyRate, m.Messages.FailureRate,
				m.Conversations.Total, m.Conversations.AvgResponseTime, m.Conversations.MedianResponseTime,
				m.Conversations.P90ResponseTime, m.Contacts.New)
		}
	}
	return tw.Flush()
}

// printDashboard prints team's 7-day dashboard: one row per day, the 7-day
// totals, the 7 days before and the change.
func printDashboard(ctx context.Context, out io.Writer, svc *analytics.Service, team analytics.Team, loc *time.Location) error {
	d, err := svc.Dashboard(ctx, team.ID, 7)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDashboard, last 7 days as of %s (today is partial):\n", d.AsOf.In(loc).Format("2006-01-02 15:04 MST"))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "day\tmessages\tdelivered %\tread %\treplied %\tavg resp s\t")
	for _, day := range d.Series {
		m := day.Metrics
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t\n", day.Date, m.Messages.Total, m.Messages.DeliveryRate,
			m.Messages.ReadRate, m.Messages.ReplyRate, m.Conversations.AvgResponseTime)
	}
	c, p, g := d.Current, d.Previous, d.Growth
	fmt.Fprintf(tw, "7 days\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t\n", c.Messages.Total, c.Messages.DeliveryRate, c.Messages.ReadRate,
		c.Messages.ReplyRate, c.Conversations.AvgResponseTime)
	fmt.Fprintf(tw, "previous 7\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t\n", p.Messages.Total, p.Messages.DeliveryRate, p.Messages.ReadRate,
		p.Messages.ReplyRate, p.Conversations.AvgResponseTime)
	fmt.Fprintf(tw, "change\t%+.2f%%\t%+.2f pt\t%+.2f pt\t%+.2f pt\t%+.2f%%\t\n", g.Messages, g.DeliveryRate, g.ReadRate,
		g.ReplyRate, g.AvgResponseTime)
	return tw.Flush()
}

// printRealTime prints the real-time metrics of team's first account.
func printRealTime(ctx context.Context, out io.Writer, svc *analytics.Service, team analytics.Team) error {
	rt, err := svc.RealTime(ctx, analytics.AccountScope(team.ID, team.AccountIDs[0]))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nReal time, account %s, today so far: %d messages, %d inbound, reply rate %.2f%%\n",
		team.AccountIDs[0], rt.Messages.Total, rt.Messages.Inbound, rt.Messages.ReplyRate)
	return nil
}
