// Command synthload loads a synthetic dataset (internal/synth) into the
// reference source tables in one Postgres schema and reports how fast it
// went. For example, 10 million messages:
//
//	go run ./internal/synth/cmd/synthload -teams 1000 -days 30 \
//	    -messages-per-day 333334 -schema synth_bench -drop \
//	    -database-url postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// Zero flags take internal/synth's Config defaults.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
)

func main() {
	var (
		cfg        synth.Config
		start      string
		schema     = flag.String("schema", "synth", "Postgres schema to load into; created if missing")
		url        = flag.String("database-url", os.Getenv("TEST_DATABASE_URL"), "Postgres URL (default $TEST_DATABASE_URL)")
		drop       = flag.Bool("drop", false, "drop the schema (CASCADE) after loading and reporting")
		cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of this process to the file")
	)
	flag.Uint64Var(&cfg.Seed, "seed", 0, "dataset seed")
	flag.IntVar(&cfg.Teams, "teams", 0, "number of teams (default 10)")
	flag.IntVar(&cfg.AccountsPerTeam, "accounts", 0, "WhatsApp accounts per team (default 3)")
	flag.IntVar(&cfg.Days, "days", 0, "number of days (default 14)")
	flag.IntVar(&cfg.MessagesPerDay, "messages-per-day", 0, "messages per day across all teams (default 200 × teams)")
	flag.StringVar(&start, "start", "", "first day, YYYY-MM-DD (default 2026-03-02)")
	flag.Parse()
	if err := run(cfg, start, *schema, *url, *drop, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "synthload:", err)
		os.Exit(1)
	}
}

func run(cfg synth.Config, start, schema, url string, drop bool, cpuprofile string) error {
	if url == "" {
		return fmt.Errorf("no database: pass -database-url or set TEST_DATABASE_URL")
	}
	if start != "" {
		d, err := analytics.ParseDate(start)
		if err != nil {
			return err
		}
		cfg.Start = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	c := cfg.WithDefaults()
	fmt.Printf("loading %d teams × %d accounts, %d days from %s, %d messages/day into schema %q\n",
		c.Teams, c.AccountsPerTeam, c.Days, c.Start, c.MessagesPerDay, schema)
	st, loadErr := synth.LoadPostgres(ctx, conn, schema, cfg)
	if loadErr == nil {
		report(st)
	}
	if drop {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema: %w (load: %v)", err, loadErr)
		}
		fmt.Printf("dropped schema %q\n", schema)
	}
	return loadErr
}

func report(st synth.Stats) {
	fmt.Printf("rows: teams %d, accounts %d, contacts %d, conversations %d, messages %d, campaigns %d (total %d)\n",
		st.Teams, st.Accounts, st.Contacts, st.Conversations, st.Messages, st.Campaigns, st.Rows())
	rate := func(n int64, d float64) float64 {
		if d <= 0 {
			return 0
		}
		return float64(n) / d
	}
	fmt.Printf("generate+copy:  %8.2f s  (%.0f messages/s, %.0f rows/s)\n",
		st.Copy.Seconds(), rate(st.Messages, st.Copy.Seconds()), rate(st.Rows(), st.Copy.Seconds()))
	fmt.Printf("keys+indexes+analyze: %8.2f s\n", st.Constraints.Seconds())
	fmt.Printf("total:          %8.2f s  (%.0f messages/s, %.0f rows/s)\n",
		st.Total.Seconds(), rate(st.Messages, st.Total.Seconds()), rate(st.Rows(), st.Total.Seconds()))
}
