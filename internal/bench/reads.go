package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// The reads dataset: 10 teams in UTC with Options.ReadsMessagesPerTeamDay
// messages a day each, all of March 2026; reads happen at 23:00 on March
// 31st, so "today" holds most of a day of messages (conversations started
// on the last day of the data are cut short at its end).
var (
	readsStart = analytics.NewDate(2026, time.March, 1)
	readsNow   = time.Date(2026, time.March, 31, 23, 0, 0, 0, time.UTC)
)

// Reads measures the Service's reads: real-time from the memory tier, from
// Redis, and uncached, next to a plain go-redis GET of the same bytes
// measured in the same run, the cache alone and the decoding of the value;
// and the 30-day dashboard uncached; with Options.ReplicaURL, those two
// again with the store reading on the replica.
func Reads(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	if o.RedisURL == "" {
		return fmt.Errorf("bench: the reads suite needs Redis: pass -redis-url or set TEST_REDIS_URL")
	}
	cfg := synth.Config{Teams: 10, MessagesPerDay: 10 * o.ReadsMessagesPerTeamDay, TeamSizeSkew: -1, Days: 31, Start: readsStart, TimeZones: []string{"UTC"}}
	e, err := openEnv(ctx, &o, o.SchemaPrefix+"reads", cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	clock := analytics.NewFakeClock(readsNow)
	team := "team-0001"
	scope := analytics.TeamScope(team)
	if err := readsDailies(ctx, e, clock); err != nil {
		return err
	}

	opts, err := redis.ParseURL(o.RedisURL)
	if err != nil {
		return fmt.Errorf("bench: redis URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	defer cleanRedis(context.WithoutCancel(ctx), rdb, prefix)

	uncached, err := analytics.New(e.store, &analytics.Config{Clock: clock})
	if err != nil {
		return err
	}
	live, rt, dash, err := measureUncached(ctx, &o, e.db, uncached, team)
	if err != nil {
		return err
	}

	val, err := json.Marshal(live)
	if err != nil {
		return err
	}
	cr := &cachedReads{rdb: rdb, store: e.store, clock: clock, scope: scope, prefix: prefix, val: val, live: live, timeout: o.RedisTimeout}
	defer cr.close()
	reads, err := cr.funcs(ctx)
	if err != nil {
		return err
	}
	// Interleaved, so that the load of a shared machine weighs on all of
	// them alike.
	lat, err := interleaved(ctx, 200, 5000, reads)
	if err != nil {
		return err
	}
	reportReads(rep, lat, rt, dash, len(val), live.Messages.Total)
	if o.ReplicaURL != "" {
		repRT, repDash, skip, err := replicaReads(ctx, &o, e, clock, team)
		if err != nil {
			return err
		}
		reportReplica(rep, repRT, repDash, rt, dash, skip)
	}
	return nil
}

// readsDailies stores the daily snapshots of the 59 finished days both
// 30-day windows of the dashboard need, for every team.
func readsDailies(ctx context.Context, e *env, clock analytics.Clock) error {
	sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		return err
	}
	today := analytics.DateOf(readsNow)
	r, err := sn.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := today.AddDays(-59); d.Before(today); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	})
	if err != nil {
		return err
	}
	if r.Failed > 0 {
		return fmt.Errorf("bench: dailies: %v", r.Err())
	}
	return nil
}

// uncachedReads is how many uncached reads of each kind are measured:
// their p95 is the 95th of 100 by the nearest-rank method, with 5 slower
// reads above it.
const uncachedReads = 100

// measureUncached measures svc's uncached real-time read of team and its
// 30-day dashboard, uncachedReads of each after warm-up reads that fill
// Postgres's and the OS's caches. It returns the real-time metrics and
// the durations of both.
func measureUncached(ctx context.Context, o *Options, db *DB, svc *analytics.Service, team string) (live analytics.Metrics, rt, dash []time.Duration, err error) {
	scope := analytics.TeamScope(team)
	if err := profile(o, db, "reads_realtime_uncached", 10+uncachedReads, func() error {
		rt, err = sampled(ctx, 10, uncachedReads, func(ctx context.Context) error {
			live, err = svc.RealTime(ctx, scope)
			return err
		})
		return err
	}); err != nil {
		return live, nil, nil, err
	}
	if err := profile(o, db, "reads_dashboard_uncached", 5+uncachedReads, func() error {
		dash, err = sampled(ctx, 5, uncachedReads, func(ctx context.Context) error {
			_, err := svc.Dashboard(ctx, team, 30)
			return err
		})
		return err
	}); err != nil {
		return live, nil, nil, err
	}
	return live, rt, dash, nil
}

// cachedReads makes the reads measured against a plain go-redis GET: the
// Service's cached real-time read and the cache alone, each from memory
// and from Redis, and the decoding of the value. val is live encoded, the
// value every read returns.
type cachedReads struct {
	rdb    *redis.Client
	store  *pgstore.Store
	clock  analytics.Clock
	scope  analytics.Scope
	prefix string // of every Redis key
	val    []byte
	live   analytics.Metrics
	caches []*gocache.Cache // to close
	// timeout is the caches' RedisTimeout (0: the default).
	timeout time.Duration
}

// funcs returns the reads, in this order: the go-redis GET, the Service
// from memory and from Redis, the cache alone from memory and from Redis,
// and the decoding.
func (cr *cachedReads) funcs(ctx context.Context) ([]func(context.Context) error, error) {
	raw := cr.prefix + ":raw"
	if err := cr.rdb.Set(ctx, raw, cr.val, time.Hour).Err(); err != nil {
		return nil, err
	}
	reads := []func(context.Context) error{func(ctx context.Context) error {
		b, err := cr.rdb.Get(ctx, raw).Bytes()
		if err == nil && len(b) != len(cr.val) {
			err = fmt.Errorf("bench: GET returned %d bytes, want %d", len(b), len(cr.val))
		}
		return err
	}}
	for _, mk := range []func() (func(context.Context) error, error){
		func() (func(context.Context) error, error) { return cr.service(false) },
		func() (func(context.Context) error, error) { return cr.service(true) },
		func() (func(context.Context) error, error) { return cr.cacheGet(ctx, false) },
		func() (func(context.Context) error, error) { return cr.cacheGet(ctx, true) },
		func() (func(context.Context) error, error) { return cr.decode, nil },
	} {
		f, err := mk()
		if err != nil {
			return nil, err
		}
		reads = append(reads, f)
	}
	return reads, nil
}

func (cr *cachedReads) newCache(noL1 bool, prefix string) (*gocache.Cache, error) {
	c, err := gocache.New(&gocache.Config{Redis: cr.rdb, Prefix: prefix, DisableL1: noL1, Clock: cr.clock, RedisTimeout: cr.timeout})
	if err == nil {
		cr.caches = append(cr.caches, c)
	}
	return c, err
}

func (cr *cachedReads) close() {
	for _, c := range cr.caches {
		c.Close()
	}
}

// service returns the Service's cached read. Every read but the first
// returns the same bytes, so it is served from the Service's table of
// decoded values: this is the steady state of a value read again and
// again within its TTL; decode measures a read of new bytes.
func (cr *cachedReads) service(noL1 bool) (func(context.Context) error, error) {
	c, err := cr.newCache(noL1, cr.prefix)
	if err != nil {
		return nil, err
	}
	svc, err := analytics.New(cr.store, &analytics.Config{Clock: cr.clock, Cache: c})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		m, err := svc.RealTime(ctx, cr.scope)
		if err == nil && m.Messages.Total != cr.live.Messages.Total {
			err = fmt.Errorf("bench: cached real-time read %d messages, want %d", m.Messages.Total, cr.live.Messages.Total)
		}
		return err
	}, nil
}

// cacheGet returns the cache's read alone (bytes, no decoding into
// Metrics), to tell the tiers' cost from the Service's.
func (cr *cachedReads) cacheGet(ctx context.Context, noL1 bool) (func(context.Context) error, error) {
	c, err := cr.newCache(noL1, cr.prefix+"-raw")
	if err != nil {
		return nil, err
	}
	k := analytics.RealTimeKey(cr.scope)
	if err := c.Set(ctx, k, cr.val, time.Hour); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		b, ok, err := c.Get(ctx, k)
		if err == nil && (!ok || len(b) != len(cr.val)) {
			err = fmt.Errorf("bench: cache Get: %d bytes, hit %v", len(b), ok)
		}
		return err
	}, nil
}

// decode decodes the bytes into Metrics: what a cached read pays on top
// of the cache when its bytes are not the ones it last decoded (the first
// read of each new value); repeated reads of one value do not.
func (cr *cachedReads) decode(context.Context) error {
	var m analytics.Metrics
	if err := json.Unmarshal(cr.val, &m); err != nil {
		return err
	}
	if m.Messages.Total != cr.live.Messages.Total {
		return fmt.Errorf("bench: decoded %d messages, want %d", m.Messages.Total, cr.live.Messages.Total)
	}
	return nil
}

// reportReads adds the lines of the reads suite to rep: lat holds the
// interleaved reads' durations in the order of cachedReads.funcs, rt and
// dash the uncached real-time reads' and dashboards', size is the bytes of
// the cached value and messages today's messages.
func reportReads(rep *Report, lat [][]time.Duration, rt, dash []time.Duration, size int, messages int64) {
	get, l1, l2, rawL1, rawL2, dec := lat[0], lat[1], lat[2], lat[3], lat[4], lat[5]
	suite := "reads, 1 team of 10"
	getMean := mean(get)
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("go-redis GET of the %d-byte real-time value (reference)", size),
		Value: join("mean "+Secs(getMean), "p95 "+Secs(Quantile(get, 0.95)))})
	rep.Add(Line{Suite: suite, What: "real-time read (Service.RealTime) served from memory (L1)",
		Value: join("mean "+Secs(mean(l1)), "p95 "+Secs(Quantile(l1, 0.95))),
		Ratio: "GET/L1 = " + X(Ratio(getMean, mean(l1))), Target: "≥ 10×", Met: YesNo(Ratio(getMean, mean(l1)) >= 10)})
	rep.Add(Line{Suite: suite, What: "real-time read (Service.RealTime) served from Redis (memory tier off)",
		Value: join("mean "+Secs(mean(l2)), "p95 "+Secs(Quantile(l2, 0.95))),
		Ratio: "Redis read/GET = " + X(Ratio(mean(l2), getMean)), Target: "≤ 1.5×", Met: YesNo(Ratio(mean(l2), getMean) <= 1.5)})
	rep.Add(Line{Suite: suite, What: "… of which the cache alone (gocache.Cache.Get of the bytes, no decoding), from memory",
		Value: join("mean "+Secs(mean(rawL1)), "p95 "+Secs(Quantile(rawL1, 0.95))),
		Ratio: "GET/L1 = " + X(Ratio(getMean, mean(rawL1)))})
	rep.Add(Line{Suite: suite, What: "… of which the cache alone, from Redis",
		Value: join("mean "+Secs(mean(rawL2)), "p95 "+Secs(Quantile(rawL2, 0.95))),
		Ratio: "Redis Get/GET = " + X(Ratio(mean(rawL2), getMean))})
	rep.Add(Line{Suite: suite, What: "decoding the value into Metrics (json.Unmarshal; paid by a cached read only when its bytes changed since it last decoded them)",
		Value: join("mean "+Secs(mean(dec)), "p95 "+Secs(Quantile(dec, 0.95)))})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("real-time read (Service.RealTime) uncached: %d messages today", messages),
		Value:  join("p50 "+Secs(Quantile(rt, 0.5)), "p95 "+Secs(Quantile(rt, 0.95)), fmt.Sprintf("%d reads", len(rt))),
		Target: "p95 < 20 ms", Met: YesNo(Quantile(rt, 0.95) < 20*time.Millisecond)})
	rep.Add(Line{Suite: suite, What: "30-day dashboard uncached (59 daily snapshots + today live)",
		Value:  join("p50 "+Secs(Quantile(dash, 0.5)), "p95 "+Secs(Quantile(dash, 0.95)), fmt.Sprintf("%d reads", len(dash))),
		Target: "p95 < 50 ms", Met: YesNo(Quantile(dash, 0.95) < 50*time.Millisecond)})
}

// interleaved calls every f of fs in turn, warmup rounds unmeasured and
// then n measured ones, and returns each f's durations.
func interleaved(ctx context.Context, warmup, n int, fs []func(context.Context) error) ([][]time.Duration, error) {
	out := make([][]time.Duration, len(fs))
	for round := range warmup + n {
		for i, f := range fs {
			start := time.Now()
			if err := f(ctx); err != nil {
				return nil, err
			}
			if round >= warmup {
				out[i] = append(out[i], time.Since(start))
			}
		}
	}
	return out, nil
}

// sampled calls f warmup times, then n times, and returns the measured
// durations.
func sampled(ctx context.Context, warmup, n int, f func(ctx context.Context) error) ([]time.Duration, error) {
	for range warmup {
		if err := f(ctx); err != nil {
			return nil, err
		}
	}
	return Latencies(ctx, n, f)
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}

// cleanRedis deletes every key under prefix (SCAN and DEL, never a flush:
// the Redis may be shared).
func cleanRedis(ctx context.Context, rdb *redis.Client, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			rdb.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}
