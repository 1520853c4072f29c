package analytics

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tiers of TieredCache: entry encoding, generation tracking, the memory
// and Redis reads and writes, and the health of the Redis tier.

// An entry, in memory and in Redis alike, is one version byte, the expiry
// as big-endian Unix nanoseconds of the configured Clock, then the value.
const (
	entryVersion = 1
	entryHeader  = 9
)

func encodeEntry(expiry time.Time, val []byte) []byte {
	b := make([]byte, entryHeader+len(val))
	b[0] = entryVersion
	binary.BigEndian.PutUint64(b[1:], uint64(expiry.UnixNano()))
	copy(b[entryHeader:], val)
	return b
}

// decodeEntry splits an entry; ok is false for bytes that are not one.
func decodeEntry(b []byte) (expiry int64, val []byte, ok bool) {
	if len(b) < entryHeader || b[0] != entryVersion {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b[1:])), b[entryHeader:], true
}

// stamp is what a key is written and read under: the team's generation in
// Redis, and its local epoch in this process.
type stamp struct {
	gen   int64
	epoch uint64
}

// maxTrackedTeams bounds the generation table. When it is full the table
// is emptied: every team then starts a new epoch, which only costs misses.
const maxTrackedTeams = 1 << 16

// genTable tracks, per team, the last generation read from Redis and the
// local epoch. Epochs are drawn from one process-wide counter, so a team's
// new state never reuses an epoch of an old one: a local invalidation, a
// generation that went backwards (Redis lost its data) or a dropped table
// entry all make the team's earlier memory entries unreachable.
type genTable struct {
	mu     sync.RWMutex
	m      map[string]*genState
	epochs atomic.Uint64
	seq    atomic.Uint64 // orders Redis reads of generations by send time
}

type genState struct {
	mu      sync.Mutex
	gen     int64
	epoch   uint64
	seq     uint64    // of the read that set gen; 0: never read
	checked time.Time // when that read was answered
}

func (t *genTable) init() { t.m = make(map[string]*genState) }

func (t *genTable) nextSeq() uint64 { return t.seq.Add(1) }

// get returns the state of team, creating it.
func (t *genTable) get(team string) *genState {
	t.mu.RLock()
	st := t.m[team]
	t.mu.RUnlock()
	if st != nil {
		return st
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st = t.m[team]; st == nil {
		if len(t.m) >= maxTrackedTeams {
			t.m = make(map[string]*genState)
		}
		st = &genState{epoch: t.epochs.Add(1)}
		t.m[team] = st
	}
	return st
}

// read returns the current stamp, and whether its generation was read from
// Redis less than bound before now.
func (st *genState) read(now time.Time, bound time.Duration) (stamp, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return stamp{st.gen, st.epoch}, st.seq != 0 && now.Sub(st.checked) < bound
}

// bump starts a new local epoch.
func (st *genState) bump(t *genTable) {
	e := t.epochs.Add(1)
	st.mu.Lock()
	st.epoch = e
	st.mu.Unlock()
}

// observe records gen, read from Redis by the request numbered seq, and
// returns the current stamp. An answer to a request sent before the one
// already recorded is ignored; a generation lower than the recorded one
// means Redis lost its data, and starts a new epoch.
func (st *genState) observe(t *genTable, seq uint64, gen int64, now time.Time) stamp {
	st.mu.Lock()
	defer st.mu.Unlock()
	if seq > st.seq {
		if st.seq != 0 && gen < st.gen {
			st.epoch = t.epochs.Add(1)
		}
		st.gen, st.seq, st.checked = gen, seq, now
	}
	return stamp{st.gen, st.epoch}
}

// lookup reads key from memory, then Redis, and returns the stamp it was
// read under, which a Load stores its result under. record=false leaves
// the hit and miss counters alone (a flight's second look).
func (c *TieredCache) lookup(ctx context.Context, key CacheKey, record bool) ([]byte, bool, stamp) {
	now := c.clock.Now()
	st := c.gens.get(key.TeamID)
	s, fresh := st.read(now, c.cfg.InvalidationBound)
	if c.l1 != nil {
		if !fresh && c.rdb != nil {
			var verified bool
			if s, verified = c.refreshGen(ctx, key.TeamID, st); !verified && record {
				c.stats.l1.fallbacks.Add(1)
			}
		}
		if val, ok := c.l1Get(valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), now, record); ok {
			return val, true, s
		}
	}
	if c.rdb == nil {
		return nil, false, s
	}
	if !c.redisUsable(ctx) {
		c.stats.l2.fallbacks.Add(1)
		return nil, false, s
	}
	return c.l2Get(ctx, key, st, s, now, record)
}

func (c *TieredCache) l1Get(k string, now time.Time, record bool) ([]byte, bool) {
	b, err := c.l1.Get(k)
	if err != nil { // bigcache.ErrEntryNotFound is its only error
		if record {
			c.stats.l1.misses.Add(1)
		}
		return nil, false
	}
	exp, val, ok := decodeEntry(b)
	switch {
	case !ok:
		c.stats.l1.errors.Add(1)
		c.log.Debug("analytics: cache: undecodable memory entry", "key", k)
	case now.UnixNano() >= exp:
		if record {
			c.stats.l1.expired.Add(1)
		}
	default:
		if record {
			c.stats.l1.hits.Add(1)
		}
		return val, true
	}
	if record {
		c.stats.l1.misses.Add(1)
	}
	return nil, false
}

// l2Get reads the team's generation and the value under the generation
// hint.gen in one MGET (one round trip, one slot thanks to the hash tag),
// and reads again under the current generation if the hint was stale.
func (c *TieredCache) l2Get(ctx context.Context, key CacheKey, st *genState, hint stamp, now time.Time, record bool) ([]byte, bool, stamp) {
	rctx, cancel := c.redisCtx(ctx)
	defer cancel()
	seq := c.gens.nextSeq()
	res, err := c.rdb.MGet(rctx, genKey(c.cfg.Prefix, key.TeamID), valueKey(c.cfg.Prefix, key, hint.gen, false, 0)).Result()
	if err != nil {
		c.redisError(err)
		return nil, false, hint
	}
	gen, err := parseGen(res[0])
	if err != nil {
		c.stats.l2.errors.Add(1)
		c.log.Debug("analytics: cache: bad generation in Redis", "team", key.TeamID, "error", err)
		return nil, false, hint
	}
	s := st.observe(&c.gens, seq, gen, now)
	raw, _ := res[1].(string)
	if s.gen != hint.gen {
		raw, err = c.rdb.Get(rctx, valueKey(c.cfg.Prefix, key, s.gen, false, 0)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			c.redisError(err)
			return nil, false, s
		}
	}
	if raw == "" {
		if record {
			c.stats.l2.misses.Add(1)
		}
		return nil, false, s
	}
	b := []byte(raw)
	exp, val, ok := decodeEntry(b)
	switch {
	case !ok:
		c.stats.l2.errors.Add(1)
		c.log.Debug("analytics: cache: undecodable Redis entry", "team", key.TeamID, "kind", key.Kind)
	case now.UnixNano() >= exp:
		if record {
			c.stats.l2.expired.Add(1)
		}
	default:
		if record {
			c.stats.l2.hits.Add(1)
		}
		if c.l1 != nil {
			c.l1Set(valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), b)
		}
		return val, true, s
	}
	if record {
		c.stats.l2.misses.Add(1)
	}
	return nil, false, s
}

// parseGen reads a generation counter as MGET returns it: nil for none.
func parseGen(v any) (int64, error) {
	if v == nil {
		return 0, nil
	}
	s, _ := v.(string)
	return strconv.ParseInt(s, 10, 64)
}

// store writes val under key in both tiers, under the stamp s.
func (c *TieredCache) store(ctx context.Context, key CacheKey, s stamp, val []byte, ttl time.Duration) {
	entry := encodeEntry(c.clock.Now().Add(ttl), val)
	if c.l1 != nil {
		c.l1Set(valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), entry)
	}
	if c.rdb == nil {
		return
	}
	if !c.redisUsable(ctx) {
		c.stats.l2.fallbacks.Add(1)
		return
	}
	rctx, cancel := c.redisCtx(ctx)
	defer cancel()
	if err := c.rdb.Set(rctx, valueKey(c.cfg.Prefix, key, s.gen, false, 0), entry, max(ttl, time.Millisecond)).Err(); err != nil {
		c.redisError(err)
		return
	}
	c.stats.l2.sets.Add(1)
}

func (c *TieredCache) l1Set(k string, entry []byte) {
	if err := c.l1.Set(k, entry); err != nil {
		c.stats.l1.errors.Add(1)
		c.log.Debug("analytics: cache: memory tier refused an entry", "bytes", len(entry), "error", err)
		return
	}
	c.stats.l1.sets.Add(1)
}

// refreshGen re-reads the team's generation from Redis (once for all
// concurrent callers) and returns the stamp to use, and whether it was
// verified in Redis just now.
func (c *TieredCache) refreshGen(ctx context.Context, team string, st *genState) (stamp, bool) {
	if c.redisUsable(ctx) {
		v, err, _ := c.genFlights.Do(team, func() (any, error) {
			rctx, cancel := c.redisCtx(ctx)
			defer cancel()
			seq := c.gens.nextSeq()
			// The answer is as of when it was asked for: an invalidation
			// may land between Redis answering and the answer arriving,
			// so trusting it from its arrival would stretch the bound.
			asked := c.clock.Now()
			raw, err := c.rdb.Get(rctx, genKey(c.cfg.Prefix, team)).Result()
			if errors.Is(err, redis.Nil) {
				raw, err = "0", nil
			}
			if err != nil {
				c.redisError(err)
				return nil, err
			}
			gen, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				c.stats.l2.errors.Add(1)
				c.log.Debug("analytics: cache: bad generation in Redis", "team", team, "error", err)
				return nil, err
			}
			c.stats.genReads.Add(1)
			return st.observe(&c.gens, seq, gen, asked), nil
		})
		if err == nil {
			return v.(stamp), true
		}
	}
	s, _ := st.read(c.clock.Now(), c.cfg.InvalidationBound)
	return s, false
}

// errDegraded stands for a Redis operation not tried because the cache is
// degraded.
var errDegraded = errors.New("redis is unreachable; not tried during backoff")

// redisCtx bounds one Redis operation by RedisTimeout. It is detached from
// the caller's cancellation, so that a failure is Redis's own and not
// mistaken for an outage; the timeout still bounds the caller's wait.
func (c *TieredCache) redisCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.cfg.RedisTimeout)
}

// redisUsable reports whether the caller may use Redis now. While the
// cache is degraded it says no until RedisBackoff has passed since the last
// failure; then one caller probes Redis (applying pending invalidations, or
// with PING) and, if that works, the cache is healthy again. Pending
// invalidations are applied before anyone reads Redis.
func (c *TieredCache) redisUsable(ctx context.Context) bool {
	if c.degraded.Load() {
		now := c.clock.Now().UnixNano()
		at := c.retryAt.Load()
		if now < at || !c.retryAt.CompareAndSwap(at, now+int64(c.cfg.RedisBackoff)) {
			return false
		}
		var err error
		if c.pendingN.Load() > 0 {
			err = c.flushPending(ctx)
		} else {
			rctx, cancel := c.redisCtx(ctx)
			err = c.rdb.Ping(rctx).Err()
			cancel()
		}
		if err != nil {
			c.redisError(err)
			return false
		}
		if c.degraded.Swap(false) {
			c.log.Info("analytics: cache: Redis is reachable again")
		}
	}
	if c.pendingN.Load() > 0 {
		if err := c.flushPending(ctx); err != nil {
			c.redisError(err)
			return false
		}
	}
	return true
}

func (c *TieredCache) addPending(team string) {
	c.pmu.Lock()
	if _, ok := c.pending[team]; !ok {
		c.pending[team] = struct{}{}
		c.pendingN.Add(1)
	}
	c.pmu.Unlock()
}

// flushPending INCRs the generation of every team whose invalidation did
// not reach Redis, in one pipeline. Flushes are serialized, so a caller
// that finds nothing pending knows an earlier flush has finished.
func (c *TieredCache) flushPending(ctx context.Context) error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.pmu.Lock()
	teams := make([]string, 0, len(c.pending))
	for t := range c.pending {
		teams = append(teams, t)
	}
	clear(c.pending)
	c.pendingN.Store(0)
	c.pmu.Unlock()
	if len(teams) == 0 {
		return nil
	}
	rctx, cancel := c.redisCtx(ctx)
	defer cancel()
	seq := c.gens.nextSeq()
	asked := c.clock.Now() // see refreshGen
	cmds := make([]*redis.IntCmd, len(teams))
	_, err := c.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
		for i, t := range teams {
			cmds[i] = p.Incr(rctx, genKey(c.cfg.Prefix, t))
		}
		return nil
	})
	if err != nil {
		for _, t := range teams {
			c.addPending(t)
		}
		return err
	}
	for i, t := range teams {
		c.gens.get(t).observe(&c.gens, seq, cmds[i].Val(), asked)
	}
	c.log.Info("analytics: cache: applied invalidations made while Redis was unreachable", "teams", len(teams))
	return nil
}

// redisError counts a failed Redis operation and makes the cache degraded
// for RedisBackoff.
func (c *TieredCache) redisError(err error) {
	c.stats.l2.errors.Add(1)
	c.stats.l2.fallbacks.Add(1)
	c.redisFailed(err)
}

func (c *TieredCache) redisFailed(err error) {
	c.retryAt.Store(c.clock.Now().UnixNano() + int64(c.cfg.RedisBackoff))
	if !c.degraded.Swap(true) {
		c.log.Warn("analytics: cache: Redis failed; serving from memory and the source", "error", err, "backoff", c.cfg.RedisBackoff)
	} else {
		c.log.Debug("analytics: cache: Redis failed again", "error", err)
	}
}
