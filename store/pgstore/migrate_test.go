package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// tableInfo describes the snapshots table as Postgres has it.
type tableInfo struct {
	Columns []string // "name type nullability default"
	Indexes []string // index definitions
	Cons    []string // constraint definitions
}

func describeTable(t *testing.T, db bun.IDB, table string) tableInfo {
	t.Helper()
	ctx := context.Background()
	var ti tableInfo
	q := func(dst *[]string, query string) {
		rows, err := db.QueryContext(ctx, query, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			*dst = append(*dst, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(&ti.Columns, `SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
		|| COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
		FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)
	q(&ti.Indexes, `SELECT regexp_replace(pg_get_indexdef(indexrelid), ' ON \S+\.', ' ON ') FROM pg_index
		WHERE indrelid = to_regclass(?) ORDER BY 1`)
	q(&ti.Cons, `SELECT conname || ' ' || regexp_replace(pg_get_constraintdef(oid), 'REFERENCES \S+\.', 'REFERENCES ') FROM pg_constraint
		WHERE conrelid = to_regclass(?) ORDER BY 1`)
	return ti
}

// wantSnapshotsTable is the table of DESIGN.md §3 with its new key and
// the two nullable columns roll-ups read (migration 3).
var wantSnapshotsTable = tableInfo{
	Columns: []string{
		"id text NOT NULL",
		"team_id text NOT NULL",
		"whatsapp_account_id text",
		"date date NOT NULL",
		`snapshot_type "SnapshotType" NOT NULL`,
		"metrics jsonb NOT NULL",
		"created_at timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP",
		"active_sketch bytea",
		"metrics_compact bytea",
	},
	Indexes: []string{
		"CREATE INDEX analytics_snapshots_team_id_snapshot_type_date_idx ON analytics_snapshots USING btree (team_id, snapshot_type, date)",
		"CREATE INDEX analytics_snapshots_whatsapp_account_id_snapshot_type_date_idx ON analytics_snapshots USING btree (whatsapp_account_id, snapshot_type, date)",
		"CREATE UNIQUE INDEX analytics_snapshots_pkey ON analytics_snapshots USING btree (id)",
		"CREATE UNIQUE INDEX analytics_snapshots_team_account_date_type_key ON analytics_snapshots USING btree (team_id, whatsapp_account_id, date, snapshot_type) NULLS NOT DISTINCT",
	},
	Cons: []string{
		"analytics_snapshots_pkey PRIMARY KEY (id)",
		"analytics_snapshots_team_account_date_type_key UNIQUE NULLS NOT DISTINCT (team_id, whatsapp_account_id, date, snapshot_type)",
		"analytics_snapshots_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE",
	},
}

func TestMigrateCreatesTables(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{})
	if d := cmp.Diff(wantSnapshotsTable, describeTable(t, e.db, "analytics_snapshots")); d != "" {
		t.Errorf("analytics_snapshots (-want +got):\n%s", d)
	}
	jobs := describeTable(t, e.db, "analytics_job_runs")
	wantJobs := []string{"job text NOT NULL", "period_start date NOT NULL", "status text NOT NULL", "claimed_by text",
		"claimed_at timestamp with time zone", "heartbeat_at timestamp with time zone", "finished_at timestamp with time zone",
		"teams integer NOT NULL DEFAULT 0", "scopes integer NOT NULL DEFAULT 0", "succeeded integer NOT NULL DEFAULT 0",
		"failed integer NOT NULL DEFAULT 0", "error text"}
	if d := cmp.Diff(wantJobs, jobs.Columns); d != "" {
		t.Errorf("analytics_job_runs columns (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"analytics_job_runs_pkey PRIMARY KEY (job, period_start)"}, jobs.Cons); d != "" {
		t.Errorf("analytics_job_runs constraints (-want +got):\n%s", d)
	}
	var enum string
	if err := e.db.NewRaw(`SELECT array_to_string(enum_range(NULL::"SnapshotType")::text[], ',')`).Scan(context.Background(), &enum); err != nil {
		t.Fatal(err)
	}
	if enum != "Daily,Weekly,Monthly" {
		t.Errorf(`"SnapshotType" = %s`, enum)
	}
	var versions string
	if err := e.db.NewRaw(`SELECT string_agg(version || ' ' || name, ', ' ORDER BY version) FROM analytics_schema_migrations`).Scan(context.Background(), &versions); err != nil {
		t.Fatal(err)
	}
	if versions != "1 analytics_snapshots, 2 job_runs, 3 snapshot_rollup_columns" {
		t.Errorf("analytics_schema_migrations lists %q", versions)
	}

	// Migrate again: nothing to do, nothing changes.
	before := describeTable(t, e.db, "analytics_snapshots")
	n := e.hook.counting(func() {
		if err := e.store.Migrate(context.Background()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
	})
	if d := cmp.Diff(before, describeTable(t, e.db, "analytics_snapshots")); d != "" {
		t.Errorf("second Migrate changed the table (-before +after):\n%s", d)
	}
	// BEGIN, lock, CREATE TABLE IF NOT EXISTS, SELECT versions, COMMIT.
	if n > 5 {
		t.Errorf("second Migrate ran %d statements; it should find nothing to do", n)
	}
}

// TestMigrateConcurrently runs Migrate from several sessions at once on a
// fresh schema: the advisory lock makes them take turns, so every call
// succeeds and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			st, err := pgstore.New(context.Background(), e.db, nil)
			if err != nil {
				errs[i] = err
				return
			}
			<-gate
			errs[i] = st.Migrate(context.Background())
		})
	}
	close(gate)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	var count int
	if err := e.db.NewRaw(`SELECT count(*) FROM analytics_schema_migrations`).Scan(context.Background(), &count); err != nil {
		t.Fatal(err)
	}
	if count != 3 {
		t.Errorf("%d migrations recorded, want 3", count)
	}
	if d := cmp.Diff(wantSnapshotsTable, describeTable(t, e.db, "analytics_snapshots")); d != "" {
		t.Errorf("analytics_snapshots (-want +got):\n%s", d)
	}
}

// TestMigrationSQL applies the plain SQL, as a host's migration tool would,
// twice, and checks it gives the same tables as Migrate and contains no
// '?', which Bun would read as a placeholder.
func TestMigrationSQL(t *testing.T) {
	t.Parallel()
	script, err := pgstore.MigrationSQL(nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(script, "?") {
		t.Errorf("the migration SQL contains '?'")
	}
	ms, err := pgstore.Migrations(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].Version != 1 || ms[1].Version != 2 || ms[2].Version != 3 {
		t.Errorf("Migrations = %+v", ms)
	}
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	for i := range 2 {
		if _, err := e.db.ExecContext(context.Background(), script); err != nil {
			t.Fatalf("applying MigrationSQL (time %d): %v", i+1, err)
		}
	}
	if d := cmp.Diff(wantSnapshotsTable, describeTable(t, e.db, "analytics_snapshots")); d != "" {
		t.Errorf("analytics_snapshots (-want +got):\n%s", d)
	}

	if _, err := pgstore.MigrationSQL(&pgstore.Config{SnapshotTable: `x"; DROP TABLE teams; --`}); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("MigrationSQL with a bad table name: %v, want ErrInvalidArgument", err)
	}
}

// TestMigrateCustomNames puts the store's tables in a schema of their own
// under other names, and uses them.
func TestMigrateCustomNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{noMig: true})
	ctx := context.Background()
	schema := testenv.UniqueName("a_")
	t.Cleanup(func() {
		if _, err := e.db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+testenv.QuoteIdent(schema)+` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	cfg := &pgstore.Config{Schema: schema, SnapshotTable: "Snaps", JobRunsTable: "runs", MigrationsTable: "versions"}
	st, err := pgstore.New(ctx, e.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var tables string
	if err := e.db.NewRaw(`SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = ?`, schema).
		Scan(ctx, &tables); err != nil {
		t.Fatal(err)
	}
	if tables != "Snaps,runs,versions" {
		t.Errorf("tables in %s: %s", schema, tables)
	}
	day := analytics.NewDate(2024, 5, 1)
	p, err := analytics.PeriodForDate(analytics.Daily, day, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	m := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}}
	m.Derive()
	sn := analytics.Snapshot{ID: "s1", Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: day, Metrics: m,
		CreatedAt: time.Date(2024, 5, 2, 2, 0, 0, 0, time.UTC)}
	if err := st.UpsertSnapshots(ctx, []analytics.Snapshot{sn}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: sn.Scope, Type: sn.Type, From: day, To: day})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]analytics.Snapshot{sn}, got); d != "" {
		t.Errorf("Snapshots (-want +got):\n%s", d)
	}
}

// oldDDL is the original system's table as its Prisma migration made it
// (the seed's DDL), with its NULLs-distinct unique key made either as
// Prisma makes it (a unique index) or as a constraint. Postgres cuts both
// names to 63 bytes.
func oldDDL(constraint bool) string {
	key := `CREATE UNIQUE INDEX "analytics_snapshots_team_id_whatsapp_account_id_date_snapshot_type_key"
	ON "analytics_snapshots"("team_id", "whatsapp_account_id", "date", "snapshot_type");`
	if constraint {
		key = `ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_team_id_whatsapp_account_id_date_snapshot_type_key"
	UNIQUE ("team_id", "whatsapp_account_id", "date", "snapshot_type");`
	}
	return `
CREATE TYPE "SnapshotType" AS ENUM ('Daily', 'Weekly', 'Monthly');
CREATE TABLE "analytics_snapshots" (
    "id" TEXT PRIMARY KEY,
    "team_id" TEXT NOT NULL,
    "whatsapp_account_id" TEXT,
    "date" DATE NOT NULL,
    "snapshot_type" "SnapshotType" NOT NULL,
    "metrics" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "analytics_snapshots_team_id_fkey"
        FOREIGN KEY ("team_id") REFERENCES "teams"("id")
        ON DELETE CASCADE
);
` + key + `
CREATE INDEX "analytics_snapshots_team_id_snapshot_type_date_idx" ON "analytics_snapshots"("team_id", "snapshot_type", "date");
`
}

// TestMigrateAdoptsOldTable builds the original system's table with its
// NULLs-distinct key and duplicate team-wide rows, migrates it, and checks
// that only the older duplicates are gone and the key now holds.
func TestMigrateAdoptsOldTable(t *testing.T) {
	t.Parallel()
	for _, constraint := range []bool{false, true} {
		t.Run(fmt.Sprintf("constraint=%v", constraint), func(t *testing.T) {
			t.Parallel()
			teams := []analytics.Team{{ID: "T", AccountIDs: []string{"A"}}, {ID: "U"}}
			e := newEnv(t, teams, nil, envOptions{noMig: true})
			ctx := context.Background()
			if _, err := e.db.ExecContext(ctx, oldDDL(constraint)); err != nil {
				t.Fatal(err)
			}
			// id, team, account, date, type, created_at; the Node system's
			// metrics documents are kept as they are.
			rows := []struct {
				id, team, account, date, typ, created string
				keep                                  bool
			}{
				// Three team-wide rows of one key: the latest created_at wins.
				{"d1-old", "T", "", "2024-05-01", "Daily", "2024-05-02 02:00:00", false},
				{"d1-new", "T", "", "2024-05-01", "Daily", "2024-05-03 02:00:00.5", true},
				{"d1-mid", "T", "", "2024-05-01", "Daily", "2024-05-02 02:00:00.999", false},
				// Equal created_at: the greatest id in byte order wins ("b" > "Z").
				{"Z-tie", "T", "", "2024-05-02", "Daily", "2024-05-03 02:00:00", false},
				{"b-tie", "T", "", "2024-05-02", "Daily", "2024-05-03 02:00:00", true},
				// A NULL created_at loses to any time.
				{"w-null", "T", "", "2024-04-29", "Weekly", "", false},
				{"w-set", "T", "", "2024-04-29", "Weekly", "2024-05-06 03:00:00", true},
				// Same date, other type, team or account: not duplicates.
				{"m1", "T", "", "2024-05-01", "Monthly", "2024-06-01 04:00:00", true},
				{"u1", "U", "", "2024-05-01", "Daily", "2024-05-02 02:00:00", true},
				{"a1", "T", "A", "2024-05-01", "Daily", "2024-05-02 02:00:00", true},
				{"a2", "T", "A", "2024-05-02", "Daily", "", true},
			}
			for _, r := range rows {
				var acc, created any
				if r.account != "" {
					acc = r.account
				}
				if r.created != "" {
					created = r.created
				}
				_, err := e.db.ExecContext(ctx, `INSERT INTO analytics_snapshots (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at)
					VALUES (?, ?, ?, ?::date, ?::"SnapshotType", ?::jsonb, ?::timestamp)`,
					r.id, r.team, acc, r.date, r.typ, fmt.Sprintf(`{"messages": {"total": 1}, "source": %q}`, r.id), created)
				if err != nil {
					t.Fatalf("inserting old row %s: %v", r.id, err)
				}
			}
			before := snapshotRows(t, e.db)

			if err := e.store.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			var want []string
			for _, r := range rows {
				if r.keep {
					want = append(want, before[r.id])
				}
			}
			got := snapshotRows(t, e.db)
			var gotList []string
			for _, v := range got {
				gotList = append(gotList, v)
			}
			if d := cmp.Diff(sorted(want), sorted(gotList)); d != "" {
				t.Errorf("rows after adoption (-want +got):\n%s", d)
			}
			info := describeTable(t, e.db, "analytics_snapshots")
			if d := cmp.Diff(wantSnapshotsTable, info); d != "" {
				t.Errorf("adopted table (-want +got):\n%s", d)
			}
			var filled int
			if err := e.db.NewRaw(`SELECT count(*) FROM analytics_snapshots WHERE active_sketch IS NOT NULL OR metrics_compact IS NOT NULL`).
				Scan(ctx, &filled); err != nil || filled != 0 {
				t.Errorf("%d adopted rows have roll-up columns (%v); want none: they have no sketch", filled, err)
			}

			// The key now holds for team-wide rows, and the upsert hits it.
			_, err := e.db.ExecContext(ctx, `INSERT INTO analytics_snapshots (id, team_id, date, snapshot_type, metrics)
				VALUES ('dup', 'T', '2024-05-01', 'Daily', '{}')`)
			if err == nil {
				t.Errorf("a second team-wide row of one key was accepted after the migration")
			}
			p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2024, 5, 1), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			m := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}}
			m.Messages.Total = 7
			m.Messages.Outbound = 7
			m.Derive()
			sn := analytics.Snapshot{Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: p.Date, Metrics: m,
				CreatedAt: time.Date(2024, 5, 4, 2, 0, 0, 0, time.UTC)}
			if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{sn}); err != nil {
				t.Fatal(err)
			}
			read, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: sn.Scope, Type: sn.Type, From: sn.Date, To: sn.Date})
			if err != nil {
				t.Fatal(err)
			}
			sn.ID = "d1-new"
			if d := cmp.Diff([]analytics.Snapshot{sn}, read); d != "" {
				t.Errorf("upsert onto the adopted row (-want +got):\n%s", d)
			}

			// Migrating again changes nothing.
			after := snapshotRows(t, e.db)
			if err := e.store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(after, snapshotRows(t, e.db)); d != "" {
				t.Errorf("second Migrate changed rows (-want +got):\n%s", d)
			}
		})
	}
}

// snapshotRows returns every row of analytics_snapshots as text, by id: its
// columns of the original system's table.
func snapshotRows(t *testing.T, db bun.IDB) map[string]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT id,
		ROW(s.id, s.team_id, s.whatsapp_account_id, s.date, s.snapshot_type, s.metrics, s.created_at)::text FROM analytics_snapshots s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, row string
		if err := rows.Scan(&id, &row); err != nil {
			t.Fatal(err)
		}
		out[id] = row
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
