// Package scheduler runs the snapshot jobs on a schedule, safely across
// many replicas of the host, and without ever losing a period.
//
// # Jobs and due times
//
// There are three jobs, each generating one snapshot type for every team
// with an analytics.Snapshotter. A team's period falls due at the job's
// wall-clock time in the team's own zone:
//
//	daily-analytics-snapshot    0 2 * * *   the day before, at 02:00 local
//	weekly-analytics-snapshot   0 3 * * 1   the ISO week before, Monday 03:00 local
//	monthly-analytics-snapshot  0 4 1 * *   the month before, the 1st 04:00 local
//
// The cron expressions (parsed by github.com/robfig/cron/v3, on quarter
// hours) are configurable (JobConfig.Spec) and are read in each team's
// zone, whatever zone the process runs in. The rule is
// analytics.DueAt, the one definition of "due" that the scheduler's runs,
// TriggerJob and Snapshotter.GenerateAll all follow: a Pacific/Kiritimati
// (UTC+14) day falls due at 12:00 UTC, a New York month at 09:00 UTC on
// the 1st (08:00 in summer), a Pacific/Pago_Pago (UTC−11) day at 13:00 UTC.
// Where daylight saving skips the due time (02:00 on the day New York or
// Berlin springs forward), the period falls due when the clocks jump, at
// 03:00 local; where the due time occurs twice (02:00 on the day Berlin
// falls back), it falls due at the first.
//
// # Ticks
//
// The scheduler looks for periods that have fallen due at every UTC
// quarter hour (TickEvery, :00, :15, :30, :45). Every UTC offset in use
// (+05:30, +05:45, +12:45 included) and every daylight-saving change is on
// a quarter hour, so each period falls due on a tick and is generated at
// that tick: within TickEvery of its local due time, and in practice at
// it. A host runs the ticks in one of two ways:
//
//   - Start launches a loop that sleeps until the next quarter hour (on
//     Config.Clock, so tests drive it with an analytics.FakeClock), runs
//     what is due, and repeats; Stop ends it gracefully, waiting for a
//     running job.
//   - A host's own scheduler (robfig/cron, gocron, River, a Kubernetes
//     CronJob) calls RunDue, or each of Jobs' Run, at every UTC quarter
//     hour (TickSpec, "*/15 * * * *" read in UTC), on every replica; the
//     claims below make one of them do each run. A host that calls less
//     often generates periods late, by up to its interval, but loses none.
//
// TriggerJob runs a job by name at once (a manual, forced re-run).
//
// # Runs, keys and claims
//
// A run is one job at one tick: it generates, for each team whose period
// fell due at that tick (at or after the previous quarter hour), that
// period, every scope of it. Teams whose zones share a UTC offset share
// their runs; the nine zones of the tests have about thirteen ticks with
// work a day. A tick at which no team's period fell due has no run.
//
// A run is keyed by its job and tick (RunKey): in the job-runs store its
// JobRun.Job is the job's name, "@" and the tick's UTC time of day, and its
// Period the tick's UTC date ("daily-analytics-snapshot@07:00Z",
// 2026-03-11 for New York's 2026-03-10 in winter). Before running, a
// replica claims the key in an analytics.JobRunStore (the job-runs table
// of store/pgstore, or store/memstore for one process): of all replicas
// that try, exactly one gets it. The holder renews its claim every
// HeartbeatEvery; a claim whose heartbeat is older than StaleAfter is
// taken over by the next replica that tries, its holder being presumed
// dead. If a holder finds at a heartbeat that its claim was taken over, it
// cancels its run. A finished run records its status, its counts (teams
// covered, scopes, succeeded, failed), when it ended and its error in the
// store, and returns them to the caller as a RunResult. No session-level
// advisory lock is used: a claim is a row, and it survives dropped
// connections.
//
// Staleness is measured on the clock of the replica that tries to take a
// claim over, against the heartbeat its holder wrote with its own clock.
// The replicas' clocks must therefore agree within StaleAfter −
// HeartbeatEvery (90 seconds by default; NTP keeps them within
// milliseconds). A replica whose clock runs further ahead takes live runs
// over, and their periods are generated twice; the replica that lost its
// claim this way reports its run failed with an error saying the claim was
// lost (wrapping analytics.ErrNotFound), and records nothing.
//
// Each team period thus belongs to exactly one run, whatever the team's
// zone and across daylight-saving changes, so no period is skipped or
// generated twice by the schedule.
//
// # Never losing a period
//
// A full check looks back over the job's lookback window (each zone's last
// 35 days, 8 weeks or 3 months that have fallen due by default;
// JobConfig.Lookback) and runs, oldest first, every tick with work whose
// run is missing or failed. A Scheduler makes a full check on its first
// run of a job and whenever a period of any job has fallen due since its
// last check (at least once a day while the daily job has teams); between
// those it does nothing and reads nothing but the teams' zones. An outage
// of a few days is therefore caught up on at the next start, with every
// team's periods as they would have been generated on time. A Scheduler
// remembers the runs it has seen succeed within the window and reads only
// the others from the store, one read per UTC time of day.
//
// The daily job also regenerates, for each team, the two days before the
// one it generates (JobConfig.Trailing), so that late delivery and read
// receipts reach the snapshots. Those are part of the same run and need
// no claim of their own.
//
// # Failures
//
// Transient failures are retried within a run, with exponential backoff on
// the clock (Config.Retry): the listing of teams, a team whose snapshots
// could not be aggregated or written for a reason other than bad data, and
// the job-runs store's calls. One team's failure never stops the others.
//
// A team that fails for bad data, an error wrapping
// analytics.ErrInvalidArgument, ErrNotFound or ErrCorrupt (a stored time
// zone that does not exist, a stored snapshot that cannot be decoded), is
// not retried: the run reports it in its Report's Errors and counts it in
// Failed, describes it in the recorded Error, and is recorded as
// succeeded, since repeating it would fail the team again. A team whose
// zone cannot be loaded has no due time, so every run reports it, and
// none fails for it. Fix the data and regenerate (TriggerJob, or
// Snapshotter.Generate).
//
// A run in which a team failed for any other reason is recorded as
// failed, with those teams listed in its Error, so that the next full
// check repeats it; the repeat generates only the teams listed. A team
// that keeps failing thus costs one attempt per full check for as long as
// its tick stays in the lookback window, without regenerating the teams
// that succeeded. A run that failed as a whole (the teams could not be
// listed, the claim was lost, Stop cancelled it) is repeated for every
// team.
//
// If the teams' zones or the job-runs store cannot be read when the loop
// wakes (after the retries), the loop logs the error and waits for the
// next tick, whose full check covers what was missed.
package scheduler
