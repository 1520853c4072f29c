-- Job runs: one row per (job, period) that a scheduler replica claims, so
-- that exactly one replica runs each. period_start holds the run's
-- analytics.JobRun.Period: for the scheduler's runs the tick's UTC date,
-- and for its catch-up passes the UTC date of the pass (see
-- scheduler.RunKey and scheduler.CatchUpKey). Counts mirror
-- analytics.Report.

CREATE TABLE IF NOT EXISTS {{.JobRuns}} (
	"job"          TEXT NOT NULL,
	"period_start" DATE NOT NULL,
	"status"       TEXT NOT NULL,
	"claimed_by"   TEXT,
	"claimed_at"   TIMESTAMPTZ,
	"heartbeat_at" TIMESTAMPTZ,
	"finished_at"  TIMESTAMPTZ,
	"teams"        INTEGER NOT NULL DEFAULT 0,
	"scopes"       INTEGER NOT NULL DEFAULT 0,
	"succeeded"    INTEGER NOT NULL DEFAULT 0,
	"failed"       INTEGER NOT NULL DEFAULT 0,
	"error"        TEXT,

	CONSTRAINT {{.JobRunsPKeyName}} PRIMARY KEY ("job", "period_start")
);
