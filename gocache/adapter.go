package gocache

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/store"
	"github.com/msgstats/analytics"
)

// AdapterConfig configures Adapt. The zero value (or nil) gives the
// defaults.
type AdapterConfig struct {
	// Prefix is the first segment of every key the adapter writes: 1–256
	// bytes of A–Z a–z 0–9 and "-_.:". Defaults to DefaultPrefix
	// ("analytics").
	Prefix string

	// TTLs are the TTL tiers, used when Set or Load is given a ttl of 0.
	// Zero fields take their defaults: see analytics.CacheTTLs (30 s,
	// 5 min, 1 h, 5 min).
	TTLs analytics.CacheTTLs

	// LoadTimeout bounds one run of a Load function (its context's
	// deadline). Defaults to DefaultLoadTimeout (10 s).
	LoadTimeout time.Duration

	// Clock tells the time for entry expiry and invalidation. Defaults to
	// analytics.SystemClock().
	Clock analytics.Clock

	// Logger receives Debug logs of the errors of the host's cache, which
	// the adapter never returns. Defaults to discarding them.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every zero field set to its
// default. It is nil-safe: a nil c gives the defaults.
func (c *AdapterConfig) WithDefaults() *AdapterConfig {
	var r AdapterConfig
	if c != nil {
		r = *c
	}
	full := (&Config{Prefix: r.Prefix, TTLs: r.TTLs, LoadTimeout: r.LoadTimeout, Clock: r.Clock, Logger: r.Logger}).WithDefaults()
	r.Prefix, r.TTLs, r.LoadTimeout, r.Clock, r.Logger = full.Prefix, full.TTLs, full.LoadTimeout, full.Clock, full.Logger
	return &r
}

// validate checks an AdapterConfig that WithDefaults returned; an error
// wraps analytics.ErrInvalidArgument and names the first invalid field.
func (c *AdapterConfig) validate() error {
	full := &Config{Prefix: c.Prefix, TTLs: c.TTLs, LoadTimeout: c.LoadTimeout, Clock: c.Clock}
	full = full.WithDefaults()
	if err := full.validate(); err != nil {
		if fe, ok := err.(*analytics.FieldError); ok {
			return invalid("AdapterConfig."+fe.Field[len("Config."):], "%s", fe.Reason)
		}
		return err
	}
	return nil
}

// Adapt returns an analytics.Cache that keeps its entries in c, a gocache
// cache the host already runs (a cache.Cache over any store, a
// cache.ChainCache of a memory and a Redis store, …). c stays the host's:
// the adapter never closes it and never calls its Clear, Delete or
// Invalidate. Entries are written with store.WithExpiration of their TTL
// under the key scheme of the package documentation at generation 0, so
// processes sharing c's shared tiers share entries.
//
// The adapter keeps these guarantees of Cache:
//   - per-entry expiry: every entry carries its expiry, checked on the
//     configured Clock on every read, so a store that ignores TTLs (gocache's
//     bigcache store) never serves an entry past it;
//   - single flight within this process: concurrent Loads of one key run
//     the load function once, on a context detached from the callers', so a
//     caller that gives up never fails the others;
//   - in this process, InvalidateTeam stops at once the serving of every
//     entry of the team computed before the call, and a load that began
//     before it is returned to its callers but never served to later reads.
//
// It gives up these:
//   - the staleness bound across processes: there are no generation
//     counters, so InvalidateTeam reaches this process only. Another
//     process sharing c keeps serving the team's older entries until their
//     own expiry (the ttl they were stored with), from any tier of c. The
//     entries carry the time they were computed on the writer's Clock, and
//     this process compares it with its own, so a writer whose clock runs
//     ahead can have an older entry served here after an InvalidateTeam;
//   - bounded waits when c is slow: there is no per-operation timeout and
//     no degraded mode, so every call waits for c (bound it in c, e.g. with
//     go-redis's ContextTimeoutEnabled and a deadline on the caller's ctx);
//   - tier statistics: there is no Stats. Errors of c are never returned
//     (a failed read is a miss, a failed write is dropped); they are logged
//     at Debug;
//   - values from a store that returns another type than []byte: a
//     cache.Cache[[]byte] over gocache's redis store (which returns string)
//     gives an empty value for every hit, which the adapter counts as a
//     miss, so in a chain such a tier only ever takes writes. A chain also
//     backfills its earlier tiers in a goroutine on context.Background(),
//     which may write an entry back after a Load here replaced it: the
//     adapter still serves it only until its expiry, and not after an
//     InvalidateTeam made here.
func Adapt(c cache.CacheInterface[[]byte], cfg *AdapterConfig) (analytics.Cache, error) {
	if c == nil || isNil(c) {
		return nil, invalid("c", "is nil; pass the host's gocache cache")
	}
	r := cfg.WithDefaults()
	if err := r.validate(); err != nil {
		return nil, err
	}
	a := &adapter{c: c, cfg: r, invalidated: make(map[string]int64)}
	a.flights.init(r.LoadTimeout, &a.stats)
	return a, nil
}

// adapter is the analytics.Cache that Adapt returns.
type adapter struct {
	c       cache.CacheInterface[[]byte]
	cfg     *AdapterConfig
	flights flightGroup
	stats   counters // only the flight gauges are kept

	// invalidated holds, per team, the Clock Unix nanoseconds of its last
	// InvalidateTeam here; floor applies to every team (the table is
	// emptied into it when full).
	mu          sync.RWMutex
	invalidated map[string]int64
	floor       int64

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ analytics.Cache = (*adapter)(nil)

// Get implements analytics.Cache.
func (a *adapter) Get(ctx context.Context, key analytics.CacheKey) ([]byte, bool, error) {
	if _, err := a.prepare(ctx, key, 0, false); err != nil {
		return nil, false, err
	}
	val, ok := a.lookup(ctx, key)
	return val, ok, nil
}

// Set implements analytics.Cache.
func (a *adapter) Set(ctx context.Context, key analytics.CacheKey, val []byte, ttl time.Duration) error {
	ttl, err := a.prepare(ctx, key, ttl, true)
	if err != nil {
		return err
	}
	a.store(ctx, key, a.cfg.Clock.Now(), val, ttl)
	return nil
}

// Load implements analytics.Cache.
func (a *adapter) Load(ctx context.Context, key analytics.CacheKey, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if load == nil {
		return nil, invalid("load", "is nil")
	}
	ttl, err := a.prepare(ctx, key, ttl, true)
	if err != nil {
		return nil, err
	}
	if val, ok := a.lookup(ctx, key); ok {
		return val, nil
	}
	// Keyed by the team's last invalidation too: a caller that comes after
	// one must not join a load that began before it.
	flight := valueKey(a.cfg.Prefix, key, 0, false, 0) + "|" + strconv.FormatInt(a.invalidatedAt(key.TeamID), 10)
	return a.flights.do(ctx, flight, func(lctx context.Context) ([]byte, error) {
		begun := a.cfg.Clock.Now()
		if val, ok := a.lookup(lctx, key); ok {
			return val, nil
		}
		val, err := callLoad(lctx, load)
		if err != nil {
			return nil, err
		}
		a.store(lctx, key, begun, val, ttl)
		return val, nil
	})
}

// InvalidateTeam implements analytics.Cache, for this process only: see
// Adapt. It does no I/O and returns nil for valid arguments.
func (a *adapter) InvalidateTeam(ctx context.Context, teamID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if err := analytics.ValidateID("teamID", teamID); err != nil {
		return err
	}
	if a.closed.Load() {
		return fmt.Errorf("analytics: cache: %w", analytics.ErrClosed)
	}
	now := a.cfg.Clock.Now().UnixNano()
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.invalidated[teamID]; !ok && len(a.invalidated) >= maxTrackedTeams {
		for _, t := range a.invalidated {
			a.floor = max(a.floor, t)
		}
		clear(a.invalidated)
	}
	a.invalidated[teamID] = now
	return nil
}

// Close implements analytics.Cache: it cancels the contexts of running
// loads and waits for them. It does not close the host's cache.
func (a *adapter) Close() error {
	a.closeOnce.Do(func() {
		a.closed.Store(true)
		a.flights.close()
	})
	return nil
}

// invalidatedAt is the Clock Unix nanoseconds of the team's last
// invalidation here, or 0.
func (a *adapter) invalidatedAt(team string) int64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return max(a.invalidated[team], a.floor)
}

// prepare validates key and resolves ttl (only when wantTTL); see
// prepareCall.
func (a *adapter) prepare(ctx context.Context, key analytics.CacheKey, ttl time.Duration, wantTTL bool) (time.Duration, error) {
	return prepareCall(ctx, key, ttl, wantTTL, a.cfg.TTLs, &a.closed)
}

// lookup reads key from the host's cache; an entry that has expired, or
// was computed before the team's last invalidation here, is a miss.
func (a *adapter) lookup(ctx context.Context, key analytics.CacheKey) ([]byte, bool) {
	k := valueKey(a.cfg.Prefix, key, 0, false, 0)
	b, err := a.c.Get(ctx, k)
	if err != nil {
		if !notFound(err) {
			a.cfg.Logger.Debug("analytics: cache: the host's cache failed a read", "key", k, "error", err)
		}
		return nil, false
	}
	exp, computed, val, ok := decodeAdapterEntry(b)
	if !ok || a.cfg.Clock.Now().UnixNano() >= exp || computed <= a.invalidatedAt(key.TeamID) {
		return nil, false
	}
	return bytes.Clone(val), true
}

// store writes val, computed at computed, under key for ttl.
func (a *adapter) store(ctx context.Context, key analytics.CacheKey, computed time.Time, val []byte, ttl time.Duration) {
	k := valueKey(a.cfg.Prefix, key, 0, false, 0)
	entry := encodeAdapterEntry(a.cfg.Clock.Now().Add(ttl), computed, val)
	if err := a.c.Set(ctx, k, entry, store.WithExpiration(ttl)); err != nil {
		a.cfg.Logger.Debug("analytics: cache: the host's cache refused an entry", "key", k, "bytes", len(entry), "error", err)
	}
}
