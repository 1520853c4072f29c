// Command httpapi serves the analytics SDK over HTTP with net/http: real
// time, dashboard and paginated snapshot reads per team behind bearer
// tokens, and an admin route that triggers the snapshot jobs. It needs no
// services: the data is generated into the in-memory store at start, and
// the Service reads through a memory cache (with -redis, memory in front of
// Redis).
//
//	go run ./examples/httpapi
//
// It prints the tokens and curl commands to try, and stops on Ctrl+C.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // team zones load without the system's tzdata

	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

// The job names of the scheduler (DESIGN.md §3).
const (
	dailyJob   = "daily-analytics-snapshot"
	weeklyJob  = "weekly-analytics-snapshot"
	monthlyJob = "monthly-analytics-snapshot"
)

// oddTeam is a demo team whose ID needs escaping in a URL path.
const oddTeam = "acme/eu 50%"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "httpapi:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, redisURL string
	teams, days    int
	perDay         int
	snapshotDays   int
	cacheMB        int
	rateLimit      RateLimit
	limits         serverLimits
}

func parseFlags(out io.Writer, args []string) (options, error) {
	o := options{limits: defaultLimits, rateLimit: DefaultRateLimit}
	fs := flag.NewFlagSet("httpapi", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0: any free port)")
	fs.StringVar(&o.redisURL, "redis", "", "Redis URL, e.g. redis://127.0.0.1:6379/0: adds Redis behind the memory cache")
	fs.IntVar(&o.teams, "teams", 3, "generated teams (plus the team "+oddTeam+")")
	fs.IntVar(&o.days, "days", 40, "days of generated activity, ending today")
	fs.IntVar(&o.perDay, "messages-per-day", 1500, "generated messages per day across all teams")
	fs.IntVar(&o.snapshotDays, "snapshot-days", 35, "daily snapshots generated at start, ending yesterday")
	fs.IntVar(&o.cacheMB, "cache-mb", 64, "size limit of the memory cache's entries, in MiB")
	fs.Float64Var(&o.rateLimit.PerSecond, "rate", o.rateLimit.PerSecond, "requests per second per token, sustained (0: no rate limit)")
	fs.IntVar(&o.rateLimit.Burst, "burst", o.rateLimit.Burst, "requests per token at once after an idle spell")
	o.limits.register(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.teams < 1 || o.days < 1 || o.perDay < 1:
		return o, errors.New("-teams, -days and -messages-per-day must be at least 1")
	case o.snapshotDays < 0:
		return o, errors.New("-snapshot-days must not be negative")
	case o.cacheMB < 1:
		return o, errors.New("-cache-mb must be at least 1")
	case o.rateLimit.PerSecond < 0 || o.rateLimit.Burst < 1:
		return o, errors.New("-rate must not be negative, and -burst must be at least 1")
	}
	return o, o.limits.check()
}

func run(ctx context.Context, out io.Writer, args []string) (err error) {
	o, err := parseFlags(out, args)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(out, nil))
	clock := analytics.SystemClock()
	now := clock.Now()

	store, err := loadStore(o, now)
	if err != nil {
		return err
	}
	cache, cacheDesc, closeCache, err := openCache(ctx, out, o, logger)
	if err != nil {
		return err
	}
	defer func() {
		// The cleanup's own deadline: it runs after the shutdown, whose
		// deadline has passed or not been needed.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.limits.shutdown)
		defer cancel()
		err = errors.Join(err, closeCache(cctx))
	}()
	svc, err := analytics.New(store, &analytics.Config{Clock: clock, Cache: cache, Logger: logger})
	if err != nil {
		return err
	}
	if err := backfill(ctx, svc.Snapshotter(), now, o.snapshotDays); err != nil {
		return err
	}

	// Tokens: one per team, and the admin's, new on every run.
	teams, err := store.Teams(ctx, "", 1000)
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	teamToken := map[string]string{}
	for _, t := range teams {
		tok := newToken()
		tokens[tok], teamToken[t.ID] = t.ID, tok
	}
	admin := newToken()
	handler := NewAPI(svc, tokens, admin, snapshotJobs(svc, clock, logger), logger,
		WithTeams(store), WithRateLimit(o.rateLimit))
	return serve(ctx, out, o, handler, logger, func(url string) {
		printUsage(out, url, teams, teamToken, admin, cacheDesc, o, now)
	})
}

// loadStore returns a memory store holding the data: the last o.days UTC
// days up to now, plus tomorrow (already today east of UTC), and a small
// team whose ID needs escaping.
func loadStore(o options, now time.Time) (*memstore.Store, error) {
	store := memstore.New(nil)
	start := analytics.DateOf(now.UTC()).AddDays(-(o.days - 1))
	if err := load(store, sample.Teams(o.teams, 2), start, o.days+1, o.perDay); err != nil {
		return nil, err
	}
	odd := sample.Team(oddTeam, "Europe/Berlin", 2)
	return store, load(store, []analytics.Team{odd}, start, o.days+1, max(o.perDay/10, 1))
}

// openCache returns the cache: memory (o.cacheMB MiB of entries at most),
// in front of Redis when o.redisURL is set; a description of it; and the
// function that closes it (and deletes the run's Redis keys), within its
// context's deadline, and returns every error it met.
func openCache(ctx context.Context, out io.Writer, o options, logger *slog.Logger) (*gocache.Cache, string, func(context.Context) error, error) {
	cfg := &gocache.Config{Logger: logger, L1MaxMB: o.cacheMB}
	redisURL := o.redisURL
	if redisURL == "" {
		cache, err := gocache.New(cfg)
		if err != nil {
			return nil, "", nil, err
		}
		return cache, fmt.Sprintf("memory (%d MiB)", o.cacheMB), func(context.Context) error { return cache.Close() }, nil
	}
	// go-redis's own log lines (pool and connection trouble) go to the
	// program's structured log.
	redis.SetLogger(redisLogger{logger})
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("-redis: %w", err)
	}
	ropts.ContextTimeoutEnabled = true // the cache needs it to bound slow calls
	rdb := redis.NewClient(ropts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, "", nil, fmt.Errorf("connecting to Redis: %w", err)
	}
	var b [8]byte
	rand.Read(b[:])
	cfg.Redis, cfg.Prefix = rdb, "analytics-httpapi-"+hex.EncodeToString(b[:])
	cache, err := gocache.New(cfg)
	if err != nil {
		rdb.Close()
		return nil, "", nil, err
	}
	desc := fmt.Sprintf("memory (%d MiB) in front of Redis %s, key prefix %q", o.cacheMB, redactURL(redisURL), cfg.Prefix)
	return cache, desc, func(ctx context.Context) error {
		cerr := cache.Close()
		n, err := deletePrefix(ctx, rdb, cfg.Prefix)
		if err != nil {
			err = fmt.Errorf("deleting the run's Redis keys: %w", err)
		} else {
			fmt.Fprintf(out, "Deleted the run's %d Redis keys.\n", n)
		}
		return errors.Join(cerr, err, rdb.Close())
	}, nil
}

// serve serves handler on o.addr, with o.limits, until ctx is done,
// calling ready with the server's URL once it listens, then shuts down
// gracefully within o.limits.shutdown.
func serve(ctx context.Context, out io.Writer, o options, handler http.Handler, logger *slog.Logger, ready func(url string)) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := newServer(handler, o.limits, base, logger)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ready("http://" + ln.Addr().String())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(out, "Shutting down: waiting for requests in flight (at most %s).\n", o.limits.shutdown)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.limits.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		cancelBase() // stop the handlers still running (a long job)
		srv.Close()
		<-served
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "Stopped.")
	return nil
}

// printUsage prints the server's address, the tokens and curl commands.
func printUsage(out io.Writer, url string, teams []analytics.Team, tok map[string]string, admin, cacheDesc string, o options, now time.Time) {
	fmt.Fprintf(out, "Serving the analytics API on %s\n", url)
	fmt.Fprintf(out, "Dashboard page: %s/ (paste a team's token)\n", url)
	fmt.Fprintf(out, "Data: %d teams (memory store), %d days of generated activity up to today; daily snapshots of the last %d days. Cache: %s.\n\n",
		len(teams), o.days, o.snapshotDays, cacheDesc)
	fmt.Fprintln(out, "Tokens (new on every run):")
	for _, t := range teams {
		fmt.Fprintf(out, "  %-22q %s  (accounts %s)\n", t.ID, tok[t.ID], strings.Join(t.AccountIDs, ", "))
	}
	fmt.Fprintf(out, "  %-22s %s  (every team, and the jobs)\n\n", "admin", admin)

	first := teams[0]
	for _, t := range teams {
		if t.ID != oddTeam {
			first = t
			break
		}
	}
	other := teams[len(teams)-1]
	if other.ID == first.ID {
		other = teams[0]
	}
	yesterday := analytics.DateOf(now.UTC()).AddDays(-1)
	curl := func(method, token, path, note string) {
		x := ""
		if method != http.MethodGet {
			x = "-X " + method + " "
		}
		if note != "" {
			note = "   # " + note
		}
		fmt.Fprintf(out, "  curl %s-H 'Authorization: Bearer %s' '%s%s'%s\n", x, token, url, path, note)
	}
	fmt.Fprintln(out, "Try:")
	p := "/v1/teams/" + pathEscape(first.ID) + "/analytics"
	curl(http.MethodGet, tok[first.ID], p+"/realtime", "")
	if len(first.AccountIDs) > 0 {
		curl(http.MethodGet, tok[first.ID], p+"/realtime?account="+queryEscape(first.AccountIDs[0]), "")
	}
	curl(http.MethodGet, tok[first.ID], p+"/dashboard?days=7", "")
	curl(http.MethodGet, tok[first.ID], fmt.Sprintf("%s/snapshots?type=Daily&from=%s&to=%s&limit=7", p, yesterday.AddDays(-13), yesterday), "then add &cursor=<nextCursor>")
	curl(http.MethodGet, tok[first.ID], fmt.Sprintf("%s/snapshots?type=Weekly&from=%s&to=%s", p, yesterday.AddDays(-42), yesterday), "")
	curl(http.MethodGet, tok[first.ID], p+"/campaigns?limit=5", "then add &after=<next>")
	odd := "/v1/teams/" + pathEscape(oddTeam) + "/analytics"
	curl(http.MethodGet, tok[oddTeam], odd+"/dashboard?days=7", "the team "+oddTeam+", escaped")
	curl(http.MethodGet, tok[first.ID], "/v1/teams/"+pathEscape(other.ID)+"/analytics/realtime", "403: another team")
	curl(http.MethodPost, admin, "/v1/jobs/"+dailyJob+"/trigger", "admin only")
	fmt.Fprintln(out, "\nPress Ctrl+C to stop.")
}

// snapshotJobs returns the three scheduled jobs by name, each generating
// the last complete period of every team at the time it runs (a manual
// run; the scheduler package adds catch-up and the cross-replica claim).
func snapshotJobs(svc *analytics.Service, clock analytics.Clock, logger *slog.Logger) map[string]func(context.Context) error {
	job := func(name string, typ analytics.SnapshotType) func(context.Context) error {
		return func(ctx context.Context) error {
			rep, err := svc.Snapshotter().GenerateAll(ctx, typ, clock.Now())
			if err != nil {
				return err
			}
			logger.InfoContext(ctx, "httpapi: job triggered", "job", name, "teams", rep.Teams,
				"succeeded", rep.Succeeded, "failed", rep.Failed, "duration", rep.Duration)
			return rep.Err()
		}
	}
	return map[string]func(context.Context) error{
		dailyJob:   job(dailyJob, analytics.Daily),
		weeklyJob:  job(weeklyJob, analytics.Weekly),
		monthlyJob: job(monthlyJob, analytics.Monthly),
	}
}

// backfill generates, for every team, the daily snapshots of the days
// days before now and the complete weeks and months they touch.
func backfill(ctx context.Context, snap *analytics.Snapshotter, now time.Time, days int) error {
	if days == 0 {
		return nil
	}
	for _, typ := range analytics.SnapshotTypes() {
		rep, err := snap.Run(ctx, typ, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			last, err := analytics.LastCompletePeriod(analytics.Daily, now, loc)
			if err != nil {
				return nil, err
			}
			first, err := analytics.PeriodForDate(analytics.Daily, last.Date.AddDays(-(days - 1)), loc)
			if err != nil {
				return nil, err
			}
			var ps []analytics.Period
			p, err := analytics.LastCompletePeriod(typ, now, loc)
			for ; err == nil && p.End.After(first.Start); p = p.Prev() {
				ps = append(ps, p)
			}
			return ps, err
		})
		if err != nil {
			return err
		}
		if err := rep.Err(); err != nil {
			return err
		}
	}
	return nil
}

// pathEscape escapes s as one path segment, dots included, so that "." and
// ".." stay IDs rather than dot segments.
func pathEscape(s string) string { return strings.ReplaceAll(url.PathEscape(s), ".", "%2E") }

func queryEscape(s string) string { return url.QueryEscape(s) }

func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// deletePrefix deletes every key under prefix+":" with SCAN and DEL (never
// FLUSHDB: the Redis may be shared) and returns how many it deleted.
func deletePrefix(ctx context.Context, rdb *redis.Client, prefix string) (int64, error) {
	var n int64
	iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		d, err := rdb.Del(ctx, batch...).Result()
		n += d
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
