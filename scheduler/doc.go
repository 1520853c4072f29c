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
// analytics.Schedule.DueAt, the one definition of "due" that the
// scheduler's runs and TriggerJob follow, and Snapshotter.GenerateAll too
// as long as the specs are the defaults (GenerateAll follows the zero
// Schedule, the default specs' schedule; with a spec of its own, a job's
// "latest due period" may differ from GenerateAll's): a Pacific/Kiritimati
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
// their runs, so a day has at most as many ticks with work as the teams
// have distinct offsets. A tick at which no team's period fell due has no run. A call
// (a tick of the loop, Job.Run, RunDue) does the run of the latest tick
// with work at or before its instant; the periods of earlier ticks it
// missed are the catch-up's (below).
//
// A run is keyed by its job and tick (RunKey): in the job-runs store its
// JobRun.Job is the job's name, "@" and the tick's UTC time of day, and its
// Period the tick's UTC date: "daily-analytics-snapshot@07:00Z" and
// 2026-02-11 for New York's 2026-02-10, which falls due at 02:00 EST;
// "daily-analytics-snapshot@06:00Z" and 2026-03-11 for its 2026-03-10,
// which falls due at 02:00 EDT. Before running, a
// replica claims the key in a JobRunStore (the job-runs table
// of store/pgstore, or store/memstore for one process): of all replicas
// that try, exactly one gets it. The holder renews its claim every
// HeartbeatEvery; a claim whose heartbeat is older than StaleAfter is
// taken over by the next replica that tries, its holder being presumed
// dead. If a holder finds at a heartbeat that its claim was taken over, it
// cancels its run. A run whose holder died is taken over by the next call
// at the same tick; once its tick has passed, the catch-up generates its
// periods and its row stays as the dead holder left it. A finished run records its status, its counts (teams
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
// zone and across daylight-saving changes, so that the runs of the ticks
// generate it once, at its tick. A team whose zone changes may have its
// period fall due, in its new zone, at a tick whose run is already done;
// the catch-up generates that period.
//
// # Never losing a period: the catch-up
//
// The catch-up reconciles against the snapshots that exist: for every
// team, each of its zone's latest Lookback periods that have fallen due
// (35 days, 8 weeks or 3 months by default; JobConfig.Lookback) is missing
// when the team's team-wide snapshot of it does not exist, and the
// catch-up generates the missing ones (every scope), with the Trailing
// periods before each. It lists the teams in batches (the Snapshotter's
// BatchSize) and reads which snapshots exist with one keys-only query per
// batch (analytics.SnapshotDatesReader, which store/pgstore answers from
// the snapshots' unique index; other stores through
// Snapshotter.TeamSnapshotDates's fallbacks). It leaves alone the periods
// of the ticks whose runs another owner is doing, and of the tick the same
// call has just run.
//
// A Scheduler runs a job's catch-up after the run of the latest tick, on
// its first call of the job and then at most once per UTC hour, at its
// first call in the hour that finds a period of some job fallen due since
// its last check (between those it does nothing and reads nothing but the
// teams' zones). The pass is claimed, so that two replicas never make it at
// once, under CatchUpKey: JobRun.Job is the job's name and "@catch-up",
// Period the UTC date, one row per job and day holding the day's latest
// pass. A pass takes over the row when it has succeeded or failed (not
// while another owner's pass is running), and a replica skips the pass
// when the row shows one finished this UTC hour. A second pass right after
// another finds nothing missing and costs its keys-only reads alone.
//
// An outage of a few days, a team's change of zone, the first start after
// an upgrade or after a change of the jobs' specs, and a host that calls
// less often than every quarter hour are thus all repaired by generating
// only what does not exist. Snapshots generated by the catch-up hold the
// data as of the catch-up (their CreatedAt and the Report's At), not as of
// the period's due time: late status updates that arrived meanwhile are
// in them.
//
// An outage longer than the lookback window leaves the periods that fell
// due before the window ungenerated: the first catch-up of a job after
// Start (or after New) reads the job's catch-up rows of the past year and,
// when the latest succeeded pass finished before the window's oldest tick,
// logs a warning naming the job and how many periods per team fell
// outside the window. Generate those with analytics.Snapshotter.Run.
//
// The daily job's runs also regenerate, for each team, the two days
// before the one they generate (JobConfig.Trailing), so that late delivery
// and read receipts reach the snapshots. Those are part of the same run
// and need no claim of their own.
//
// # Upgrading, and changing the specs
//
// Job-runs rows under keys other than those above (a job's name alone with a
// period's date, or the ticks of other specs) are never read by the
// catch-up, so they are harmless and may be deleted at leisure; the first
// start generates the runs of the latest ticks and the periods whose
// snapshots do not exist, nothing more. During a rolling deploy, replicas
// that key their runs differently claim different keys, so the latest tick's
// periods may be generated once by each.
//
// Stores that keep the compact binary encoding of the metrics beside the
// JSON (store/pgstore) write it in version 1, which every release reads,
// unless a snapshot counts messages reaching no team (Messages.Unmapped);
// only then is it version 2 (store.AppendMetricsBinary). During a
// rolling deploy, a daily snapshot with unmapped messages written by a new
// replica is thus unreadable to the old replicas' weekly and monthly
// roll-ups (they fail it with ErrCorrupt) until they are upgraded; the
// catch-up of an upgraded replica generates the periods they failed, as
// long as those are within its lookback window.
//
// In store/pgstore's job-runs table, period_start holds the JobRun.Period
// of these keys: the tick's UTC date, or the catch-up's UTC date (the
// column holds no period's start, whatever its name says).
//
// # Lateness
//
// A RunResult reports in Late how long after falling due its periods were
// generated, and a run logs a warning when that exceeds LateAfter: a host
// that schedules Job.Run on the job's Spec (instead of Job.Tick, every UTC
// quarter hour) generates most zones' periods a day or more late, through
// the catch-up.
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
// not retried within the run: the run reports it in its Report's Errors and counts it in
// Failed, describes it in the recorded Error, and is recorded as
// succeeded, since repeating it would fail the team again. A team whose
// zone cannot be loaded has no due time, so every run reports it, and
// none fails for it; the catch-up does not try it. Fix the data and
// regenerate (TriggerJob, or Snapshotter.Generate).
//
// A run in which a team failed for any other reason is recorded as
// failed, with those teams listed in its Error; every later call whose
// latest tick is the same (the next quarter hour's, with Job.Tick or
// Start) repeats it for the teams listed until it succeeds, and the
// catch-up, looked at once a UTC hour whether or not a tick has work,
// generates their missing periods after that. A team whose period keeps
// failing thus costs, for bad data, one attempt per catch-up pass (at most
// one an hour), and otherwise one attempt per call while its tick is the
// latest and one per catch-up pass after, for as long as the period stays
// in the lookback window, without regenerating the teams that succeeded. A run that failed as a whole (the
// teams could not be listed, the claim was lost, Stop cancelled it) is
// repeated for every team by a call at the same tick, and its periods are
// otherwise the catch-up's.
//
// If the teams' zones or the job-runs store cannot be read when the loop
// wakes (after the retries), the loop logs the error and waits for the
// next tick; the catch-up covers what was missed.
package scheduler
