-- pgstore migration 0001_analytics_snapshots
-- The "SnapshotType" enum and the snapshots table, as the original system
-- defined them, with the unique key fixed: UNIQUE NULLS NOT DISTINCT, so that
-- team-wide rows (whatsapp_account_id NULL) are unique too.
--
-- On a database where the original system already made the table, this
-- adopts it: it keeps every row except older duplicates of a team-wide key
-- (which the old NULLs-distinct constraint let in), keeping the newest of
-- each set (latest created_at, then greatest id), and swaps the old unique
-- constraint or unique index for the new one.

DO $pgstore$
BEGIN
	IF to_regtype('"SnapshotType"') IS NULL THEN
		CREATE TYPE "SnapshotType" AS ENUM ('Daily', 'Weekly', 'Monthly');
	END IF;
END
$pgstore$;

CREATE TABLE IF NOT EXISTS "analytics_snapshots" (
	"id"                  TEXT NOT NULL,
	"team_id"             TEXT NOT NULL,
	"whatsapp_account_id" TEXT,
	"date"                DATE NOT NULL,
	"snapshot_type"       "SnapshotType" NOT NULL,
	"metrics"             JSONB NOT NULL,
	"created_at"          TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,

	CONSTRAINT "analytics_snapshots_pkey" PRIMARY KEY ("id")
);

-- The foreign key to the teams table, unless the table has one to it
-- already, or the teams are not a table (a view), or their ID is not text:
-- team_id is TEXT, which cannot reference a uuid or integer key.
DO $pgstore$
BEGIN
	IF (SELECT c.relkind IN ('r', 'p') FROM pg_catalog.pg_class c WHERE c.oid = '"Team"'::regclass)
		AND (SELECT format_type(a.atttypid, NULL) IN ('text', 'character varying', 'character')
			FROM pg_catalog.pg_attribute a
			WHERE a.attrelid = '"Team"'::regclass AND a.attname = 'id')
		AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
			WHERE c.conrelid = '"analytics_snapshots"'::regclass AND c.contype = 'f'
				AND c.confrelid = '"Team"'::regclass)
	THEN
		ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_team_id_fkey" FOREIGN KEY ("team_id")
			REFERENCES "Team" ("id") ON DELETE CASCADE;
	END IF;
END
$pgstore$;

DO $pgstore$
DECLARE
	r record;
BEGIN
	-- Already migrated: a NULLS NOT DISTINCT unique index on the key.
	IF EXISTS (
		SELECT 1 FROM pg_catalog.pg_index i
		WHERE i.indrelid = '"analytics_snapshots"'::regclass
			AND i.indisunique AND i.indnullsnotdistinct
			AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = 4
			AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
				FROM pg_catalog.pg_attribute a
				WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
				= ARRAY['date', 'snapshot_type', 'team_id', 'whatsapp_account_id']
	) THEN
		RETURN;
	END IF;

	-- Keep the newest row of each set of duplicates.
	DELETE FROM "analytics_snapshots" s
	USING (
		SELECT "id", row_number() OVER (
			PARTITION BY "team_id", "whatsapp_account_id", "date", "snapshot_type"
			ORDER BY "created_at" DESC NULLS LAST, "id" COLLATE "C" DESC) AS rn
		FROM "analytics_snapshots"
	) d
	WHERE s."id" = d."id" AND d.rn > 1;

	-- Drop the old NULLs-distinct unique constraint or index on the key
	-- (the original system's "..._team_id_whatsapp_account_id_date_snapshot_type_key").
	FOR r IN
		SELECT i.indexrelid::regclass::text AS idx, c.conname::text AS conname
		FROM pg_catalog.pg_index i
		LEFT JOIN pg_catalog.pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
		WHERE i.indrelid = '"analytics_snapshots"'::regclass
			AND i.indisunique AND NOT i.indisprimary AND NOT i.indnullsnotdistinct
			AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = 4
			AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
				FROM pg_catalog.pg_attribute a
				WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
				= ARRAY['date', 'snapshot_type', 'team_id', 'whatsapp_account_id']
	LOOP
		IF r.conname IS NOT NULL THEN
			EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', '"analytics_snapshots"', r.conname);
		ELSE
			EXECUTE format('DROP INDEX %s', r.idx);
		END IF;
	END LOOP;

	ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_team_account_date_type_key"
		UNIQUE NULLS NOT DISTINCT ("team_id", "whatsapp_account_id", "date", "snapshot_type");
END
$pgstore$;

CREATE INDEX IF NOT EXISTS "analytics_snapshots_team_id_snapshot_type_date_idx"
	ON "analytics_snapshots" ("team_id", "snapshot_type", "date");
CREATE INDEX IF NOT EXISTS "analytics_snapshots_whatsapp_account_id_snapshot_type_date_idx"
	ON "analytics_snapshots" ("whatsapp_account_id", "snapshot_type", "date");

-- pgstore migration 0002_job_runs
-- Job runs: one row per (job, period) that a scheduler replica claims, so
-- that exactly one replica runs each. period_start holds the run's
-- analytics.JobRun.Period: for the scheduler's runs the tick's UTC date,
-- and for its catch-up passes the UTC date of the pass (see
-- scheduler.RunKey and scheduler.CatchUpKey). Counts mirror
-- analytics.Report.

CREATE TABLE IF NOT EXISTS "analytics_job_runs" (
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

	CONSTRAINT "analytics_job_runs_pkey" PRIMARY KEY ("job", "period_start")
);

-- pgstore migration 0003_snapshot_rollup_columns
-- What weekly and monthly roll-ups read of each snapshot, kept beside the
-- metrics document, which stays the canonical, original-compatible format:
--
--   active_sketch    the sketch of the snapshot's active contacts
--                    (analytics.DistinctSketch, binary encoding), from
--                    which a roll-up counts distinct active contacts
--                    without reading the period's messages again;
--   metrics_compact  the metrics' counts in analytics' compact binary
--                    encoding (AppendMetricsBinary), which decodes in a
--                    fraction of the JSON's time.
--
-- Both are NULL for rows written without them (by earlier versions, or the
-- original system): roll-ups then read the JSON and count those periods'
-- active contacts from the messages. Both are nullable, so adding them
-- rewrites nothing.
--
-- A writer that replaces the metrics but not these columns (an earlier
-- version during a rolling deploy, or the original system) would leave
-- them stale; the trigger clears them instead. Every write of this version
-- changes metrics_compact (it holds generatedAt), so the trigger never
-- clears what this version writes.

ALTER TABLE "analytics_snapshots" ADD COLUMN IF NOT EXISTS "active_sketch" BYTEA;
ALTER TABLE "analytics_snapshots" ADD COLUMN IF NOT EXISTS "metrics_compact" BYTEA;

CREATE OR REPLACE FUNCTION "analytics_snapshots_rollup_guard"() RETURNS trigger LANGUAGE plpgsql AS $pgstore$
BEGIN
	IF NEW."metrics" IS DISTINCT FROM OLD."metrics"
		AND NEW."metrics_compact" IS NOT DISTINCT FROM OLD."metrics_compact" THEN
		NEW."metrics_compact" := NULL;
		NEW."active_sketch" := NULL;
	END IF;
	RETURN NEW;
END
$pgstore$;

CREATE OR REPLACE TRIGGER "analytics_snapshots_rollup_guard" BEFORE UPDATE ON "analytics_snapshots"
	FOR EACH ROW EXECUTE FUNCTION "analytics_snapshots_rollup_guard"();

