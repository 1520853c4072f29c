// Command httpload measures examples/httpapi under load on loopback. It
// builds the example, runs it as a child process (so that its RSS, read
// from /proc/<pid>/status, is the server's alone) and drives it with HTTP
// clients in this process:
//
//	go run ./internal/httpload [-scenario all|load|attack] [-duration 20s] [-attack-duration 1m]
//
// Run it from the module root. Scenario load: -clients clients (50) read
// every team's real time, dashboards and snapshot pages as fast as they
// are answered, for -duration; it reports throughput, p50/p99 latency,
// statuses, errors and the server's peak RSS. Scenario attack: -victims
// clients of one team read at a steady pace (one request per -victim-every
// each) for -attack-duration alone, and as long while -attackers clients of
// another team request snapshot ranges no one asked before (a new cache
// key each) as fast as they are answered, the two in -rounds alternating
// rounds; it reports the victim's p99 in both and the server's peak RSS,
// and fails (exit 1) if the p99 under attack is over twice the solo one or
// the RSS reaches 300 MiB.
//
// Both client and server share the machine: the figures depend on its
// cores and on what else runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

type config struct {
	scenario       string
	duration       time.Duration
	attackDuration time.Duration
	clients        int
	loadArgs       string
	attackers      int
	victims        int
	victimEvery    time.Duration
	attackArgs     string
	bin            string
	maxRSS         int64
	maxP99Factor   float64
	rounds         int
}

func main() {
	var c config
	flag.StringVar(&c.scenario, "scenario", "all", "load, attack or all")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "length of the load run")
	flag.DurationVar(&c.attackDuration, "attack-duration", time.Minute, "length of each of the attack scenario's two phases, solo and attacked")
	flag.IntVar(&c.clients, "clients", 50, "clients of the load scenario")
	flag.StringVar(&c.loadArgs, "load-server-args", "-rate 0", "the server's flags in the load scenario (-rate 0: no rate limit, to measure the server itself)")
	flag.IntVar(&c.attackers, "attackers", 40, "attacking clients, all with one team's token")
	flag.IntVar(&c.victims, "victims", 4, "victim clients, all with another team's token")
	flag.DurationVar(&c.victimEvery, "victim-every", 250*time.Millisecond, "each victim client's pace: one request per this long (the victims together stay under the server's default rate limit, 20/s)")
	flag.StringVar(&c.attackArgs, "attack-server-args", "", "the server's flags in the attack scenario (default: none, the server's defaults)")
	flag.IntVar(&c.rounds, "rounds", 4, "the attack scenario's alternating solo and attacked rounds")
	flag.StringVar(&c.bin, "bin", "", "a built examples/httpapi binary (default: build one)")
	flag.Parse()
	c.maxRSS, c.maxP99Factor = 300<<20, 2
	if c.rounds < 1 || c.clients < 1 || c.victims < 1 || c.attackers < 1 {
		fmt.Fprintln(os.Stderr, "httpload: -rounds, -clients, -victims and -attackers must be at least 1")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if c.bin == "" {
		dir, err := os.MkdirTemp("", "httpload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if c.bin, err = buildServer(context.Background(), dir); err != nil {
			return err
		}
	}
	var errs []error
	if c.scenario == "all" || c.scenario == "load" {
		errs = append(errs, loadScenario(c))
	}
	if c.scenario == "all" || c.scenario == "attack" {
		errs = append(errs, attackScenario(c))
	}
	return errors.Join(errs...)
}

// loadScenario drives the server with c.clients readers of every team.
func loadScenario(c config) error {
	args := strings.Fields(c.loadArgs)
	s, err := startServer(c.bin, args)
	if err != nil {
		return err
	}
	defer s.stop()
	client := newClient(c.clients)
	st := newStats()
	rss := sampleRSS(s)
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	start := time.Now()
	drive(ctx, client, s.url, c.clients, 0, readers(s.teams, s.tokens), st)
	elapsed := time.Since(start)
	peak := rss.end()
	fmt.Printf("load: %d clients for %s, server flags %q, %d teams\n", c.clients, c.duration, args, len(s.teams))
	printSummary("  all", st.summary(), elapsed)
	fmt.Printf("  server peak RSS: %.0f MiB\n", float64(peak)/(1<<20))
	return nil
}

// attackScenario measures a victim team alone, then under an attacking
// team's ever-new keys.
func attackScenario(c config) error {
	args := strings.Fields(c.attackArgs)
	s, err := startServer(c.bin, args)
	if err != nil {
		return err
	}
	defer s.stop()
	victim, attackerTeam := s.teams[len(s.teams)-1], s.teams[len(s.teams)-2]
	vnext := readers([]string{victim}, s.tokens)
	client := newClient(c.victims + c.attackers)

	// Warm up: the victim's reads are cached from then on (but for the
	// real-time TTL's expiries), in both phases alike.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	drive(ctx, client, s.url, c.victims, c.victimEvery, vnext, newStats())
	cancel()

	// Solo and attacked phases alternate, -rounds of each, so that the
	// machine's other load falls on both alike.
	solo, attacked, attack := newStats(), newStats(), newStats()
	var soloRSS, peak int64
	phase := c.attackDuration / time.Duration(c.rounds)
	for range c.rounds {
		soloRSS = max(soloRSS, victimPhase(c, client, s, vnext, phase, solo, nil))
		peak = max(peak, victimPhase(c, client, s, vnext, phase, attacked,
			func(ctx context.Context) {
				drive(ctx, client, s.url, c.attackers, 0, attacker(attackerTeam, s.tokens[attackerTeam]), attack)
			}))
	}

	fmt.Printf("attack: victim %q (%d clients, one request per %s each), attacker %q (%d clients, ever-new snapshot ranges), %s solo and %s attacked in %d alternating rounds, server flags %q\n",
		victim, c.victims, c.victimEvery, attackerTeam, c.attackers, c.attackDuration, c.attackDuration, c.rounds, args)
	so, at := solo.summary(), attacked.summary()
	printSummary("  victim solo        ", so, c.attackDuration)
	printSummary("  victim under attack", at, c.attackDuration)
	printSummary("  attacker           ", attack.summary(), c.attackDuration)
	ratio := float64(at.p99) / float64(max(so.p99, 1))
	fmt.Printf("  victim p99 under attack / solo: %.2f (limit %.0f)\n", ratio, c.maxP99Factor)
	fmt.Printf("  server peak RSS: solo %.0f MiB, under attack %.0f MiB (limit %d MiB)\n",
		float64(soloRSS)/(1<<20), float64(peak)/(1<<20), c.maxRSS>>20)
	var errs []error
	if ratio > c.maxP99Factor {
		errs = append(errs, fmt.Errorf("the victim's p99 rose %.2f× under attack", ratio))
	}
	if peak >= c.maxRSS {
		errs = append(errs, fmt.Errorf("the server's RSS reached %d MiB", peak>>20))
	}
	if n := at.n - at.byStatus[200] - at.byStatus[304]; n > 0 || at.errs > 0 {
		errs = append(errs, fmt.Errorf("the victim got %d non-2xx answers and %d errors under attack", n, at.errs))
	}
	return errors.Join(errs...)
}

// victimPhase drives the victim for d, while attack (if not nil) runs,
// and returns the server's peak RSS meanwhile.
func victimPhase(c config, client *http.Client, s *server, vnext nextFunc, d time.Duration, st *stats, attack func(context.Context)) int64 {
	rss := sampleRSS(s)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if attack != nil {
			attack(ctx)
		}
	}()
	drive(ctx, client, s.url, c.victims, c.victimEvery, vnext, st)
	<-done
	return rss.end()
}

func printSummary(name string, s summary, elapsed time.Duration) {
	fmt.Printf("%s: %d requests (%.0f/s), p50 %s, p99 %s, statuses %v, transport errors %d\n",
		name, s.n, float64(s.n)/elapsed.Seconds(), s.p50.Round(10*time.Microsecond), s.p99.Round(10*time.Microsecond), s.byStatus, s.errs)
}
