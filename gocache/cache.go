package gocache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msgstats/analytics"
)

// Cache is the tiered analytics.Cache: a memory tier (a gocache store) in
// front of a shared Redis, either of which may be turned off. See the
// package documentation for its guarantees. Make one with New; it is safe
// for concurrent use.
//
// When Redis fails or exceeds Config.RedisTimeout, the cache turns
// degraded: for Config.RedisBackoff it serves from memory and the load
// functions without trying Redis, then one caller probes Redis again;
// errors are counted (Stats), logged, and never returned from Get, Set or
// Load. While degraded the cache keeps using the generations it last read,
// so its memory entries stay served until their own expiry or until Redis
// is back, whichever is first: then every team starts a new local epoch,
// as Redis may have lost generations meanwhile (a restart, a failover) and
// counted back up to ones this cache saw. Invalidations made here
// meanwhile are applied locally at once, and sent to Redis when it is
// back, before any entry is read from it again.
type Cache struct {
	cfg     *Config
	clock   analytics.Clock
	log     *slog.Logger
	mem     *memoryTier // nil when disabled
	l2      *redisTier  // nil without Redis
	gens    genTable
	flights flightGroup
	stats   counters

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ analytics.Cache = (*Cache)(nil)

// New returns a Cache configured by cfg (nil: memory only, with defaults).
// Invalid settings give an error wrapping analytics.ErrInvalidArgument
// that names the field, e.g. "Config.Prefix". It does no I/O.
func New(cfg *Config) (*Cache, error) {
	r := cfg.WithDefaults()
	if err := r.validate(); err != nil {
		return nil, err
	}
	c := &Cache{cfg: r, clock: r.Clock, log: r.Logger}
	c.gens.init()
	c.flights.init(r.LoadTimeout, &c.stats)
	if !r.DisableL1 {
		mem, err := newMemoryTier(r, &c.stats.l1)
		if err != nil {
			return nil, err
		}
		c.mem = mem
	}
	if r.Redis != nil {
		c.l2 = newRedisTier(r, &c.stats.l2, &c.gens)
	}
	return c, nil
}

// Degraded reports whether the cache is currently serving without Redis
// because a Redis operation failed or timed out within the last backoff. It
// is always false for a memory-only cache.
func (c *Cache) Degraded() bool { return c.l2 != nil && c.l2.degraded.Load() }

// Get implements analytics.Cache.
func (c *Cache) Get(ctx context.Context, key analytics.CacheKey) ([]byte, bool, error) {
	if _, err := c.prepare(ctx, key, 0, false); err != nil {
		return nil, false, err
	}
	val, ok, _ := c.lookup(ctx, key, true)
	return val, ok, nil
}

// Set implements analytics.Cache. It writes under the team's generation as
// currently known (re-read from Redis if older than InvalidationBound).
func (c *Cache) Set(ctx context.Context, key analytics.CacheKey, val []byte, ttl time.Duration) error {
	ttl, err := c.prepare(ctx, key, ttl, true)
	if err != nil {
		return err
	}
	st := c.gens.get(key.TeamID)
	s, fresh := st.read(c.clock.Now(), c.cfg.InvalidationBound)
	if !fresh && c.l2 != nil {
		s, _ = c.l2.refreshGen(ctx, genKey(c.cfg.Prefix, key.TeamID), st)
	}
	c.store(ctx, key, s, val, ttl)
	return nil
}

// Load implements analytics.Cache.
func (c *Cache) Load(ctx context.Context, key analytics.CacheKey, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if load == nil {
		return nil, invalid("load", "is nil")
	}
	ttl, err := c.prepare(ctx, key, ttl, true)
	if err != nil {
		return nil, err
	}
	val, ok, s := c.lookup(ctx, key, true)
	if ok {
		return val, nil
	}
	// The flight is keyed by the stamp too: a caller that comes after an
	// invalidation must not join a load that began before it.
	return c.flights.do(ctx, valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), func(lctx context.Context) ([]byte, error) {
		// Look again: a flight that just ended may have stored the key.
		val, ok, s := c.lookup(lctx, key, false)
		if ok {
			return val, nil
		}
		c.stats.loadCalls.Add(1)
		val, err := callLoad(lctx, load)
		if err != nil {
			c.stats.loadErrors.Add(1)
			return nil, err
		}
		c.store(lctx, key, s, val, ttl)
		return val, nil
	})
}

// InvalidateTeam implements analytics.Cache: one INCR of the team's
// generation in Redis. With no Redis, or when Redis cannot be reached, it
// bumps the team's local epoch so this process stops serving the team's
// entries at once; without Redis that is the whole invalidation and it
// returns nil; with Redis unreachable it returns an error wrapping
// analytics.ErrCacheUnavailable and remembers the team, to INCR its
// generation when Redis is back.
func (c *Cache) InvalidateTeam(ctx context.Context, teamID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if err := analytics.ValidateID("teamID", teamID); err != nil {
		return err
	}
	if c.closed.Load() {
		return fmt.Errorf("analytics: cache: %w", analytics.ErrClosed)
	}
	c.stats.invalidations.Add(1)
	st := c.gens.get(teamID)
	if c.l2 == nil {
		st.bump(&c.gens)
		return nil
	}
	gk := genKey(c.cfg.Prefix, teamID)
	err := c.l2.invalidate(ctx, gk, st)
	if err == nil {
		return nil
	}
	// Not applied in Redis (or not known to be): stop serving locally now
	// and remember to apply it when Redis answers again.
	st.bump(&c.gens)
	c.stats.invalidationErrors.Add(1)
	c.l2.addPending(teamID, gk)
	return fmt.Errorf("%w: invalidation of team %s reached this process only: %w", analytics.ErrCacheUnavailable, analytics.TeamScope(teamID), err)
}

// Close implements analytics.Cache. It cancels the contexts of running
// loads, waits for them to return, and closes the default memory tier (a
// Config.Memory store is the host's and stays open).
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.flights.close()
		if c.mem != nil {
			c.closeErr = c.mem.close()
		}
	})
	return c.closeErr
}

// prepare validates key and resolves ttl (only when wantTTL); see
// prepareCall.
func (c *Cache) prepare(ctx context.Context, key analytics.CacheKey, ttl time.Duration, wantTTL bool) (time.Duration, error) {
	return prepareCall(ctx, key, ttl, wantTTL, c.cfg.TTLs, &c.closed)
}

// lookup reads key from memory, then Redis (backfilling memory), and
// returns the stamp it was read under, which a Load stores its result
// under. record=false leaves the hit and miss counters alone (a flight's
// second look).
func (c *Cache) lookup(ctx context.Context, key analytics.CacheKey, record bool) ([]byte, bool, stamp) {
	now := c.clock.Now()
	st := c.gens.get(key.TeamID)
	s, fresh := st.read(now, c.cfg.InvalidationBound)
	if c.mem != nil {
		if !fresh && c.l2 != nil {
			var verified bool
			if s, verified = c.l2.refreshGen(ctx, genKey(c.cfg.Prefix, key.TeamID), st); !verified && record {
				c.stats.l1.fallbacks.Add(1)
			}
		}
		if val, ok := c.mem.get(ctx, valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), now, record); ok {
			return val, true, s
		}
	}
	if c.l2 == nil {
		return nil, false, s
	}
	if !c.l2.usable(ctx) {
		c.stats.l2.fallbacks.Add(1)
		return nil, false, s
	}
	entry, val, s, ok := c.l2.get(ctx, key, c.cfg.Prefix, st, s, now, record)
	if ok && c.mem != nil {
		c.mem.set(ctx, valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), entry, entryTTL(entry, now))
	}
	return val, ok, s
}

// store writes val under key in both tiers, under the stamp s.
func (c *Cache) store(ctx context.Context, key analytics.CacheKey, s stamp, val []byte, ttl time.Duration) {
	entry := encodeEntry(c.clock.Now().Add(ttl), val)
	if c.mem != nil {
		c.mem.set(ctx, valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), entry, ttl)
	}
	if c.l2 == nil {
		return
	}
	if !c.l2.usable(ctx) {
		c.stats.l2.fallbacks.Add(1)
		return
	}
	c.l2.set(ctx, valueKey(c.cfg.Prefix, key, s.gen, false, 0), entry, ttl)
}

// errDegraded stands for a Redis operation not tried because the cache is
// degraded.
var errDegraded = errors.New("redis is unreachable; not tried during backoff")
