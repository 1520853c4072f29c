// Command prisma runs the analytics SDK on a database shaped as Prisma makes
// it: PascalCase tables, quoted camelCase columns, enum types with UPPER-CASE
// labels, TIMESTAMP(3) columns holding UTC, text UUID ids.
//
//	go run ./examples/prisma
//
// In a schema of its own it creates the tables of prisma/schema.prisma by
// applying prisma/migrations/20261201090000_init/migration.sql (what
// `prisma migrate dev` generates for those models), loads a few weeks of
// generated activity for four teams in four time zones, maps the tables for
// pgstore, creates the SDK's tables, generates daily, weekly and monthly
// snapshots and reads real-time and dashboard metrics and one campaign's
// funnel through analytics.Service.
//
// -migrate prisma applies prisma/migrations/20261201090100_analytics instead
// of calling Store.Migrate: the SDK's tables made by Prisma's migration
// history. -print-migration prints that migration's SQL
// (pgstore.MigrationSQL for the mapping) and exits. -propose creates the
// tables only, prints the mapping pgstore.ProposeSource proposes for them
// (a pgstore.Source literal) with its notes, and exits.
//
// It connects to DATABASE_URL (default: a local Postgres database "test");
// -h lists the flags.
package main

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // zones without the system's tzdata

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

const (
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	// schemaMarker is the comment the program puts on the schemas it makes;
	// it drops and re-creates only a schema that carries it.
	schemaMarker = "msgstats/analytics examples/prisma"

	initMigration      = "prisma/migrations/20261201090000_init/migration.sql"
	analyticsMigration = "prisma/migrations/20261201090100_analytics/migration.sql"
)

//go:embed prisma/migrations/*/migration.sql
var migrations embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "prisma:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	databaseURL, schema string
	migrate             string // "sdk" or "prisma"
	days, snapshotDays  int
	dashboardDays       int
	seed                uint64
	now                 time.Time // zero: the system clock
	drop                bool
	printMigration      bool
	propose             bool
}

func parseFlags(out io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("prisma", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.databaseURL, "database-url", envOr("DATABASE_URL", defaultDatabaseURL), "Postgres URL (default $DATABASE_URL, else a local database \"test\")")
	fs.StringVar(&o.schema, "schema", "prisma_example", "Postgres schema of the example's tables; dropped and re-created at start")
	fs.StringVar(&o.migrate, "migrate", "sdk", `who creates the SDK's tables: "sdk" (Store.Migrate) or "prisma" (the analytics migration of prisma/migrations)`)
	fs.IntVar(&o.days, "days", 63, "days of activity, ending now")
	fs.IntVar(&o.snapshotDays, "snapshot-days", 14, "daily snapshots to generate per team, ending yesterday")
	fs.IntVar(&o.dashboardDays, "dashboard-days", 7, "length of the dashboard read, in days")
	fs.Uint64Var(&o.seed, "seed", 1, "dataset seed")
	now := fs.String("now", "", "pretend the time is this RFC 3339 instant (default the system clock)")
	fs.BoolVar(&o.drop, "drop", false, "drop the schema at the end")
	fs.BoolVar(&o.printMigration, "print-migration", false, "print the SDK's migration SQL for the Prisma mapping (for prisma/migrations/<timestamp>_analytics/migration.sql) and exit")
	fs.BoolVar(&o.propose, "propose", false, "create the tables, print the mapping pgstore.ProposeSource proposes for them (a pgstore.Source literal) and its notes, and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return o, fmt.Errorf("-now: %w", err)
		}
		o.now = t
	}
	switch {
	case o.migrate != "sdk" && o.migrate != "prisma":
		return o, fmt.Errorf(`-migrate must be "sdk" or "prisma", got %q`, o.migrate)
	case o.days < 1 || o.days > 3660:
		return o, errors.New("-days must be in 1..3660")
	case o.snapshotDays < 1 || o.snapshotDays > 3660:
		return o, errors.New("-snapshot-days must be in 1..3660")
	case o.dashboardDays < 1 || o.dashboardDays > analytics.MaxDashboardDays:
		return o, fmt.Errorf("-dashboard-days must be in 1..%d", analytics.MaxDashboardDays)
	}
	return o, checkSchemaName(o.schema)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// checkSchemaName refuses the schemas a database needs for itself.
func checkSchemaName(s string) error {
	switch {
	case s == "":
		return errors.New("-schema must not be empty")
	case s == "public" || s == "information_schema" || strings.HasPrefix(s, "pg_"):
		return fmt.Errorf("-schema %q: the example drops its schema; pick one of its own", s)
	}
	return nil
}

// migrationSQL is the SDK's migration for a Prisma project: the store's
// tables in the schema Prisma migrates (unqualified names, resolved through
// the search_path), referencing the mapped "Team" table.
func migrationSQL() (string, error) {
	return pgstore.MigrationSQL(&pgstore.Config{Source: prismaSource("")})
}

// Output formats shared by the program and its test.
const (
	dailyFormat     = "   %-15s %-17s %s  %5d messages: %4d sent, %4d delivered, %4d read, %3d failed, %4d inbound\n"
	realTimeFormat  = "   %-15s %-17s since %s  %5d messages: %4d sent, %4d delivered, %4d read, %3d failed, %4d inbound\n"
	unmappedFormat  = "   Unmapped messages        %s (Report.UnmappedMessages: status or sender type in no list)\n"
	dashboardFormat = "   %-15s last %d days: %5d messages (previous %d days: %d, %+.2f%%), delivery %.2f%%, read %.2f%%, reply %.2f%%, avg response %.0f s, new contacts %d, campaigns %d\n"
)

func run(ctx context.Context, out io.Writer, args []string) (err error) {
	o, err := parseFlags(out, args)
	if err != nil {
		return err
	}
	if o.printMigration {
		return printMigration(out)
	}
	var clock analytics.Clock = analytics.SystemClock()
	if !o.now.IsZero() {
		clock = analytics.NewFakeClock(o.now)
	}
	// Prisma keeps milliseconds; so does the example's now.
	now := clock.Now().UTC().Truncate(time.Millisecond)

	if !o.propose {
		fmt.Fprintf(out, "Postgres  %s, schema %q\n", redactURL(o.databaseURL), o.schema)
		fmt.Fprintf(out, "Now       %s\n\n", now.Format(time.RFC3339))
	}

	conn, err := pgx.Connect(ctx, o.databaseURL)
	if err != nil {
		return fmt.Errorf("connecting to Postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	db, err := openBun(o.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()

	// 1. The schema, and the tables `prisma migrate deploy` would create in it.
	if err := resetSchema(ctx, conn, o.schema); err != nil {
		return err
	}
	if o.drop {
		defer func() {
			if derr := dropSchema(ctx, out, conn, o.schema); derr != nil && err == nil {
				err = derr
			}
		}()
	}
	if err := createTables(ctx, conn, o.schema); err != nil {
		return err
	}
	if o.propose {
		return propose(ctx, out, db, o.schema)
	}
	fmt.Fprintf(out, "1. Tables     %s: Team, WhatsappAccount, Contact, Conversation, Message, Campaign; enums MessageStatus, SenderType, ConversationStatus, CampaignStatus\n", initMigration)

	// 2. Data: the last days UTC days up to now.
	ds, err := loadPrismaData(ctx, out, conn, o, now)
	if err != nil {
		return err
	}

	// 3. The store on the Prisma tables, and its own tables beside them.
	store, err := openStore(ctx, out, conn, db, o, clock)
	if err != nil {
		return err
	}
	// 4. Snapshots, through the Service's Snapshotter (no cache: reads go
	// straight to Postgres).
	svc, err := analytics.New(store, &analytics.Config{Clock: clock})
	if err != nil {
		return err
	}
	if err := snapshots(ctx, out, svc.Snapshotter(), now, o.snapshotDays); err != nil {
		return err
	}
	// 5. Reads, per team, in the store's team order.
	yesterday, err := printReads(ctx, out, store, svc, ds, now, o.dashboardDays)
	if err != nil {
		return err
	}
	if err := printCampaign(ctx, out, svc, ds); err != nil {
		return err
	}
	return printSummary(ctx, out, conn, store, o.schema, yesterday)
}

// loadPrismaData generates the data of the o.days UTC days up to now (data.go)
// and loads it into the Prisma tables.
func loadPrismaData(ctx context.Context, out io.Writer, conn *pgx.Conn, o options, now time.Time) (dataset, error) {
	start := now.Truncate(24*time.Hour).AddDate(0, 0, -(o.days - 1))
	ds := generate(o.seed, start, now)
	if err := load(ctx, conn, ds); err != nil {
		return ds, fmt.Errorf("loading the data: %w", err)
	}
	fmt.Fprintf(out, "2. Data       %d teams, %d accounts, %d contacts, %d conversations, %d messages, %d campaigns, from %s\n",
		len(ds.teams), len(ds.accounts), len(ds.contacts), len(ds.conversations), len(ds.messages), len(ds.campaigns), start.Format(time.DateOnly))
	return ds, nil
}

// printMigration prints the SDK's migration for the Prisma project.
func printMigration(out io.Writer) error {
	s, err := migrationSQL()
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, s)
	return err
}

// dropSchema drops schema, for -drop.
func dropSchema(ctx context.Context, out io.Writer, conn *pgx.Conn, schema string) error {
	if _, err := conn.Exec(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("dropping schema %q: %w", schema, err)
	}
	fmt.Fprintf(out, "Dropped schema %q.\n", schema)
	return nil
}

// createTables runs the init migration as Prisma runs it, with schema first
// on the search_path.
func createTables(ctx context.Context, conn *pgx.Conn, schema string) error {
	if _, err := conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	return applyMigration(ctx, conn, initMigration)
}

// openStore opens the store on the Prisma tables and creates its own
// tables beside them: by Store.Migrate, or by the Prisma migration with
// -migrate prisma. Then it checks the source mapping.
func openStore(ctx context.Context, out io.Writer, conn *pgx.Conn, db *bun.DB, o options, clock analytics.Clock) (*pgstore.Store, error) {
	cfg := &pgstore.Config{Schema: o.schema, Source: prismaSource(o.schema), Clock: clock}
	store, err := pgstore.New(ctx, db, cfg)
	if err != nil {
		return nil, err
	}
	switch o.migrate {
	case "sdk":
		if err := store.Migrate(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "3. Store      pgstore.New accepted the mapping; Store.Migrate created %s, %s and %s\n",
			store.Config().SnapshotTable, store.Config().JobRunsTable, store.Config().MigrationsTable)
	case "prisma":
		if err := applyMigration(ctx, conn, analyticsMigration); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "3. Store      pgstore.New accepted the mapping; %s created %s and %s\n",
			analyticsMigration, store.Config().SnapshotTable, store.Config().JobRunsTable)
	}
	checks, err := store.CheckSource(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "   Store.CheckSource        %s\n", checkLine(checks))
	return store, nil
}

// printReads prints, per team, yesterday's team-wide daily snapshot, today's
// real-time metrics and the dashboard, and returns the snapshots.
func printReads(ctx context.Context, out io.Writer, store *pgstore.Store, svc *analytics.Service, ds dataset, now time.Time, dashboardDays int) ([]analytics.Snapshot, error) {
	names := map[string]string{}
	for _, t := range ds.teams {
		names[t.id] = t.name
	}
	teams, err := store.Teams(ctx, "", len(ds.teams))
	if err != nil {
		return nil, err
	}
	var yesterday []analytics.Snapshot
	fmt.Fprintf(out, "\n5. Yesterday in each team's zone, from its team-wide daily snapshot:\n")
	for _, t := range teams {
		snap, err := yesterdaySnapshot(ctx, svc, t, now)
		if err != nil {
			return nil, err
		}
		m := snap.Metrics.Messages
		fmt.Fprintf(out, dailyFormat, names[t.ID], zoneName(t.TimeZone), snap.Date, m.Total, m.Sent, m.Delivered, m.Read, m.Failed, m.Inbound)
		yesterday = append(yesterday, snap)
	}
	fmt.Fprintf(out, "\n   Today so far (real time, computed live):\n")
	for _, t := range teams {
		rt, err := svc.RealTime(ctx, analytics.TeamScope(t.ID))
		if err != nil {
			return nil, err
		}
		m := rt.Messages
		fmt.Fprintf(out, realTimeFormat, names[t.ID], zoneName(t.TimeZone), rt.Range.Start.UTC().Format(time.RFC3339),
			m.Total, m.Sent, m.Delivered, m.Read, m.Failed, m.Inbound)
	}
	fmt.Fprintf(out, "\n   Dashboard (finished days from daily snapshots, today live):\n")
	for _, t := range teams {
		d, err := svc.Dashboard(ctx, t.ID, dashboardDays)
		if err != nil {
			return nil, err
		}
		c := d.Current
		fmt.Fprintf(out, dashboardFormat, names[t.ID], dashboardDays, c.Messages.Total, dashboardDays, d.Previous.Messages.Total, d.Growth.Messages,
			c.Messages.DeliveryRate, c.Messages.ReadRate, c.Messages.ReplyRate, c.Conversations.AvgResponseTime, c.Contacts.New, c.Campaigns.Total)
	}
	return yesterday, nil
}

// yesterdaySnapshot returns team t's team-wide daily snapshot of yesterday
// in its zone.
func yesterdaySnapshot(ctx context.Context, svc *analytics.Service, t analytics.Team, now time.Time) (analytics.Snapshot, error) {
	loc, err := t.Location()
	if err != nil {
		return analytics.Snapshot{}, err
	}
	y := analytics.DateOf(now.In(loc)).AddDays(-1)
	snaps, err := svc.Snapshots(ctx, analytics.TeamScope(t.ID), analytics.Daily, y, y)
	if err != nil {
		return analytics.Snapshot{}, err
	}
	if len(snaps) != 1 {
		return analytics.Snapshot{}, fmt.Errorf("team %s: %d daily snapshots for %s, want 1", t.ID, len(snaps), y)
	}
	return snaps[0], nil
}

// printSummary prints yesterday's counts over all teams, and the snapshot
// rows.
func printSummary(ctx context.Context, out io.Writer, conn *pgx.Conn, store *pgstore.Store, schema string, yesterday []analytics.Snapshot) error {
	var sum analytics.MessageMetrics
	for _, s := range yesterday {
		m := s.Metrics.Messages
		sum.Total += m.Total
		sum.Sent += m.Sent
		sum.Delivered += m.Delivered
		sum.Read += m.Read
		sum.Failed += m.Failed
		sum.Inbound += m.Inbound
	}
	rows, err := countSnapshots(ctx, conn, schema, store.Config().SnapshotTable)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nSummary\n")
	fmt.Fprintf(out, "  yesterday   %d messages: %d sent, %d delivered, %d read, %d failed, %d inbound (all teams)\n",
		sum.Total, sum.Sent, sum.Delivered, sum.Read, sum.Failed, sum.Inbound)
	fmt.Fprintf(out, "  snapshots   Daily %d, Weekly %d, Monthly %d rows in %s.%s\n",
		rows["Daily"], rows["Weekly"], rows["Monthly"], schema, store.Config().SnapshotTable)
	return nil
}

// snapshots generates the daily snapshots of the days days before now in
// each team's zone, then each team's last complete week and month.
func snapshots(ctx context.Context, out io.Writer, snap *analytics.Snapshotter, now time.Time, days int) error {
	fmt.Fprintf(out, "4. Snapshots\n")
	rep, err := snap.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		last, err := analytics.LastCompletePeriod(analytics.Daily, now, loc)
		if err != nil {
			return nil, err
		}
		ps := []analytics.Period{last}
		for range days - 1 {
			ps = append(ps, ps[len(ps)-1].Prev())
		}
		return ps, nil
	})
	if err := report(out, fmt.Sprintf("Daily, last %d days", days), rep, err); err != nil {
		return err
	}
	unmapped := []string{fmt.Sprintf("daily %d", rep.UnmappedMessages)}
	for _, typ := range []analytics.SnapshotType{analytics.Weekly, analytics.Monthly} {
		rep, err := snap.GenerateAll(ctx, typ, now)
		if err := report(out, fmt.Sprintf("%s, last complete", typ), rep, err); err != nil {
			return err
		}
		unmapped = append(unmapped, fmt.Sprintf("%s %d", strings.ToLower(typ.String()), rep.UnmappedMessages))
	}
	fmt.Fprintf(out, unmappedFormat, strings.Join(unmapped, ", "))
	return nil
}

// report prints a run's counts and returns its error, or the first team's.
func report(out io.Writer, what string, rep analytics.Report, err error) error {
	fmt.Fprintf(out, "   %-24s %d teams, %d snapshots written, %d failed\n", what, rep.Teams, rep.Succeeded, rep.Failed)
	if err != nil {
		return err
	}
	return rep.Err()
}

// applyMigration runs one migration file on conn, in one transaction.
func applyMigration(ctx context.Context, conn *pgx.Conn, name string) error {
	src, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, string(src))
		return err
	})
	if err != nil {
		return fmt.Errorf("applying %s: %w", name, err)
	}
	return nil
}

// resetSchema drops schema (when this program made it) and creates it
// anew, marked as the program's.
func resetSchema(ctx context.Context, conn *pgx.Conn, schema string) error {
	var comment *string
	err := conn.QueryRow(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&comment)
	q := pgx.Identifier{schema}.Sanitize()
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("looking up schema %q: %w", schema, err)
	case comment == nil || *comment != schemaMarker:
		return fmt.Errorf("schema %q exists and was not made by this example; pass another -schema", schema)
	default:
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+q+" CASCADE"); err != nil {
			return fmt.Errorf("dropping schema %q: %w", schema, err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+q); err != nil {
		return fmt.Errorf("creating schema %q: %w", schema, err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON SCHEMA "+q+" IS '"+schemaMarker+"'"); err != nil {
		return fmt.Errorf("marking schema %q: %w", schema, err)
	}
	return nil
}

// countSnapshots returns the snapshot rows per type.
func countSnapshots(ctx context.Context, conn *pgx.Conn, schema, table string) (map[string]int64, error) {
	rows, err := conn.Query(ctx, "SELECT snapshot_type::text, count(*) FROM "+pgx.Identifier{schema, table}.Sanitize()+" GROUP BY 1")
	if err != nil {
		return nil, fmt.Errorf("counting snapshots: %w", err)
	}
	out := map[string]int64{}
	var typ string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&typ, &n}, func() error { out[typ] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("counting snapshots: %w", err)
	}
	return out, nil
}

// openBun opens a *bun.DB on databaseURL through pgx's database/sql
// driver, as pgstore wants it.
func openBun(databaseURL string) (*bun.DB, error) {
	pgcfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return bun.NewDB(sql.OpenDB(stdlib.GetConnector(*pgcfg)), pgdialect.New()), nil
}

// redactURL hides a password in a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func zoneName(z string) string {
	if z == "" {
		return "UTC (NULL)"
	}
	return z
}
