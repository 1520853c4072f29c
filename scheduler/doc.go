// Package scheduler runs the snapshot jobs on a schedule, safely across
// many replicas of the host, and without ever losing a period.
//
// # Jobs
//
// There are three jobs, each generating one snapshot type for every team
// with an analytics.Snapshotter:
//
//	daily-analytics-snapshot    0 2 * * *   the day before
//	weekly-analytics-snapshot   0 3 * * 1   the ISO week before (Monday to Sunday)
//	monthly-analytics-snapshot  0 4 1 * *   the month before
//
// The cron expressions (parsed by github.com/robfig/cron/v3) and the time
// zone they are read in (Config.Location, UTC by default) are configurable.
// A host runs the jobs in one of two ways:
//
//   - Start launches a loop that sleeps until the next tick (on
//     Config.Clock, so tests drive it with an analytics.FakeClock), runs
//     what is due, and repeats; Stop ends it gracefully, waiting for a
//     running job.
//   - Jobs returns each job's name, spec and a Run function, for the host's
//     own scheduler (robfig/cron, gocron, River, a Kubernetes CronJob). Call
//     Run on every replica at every tick; the claims below make one of them
//     do the work.
//
// TriggerJob runs a job by name at once (a manual, forced re-run).
//
// # Runs, keys and claims
//
// A run of a job is keyed by a period of the scheduler's calendar: the
// daily run due at 02:00 on March 11 (in Location) has the key 2026-03-10,
// the day that ended at midnight. Before running, a replica claims
// (job, key) in an analytics.JobRunStore (the job-runs table of
// store/pgstore, or store/memstore for one process): of all replicas that
// try, exactly one gets it. The holder renews its claim every
// HeartbeatEvery; a claim whose heartbeat is older than StaleAfter is taken
// over by the next replica that tries, its holder being presumed dead. If
// a holder finds at a heartbeat that its claim was taken over, it cancels
// its run. A finished run records its status, its counts (teams, scopes,
// succeeded, failed), when it ended and its error in the store, and returns
// them to the caller as a RunResult. No session-level advisory lock is
// used: a claim is a row, and it survives dropped connections.
//
// # Time zones
//
// Teams' periods are always their own: a team in Pacific/Kiritimati (UTC+14)
// and one in Pacific/Pago_Pago (UTC−11) each get their local days. A
// team's period is generated only after it has ended in the team's zone,
// by the run whose tick is the first at or after its end. Each team period
// thus belongs to exactly one run, whatever the zone and across daylight
// saving changes, so no day is skipped or generated twice by the schedule;
// a period ends at most one tick before the run that generates it. With
// the default daily spec and a UTC scheduler, a Kiritimati day is generated
// 16 hours after it ends and a Pago Pago day 15 hours after it ends (at
// the following 02:00 UTC).
//
// # Never losing a period
//
// On Start and at every run, each job looks back over its lookback window
// (35 days, 8 weeks, 3 months by default; JobConfig.Lookback) and runs,
// oldest first, every key whose run is missing or failed and whose tick has
// come, each as of its own tick. An outage of a few days is therefore
// caught up on at the next start, with every team's periods as they would
// have been generated on time.
//
// The daily job also regenerates, for each team, the two days before its
// latest complete day (JobConfig.Trailing), so that late delivery and read
// receipts reach the snapshots. Those are part of the same run and need no
// claim of their own.
//
// # Failures
//
// Transient failures are retried within a run, with exponential backoff on
// the clock (Config.Retry): the listing of teams, a team whose snapshots
// could not be aggregated or written for a reason other than bad data, and
// the job-runs store's calls. One team's failure never stops the others;
// errors wrapping analytics.ErrInvalidArgument, ErrNotFound or ErrCorrupt
// (an unknown time zone, say) are not retried within the run.
//
// A run in which any team failed is recorded as failed, with the failing
// teams listed in its Error, so that the next run's catch-up repeats it;
// the repeat generates only the teams that failed. A team that keeps
// failing thus costs one attempt per tick for as long as its key stays in
// the lookback window, without regenerating the teams that succeeded.
//
// If the job-runs store cannot be reached when the loop wakes (after the
// retries), the loop logs the error and waits for the next tick, whose
// catch-up covers what was missed.
//
// A run before its key's tick (a TriggerJob or Job.Run at an unusual time)
// leaves out teams whose period has not ended yet; they are listed in the
// report's Errors and the run is recorded as failed, so the scheduled tick
// completes it.
package scheduler
