package scheduler_test

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store/memstore"
)

// A host that already runs robfig/cron registers the jobs with it instead
// of calling Start. Every replica registers them; the claims make one of
// them run each period.
func ExampleScheduler_Jobs() {
	store := memstore.New(nil)
	snap, _ := analytics.NewSnapshotter(store, nil)
	s, err := scheduler.New(snap, store, nil)
	if err != nil {
		panic(err)
	}
	c := cron.New(cron.WithLocation(time.UTC)) // the scheduler's Location
	for _, j := range s.Jobs() {
		if _, err := c.AddFunc(j.Spec, func() {
			res, err := j.Run(context.Background(), analytics.SystemClock().Now())
			if err != nil || res.Err() != nil {
				fmt.Println(j.Name, err, res.Err())
			}
		}); err != nil {
			panic(err)
		}
		fmt.Printf("%-27s %-10s %s\n", j.Name, j.Spec, j.Type)
	}
	// c.Start() would run them; c.Stop() on shutdown.
	// Output:
	// daily-analytics-snapshot    0 2 * * *  Daily
	// weekly-analytics-snapshot   0 3 * * 1  Weekly
	// monthly-analytics-snapshot  0 4 1 * *  Monthly
}

// TriggerJob runs a job by name now: a manual re-run of the period that
// last ended in the scheduler's zone.
func ExampleScheduler_TriggerJob() {
	clock := analytics.NewFakeClock(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC))
	store := memstore.New(&memstore.Config{Clock: clock})
	if err := store.AddTeams(analytics.Team{ID: "acme", TimeZone: "Europe/Berlin", AccountIDs: []string{"wa-1"}}); err != nil {
		panic(err)
	}
	snap, _ := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	s, err := scheduler.New(snap, store, &scheduler.Config{Clock: clock, Owner: "admin-1",
		Daily: scheduler.JobConfig{Lookback: -1}})
	if err != nil {
		panic(err)
	}
	res, err := s.TriggerJob(context.Background(), scheduler.DailyJob)
	if err != nil {
		panic(err)
	}
	// The day and the two before it (the trailing window), for 2 scopes.
	fmt.Printf("%s %s %s by %s: %d teams, %d snapshots written, %d failed\n",
		res.Run.Job, res.Run.Period, res.Run.Status, res.Run.Owner, res.Teams, res.Succeeded, res.Failed)

	_, err = s.TriggerJob(context.Background(), "hourly")
	fmt.Println(err)
	// Output:
	// daily-analytics-snapshot 2026-03-10 succeeded by admin-1: 1 teams, 6 snapshots written, 0 failed
	// analytics: invalid argument: name: unknown job "hourly"; the jobs are daily-analytics-snapshot, weekly-analytics-snapshot, monthly-analytics-snapshot
}
