package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// The history datasets: historyTeams teams in UTC, each with the daily
// dataset's kind of activity in its last six days (synth, 330 messages a
// day) and, before them, historyYears of contacts and conversations
// generated in SQL at a fixed rate per team and day: historyContactsPerDay
// new contacts and historyConversationsPerDay conversations (the synth
// rate of 330 messages a day in conversations of 8), each with a contact
// created before it, on one of the team's three accounts. The history has
// no messages: the aggregation of a day reads messages only near that day.
// Rows are inserted in order of creation, so that a team's rows are spread
// over the tables' pages among other teams' rows, as a live table's are.
const (
	historyTeams               = 10
	historyContactsPerDay      = 15
	historyConversationsPerDay = 40
)

// historyConns is the pool of the history suite's store.
const historyConns = 8

// historyYears are the lengths of history measured, in years of 365 days.
var historyYears = []int{1, 2, 4}

// historyDay is the day aggregated: the fifth day of the daily datasets.
var historyDay = dailyStart.AddDays(4)

func historyConfig(o *Options) synth.Config {
	return synth.Config{
		Teams: historyTeams, MessagesPerDay: historyTeams * o.MessagesPerTeamDay, TeamSizeSkew: -1,
		Days: dailyDays, Start: dailyStart, TimeZones: []string{"UTC"},
		PreexistingContactRatio: -1, // the history provides the older contacts
	}
}

// historyMarker records which history a schema holds.
func historyMarker(days int) string {
	return fmt.Sprintf("days=%d contacts/day=%d conversations/day=%d", days, historyContactsPerDay, historyConversationsPerDay)
}

// loadHistory makes sure schema holds the history dataset of days days of
// history, loading it unless o.Reuse and the schema already holds exactly
// it.
func loadHistory(ctx context.Context, o *Options, schema string, days int) (Dataset, error) {
	cfg := historyConfig(o)
	ds, err := Load(ctx, o.DatabaseURL, schema, cfg, o.Reuse, o.Log)
	if err != nil {
		return ds, err
	}
	pc, err := pgx.ParseConfig(o.DatabaseURL)
	if err != nil {
		return ds, err
	}
	pc.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return ds, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if !ds.Loaded {
		var have string
		if err := conn.QueryRow(ctx, `SELECT marker FROM bench_history`).Scan(&have); err == nil && have == historyMarker(days) {
			return ds, nil
		}
		conn.Close(ctx)
		// The synth part is there but not (this) history: start afresh.
		if ds, err = Load(ctx, o.DatabaseURL, schema, cfg, false, o.Log); err != nil {
			return ds, err
		}
		if conn, err = pgx.ConnectConfig(ctx, pc); err != nil {
			return ds, err
		}
	}
	start := time.Now()
	if err := insertHistory(ctx, conn, days); err != nil {
		return ds, err
	}
	fmt.Fprintf(o.Log, "bench: added %d days of contacts and conversations to %s in %.1f s\n", days, schema, time.Since(start).Seconds())
	ds.LoadTime += time.Since(start)
	return ds, nil
}

// insertHistory adds days days of contacts and conversations before
// dailyStart to every team of conn's schema, analyses the tables and
// records the marker.
func insertHistory(ctx context.Context, conn *pgx.Conn, days int) error {
	from := time.Date(dailyStart.Year, dailyStart.Month, dailyStart.Day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -days)
	// Contact i of a team is created at i × (1 day / contacts per day) after
	// from; conversation j at j × (1 day / conversations per day), with a
	// contact of index at most j × contacts/conversations (created by then)
	// picked by a multiplicative hash. About 1 in 33 contacts is blocked.
	stmts := []string{
		fmt.Sprintf(`INSERT INTO contacts (id, team_id, created_at, is_blocked, engagement_score)
SELECT t.id || '-hct-' || i, t.id, $1::timestamp + (i * %d) * interval '1 millisecond',
	(i * 2654435761) %% 33 = 0, ((i * 7919 + length(t.id)) %% 10001) / 100.0
FROM teams t, generate_series(0::bigint, %d) i
ORDER BY 3, 2`, 86400000/historyContactsPerDay, days*historyContactsPerDay-1),
		fmt.Sprintf(`INSERT INTO conversations (id, team_id, account_id, contact_id, status, created_at)
SELECT t.id || '-hcv-' || j, t.id, t.id || '-acc-' || (1 + j %% 3),
	t.id || '-hct-' || ((j * 2654435761) %% (j * %d / %d + 1)),
	'closed', $1::timestamp + (j * %d) * interval '1 millisecond'
FROM teams t, generate_series(0::bigint, %d) j
ORDER BY 6, 2`, historyContactsPerDay, historyConversationsPerDay, 86400000/historyConversationsPerDay, days*historyConversationsPerDay-1),
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s, from); err != nil {
			return fmt.Errorf("bench: history: %w", err)
		}
	}
	for _, s := range []string{
		`VACUUM ANALYZE contacts, conversations`,
		`CREATE TABLE IF NOT EXISTS bench_history (marker text NOT NULL)`,
		`DELETE FROM bench_history`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("bench: history: %s: %w", s, err)
		}
	}
	_, err := conn.Exec(ctx, `INSERT INTO bench_history VALUES ($1)`, historyMarker(days))
	return err
}

// historyResult is the measurement of one history length.
type historyResult struct {
	years           int
	contacts, convs int64 // rows of the tables
	team, all       aggTiming
	covered         aggTiming // all scopes, with the covering indexes
	realTime        aggTiming // one team's uncached real-time read at 23:00
	scopes          int
	teamScopes      int
}

// aggTiming is the timing of repeated runs of an aggregation.
type aggTiming struct {
	wall, stmt Sample        // the runs, and the contacts statement's connection time in each
	pgCPU      time.Duration // the Postgres backends' CPU time per run (mean); 0 if unknown
}

// contactsStatement lists how the contacts statement starts, in its
// set-wide and its per-team form (store/pgstore's queries.go and
// contactsteam.go).
var contactsStatement = []string{"WITH k AS ( SELECT k.team_id, k.id,", "SELECT t.team::text, x.account_id, x.g,"}

// History measures the aggregation of one day (team scopes alone, and
// team and account scopes as the daily job asks) on datasets with 1, 2
// and 4 years of contacts and conversations before the day, with the time
// the contacts statement takes of it, then again with covering indexes on
// contacts and conversations (dropped afterwards).
func History(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	var rs []historyResult
	for _, y := range historyYears {
		schema := o.SchemaPrefix + fmt.Sprintf("history_%dy", y)
		if _, err := loadHistory(ctx, &o, schema, 365*y); err != nil {
			return err
		}
		r, err := measureHistory(ctx, &o, schema)
		if err != nil {
			return err
		}
		r.years = y
		rs = append(rs, r)
	}
	reportHistory(rep, rs)
	return nil
}

// measureHistory times the aggregation of historyDay on schema: o.Reps
// runs (at least 5) after a warm-up, for the team scopes alone and for
// the team and account scopes, then the latter again with covering
// indexes on contacts and conversations, which it drops afterwards.
func measureHistory(ctx context.Context, o *Options, schema string) (historyResult, error) {
	var r historyResult
	db, err := Open(ctx, o.DatabaseURL, schema, historyConns)
	if err != nil {
		return r, err
	}
	defer db.Close()
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		return r, err
	}
	if err := st.Migrate(ctx); err != nil {
		return r, err
	}
	for _, c := range []struct {
		table string
		n     *int64
	}{{"contacts", &r.contacts}, {"conversations", &r.convs}} {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table).Scan(c.n); err != nil {
			return r, err
		}
	}
	teams, err := allTeams(ctx, st)
	if err != nil {
		return r, err
	}
	period, err := analytics.PeriodForDate(analytics.Daily, historyDay, time.UTC)
	if err != nil {
		return r, err
	}
	var teamItems, allItems []analytics.ScopePeriod
	for _, t := range teams {
		teamItems = append(teamItems, analytics.ScopePeriod{Scope: analytics.TeamScope(t.ID), Period: period})
		allItems = append(allItems, analytics.ScopePeriod{Scope: analytics.TeamScope(t.ID), Period: period})
		for _, a := range t.AccountIDs {
			allItems = append(allItems, analytics.ScopePeriod{Scope: analytics.AccountScope(t.ID, a), Period: period})
		}
	}
	r.scopes, r.teamScopes = len(allItems), len(teamItems)
	reps := max(o.Reps, 5)
	run := func(items []analytics.ScopePeriod) (aggTiming, error) {
		return timeAggregate(ctx, db, reps, func() error {
			_, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: items, Sketches: true})
			return err
		})
	}
	fmt.Fprintf(o.Log, "bench: aggregating a day on %s\n", schema)
	if r.team, err = run(teamItems); err != nil {
		return r, err
	}
	if r.all, err = run(allItems); err != nil {
		return r, err
	}
	svc, err := analytics.New(st, &analytics.Config{Clock: analytics.NewFakeClock(period.Start.Add(23 * time.Hour))})
	if err != nil {
		return r, err
	}
	if r.realTime, err = timeAggregate(ctx, db, 4*reps, func() error {
		_, err := svc.RealTime(ctx, analytics.TeamScope(teams[0].ID))
		return err
	}); err != nil {
		return r, err
	}
	err = withCoveringIndexes(ctx, db, func() error {
		r.covered, err = run(allItems)
		return err
	})
	return r, err
}

// timeAggregate runs f once unmeasured, then reps times, and returns its
// durations, the contacts statement's connection time in each run and the
// mean CPU time of db's backends per run (from /proc; 0 when Postgres
// runs elsewhere).
func timeAggregate(ctx context.Context, db *DB, reps int, f func() error) (aggTiming, error) {
	var t aggTiming
	if err := f(); err != nil {
		return t, err
	}
	pids, err := poolPIDs(ctx, db.DB.DB, historyConns)
	if err != nil {
		return t, err
	}
	cpu0, cpuErr := sumCPU(pids)
	for range reps {
		db.times.start()
		start := time.Now()
		err := f()
		d := time.Since(start)
		c := db.times.stopKind(contactsStatement...)
		if err != nil {
			return t, err
		}
		t.wall.Runs = append(t.wall.Runs, d)
		t.stmt.Runs = append(t.stmt.Runs, c)
	}
	if cpu1, err := sumCPU(pids); err == nil && cpuErr == nil {
		t.pgCPU = (cpu1 - cpu0) / time.Duration(reps)
	}
	return t, ctx.Err()
}

// coveringIndexes are indexes from which the contacts statement can read
// every column it needs (an index-only scan) instead of visiting each row.
var coveringIndexes = []string{
	`CREATE INDEX bench_contacts_covering_idx ON contacts (team_id, created_at) INCLUDE (id, is_blocked, engagement_score)`,
	`CREATE INDEX bench_conversations_covering_idx ON conversations (team_id, created_at) INCLUDE (account_id, contact_id)`,
}

// withCoveringIndexes creates coveringIndexes, vacuums the tables (an
// index-only scan needs the visibility map), runs f and drops them.
func withCoveringIndexes(ctx context.Context, db *DB, f func() error) error {
	drop := func() error {
		_, err := db.ExecContext(context.WithoutCancel(ctx), `DROP INDEX IF EXISTS bench_contacts_covering_idx, bench_conversations_covering_idx`)
		return err
	}
	if err := drop(); err != nil {
		return err
	}
	for _, s := range append(coveringIndexes, `VACUUM ANALYZE contacts, conversations`) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("bench: %s: %w", s, err)
		}
	}
	err := f()
	if derr := drop(); err == nil {
		err = derr
	}
	return err
}

// reportHistory adds the lines of the history suite to rep.
func reportHistory(rep *Report, rs []historyResult) {
	if len(rs) == 0 {
		return
	}
	base := rs[0]
	for _, r := range rs {
		suite := fmt.Sprintf("history, %d teams, %d years", historyTeams, r.years)
		line := func(what string, t, b aggTiming, extra string) {
			v := join(Secs(t.wall.Median()), "contacts statement "+Secs(t.stmt.Median()))
			ratio := fmt.Sprintf("vs %d year: time ×%.2f, contacts statement ×%.2f", base.years,
				Ratio(t.wall.Median(), b.wall.Median()), Ratio(t.stmt.Median(), b.stmt.Median()))
			if t.pgCPU > 0 && b.pgCPU > 0 {
				v = join(v, "Postgres CPU "+Secs(t.pgCPU))
				ratio += fmt.Sprintf(", Postgres CPU ×%.2f", Ratio(t.pgCPU, b.pgCPU))
			}
			rep.Add(Line{Suite: suite, What: what, Value: v, Ratio: join(ratio, extra)})
		}
		line(fmt.Sprintf("aggregation of one day, %d team scopes (%d contacts, %d conversations in the tables)", r.teamScopes, r.contacts, r.convs),
			r.team, base.team, "")
		line(fmt.Sprintf("aggregation of one day, %d team and account scopes (as the daily job)", r.scopes), r.all, base.all, "")
		line("uncached real-time read of one team (Service.RealTime at 23:00)", r.realTime, base.realTime, "")
		line("… the day's team and account scopes again, with covering indexes on contacts and conversations (index-only scans)",
			r.covered, base.covered, fmt.Sprintf("contacts statement vs without them ×%.2f", Ratio(r.covered.stmt.Median(), r.all.stmt.Median())))
	}
}
