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
// of calling Start: each job's Run at every UTC quarter hour (Job.Tick),
// on every replica; the claims make one of them do each run. Spec is when
// the job's periods fall due in each team's zone, not when to call Run.
func ExampleScheduler_Jobs() {
	store := memstore.New(nil)
	snap, _ := analytics.NewSnapshotter(store, nil)
	s, err := scheduler.New(snap, store, nil)
	if err != nil {
		panic(err)
	}
	c := cron.New(cron.WithLocation(time.UTC))
	for _, j := range s.Jobs() {
		if _, err := c.AddFunc(j.Tick, func() {
			res, err := j.Run(context.Background(), analytics.SystemClock().Now())
			if err != nil || res.Err() != nil {
				fmt.Println(j.Name, err, res.Err())
			}
		}); err != nil {
			panic(err)
		}
		fmt.Printf("%-27s due %-10s local, run at %s UTC\n", j.Name, j.Spec, j.Tick)
	}
	// c.Start() would run them; c.Stop() on shutdown.
	// Output:
	// daily-analytics-snapshot    due 0 2 * * *  local, run at */15 * * * * UTC
	// weekly-analytics-snapshot   due 0 3 * * 1  local, run at */15 * * * * UTC
	// monthly-analytics-snapshot  due 0 4 1 * *  local, run at */15 * * * * UTC
}

// RunDue is the one call a host's scheduler (a Kubernetes CronJob, say)
// makes at every UTC quarter hour: it runs whatever has fallen due. Here
// Berlin's 2026-03-10 fell due at 02:00 local, 01:00 UTC.
func ExampleScheduler_RunDue() {
	clock := analytics.NewFakeClock(time.Date(2026, 3, 11, 1, 0, 0, 0, time.UTC))
	store := memstore.New(&memstore.Config{Clock: clock})
	if err := store.AddTeams(analytics.Team{ID: "acme", TimeZone: "Europe/Berlin"}); err != nil {
		panic(err)
	}
	snap, _ := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	s, err := scheduler.New(snap, store, &scheduler.Config{Clock: clock, Owner: "cronjob-1",
		Daily: scheduler.JobConfig{Lookback: -1, Trailing: -1}, Weekly: scheduler.JobConfig{Lookback: -1},
		Monthly: scheduler.JobConfig{Lookback: -1}})
	if err != nil {
		panic(err)
	}
	results, err := s.RunDue(context.Background(), clock.Now())
	if err != nil {
		panic(err)
	}
	for _, res := range results {
		fmt.Printf("%-7s tick %s: %s %s, %d snapshots written\n",
			res.Type, res.Tick.Format(time.RFC3339), res.Run.Job, res.Run.Status, res.Succeeded)
	}
	// Output:
	// Daily   tick 2026-03-11T01:00:00Z: daily-analytics-snapshot@01:00Z succeeded, 1 snapshots written
	// Weekly  tick 2026-03-09T02:00:00Z: weekly-analytics-snapshot@02:00Z succeeded, 1 snapshots written
	// Monthly tick 2026-03-01T03:00:00Z: monthly-analytics-snapshot@03:00Z succeeded, 1 snapshots written
}

// TriggerJob runs a job by name now: a manual re-run of every team's
// latest due period, recorded as the run of the latest tick with work.
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
	// daily-analytics-snapshot@01:00Z 2026-03-11 succeeded by admin-1: 1 teams, 6 snapshots written, 0 failed
	// analytics: invalid argument: name: unknown job "hourly"; the jobs are daily-analytics-snapshot, weekly-analytics-snapshot, monthly-analytics-snapshot
}
