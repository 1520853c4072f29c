// Command bench is the performance suite behind `make bench`: it loads
// synthetic datasets into Postgres and prints one Markdown table of the
// SDK's snapshot jobs and reads, each with the reference it is judged
// against and the ratio, all measured in this run. See internal/bench and
// docs/performance.md.
//
//	go run ./internal/bench/cmd/bench -reuse
//	go run ./internal/bench/cmd/bench -suites daily -teams 100
//	go run ./internal/bench/cmd/bench -reuse -suites daily -latency 0,250us,1ms
//
// -latency (default 0,250us) lists the one-way network delays the daily
// suite runs at: at each but 0 every connection of the suite goes through
// internal/latencyproxy, which delays both directions by it.
//
// Datasets are loaded into schemas named bench_* (the monthly and
// 10,000-team ones take minutes to load); -reuse keeps them between runs,
// and -drop removes them at the end (-suites "" -drop removes them only).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics/internal/bench"
)

func main() {
	var o bench.Options
	suites := flag.String("suites", "daily,monthly,scale,reads,refresh,dailycpu,history", "comma-separated suites to run: daily, monthly, scale, reads, refresh, dailycpu, history; monthlysettled (the settled roll-up alone, on the dailies a monthly run left); monthlyscale (the scale suite's monthly rows alone)")
	scale := flag.String("scale", "100,1000,10000", "team counts of the scale suite")
	drop := flag.Bool("drop", false, "drop the bench_* schemas at the end")
	flag.StringVar(&o.DatabaseURL, "database-url", os.Getenv("TEST_DATABASE_URL"), "Postgres URL (default $TEST_DATABASE_URL)")
	flag.StringVar(&o.RedisURL, "redis-url", os.Getenv("TEST_REDIS_URL"), "Redis URL (default $TEST_REDIS_URL)")
	flag.StringVar(&o.ReplicaURL, "replica-url", os.Getenv("TEST_REPLICA_URL"), "a physical standby of -database-url, for the reads suite's rows on a read replica (default $TEST_REPLICA_URL)")
	flag.BoolVar(&o.Reuse, "reuse", false, "keep datasets an earlier run loaded (schemas bench_*)")
	flag.IntVar(&o.Reps, "reps", 3, "measured repetitions per timing (after a warm-up); the median is reported")
	flag.IntVar(&o.Teams, "teams", 1000, "teams of the daily and monthly suites")
	flag.IntVar(&o.MessagesPerTeamDay, "messages-per-team-day", 330, "mean messages per team and day")
	flag.IntVar(&o.ReadsMessagesPerTeamDay, "reads-messages-per-team-day", 0, "messages per day of each team of the reads suite (0: its default, 18000)")
	flag.IntVar(&o.OriginalTeams, "original-teams", 0, "run the original pattern on the first N teams only and scale its time (0: all)")
	flag.IntVar(&o.BatchSize, "batch", 0, "Snapshotter.BatchSize (0: its default)")
	flag.StringVar(&o.ScaleDatabaseURL, "scale-database-url", "", "Postgres URL of the scale suite's monthly dataset (default -database-url)")
	o.Latency = bench.LatencyList{0, 250 * time.Microsecond}
	flag.Var(&o.Latency, "latency", "comma-separated one-way network delays the daily suite runs at, each through a loopback proxy that delays both directions by it (0: direct), e.g. 0,250us")
	flag.StringVar(&o.ProfileDir, "profile", "", "write a CPU profile (NAME.pprof) and per-statement times (NAME.statements.txt) of each SDK job and uncached read measured into this directory")
	flag.Parse()
	if o.DatabaseURL == "" {
		fmt.Fprintln(os.Stderr, "bench: no database: pass -database-url or set TEST_DATABASE_URL")
		os.Exit(2)
	}
	o.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, *suites, *scale, *drop); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o bench.Options, suites, scale string, drop bool) error {
	var sizes []int
	for _, s := range strings.Split(scale, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-scale: %q is not a positive number", s)
		}
		sizes = append(sizes, n)
	}
	pgVersion, err := postgresVersion(ctx, o.DatabaseURL)
	if err != nil {
		return err
	}
	loadBefore := loadAvg()
	var rep bench.Report
	for _, s := range strings.Split(suites, ",") {
		var err error
		switch strings.TrimSpace(s) {
		case "": // -suites '' -drop only drops the datasets
		case "daily":
			err = bench.Daily(ctx, o, &rep)
		case "monthly":
			err = bench.Monthly(ctx, o, &rep)
		case "monthlysettled":
			err = bench.MonthlySettled(ctx, o, &rep)
		case "monthlyscale":
			err = bench.MonthlyScales(ctx, o, sizes, &rep)
		case "scale":
			err = bench.Scale(ctx, o, sizes, &rep)
		case "reads":
			err = bench.Reads(ctx, o, &rep)
		case "refresh":
			err = bench.Refresh(ctx, o, &rep)
		case "dailycpu":
			err = bench.DailyCPU(ctx, o, &rep)
		case "history":
			err = bench.History(ctx, o, &rep)
		default:
			err = fmt.Errorf("unknown suite %q", s)
		}
		if err != nil {
			return err
		}
	}
	rep.Note("Machine: %d CPUs (GOMAXPROCS %d), %s; load average (1, 5, 15 min) before the run %s, after %s.",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOARCH, loadBefore, loadAvg())
	rep.Note("Postgres: %s.", pgVersion)
	rep.Note("Command: %s", strings.Join(os.Args, " "))
	rep.Write(os.Stdout)
	if drop {
		return dropSchemas(ctx, o.DatabaseURL)
	}
	return nil
}

func postgresVersion(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	err = conn.QueryRow(ctx, `SELECT version()`).Scan(&v)
	return v, err
}

func dropSchemas(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\_%'`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{n}.Sanitize()+` CASCADE`); err != nil {
			return err
		}
	}
	return nil
}

// loadAvg returns the first three fields of /proc/loadavg, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}
