package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// The test stands alone, like the program: it reads TEST_DATABASE_URL
// itself. Unset, the test is skipped, unless ANALYTICS_REQUIRE_SERVICES=1
// (the repository's test command), which makes it a failure.
func databaseURL(t *testing.T) string {
	t.Helper()
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	if os.Getenv("ANALYTICS_REQUIRE_SERVICES") == "1" {
		t.Fatal("TEST_DATABASE_URL is not set, and ANALYTICS_REQUIRE_SERVICES=1 forbids skipping")
	}
	t.Skip("TEST_DATABASE_URL is not set; skipping an integration test")
	return ""
}

// testDB returns a connection, the database URL and a schema name of the
// test's own, dropped at cleanup whatever the program left.
func testDB(t *testing.T) (*pgx.Conn, string, string) {
	t.Helper()
	url := databaseURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL is set but Postgres cannot be reached: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "example_prisma_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	return conn, url, schema
}

// testNow is a Tuesday: yesterday is a Monday in every zone of the
// example, the last complete week is 26 October to 1 November and the last
// complete month October, which -days 45 covers in every zone.
var testNow = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC)

func runExample(t *testing.T, dbURL, schema, migrate string) string {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), &out, []string{
		"-database-url", dbURL, "-schema", schema, "-migrate", migrate,
		"-now", testNow.Format(time.RFC3339), "-days", "45", "-snapshot-days", "14", "-dashboard-days", "7",
	})
	if err != nil {
		t.Fatalf("run -migrate %s: %v\n%s", migrate, err, out.String())
	}
	return out.String()
}

// counts are the message counts the example prints, computed here from
// the Prisma tables alone.
type counts struct{ total, sent, delivered, read, failed, inbound int64 }

// countMessages counts a team's messages created in [lo, hi), UTC wall
// times as Prisma stores them, by the mapping's meaning of the enum labels.
const countMessages = `SELECT count(*),
	count(*) FILTER (WHERE "status" IN ('SENT', 'DELIVERED', 'READ')),
	count(*) FILTER (WHERE "status" IN ('DELIVERED', 'READ')),
	count(*) FILTER (WHERE "status" = 'READ'),
	count(*) FILTER (WHERE "status" = 'FAILED'),
	count(*) FILTER (WHERE "senderType" = 'CONTACT')
FROM %s WHERE "teamId" = $1 AND "createdAt" >= $2 AND "createdAt" < $3`

// TestRun runs the program with each -migrate and checks its printed
// counts against SQL over the example's own tables, its snapshot rows
// against the table, and that both ways of creating the SDK's tables give
// the same tables and the same output.
func TestRun(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	_, _, schema2 := testDB(t)
	ctx := context.Background()

	outSDK := runExample(t, dbURL, schema, "sdk")
	outPrisma := runExample(t, dbURL, schema2, "prisma")

	// The two runs differ in their schema name and step 3 only.
	strip := func(s, schema string) string {
		var keep []string
		for _, l := range strings.Split(strings.ReplaceAll(s, schema, "SCHEMA"), "\n") {
			if !strings.HasPrefix(l, "3. Store") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if diff := cmp.Diff(strip(outSDK, schema), strip(outPrisma, schema2)); diff != "" {
		t.Errorf("-migrate sdk and -migrate prisma print different results (-sdk +prisma):\n%s", diff)
	}
	if diff := cmp.Diff(catalog(t, conn, schema), catalog(t, conn, schema2)); diff != "" {
		t.Errorf("the SDK's tables made by Store.Migrate and by the Prisma migration differ (-sdk +prisma):\n%s", diff)
	}

	s := outSDK
	checkCampaignFunnel(t, s)
	for _, want := range []string{
		"Daily, last 14 days      4 teams, 168 snapshots written, 0 failed",
		"Weekly, last complete    4 teams, 12 snapshots written, 0 failed",
		"Monthly, last complete   4 teams, 12 snapshots written, 0 failed",
		"snapshots   Daily 168, Weekly 12, Monthly 12 rows in " + schema + ".analytics_snapshots",
		"Unmapped messages        daily 0, weekly 0, monthly 0 (Report.UnmappedMessages",
		"Store.CheckSource        Message.status, Message.senderType, Conversation.status match the data; Campaign.status has ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// CheckSource finds the campaigns' DRAFT and SCHEDULED, which the
	// mapping leaves in no list, with their rows.
	for _, status := range []string{"DRAFT", "SCHEDULED"} {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "Campaign"}.Sanitize()+` WHERE "status" = $1`, status).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("'%s' (%d rows)", status, n); n == 0 || !strings.Contains(s, want) {
			t.Errorf("output lacks %q (CheckSource's finding for the %d %s campaigns):\n%s", want, n, status, s)
		}
	}
	var rows map[string]int64
	rows, err := countSnapshots(ctx, conn, schema, "analytics_snapshots")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"Daily": 168, "Weekly": 12, "Monthly": 12}, rows); diff != "" {
		t.Errorf("snapshot rows per type (-want +got):\n%s", diff)
	}

	// Every team's printed counts equal SQL counts over the "Message"
	// table, with the day's bounds computed by Postgres in the team's zone.
	msgs := pgx.Identifier{schema, "Message"}.Sanitize()
	q := fmt.Sprintf(countMessages, msgs)
	tms, err := conn.Query(ctx, `SELECT "id", "name", "timezone" FROM `+pgx.Identifier{schema, "Team"}.Sanitize()+` ORDER BY "name"`)
	if err != nil {
		t.Fatal(err)
	}
	type team struct {
		id, name string
		tz       *string
	}
	teams, err := pgx.CollectRows(tms, func(r pgx.CollectableRow) (team, error) {
		var tm team
		err := r.Scan(&tm.id, &tm.name, &tm.tz)
		return tm, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) != len(teamSpecs) {
		t.Fatalf("%d teams in the table, want %d", len(teams), len(teamSpecs))
	}
	var sum counts
	for _, tm := range teams {
		zone := "UTC"
		if tm.tz != nil {
			zone = *tm.tz
		}
		// The local day before now, today's local midnight and the
		// dashboard's first local midnight, as UTC wall times.
		var yesterday time.Time
		var yLo, yHi, todayLo, dashLo time.Time
		err := conn.QueryRow(ctx, `WITH d AS (SELECT ($1::timestamptz AT TIME ZONE $2)::date AS today)
			SELECT today - 1,
				((today - 1)::timestamp AT TIME ZONE $2) AT TIME ZONE 'UTC',
				(today::timestamp AT TIME ZONE $2) AT TIME ZONE 'UTC',
				(today::timestamp AT TIME ZONE $2) AT TIME ZONE 'UTC',
				((today - 6)::timestamp AT TIME ZONE $2) AT TIME ZONE 'UTC'
			FROM d`, testNow, zone).Scan(&yesterday, &yLo, &yHi, &todayLo, &dashLo)
		if err != nil {
			t.Fatal(err)
		}
		count := func(lo, hi time.Time) counts {
			var c counts
			if err := conn.QueryRow(ctx, q, tm.id, lo, hi).Scan(&c.total, &c.sent, &c.delivered, &c.read, &c.failed, &c.inbound); err != nil {
				t.Fatal(err)
			}
			return c
		}
		nowWall := testNow.UTC()
		y, rt, dash := count(yLo, yHi), count(todayLo, nowWall), count(dashLo, nowWall)
		zn := zoneName(ptrValue(tm.tz))
		for _, want := range []string{
			fmt.Sprintf(dailyFormat, tm.name, zn, yesterday.Format(time.DateOnly), y.total, y.sent, y.delivered, y.read, y.failed, y.inbound),
			fmt.Sprintf(realTimeFormat, tm.name, zn, todayLo.Format("2006-01-02T15:04:05Z"), rt.total, rt.sent, rt.delivered, rt.read, rt.failed, rt.inbound),
			fmt.Sprintf("   %-15s last %d days: %5d messages (", tm.name, 7, dash.total),
		} {
			if !strings.Contains(s, want) {
				t.Errorf("team %s (%s): output lacks %q:\n%s", tm.name, zone, want, s)
			}
		}
		if y.total == 0 || rt.total == 0 || dash.total == 0 {
			t.Errorf("team %s (%s): no messages yesterday (%d), today (%d) or in the dashboard's days (%d): the data does not cover now",
				tm.name, zone, y.total, rt.total, dash.total)
		}
		sum.total += y.total
		sum.sent += y.sent
		sum.delivered += y.delivered
		sum.read += y.read
		sum.failed += y.failed
		sum.inbound += y.inbound
	}
	if sum.sent == 0 || sum.delivered == 0 || sum.read == 0 || sum.failed == 0 || sum.inbound == 0 {
		t.Errorf("yesterday's counts over all teams have a zero, so they prove nothing about the mapping: %+v", sum)
	}
	want := fmt.Sprintf("yesterday   %d messages: %d sent, %d delivered, %d read, %d failed, %d inbound (all teams)",
		sum.total, sum.sent, sum.delivered, sum.read, sum.failed, sum.inbound)
	if !strings.Contains(s, want) {
		t.Errorf("output lacks %q:\n%s", want, s)
	}
}

func ptrValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// catalog describes the SDK's objects in schema, with the schema's name
// replaced: columns, constraints, indexes and triggers of its tables, and
// the labels of its enum.
func catalog(t *testing.T, conn *pgx.Conn, schema string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
			|| coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = $1::text::regnamespace AND c.relname IN ('analytics_snapshots', 'analytics_job_runs')
			AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint
		WHERE conrelid IN (($1::text || '.analytics_snapshots')::regclass, ($1::text || '.analytics_job_runs')::regclass)
		UNION ALL
		SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes
		WHERE schemaname = $1::text AND tablename IN ('analytics_snapshots', 'analytics_job_runs')
		UNION ALL
		SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger
		WHERE tgrelid = ($1::text || '.analytics_snapshots')::regclass AND NOT tgisinternal
		UNION ALL
		SELECT 'enum SnapshotType ' || string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
		WHERE enumtypid = to_regtype($1::text || '."SnapshotType"')
		ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], schema, "SCHEMA")
	}
	if len(got) < 20 {
		t.Fatalf("catalog of %s has only %d entries: %q", schema, len(got), got)
	}
	return got
}

// TestPrintMigration checks that the committed Prisma migration of the
// SDK's tables is what -print-migration prints, so it follows the SDK's
// migrations.
func TestPrintMigration(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-print-migration"}); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(analyticsMigration)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(file) {
		t.Errorf("%s differs from -print-migration's output; regenerate it with\n\tgo run ./examples/prisma -print-migration > examples/prisma/%s",
			analyticsMigration, analyticsMigration)
	}
	for _, want := range []string{`CREATE TABLE IF NOT EXISTS "analytics_snapshots"`, `REFERENCES "Team" ("id")`, `UNIQUE NULLS NOT DISTINCT`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-print-migration output lacks %q", want)
		}
	}
}

// prismaModel is a model of schema.prisma as the database sees it: its
// table and its scalar columns, each with "?" when optional.
type prismaModel struct {
	table   string
	columns []string
}

var (
	modelRE = regexp.MustCompile(`^model (\w+) \{$`)
	fieldRE = regexp.MustCompile(`^\s+(\w+)\s+(\w+)(\??)(\[\])?(.*)$`)
	mapRE   = regexp.MustCompile(`@map\("(\w+)"\)`)
	tableRE = regexp.MustCompile(`^\s+@@map\("(\w+)"\)`)
)

// parseModels reads the models of a Prisma schema: enough of the language
// for prisma/schema.prisma (one field per line, relation fields typed with
// a model name).
func parseModels(t *testing.T, path string) map[string]prismaModel {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type raw struct {
		name, typ, opt, rest string
		list                 bool
	}
	fields := map[string][]raw{}
	tables := map[string]string{}
	var model string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := modelRE.FindStringSubmatch(line); m != nil {
			model, tables[m[1]] = m[1], m[1]
			continue
		}
		if model == "" {
			continue
		}
		if line == "}" {
			model = ""
			continue
		}
		if m := tableRE.FindStringSubmatch(line); m != nil {
			tables[model] = m[1]
			continue
		}
		if m := fieldRE.FindStringSubmatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(line), "//") {
			fields[model] = append(fields[model], raw{m[1], m[2], m[3], m[5], m[4] != ""})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string]prismaModel{}
	for model, fs := range fields {
		pm := prismaModel{table: tables[model]}
		for _, f := range fs {
			if _, isModel := tables[f.typ]; isModel || f.list {
				continue // a relation field: no column
			}
			col := f.name
			if m := mapRE.FindStringSubmatch(f.rest); m != nil {
				col = m[1]
			}
			pm.columns = append(pm.columns, col+f.opt)
		}
		slices.Sort(pm.columns)
		out[pm.table] = pm
	}
	return out
}

// TestSchemaPrismaMatchesTables checks prisma/schema.prisma against the
// tables its migrations create: every model is a table, every scalar field
// a column, optional exactly when the column is nullable, and no table or
// column is left out. (Prisma itself is not run: types, defaults and
// indexes are not compared.)
func TestSchemaPrismaMatchesTables(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	runExample(t, dbURL, schema, "prisma")
	rows, err := conn.Query(context.Background(), `
		SELECT table_name, column_name || CASE WHEN is_nullable = 'YES' THEN '?' ELSE '' END
		FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2`, schema)
	if err != nil {
		t.Fatal(err)
	}
	db := map[string]prismaModel{}
	var table, col string
	if _, err := pgx.ForEachRow(rows, []any{&table, &col}, func() error {
		m := db[table]
		m.table = table
		m.columns = append(m.columns, col)
		db[table] = m
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range db {
		slices.Sort(m.columns)
	}
	if len(db) != 8 {
		t.Fatalf("%d tables in the schema, want 8 (six models, the snapshots and job runs): %v", len(db), db)
	}
	if diff := cmp.Diff(db, parseModels(t, "prisma/schema.prisma"), cmp.AllowUnexported(prismaModel{})); diff != "" {
		t.Errorf("prisma/schema.prisma does not describe the tables (-database +schema.prisma):\n%s", diff)
	}
}

// TestRunRefusesForeignSchema checks that the program never drops a schema
// it did not make, nor a system schema.
func TestRunRefusesForeignSchema(t *testing.T) {
	t.Parallel()
	conn, dbURL, schema := testDB(t)
	ctx := context.Background()
	q := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+q+"; CREATE TABLE "+q+".precious (id int)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ schema, want string }{
		{schema, "was not made by this example"},
		{"public", "pick one of its own"},
		{"pg_catalog", "pick one of its own"},
	} {
		var out bytes.Buffer
		err := run(ctx, &out, []string{"-database-url", dbURL, "-schema", tc.schema})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-schema %s: err = %v, want one saying %q", tc.schema, err, tc.want)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+q+".precious").Scan(&n); err != nil {
		t.Errorf("the foreign schema's table is gone: %v", err)
	}
}

// TestReadmeCopies checks that the README's Prisma blocks are copies of
// prisma/schema.prisma and its mapping block a copy of mapping.go.
func TestReadmeCopies(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for lang, path := range map[string]string{"prisma": "prisma/schema.prisma", "go": "mapping.go"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[lang] = string(b)
	}
	fence := regexp.MustCompile("^( *)```(\\w+)$")
	checked := map[string]int{}
	lines := strings.Split(string(readme), "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, lang := m[1], m[2]
		var block []string
		for i++; i < len(lines) && lines[i] != indent+"```"; i++ {
			block = append(block, strings.TrimPrefix(lines[i], indent))
		}
		body := strings.Join(block, "\n") + "\n"
		switch {
		case lang == "prisma", lang == "go" && strings.HasPrefix(body, "func prismaSource"):
			if !strings.Contains(files[lang], body) {
				t.Errorf("README's %s block starting %q is not a copy of the file", lang, block[0])
			}
			checked[lang]++
		}
	}
	if diff := cmp.Diff(map[string]int{"prisma": 2, "go": 1}, checked); diff != "" {
		t.Errorf("README blocks checked (-want +got):\n%s", diff)
	}
}
