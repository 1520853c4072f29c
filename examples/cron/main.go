// Command cron runs the scheduler in three replicas against one Postgres,
// the way a host runs it in three processes, and shows that each team's
// periods are generated when they fall due in the team's own zone, that
// every (job, tick) is run by exactly one replica, that no snapshot is
// written twice, and that periods missed while every replica was down are
// caught up on at the restart.
//
// Two replicas run the built-in loop (Scheduler.Start); the last one is
// driven the way a host's own scheduler drives it, by a call to
// Scheduler.RunDue at every UTC quarter hour (scheduler.TickSpec). Time is
// simulated: the replicas share an analytics.FakeClock that the program
// moves from quarter hour to quarter hour as soon as all of them are idle,
// so ten days take seconds. The daily job's trailing re-generation is
// turned off, so that "each period once" holds for the whole run. The
// program works in a schema of its own, which it drops at the end (unless
// -keep).
//
//	go run ./examples/cron
//	go run ./examples/cron -database postgres://user@host:5432/db -days 14
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store/pgstore"
	"github.com/msgstats/analytics/store/sample"
)

const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

// options are the command's flags.
type options struct {
	url      string
	days     int
	teams    int
	replicas int
	keep     bool
}

func parse(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("cron", flag.ContinueOnError)
	fs.SetOutput(out)
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = defaultURL
	}
	fs.StringVar(&o.url, "database", url, "Postgres URL (default: $DATABASE_URL, else "+defaultURL+")")
	fs.IntVar(&o.days, "days", 10, "simulated days to run, from 2026-03-02")
	fs.IntVar(&o.teams, "teams", 6, "teams, in several time zones")
	fs.IntVar(&o.replicas, "replicas", 3, "scheduler replicas (the last one driven by RunDue when there are two or more)")
	fs.BoolVar(&o.keep, "keep", false, "keep the example's schema instead of dropping it")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.days < 7 || o.teams < 1 || o.replicas < 1 {
		return o, errors.New("cron: -days must be at least 7 (the outage ends on day 7), -teams and -replicas at least 1")
	}
	return o, nil
}

func run(ctx context.Context, out io.Writer, args []string) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	db, schema, closeDB, err := openSchema(ctx, o.url, o.keep)
	if err != nil {
		return err
	}
	defer closeDB()
	fmt.Fprintf(out, "schema %s on %s\n", schema, redact(o.url))

	teams, store, err := setUp(ctx, out, db, schema, o)
	if err != nil {
		return err
	}
	sim := &simulation{out: out, store: store, teams: teams, clock: analytics.NewFakeClock(time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC))}
	end := sim.clock.Now().AddDate(0, 0, o.days)
	outage := sim.clock.Now().AddDate(0, 0, 3).Add(12 * time.Hour)
	restart := outage.AddDate(0, 0, 3).Add(-3 * time.Hour)

	if err := sim.startAll(ctx, o.replicas, "start"); err != nil {
		return err
	}
	if err := sim.until(ctx, outage); err != nil {
		return err
	}
	if err := sim.stopAll(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "--- every replica down from %s to %s ---\n", stamp(outage), stamp(restart))
	sim.clock.Set(restart)
	if err := sim.startAll(ctx, o.replicas, "restart"); err != nil {
		return err
	}
	if err := sim.until(ctx, end); err != nil {
		return err
	}
	if err := sim.stopAll(ctx); err != nil {
		return err
	}
	return sim.summary()
}

// setUp creates the host's tables in schema with the activity of o.days+2
// days from 2026-03-01 (data.go), and the store's own tables (snapshots,
// job runs).
func setUp(ctx context.Context, out io.Writer, db *bun.DB, schema string, o options) ([]analytics.Team, *pgstore.Store, error) {
	teams := sample.Teams(o.teams, 2)
	activity, err := sample.Activity(teams, analytics.NewDate(2026, 3, 1), o.days+2, 100*o.teams)
	if err != nil {
		return nil, nil, err
	}
	if _, err := loadSourceDB(ctx, db, schema, teams, activity); err != nil {
		return nil, nil, fmt.Errorf("loading the data: %w", err)
	}
	store, err := pgstore.New(ctx, db, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	var zones []string
	for _, t := range teams {
		zones = append(zones, t.TimeZone)
	}
	fmt.Fprintf(out, "%d teams (%s), %d messages\n\n", len(teams), strings.Join(zones, ", "), len(activity.Messages))
	return teams, store, nil
}

// simulation drives the replicas on one fake clock.
type simulation struct {
	out      io.Writer
	store    *pgstore.Store
	teams    []analytics.Team
	clock    *analytics.FakeClock
	replicas []*replica
	settled  time.Time // the instant of the last settle; zero before the first

	mu     sync.Mutex
	writes map[analytics.SnapshotKey][]string // snapshots -> the replicas that wrote them
	fresh  []write                            // the writes since the last settle
	// totals
	runs      map[string]int // job -> tick runs
	passes    int            // catch-up passes
	byReplica map[string]int // owner -> tick runs and catch-up passes
	snapshots int
}

// write is one snapshot written, and the replica that wrote it.
type write struct {
	key analytics.SnapshotKey
	by  string
}

// runAt identifies the run of one job's tick.
type runAt struct {
	typ  analytics.SnapshotType
	tick time.Time
}

// replica is one scheduler: running its own loop (idle reports its next
// wake-up), or, with idle nil, called by the simulated host cron.
type replica struct {
	name string
	s    *scheduler.Scheduler
	idle chan time.Time
	next time.Time
}

var jobTypes = map[string]analytics.SnapshotType{
	scheduler.DailyJob: analytics.Daily, scheduler.WeeklyJob: analytics.Weekly, scheduler.MonthlyJob: analytics.Monthly,
}

func (sim *simulation) startAll(ctx context.Context, n int, what string) error {
	if sim.runs == nil {
		sim.runs, sim.byReplica = map[string]int{}, map[string]int{}
	}
	if sim.writes == nil {
		sim.writes = map[analytics.SnapshotKey][]string{}
	}
	for i := range n {
		name := fmt.Sprintf("replica-%d", i+1)
		cron := n >= 2 && i == n-1
		snap, err := analytics.NewSnapshotter(sim.store, &analytics.SnapshotterConfig{
			Clock: sim.clock,
			AfterBatch: func(_ context.Context, snaps []analytics.Snapshot) {
				sim.mu.Lock()
				defer sim.mu.Unlock()
				for _, s := range snaps {
					sim.writes[s.Key()] = append(sim.writes[s.Key()], name)
					sim.fresh = append(sim.fresh, write{s.Key(), name})
				}
			},
		})
		if err != nil {
			return err
		}
		r := &replica{name: name}
		cfg := &scheduler.Config{
			Clock: sim.clock,
			Owner: name,
			// Catch up on at most a week of days, two weeks, two months.
			// The daily job's trailing re-generation (by default each run
			// also regenerates the two days before, for late receipts) is
			// off, so that every period is generated exactly once and the
			// program can check it.
			Daily:   scheduler.JobConfig{Lookback: 7, Trailing: -1},
			Weekly:  scheduler.JobConfig{Lookback: 2},
			Monthly: scheduler.JobConfig{Lookback: 2},
		}
		if !cron {
			r.idle = make(chan time.Time, 16)
			cfg.OnIdle = func(next time.Time) { r.idle <- next }
		}
		if r.s, err = scheduler.New(snap, sim.store, cfg); err != nil {
			return err
		}
		if !cron {
			if err := r.s.Start(ctx); err != nil {
				return err
			}
		}
		sim.replicas = append(sim.replicas, r)
	}
	fmt.Fprintf(sim.out, "%s: %d replicas started at %s\n", what, n, stamp(sim.clock.Now()))
	return sim.settle(ctx)
}

// settle waits until every replica is idle (the host-driven one having
// run RunDue at this instant), then reports and checks what was done.
func (sim *simulation) settle(ctx context.Context) error {
	now := sim.clock.Now()
	cronErr := make(chan error, len(sim.replicas))
	for _, r := range sim.replicas {
		if r.idle == nil {
			go func() {
				_, err := r.s.RunDue(ctx, now)
				cronErr <- err
			}()
		}
	}
	for _, r := range sim.replicas {
		if r.idle == nil {
			if err := <-cronErr; err != nil {
				return err
			}
			r.next = now.Add(scheduler.TickEvery).Truncate(scheduler.TickEvery)
			continue
		}
		select {
		case r.next = <-r.idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sim.mu.Lock()
	defer sim.mu.Unlock()
	for k, by := range sim.writes {
		if len(by) > 1 {
			return fmt.Errorf("cron: by %s, %s %s %s was written %d times, by %v", stamp(now), k.Scope, k.Type, k.Date, len(by), by)
		}
	}
	sim.snapshots = len(sim.writes)
	fresh := sim.fresh
	sim.fresh = nil
	// The runs that finished now, in job order: those of the ticks at which
	// a team's period fell due since the last settle (at the first, the
	// lookback windows), then the job's catch-up pass if one finished now.
	ran := map[runAt]string{} // the tick runs finished now -> their owner
	from := sim.settled
	if from.IsZero() {
		from = now.AddDate(0, -3, 0)
	}
	sim.settled = now
	for _, job := range []string{scheduler.DailyJob, scheduler.WeeklyJob, scheduler.MonthlyJob} {
		ticks, err := sim.ticks(jobTypes[job], from, now)
		if err != nil {
			return err
		}
		for _, tk := range ticks {
			name, day := scheduler.RunKey(job, tk.at)
			runs, err := sim.store.JobRuns(ctx, name, day, day)
			if err != nil {
				return err
			}
			for _, r := range runs {
				if !r.FinishedAt.Equal(now) {
					continue
				}
				sim.runs[job]++
				sim.byReplica[r.Owner]++
				ran[runAt{jobTypes[job], tk.at}] = r.Owner
				fmt.Fprintf(sim.out, "  %s  %-27s tick %s  %-9s by %s: %s, %d snapshots\n",
					stamp(now), job, stamp(tk.at), r.Status, r.Owner, strings.Join(tk.teams, ", "), r.Succeeded)
				if r.Status != scheduler.JobSucceeded {
					return fmt.Errorf("cron: run %s %s failed: %s", name, day, r.Error)
				}
			}
		}
		if err := sim.catchUp(ctx, job, now, ran, fresh); err != nil {
			return err
		}
	}
	return nil
}

// catchUp reports the catch-up passes of job that finished at now and
// wrote something: the snapshots of job's type written now that no tick
// run finished now accounts for (periods due at other ticks), grouped by
// the replica that wrote them. Passes that found nothing missing are not
// reported. When the job's catch-up row (CatchUpKey) shows the pass, the
// pass's recorded count must match what it wrote; a later pass that found
// nothing may have taken the row over.
func (sim *simulation) catchUp(ctx context.Context, job string, now time.Time, ran map[runAt]string, fresh []write) error {
	typ := jobTypes[job]
	type pass struct {
		n           int
		first, last analytics.Date
		zones       map[string][2]analytics.Date // zone -> its first and last period
	}
	passes := map[string]*pass{} // owner -> its pass
	for _, w := range fresh {
		if w.key.Type != typ {
			continue
		}
		due, zone, err := sim.dueAt(w.key)
		if err != nil {
			return err
		}
		if owner, ok := ran[runAt{typ, due}]; ok && owner == w.by {
			continue // the tick's run
		}
		p := passes[w.by]
		if p == nil {
			p = &pass{zones: map[string][2]analytics.Date{}}
			passes[w.by] = p
		}
		p.n++
		if w.key.Scope.AccountID != "" {
			continue
		}
		if p.first.IsZero() || w.key.Date.Before(p.first) {
			p.first = w.key.Date
		}
		if w.key.Date.After(p.last) {
			p.last = w.key.Date
		}
		z, ok := p.zones[zone]
		if !ok || w.key.Date.Before(z[0]) {
			z[0] = w.key.Date
		}
		if w.key.Date.After(z[1]) {
			z[1] = w.key.Date
		}
		p.zones[zone] = z
	}
	if len(passes) == 0 {
		return nil
	}
	name, day := scheduler.CatchUpKey(job, now)
	rows, err := sim.store.JobRuns(ctx, name, day, day)
	if err != nil {
		return err
	}
	var owners []string
	for o := range passes {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	for _, o := range owners {
		p := passes[o]
		for _, r := range rows {
			if r.Owner == o && r.FinishedAt.Equal(now) && r.Succeeded != p.n {
				return fmt.Errorf("cron: catch-up %s %s by %s recorded %d snapshots, wrote %d", name, day, o, r.Succeeded, p.n)
			}
		}
		sim.passes++
		sim.byReplica[o]++
		var zones []string
		for z := range p.zones {
			zones = append(zones, z)
		}
		sort.Strings(zones)
		for i, z := range zones {
			zones[i] = fmt.Sprintf("%s %s..%s", z, p.zones[z][0], p.zones[z][1])
		}
		fmt.Fprintf(sim.out, "  %s  %-27s catch-up by %s: %d snapshots, periods %s to %s (%s)\n",
			stamp(now), job, o, p.n, p.first, p.last, strings.Join(zones, ", "))
	}
	return nil
}

// dueAt returns the UTC instant the period of k fell due and its team's
// zone.
func (sim *simulation) dueAt(k analytics.SnapshotKey) (time.Time, string, error) {
	for _, t := range sim.teams {
		if t.ID != k.Scope.TeamID {
			continue
		}
		loc, err := t.Location()
		if err != nil {
			return time.Time{}, "", err
		}
		p, err := analytics.PeriodOf(k.Type, k.Date.In(loc), loc)
		if err != nil {
			return time.Time{}, "", err
		}
		due, err := analytics.Schedule{}.DueAt(p)
		return due.UTC(), t.TimeZone, err
	}
	return time.Time{}, "", fmt.Errorf("cron: snapshot of unknown team %q", k.Scope.TeamID)
}

// tickWork is one tick with the zones whose period fell due at it, each
// with the local time it was there ("America/New_York 02:00").
type tickWork struct {
	at    time.Time
	teams []string
}

// ticks returns the ticks in (from, to] at which some team's period of
// type typ fell due in its own zone (analytics.Schedule.DueAt), in order.
func (sim *simulation) ticks(typ analytics.SnapshotType, from, to time.Time) ([]tickWork, error) {
	byTick := map[time.Time][]string{}
	for _, t := range sim.teams {
		loc, err := t.Location()
		if err != nil {
			return nil, err
		}
		for p, err := (analytics.Schedule{}).LastDue(typ, to, loc); ; p = p.Prev() {
			if err != nil {
				return nil, err
			}
			due, err := analytics.Schedule{}.DueAt(p)
			if err != nil {
				return nil, err
			}
			if !due.After(from) {
				break
			}
			byTick[due.UTC()] = append(byTick[due.UTC()], t.TimeZone+" "+due.In(loc).Format("15:04"))
		}
	}
	out := make([]tickWork, 0, len(byTick))
	for at, teams := range byTick {
		sort.Strings(teams)
		out = append(out, tickWork{at, teams})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out, nil
}

// until moves the clock from tick to tick up to end.
func (sim *simulation) until(ctx context.Context, end time.Time) error {
	for {
		next := sim.replicas[0].next
		for _, r := range sim.replicas[1:] {
			if r.next.Before(next) {
				next = r.next
			}
		}
		if next.After(end) {
			return nil
		}
		sim.clock.Set(next)
		if err := sim.settle(ctx); err != nil {
			return err
		}
	}
}

func (sim *simulation) stopAll(ctx context.Context) error {
	var errs []error
	for _, r := range sim.replicas {
		errs = append(errs, r.s.Stop(ctx))
	}
	sim.replicas = nil
	return errors.Join(errs...)
}

func (sim *simulation) summary() error {
	fmt.Fprintf(sim.out, "\n%d daily, %d weekly and %d monthly tick runs and %d catch-up passes, each by exactly one replica (",
		sim.runs[scheduler.DailyJob], sim.runs[scheduler.WeeklyJob], sim.runs[scheduler.MonthlyJob], sim.passes)
	var names []string
	for n := range sim.byReplica {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			fmt.Fprint(sim.out, ", ")
		}
		fmt.Fprintf(sim.out, "%s: %d", n, sim.byReplica[n])
	}
	fmt.Fprintf(sim.out, ");\n%d snapshots written, each once.\n", sim.snapshots)
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// openSchema connects to url with a new schema of the program's own as the
// search_path; the returned func drops it (unless keep) and closes the pool.
func openSchema(ctx context.Context, url string, keep bool) (*bun.DB, string, func(), error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, "", nil, fmt.Errorf("cron: parsing the database URL: %w", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", nil, err
	}
	schema := "cron_example_" + hex.EncodeToString(b[:])
	cfg.RuntimeParams["search_path"] = schema
	sqldb := sql.OpenDB(stdlib.GetConnector(*cfg))
	sqldb.SetMaxOpenConns(8)
	db := bun.NewDB(sqldb, pgdialect.New())
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		db.Close()
		return nil, "", nil, fmt.Errorf("cron: creating schema %s (is Postgres up at %s?): %w", schema, redact(url), err)
	}
	return db, schema, func() {
		if !keep {
			if _, err := db.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
				log.Printf("cron: dropping schema %s: %v", schema, err)
			}
		}
		db.Close()
	}, nil
}

// redact hides a password in a URL.
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil || cfg.Password == "" {
		return url
	}
	return strings.Replace(url, ":"+cfg.Password+"@", ":***@", 1)
}
