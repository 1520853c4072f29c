// Command quickstart runs the SDK end to end with no services: it generates
// six weeks of activity for a few teams into the in-memory store, runs the
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
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// The data: 8 teams in several time zones, 3 WhatsApp accounts each,
	// 46 local days from 2026-10-01 (the last day is "today").
	data := synth.Config{Seed: 1, Teams: 8, AccountsPerTeam: 3, Start: analytics.NewDate(2026, 10, 1), Days: 46, MessagesPerDay: 2500}
	// A fixed clock makes the output the same on every run: 15:00 UTC on the
	// last day of the data.
	clock := analytics.NewFakeClock(time.Date(2026, 11, 15, 15, 0, 0, 0, time.UTC))

	store := memstore.New(&memstore.Config{Clock: clock})
	if err := synth.LoadMemstore(data, store); err != nil {
		return fmt.Errorf("loading data: %w", err)
	}
	svc, err := analytics.New(store, &analytics.Config{Clock: clock})
	if err != nil {
		return err
	}

	// The jobs: every team's last complete day, week and month, in its own
	// zone; then the 13 days before yesterday, so the dashboard has history.
	for _, typ := range analytics.SnapshotTypes() {
		rep, err := svc.Snapshotter().GenerateAll(ctx, typ, clock.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-7s job: %d teams, %d snapshots written, %d failed\n", typ, rep.Teams, rep.Succeeded, rep.Failed)
	}
	rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		last, err := analytics.LastCompletePeriod(analytics.Daily, clock.Now(), loc)
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

	team, err := store.Team(ctx, "team-0002")
	if err != nil {
		return err
	}
	loc, err := team.Location()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Team %s (%s), team-wide snapshots:\n", team.ID, team.TimeZone)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tdate\tmessages\tdelivered %\tread %\treplied %\tfailed %\tconversations\tavg resp s\tmedian s\tp90 s\tnew contacts\t")
	for _, typ := range analytics.SnapshotTypes() {
		p, err := analytics.LastCompletePeriod(typ, clock.Now(), loc)
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
	if err := tw.Flush(); err != nil {
		return err
	}

	d, err := svc.Dashboard(ctx, team.ID, 7)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDashboard, last 7 days as of %s (today is partial):\n", d.AsOf.In(loc).Format("2006-01-02 15:04 MST"))
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
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
	if err := tw.Flush(); err != nil {
		return err
	}

	rt, err := svc.RealTime(ctx, analytics.AccountScope(team.ID, team.AccountIDs[0]))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nReal time, account %s, today so far: %d messages, %d inbound, reply rate %.2f%%\n",
		team.AccountIDs[0], rt.Messages.Total, rt.Messages.Inbound, rt.Messages.ReplyRate)
	return nil
}
