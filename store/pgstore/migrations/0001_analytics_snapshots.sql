-- The "SnapshotType" enum and the snapshots table, as the original system
-- defined them, with the unique key fixed: UNIQUE NULLS NOT DISTINCT, so that
-- team-wide rows (whatsapp_account_id NULL) are unique too.
--
-- On a database where the original system already made the table, this
-- adopts it: it keeps every row except older duplicates of a team-wide key
-- (which the old NULLs-distinct constraint let in), keeping the newest of
-- each set (latest created_at, then greatest id), and swaps the old unique
-- constraint or unique index for the new one.

{{if .Schema}}CREATE SCHEMA IF NOT EXISTS {{.Schema}};

{{end}}DO $pgstore$
BEGIN
	IF to_regtype({{.SnapshotTypeLit}}) IS NULL THEN
		CREATE TYPE {{.SnapshotType}} AS ENUM ('Daily', 'Weekly', 'Monthly');
	END IF;
END
$pgstore$;

CREATE TABLE IF NOT EXISTS {{.Snapshots}} (
	"id"                  TEXT NOT NULL,
	"team_id"             TEXT NOT NULL,
	"whatsapp_account_id" TEXT,
	"date"                DATE NOT NULL,
	"snapshot_type"       {{.SnapshotType}} NOT NULL,
	"metrics"             JSONB NOT NULL,
	"created_at"          TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,

	CONSTRAINT {{.PKeyName}} PRIMARY KEY ("id")
);

-- The foreign key to the teams table, unless the table has one to it
-- already, or the teams are not a table (a view), or their ID is not text:
-- team_id is TEXT, which cannot reference a uuid or integer key.
DO $pgstore$
BEGIN
	IF (SELECT c.relkind IN ('r', 'p') FROM pg_catalog.pg_class c WHERE c.oid = {{.TeamsLit}}::regclass)
		AND (SELECT format_type(a.atttypid, NULL) IN ('text', 'character varying', 'character')
			FROM pg_catalog.pg_attribute a
			WHERE a.attrelid = {{.TeamsLit}}::regclass AND a.attname = {{.TeamsIDLit}})
		AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
			WHERE c.conrelid = {{.SnapshotsLit}}::regclass AND c.contype = 'f'
				AND c.confrelid = {{.TeamsLit}}::regclass)
	THEN
		ALTER TABLE {{.Snapshots}} ADD CONSTRAINT {{.FKeyName}} FOREIGN KEY ("team_id")
			REFERENCES {{.Teams}} ({{.TeamsID}}) ON DELETE CASCADE;
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
		WHERE i.indrelid = {{.SnapshotsLit}}::regclass
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
	DELETE FROM {{.Snapshots}} s
	USING (
		SELECT "id", row_number() OVER (
			PARTITION BY "team_id", "whatsapp_account_id", "date", "snapshot_type"
			ORDER BY "created_at" DESC NULLS LAST, "id" COLLATE "C" DESC) AS rn
		FROM {{.Snapshots}}
	) d
	WHERE s."id" = d."id" AND d.rn > 1;

	-- Drop the old NULLs-distinct unique constraint or index on the key
	-- (the original system's "..._team_id_whatsapp_account_id_date_snapshot_type_key").
	FOR r IN
		SELECT i.indexrelid::regclass::text AS idx, c.conname::text AS conname
		FROM pg_catalog.pg_index i
		LEFT JOIN pg_catalog.pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
		WHERE i.indrelid = {{.SnapshotsLit}}::regclass
			AND i.indisunique AND NOT i.indisprimary AND NOT i.indnullsnotdistinct
			AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = 4
			AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
				FROM pg_catalog.pg_attribute a
				WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
				= ARRAY['date', 'snapshot_type', 'team_id', 'whatsapp_account_id']
	LOOP
		IF r.conname IS NOT NULL THEN
			EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', {{.SnapshotsLit}}, r.conname);
		ELSE
			EXECUTE format('DROP INDEX %s', r.idx);
		END IF;
	END LOOP;

	ALTER TABLE {{.Snapshots}} ADD CONSTRAINT {{.UniqueName}}
		UNIQUE NULLS NOT DISTINCT ("team_id", "whatsapp_account_id", "date", "snapshot_type");
END
$pgstore$;

CREATE INDEX IF NOT EXISTS {{.TeamIndex}}
	ON {{.Snapshots}} ("team_id", "snapshot_type", "date");
CREATE INDEX IF NOT EXISTS {{.AccountIndex}}
	ON {{.Snapshots}} ("whatsapp_account_id", "snapshot_type", "date");
