package gocache

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msgstats/analytics"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// redisTier is the shared tier: entries and generation counters in Redis,
// and the tier's health.
type redisTier struct {
	rdb     redis.UniversalClient
	timeout time.Duration
	backoff time.Duration
	bound   time.Duration
	clock   analytics.Clock
	log     *slog.Logger
	stats   *tierCounters
	gens    *genTable
	// genReads counts generation reads made because the one known was
	// older than the bound.
	genReads   atomic.Uint64
	genFlights singleflight.Group // generation reads, by generation key

	// health; see usable.
	degraded atomic.Bool
	retryAt  atomic.Int64 // Clock unix nanoseconds of the next probe

	// Invalidations that did not reach Redis, team to generation key,
	// applied before Redis is read again; see flushPending.
	pmu      sync.Mutex
	pending  map[string]string
	pendingN atomic.Int64
	flushMu  sync.Mutex
}

func newRedisTier(cfg *Config, stats *tierCounters, gens *genTable) *redisTier {
	return &redisTier{
		rdb: cfg.Redis, timeout: cfg.RedisTimeout, backoff: cfg.RedisBackoff, bound: cfg.InvalidationBound,
		clock: cfg.Clock, log: cfg.Logger, stats: stats, gens: gens,
		pending: make(map[string]string),
	}
}

// Reads and writes.

// get reads the team's generation and the value under the generation
// hint.gen in one MGET (one round trip, one slot thanks to the hash tag),
// and reads again under the current generation if the hint was stale. It
// returns the entry, its value, and the stamp it was read under.
func (r *redisTier) get(ctx context.Context, key analytics.CacheKey, prefix string, st *genState, hint stamp, now time.Time, record bool) (entry, val []byte, s stamp, ok bool) {
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	seq := r.gens.nextSeq()
	res, err := r.rdb.MGet(rctx, genKey(prefix, key.TeamID), valueKey(prefix, key, hint.gen, false, 0)).Result()
	if err != nil {
		r.fail(err)
		return nil, nil, hint, false
	}
	gen, err := parseGen(res[0])
	if err != nil {
		r.stats.errors.Add(1)
		r.log.Debug("analytics: cache: bad generation in Redis", "team", key.TeamID, "error", err)
		return nil, nil, hint, false
	}
	s = st.observe(r.gens, seq, gen, now)
	raw, _ := res[1].(string)
	if s.gen != hint.gen {
		raw, err = r.rdb.Get(rctx, valueKey(prefix, key, s.gen, false, 0)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			r.fail(err)
			return nil, nil, s, false
		}
	}
	entry, val, ok = r.decode(raw, now, record, key)
	return entry, val, s, ok
}

// decode checks an entry read from Redis ("" for none) and counts the read.
func (r *redisTier) decode(raw string, now time.Time, record bool, key analytics.CacheKey) (entry, val []byte, ok bool) {
	if raw != "" {
		entry = []byte(raw)
		exp, v, valid := decodeEntry(entry)
		switch {
		case !valid:
			r.stats.errors.Add(1)
			r.log.Debug("analytics: cache: undecodable Redis entry", "team", key.TeamID, "kind", key.Kind)
		case now.UnixNano() >= exp:
			if record {
				r.stats.expired.Add(1)
			}
		default:
			if record {
				r.stats.hits.Add(1)
			}
			return entry, v, true
		}
	}
	if record {
		r.stats.misses.Add(1)
	}
	return nil, nil, false
}

// parseGen reads a generation counter as MGET returns it: nil for none.
func parseGen(v any) (int64, error) {
	if v == nil {
		return 0, nil
	}
	s, _ := v.(string)
	return strconv.ParseInt(s, 10, 64)
}

// set writes entry under k for ttl.
func (r *redisTier) set(ctx context.Context, k string, entry []byte, ttl time.Duration) {
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := r.rdb.Set(rctx, k, entry, max(ttl, time.Millisecond)).Err(); err != nil {
		r.fail(err)
		return
	}
	r.stats.sets.Add(1)
}

// Generations.

// refreshGen re-reads the generation under gk (once for all concurrent
// callers) and returns the stamp to use, and whether it was verified in
// Redis just now.
func (r *redisTier) refreshGen(ctx context.Context, gk string, st *genState) (stamp, bool) {
	if r.usable(ctx) {
		v, err, _ := r.genFlights.Do(gk, func() (any, error) {
			rctx, cancel := r.ctx(ctx)
			defer cancel()
			seq := r.gens.nextSeq()
			asked := r.clock.Now()
			raw, err := r.rdb.Get(rctx, gk).Result()
			if errors.Is(err, redis.Nil) {
				raw, err = "0", nil
			}
			if err != nil {
				r.fail(err)
				return nil, err
			}
			gen, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				r.stats.errors.Add(1)
				r.log.Debug("analytics: cache: bad generation in Redis", "key", gk, "error", err)
				return nil, err
			}
			r.genReads.Add(1)
			return st.observe(r.gens, seq, gen, asked), nil
		})
		if err == nil {
			return v.(stamp), true
		}
	}
	s, _ := st.read(r.clock.Now(), r.bound)
	return s, false
}

// invalidate INCRs the generation under gk. An error means it is not known
// to have reached Redis.
func (r *redisTier) invalidate(ctx context.Context, gk string, st *genState) error {
	if !r.usable(ctx) {
		return errDegraded
	}
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	seq := r.gens.nextSeq()
	asked := r.clock.Now()
	n, err := r.rdb.Incr(rctx, gk).Result()
	if err != nil {
		r.fail(err)
		return err
	}
	st.observe(r.gens, seq, n, asked)
	return nil
}

// Health.

// ctx bounds one Redis operation by the timeout. It is detached from the
// caller's cancellation, so that a failure is Redis's own and not mistaken
// for an outage; the timeout still bounds the caller's wait.
func (r *redisTier) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
}

// usable reports whether the caller may use Redis now. While the tier is
// degraded it says no until the backoff has passed since the last failure;
// then one caller probes Redis (applying pending invalidations, or with
// PING) and, if that works, the tier is healthy again. Pending
// invalidations are applied before anyone reads Redis.
func (r *redisTier) usable(ctx context.Context) bool {
	if r.degraded.Load() {
		now := r.clock.Now().UnixNano()
		at := r.retryAt.Load()
		if now < at || !r.retryAt.CompareAndSwap(at, now+int64(r.backoff)) {
			return false
		}
		var err error
		if r.pendingN.Load() > 0 {
			err = r.flushPending(ctx)
		} else {
			rctx, cancel := r.ctx(ctx)
			err = r.rdb.Ping(rctx).Err()
			cancel()
		}
		if err != nil {
			r.fail(err)
			return false
		}
		if r.degraded.Swap(false) {
			// Redis may have lost generations meanwhile (a restart, or a
			// failover that dropped INCRs its replica had not received)
			// and counted back up to ones this process saw before: start
			// a new epoch for every team, so that no memory entry stored
			// under one is served again.
			r.gens.bumpAll()
			r.log.Info("analytics: cache: Redis is reachable again")
		}
	}
	if r.pendingN.Load() > 0 {
		if err := r.flushPending(ctx); err != nil {
			r.fail(err)
			return false
		}
	}
	return true
}

// fail counts a failed Redis operation and makes the tier degraded for
// the backoff. On a cluster client it also asks for the cluster's slot map
// to be reloaded (see stateReloader).
func (r *redisTier) fail(err error) {
	if sr, ok := r.rdb.(stateReloader); ok {
		sr.ReloadState(context.Background())
	}
	r.stats.errors.Add(1)
	r.stats.fallbacks.Add(1)
	r.retryAt.Store(r.clock.Now().UnixNano() + int64(r.backoff))
	if !r.degraded.Swap(true) {
		r.log.Warn("analytics: cache: Redis failed; serving from memory and the source", "error", err, "backoff", r.backoff)
	} else {
		r.log.Debug("analytics: cache: Redis failed again", "error", err)
	}
}

// stateReloader is a client with a slot map, such as *redis.ClusterClient.
// go-redis reloads the map on MOVED or READONLY, and otherwise only every
// ClusterStateReloadInterval (60 s by default): a master that dies without
// answering (connection refused, timeouts) is still sent every command of
// its slots after its replica has been promoted. ReloadState starts one
// reload in the background, at most one at a time.
type stateReloader interface {
	ReloadState(ctx context.Context)
}

// addPending remembers an invalidation of team, whose generation is under
// gk, that did not reach Redis.
func (r *redisTier) addPending(team, gk string) {
	r.pmu.Lock()
	if _, ok := r.pending[team]; !ok {
		r.pending[team] = gk
		r.pendingN.Add(1)
	}
	r.pmu.Unlock()
}

// flushPending INCRs the generation of every team whose invalidation did
// not reach Redis, in one pipeline. Flushes are serialized, so a caller
// that finds nothing pending knows an earlier flush has finished.
func (r *redisTier) flushPending(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.pmu.Lock()
	teams := make(map[string]string, len(r.pending))
	for t, gk := range r.pending {
		teams[t] = gk
	}
	clear(r.pending)
	r.pendingN.Store(0)
	r.pmu.Unlock()
	if len(teams) == 0 {
		return nil
	}
	rctx, cancel := r.ctx(ctx)
	defer cancel()
	seq := r.gens.nextSeq()
	asked := r.clock.Now()
	cmds := make(map[string]*redis.IntCmd, len(teams))
	_, err := r.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
		for t, gk := range teams {
			cmds[t] = p.Incr(rctx, gk)
		}
		return nil
	})
	if err != nil {
		for t, gk := range teams {
			r.addPending(t, gk)
		}
		return err
	}
	for t, cmd := range cmds {
		r.gens.get(t).observe(r.gens, seq, cmd.Val(), asked)
	}
	r.log.Info("analytics: cache: applied invalidations made while Redis was unreachable", "teams", len(teams))
	return nil
}
