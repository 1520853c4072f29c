package gocache

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/eko/gocache/lib/v4/store"
	"github.com/msgstats/analytics"
	"github.com/redis/go-redis/v9"
)

// Defaults of Config.
const (
	// DefaultPrefix is the default first segment of every Redis key.
	DefaultPrefix = "analytics"
	// DefaultInvalidationBound is how long a replica may serve from memory
	// after another replica invalidated the team: 1 s.
	DefaultInvalidationBound = time.Second
	// DefaultRedisTimeout bounds each Redis operation: 100 ms.
	DefaultRedisTimeout = 100 * time.Millisecond
	// DefaultRedisBackoff is how long a degraded cache leaves Redis alone
	// before trying it again: 1 s.
	DefaultRedisBackoff = time.Second
	// DefaultLoadTimeout bounds one run of a Load function: 10 s.
	DefaultLoadTimeout = 10 * time.Second
	// DefaultL1Shards is the default number of shards of the default
	// memory tier.
	DefaultL1Shards = 64
	// DefaultL1MaxMB is the default size limit of the default memory tier,
	// in MiB.
	DefaultL1MaxMB = 256
)

// maxPrefixLength is the longest Config.Prefix accepted, in bytes.
const maxPrefixLength = 256

// Config configures a Cache. The zero value (or nil) is an in-process cache
// with the default TTL tiers.
type Config struct {
	// Redis is the shared second tier, supplied and owned by the host (a
	// *redis.Client, *redis.ClusterClient, *redis.Ring, …); Close does not
	// close it. Defaults to nil: memory only, and InvalidateTeam then
	// reaches this process only.
	//
	// Its options must have ContextTimeoutEnabled set, or go-redis ignores
	// the deadlines that RedisTimeout puts on each operation and a hung
	// Redis blocks callers for the client's ReadTimeout; New rejects a
	// *redis.Client or *redis.ClusterClient without it. A typed nil (a nil
	// *redis.Client, as a variable left unset when no Redis URL was
	// configured gives) is rejected too: assign the client only once it is
	// built, as in
	//
	//	opts, err := redis.ParseURL(url) // url from the host's config
	//	if err != nil {
	//		return err
	//	}
	//	opts.ContextTimeoutEnabled = true
	//	cfg.Redis = redis.NewClient(opts)
	//
	// On a *redis.ClusterClient every key of a team hashes to the team's
	// slot (see the package documentation), and a failed Redis call also
	// asks the client to reload its slot map, so that the cache finds a
	// promoted replica as soon as the cluster has one.
	Redis redis.UniversalClient

	// Memory is the memory tier: any gocache store, owned by the host
	// (Close does not close it, and the cache never calls its Clear). The
	// cache writes its own entries under its own keys with
	// store.WithExpiration and reads them back as []byte or string; it
	// checks each entry's expiry itself, so a store that ignores TTLs is
	// fine, and it copies what it reads, so a store may return its stored
	// slice. Defaults to gocache's bigcache store over a bigcache of
	// L1Shards shards and L1MaxMB MiB, made by New and closed by Close.
	Memory store.StoreInterface

	// DisableL1 turns the memory tier off, leaving Redis alone (which then
	// must be set, and Memory must be nil). Defaults to false.
	DisableL1 bool

	// Prefix is the first segment of every Redis key: 1–256 bytes of
	// A–Z a–z 0–9 and "-_.:". Caches sharing a Redis and a Prefix share
	// entries and invalidations. Defaults to DefaultPrefix ("analytics").
	Prefix string

	// TTLs are the TTL tiers, used when Set or Load is given a ttl of 0.
	// Zero fields take their defaults: see analytics.CacheTTLs (30 s,
	// 5 min, 1 h, 5 min).
	TTLs analytics.CacheTTLs

	// InvalidationBound is how long this cache may keep serving from memory
	// the entries of a team that another replica invalidated: the longest it
	// trusts a team's generation number read from Redis. Each team's
	// generation is re-read at most once per bound on memory hits. Defaults
	// to DefaultInvalidationBound (1 s).
	InvalidationBound time.Duration

	// RedisTimeout bounds every Redis operation; one that takes longer
	// counts as a failure. Defaults to DefaultRedisTimeout (100 ms).
	RedisTimeout time.Duration

	// RedisBackoff is how long after a failed Redis operation the cache
	// stays degraded, serving from memory and the load functions without
	// trying Redis; then one caller probes it. Measured on Clock. Defaults
	// to DefaultRedisBackoff (1 s).
	RedisBackoff time.Duration

	// LoadTimeout bounds one run of a Load function (its context's
	// deadline). Defaults to DefaultLoadTimeout (10 s).
	LoadTimeout time.Duration

	// L1Shards is the number of shards of the default memory tier, a power
	// of two; it is ignored when Memory is set. More shards mean less lock
	// contention, but a smaller largest entry: see L1MaxMB. Defaults to
	// DefaultL1Shards (64).
	L1Shards int

	// L1MaxMB caps the default memory tier's entry storage, in MiB; the
	// oldest entries are evicted to make room. It is ignored when Memory is
	// set. It is split evenly among the shards, and an entry must fit in
	// one shard, so the largest value the tier holds is a little under
	// L1MaxMB MiB / L1Shards (4 MiB with the defaults), less its key;
	// larger values are served from Redis only, and counted in
	// Stats.L1.Errors. Defaults to DefaultL1MaxMB (256).
	L1MaxMB int

	// Clock tells the time for entry expiry, generation freshness and
	// backoff. Defaults to analytics.SystemClock().
	Clock analytics.Clock

	// Logger receives the cache's structured logs: a Warn when Redis
	// becomes unreachable, an Info when it is back, Debug for other tier
	// errors. Defaults to discarding them.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every zero field set to its
// default. It is nil-safe: a nil c gives the defaults.
func (c *Config) WithDefaults() *Config {
	var r Config
	if c != nil {
		r = *c
	}
	r.TTLs = r.TTLs.WithDefaults()
	if r.Prefix == "" {
		r.Prefix = DefaultPrefix
	}
	setDuration(&r.InvalidationBound, DefaultInvalidationBound)
	setDuration(&r.RedisTimeout, DefaultRedisTimeout)
	setDuration(&r.RedisBackoff, DefaultRedisBackoff)
	setDuration(&r.LoadTimeout, DefaultLoadTimeout)
	if r.L1Shards == 0 {
		r.L1Shards = DefaultL1Shards
	}
	if r.L1MaxMB == 0 {
		r.L1MaxMB = DefaultL1MaxMB
	}
	if r.Clock == nil {
		r.Clock = analytics.SystemClock()
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return &r
}

func setDuration(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// validate checks a Config that WithDefaults returned; an error wraps
// analytics.ErrInvalidArgument and names the first invalid field.
func (c *Config) validate() error {
	for _, dep := range []struct {
		name string
		v    any
	}{{"Config.Clock", c.Clock}, {"Config.Redis", c.Redis}, {"Config.Memory", c.Memory}} {
		if dep.v != nil && isNil(dep.v) {
			return invalid(dep.name, "is a nil %T; build it first, or leave the field nil", dep.v)
		}
	}
	switch {
	case c.DisableL1 && c.Redis == nil:
		return invalid("Config.DisableL1", "leaves no tier: Redis is nil")
	case c.DisableL1 && c.Memory != nil:
		return invalid("Config.Memory", "is set while DisableL1 turns the memory tier off")
	case len(c.Prefix) > maxPrefixLength || strings.IndexFunc(c.Prefix, func(r rune) bool {
		return r >= 0x80 || !keySafe(byte(r), true)
	}) >= 0:
		return invalid("Config.Prefix", "%q must be 1–%d bytes of A–Z a–z 0–9 and \"-_.:\"", c.Prefix, maxPrefixLength)
	case c.L1Shards < 0 || c.L1Shards&(c.L1Shards-1) != 0:
		return invalid("Config.L1Shards", "is %d; it must be a power of two", c.L1Shards)
	case c.L1MaxMB < 0:
		return invalid("Config.L1MaxMB", "is negative (%d)", c.L1MaxMB)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"Config.TTLs.RealTime", c.TTLs.RealTime},
		{"Config.TTLs.Dashboard", c.TTLs.Dashboard},
		{"Config.TTLs.Snapshots", c.TTLs.Snapshots},
		{"Config.TTLs.Campaigns", c.TTLs.Campaigns},
		{"Config.InvalidationBound", c.InvalidationBound},
		{"Config.RedisTimeout", c.RedisTimeout},
		{"Config.RedisBackoff", c.RedisBackoff},
		{"Config.LoadTimeout", c.LoadTimeout},
	} {
		if d.v < 0 {
			return invalid(d.name, "is negative (%v)", d.v)
		}
	}
	return validateRedisOptions(c.Redis)
}

// validateRedisOptions rejects a client whose options make go-redis ignore
// context deadlines.
func validateRedisOptions(rdb redis.UniversalClient) error {
	var ctxTimeouts, known bool
	switch rc := rdb.(type) {
	case *redis.Client:
		known, ctxTimeouts = true, rc.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		known, ctxTimeouts = true, rc.Options().ContextTimeoutEnabled
	case *redis.Ring:
		known, ctxTimeouts = true, rc.Options().ContextTimeoutEnabled
	}
	if known && !ctxTimeouts {
		return invalid("Config.Redis", "has ContextTimeoutEnabled=false, so RedisTimeout could not bound a slow Redis; set it in the client's options")
	}
	return nil
}

// invalid returns an *analytics.FieldError for field, with a formatted
// reason.
func invalid(field, format string, args ...any) error {
	return &analytics.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// isNil reports whether v is nil or holds a nil pointer, map, slice,
// channel or function: a typed nil, which compares unequal to nil but
// panics on use.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}
