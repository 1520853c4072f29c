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

ALTER TABLE {{.Snapshots}} ADD COLUMN IF NOT EXISTS "active_sketch" BYTEA;
ALTER TABLE {{.Snapshots}} ADD COLUMN IF NOT EXISTS "metrics_compact" BYTEA;

CREATE OR REPLACE FUNCTION {{.GuardFunction}}() RETURNS trigger LANGUAGE plpgsql AS $pgstore$
BEGIN
	IF NEW."metrics" IS DISTINCT FROM OLD."metrics"
		AND NEW."metrics_compact" IS NOT DISTINCT FROM OLD."metrics_compact" THEN
		NEW."metrics_compact" := NULL;
		NEW."active_sketch" := NULL;
	END IF;
	RETURN NEW;
END
$pgstore$;

CREATE OR REPLACE TRIGGER {{.GuardTrigger}} BEFORE UPDATE ON {{.Snapshots}}
	FOR EACH ROW EXECUTE FUNCTION {{.GuardFunction}}();
