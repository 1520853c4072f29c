package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Cache holds computed results as bytes, per team, with a time to live.
// The Service reads through it; TieredCache is the implementation, and a
// host may supply its own. Implementations are safe for concurrent use.
//
// Errors of an underlying tier (Redis down or slow, an entry too large for
// memory) are never returned by Get, Set or Load: they are counted, logged,
// and the caller is served by another tier or by the load function. Those
// methods return errors only for invalid arguments (ErrInvalidArgument, a
// nil ctx included), use
// after Close (ErrClosed), a caller's own context ending, and, for Load, the
// error of the load function.
type Cache interface {
	// Get returns a copy of the bytes stored under key, or ok=false if there
	// are none or they have expired. The caller owns the returned slice.
	Get(ctx context.Context, key CacheKey) (val []byte, ok bool, err error)

	// Set stores val under key for ttl. A ttl of 0 means the configured TTL
	// of key.Kind (see CacheTTLs); a negative ttl, or 0 for a kind with no
	// configured TTL, gives ErrInvalidArgument. Set does not keep val.
	//
	// A value computed before an InvalidateTeam of its team and Set after it
	// is served as if it were fresh: prefer Load, which is free of that race.
	Set(ctx context.Context, key CacheKey, val []byte, ttl time.Duration) error

	// Load returns the value under key, calling load to compute it on a
	// miss and storing the result for ttl (0: the kind's TTL, as for Set).
	// Concurrent Loads of one key on one Cache run load once and share its
	// result; load runs on a context detached from the caller's (its values
	// kept, its cancellation not) with its own timeout, so a caller that
	// gives up returns its ctx.Err() without failing the others.
	//
	// A value whose load began before an InvalidateTeam of its team is
	// returned to the callers of that load but never served to later reads.
	// An error of load is returned to every caller sharing it (as is, so
	// errors.Is works) and is not cached. The caller owns the returned slice.
	Load(ctx context.Context, key CacheKey, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error)

	// InvalidateTeam makes every entry of the team unreachable, for every
	// Cache sharing the same Redis and prefix. If it returns nil, no Cache
	// serves an older entry of the team from Redis, and none from its own
	// memory later than its InvalidationBound after the call returned. An
	// error wrapping ErrCacheUnavailable means other replicas may not have
	// been reached; this Cache still stops serving the team's older entries
	// at once.
	InvalidateTeam(ctx context.Context, teamID string) error

	// Close releases the cache's resources and waits for running loads. It
	// does not close a Redis client the host supplied. Further calls return
	// ErrClosed. Close is idempotent.
	Close() error
}

// ErrCacheUnavailable reports that a cache operation that must reach Redis
// could not: InvalidateTeam returns it (wrapped) when the invalidation
// reached only the local memory tier.
var ErrCacheUnavailable = errors.New("analytics: cache unavailable")

// Cache kinds: the first segment of a key after the prefix, and the kinds
// with a default TTL tier.
const (
	// KindRealTime caches real-time metrics (RealTimeKey); TTL tier
	// CacheTTLs.RealTime.
	KindRealTime = "realtime"
	// KindDashboard caches dashboards (DashboardKey); TTL tier
	// CacheTTLs.Dashboard.
	KindDashboard = "dashboard"
	// KindSnapshots caches snapshot reads (SnapshotsKey); TTL tier
	// CacheTTLs.Snapshots.
	KindSnapshots = "snapshots"
)

// Default TTL tiers, from the original system.
const (
	// DefaultRealTimeTTL is how long real-time metrics are cached: 30 s.
	DefaultRealTimeTTL = 30 * time.Second
	// DefaultDashboardTTL is how long a dashboard is cached: 5 minutes.
	DefaultDashboardTTL = 5 * time.Minute
	// DefaultSnapshotTTL is how long snapshot reads are cached: 1 hour.
	DefaultSnapshotTTL = time.Hour
)

// maxCacheQueryLength is the longest CacheKey.Query accepted, in bytes.
const maxCacheQueryLength = 4096

// maxKindLength is the longest CacheKey.Kind accepted, in bytes.
const maxKindLength = 64

// CacheKey names one cached value. Two CacheKeys that differ in any field
// never share storage, whatever bytes the fields hold. In Redis, a
// TieredCache stores it under
//
//	{prefix}:{kind}:{{team}}:g{generation}:{account|all}[:{query}]
//
// e.g. analytics:realtime:{team_1}:g0:all or
// analytics:dashboard:{team_1}:g3:all:30d, with every byte of the IDs
// outside A–Z a–z 0–9 '-' '_' written as %XX, and an account named "all"
// as %61ll. The braces are a Redis Cluster hash tag: one team's keys share
// a slot.
type CacheKey struct {
	// Kind is what is cached: KindRealTime, KindDashboard, KindSnapshots, or
	// a host's own kind. 1–64 bytes of a–z, 0–9, '-' and '_'.
	Kind string
	// TeamID is the team the value belongs to; InvalidateTeam of it makes
	// the value unreachable. Required; see ValidateID.
	TeamID string
	// AccountID is the WhatsApp account, or empty for team-wide. An account
	// literally named "all" is distinct from team-wide.
	AccountID string
	// Query tells apart values of one kind and scope, e.g. "30d" or
	// "Daily:2026-01-01:2026-01-31". Any bytes, at most 4096 of them; empty
	// means none.
	Query string
}

// RealTimeKey returns the key of the real-time metrics of scope.
func RealTimeKey(scope Scope) CacheKey {
	return CacheKey{Kind: KindRealTime, TeamID: scope.TeamID, AccountID: scope.AccountID}
}

// DashboardKey returns the key of the team-wide dashboard of the last days
// days; its Query is e.g. "30d".
func DashboardKey(teamID string, days int) CacheKey {
	return CacheKey{Kind: KindDashboard, TeamID: teamID, Query: strconv.Itoa(days) + "d"}
}

// SnapshotsKey returns the key of the snapshots of scope and typ dated from
// from to to, both inclusive; its Query is e.g.
// "Daily:2026-01-01:2026-01-31".
func SnapshotsKey(scope Scope, typ SnapshotType, from, to Date) CacheKey {
	return CacheKey{Kind: KindSnapshots, TeamID: scope.TeamID, AccountID: scope.AccountID,
		Query: typ.String() + ":" + from.String() + ":" + to.String()}
}

// Validate checks the key's fields: Kind of 1–64 bytes of a–z, 0–9, '-'
// and '_'; TeamID, and AccountID when set, as ValidateID does (at most
// 1024 bytes each); Query of at most 4096 bytes. Errors wrap
// ErrInvalidArgument and name the field ("CacheKey.Kind",
// "CacheKey.TeamID", …).
func (k CacheKey) Validate() error {
	if k.Kind == "" || len(k.Kind) > maxKindLength || strings.IndexFunc(k.Kind, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z')
	}) >= 0 {
		return invalid("CacheKey.Kind", "%q must be 1–%d bytes of a–z, 0–9, '-' and '_'", k.Kind, maxKindLength)
	}
	if err := ValidateID("CacheKey.TeamID", k.TeamID); err != nil {
		return err
	}
	if k.AccountID != "" {
		if err := ValidateID("CacheKey.AccountID", k.AccountID); err != nil {
			return err
		}
	}
	if len(k.Query) > maxCacheQueryLength {
		return invalid("CacheKey.Query", "is %d bytes long; the limit is %d", len(k.Query), maxCacheQueryLength)
	}
	return nil
}

// Key scheme.
//
// Every value lives under
//
//	{prefix}:{kind}:{{team}}:g{gen}:{account|all}[:{query}]
//
// and each team's generation counter under
//
//	{prefix}:gen:{{team}}
//
// for example analytics:realtime:{team_1}:g0:all,
// analytics:dashboard:{team_1}:g3:all:30d and
// analytics:snapshots:{team_1}:g3:acc_9:Daily:2026-01-01:2026-01-31 (the
// patterns of the original system, analytics:realtime:{teamId}:{accountId|all}
// and analytics:dashboard:{teamId}:{days}d, with the generation and, for
// dashboards, the scope inserted).
//
// Kind, team and account are escaped: every byte outside A–Z a–z 0–9 '-'
// '_' becomes '%' and two upper-case hex digits (so ':', '{', '}', '|' and
// '%' itself never appear raw), and an account named "all" is written
// "%61ll" so it cannot be read as team-wide. The query, last, is escaped the
// same way except that ':' and '.' stay raw. The prefix is fixed per cache.
// Reading a key from the left is therefore unambiguous, so distinct keys
// never collide.
//
// The braces around the team are a Redis Cluster hash tag: all keys of one
// team, its generation counter included, hash to one slot. That lets one
// MGET read the generation and a value together on Cluster too; the cost is
// that one team's cache load sits on one shard, which is fine as long as no
// single team dominates the traffic. Memory-tier keys append "|" and the
// local epoch (see genTable).

// cacheSafe reports whether b is written raw in an escaped segment.
func cacheSafe(b byte, query bool) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' ||
		query && (b == ':' || b == '.')
}

const upperHex = "0123456789ABCDEF"

func writeEscaped(b *strings.Builder, s string, query bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if cacheSafe(c, query) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// escapedLen is the length writeEscaped produces for s.
func escapedLen(s string, query bool) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !cacheSafe(s[i], query) {
			n += 2
		}
	}
	return n
}

// valueKey returns the Redis key of k under generation gen, or with
// l1=true the memory-tier key under gen and epoch.
func valueKey(prefix string, k CacheKey, gen int64, l1 bool, epoch uint64) string {
	var b strings.Builder
	b.Grow(len(prefix) + escapedLen(k.Kind, false) + escapedLen(k.TeamID, false) +
		escapedLen(k.AccountID, false) + escapedLen(k.Query, true) + 2*20 + 12)
	var num [20]byte
	b.WriteString(prefix)
	b.WriteByte(':')
	writeEscaped(&b, k.Kind, false)
	b.WriteString(":{")
	writeEscaped(&b, k.TeamID, false)
	b.WriteString("}:g")
	b.Write(strconv.AppendInt(num[:0], gen, 10))
	b.WriteByte(':')
	switch k.AccountID {
	case "":
		b.WriteString("all")
	case "all":
		b.WriteString("%61ll")
	default:
		writeEscaped(&b, k.AccountID, false)
	}
	if k.Query != "" {
		b.WriteByte(':')
		writeEscaped(&b, k.Query, true)
	}
	if l1 {
		b.WriteByte('|')
		b.Write(strconv.AppendUint(num[:0], epoch, 10))
	}
	return b.String()
}

// genKey returns the Redis key of the generation counter of teamID.
func genKey(prefix, teamID string) string {
	var b strings.Builder
	b.Grow(len(prefix) + escapedLen(teamID, false) + 7)
	b.WriteString(prefix)
	b.WriteString(":gen:{")
	writeEscaped(&b, teamID, false)
	b.WriteByte('}')
	return b.String()
}

// CacheTTLs are the TTL tiers: how long each kind of value is cached when
// Set or Load is given a ttl of 0.
type CacheTTLs struct {
	// RealTime is the TTL of KindRealTime. Defaults to DefaultRealTimeTTL (30 s).
	RealTime time.Duration
	// Dashboard is the TTL of KindDashboard. Defaults to DefaultDashboardTTL
	// (5 minutes).
	Dashboard time.Duration
	// Snapshots is the TTL of KindSnapshots. Defaults to DefaultSnapshotTTL
	// (1 hour).
	Snapshots time.Duration
}

// WithDefaults returns t with every zero field set to its default.
func (t CacheTTLs) WithDefaults() CacheTTLs {
	if t.RealTime == 0 {
		t.RealTime = DefaultRealTimeTTL
	}
	if t.Dashboard == 0 {
		t.Dashboard = DefaultDashboardTTL
	}
	if t.Snapshots == 0 {
		t.Snapshots = DefaultSnapshotTTL
	}
	return t
}

// For returns the TTL of kind, or 0 for a kind with no tier.
func (t CacheTTLs) For(kind string) time.Duration {
	switch kind {
	case KindRealTime:
		return t.RealTime
	case KindDashboard:
		return t.Dashboard
	case KindSnapshots:
		return t.Snapshots
	}
	return 0
}

func (t CacheTTLs) max() time.Duration { return max(t.RealTime, t.Dashboard, t.Snapshots) }

// Defaults of CacheConfig.
const (
	// DefaultCachePrefix is the default first segment of every Redis key.
	DefaultCachePrefix = "analytics"
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
	// DefaultL1Shards is the default number of memory-tier shards.
	DefaultL1Shards = 64
	// DefaultL1MaxMB is the default memory-tier size limit, in MiB.
	DefaultL1MaxMB = 256
)

// maxCachePrefixLength is the longest CacheConfig.Prefix accepted, in bytes.
const maxCachePrefixLength = 256

// CacheConfig configures a TieredCache. The zero value (or nil) is an
// in-process cache with the default TTL tiers.
type CacheConfig struct {
	// Redis is the shared second tier, supplied and owned by the host (a
	// *redis.Client, *redis.ClusterClient, *redis.Ring, …); Close does not
	// close it. Nil means memory only: InvalidateTeam then reaches this
	// process only.
	//
	// Its options must have ContextTimeoutEnabled set, or go-redis ignores
	// the deadlines that RedisTimeout puts on each operation and a hung
	// Redis blocks callers for the client's ReadTimeout; NewTieredCache
	// rejects a *redis.Client or *redis.ClusterClient without it. A typed
	// nil (a nil *redis.Client, as a variable left unset when no Redis URL
	// was configured gives) is rejected too, naming the field: assign the
	// client only once it is built, as in
	//
	//	opts, err := redis.ParseURL(url) // url from the host's config
	//	if err != nil {
	//		return err
	//	}
	//	opts.ContextTimeoutEnabled = true
	//	cfg.Redis = redis.NewClient(opts)
	Redis redis.UniversalClient

	// DisableL1 turns the in-process memory tier off, leaving Redis alone
	// (which then must be set). Defaults to false.
	DisableL1 bool

	// Prefix is the first segment of every Redis key: 1–256 bytes of
	// A–Z a–z 0–9 and "-_.:". Caches sharing a Redis and a Prefix share
	// entries and invalidations. Defaults to DefaultCachePrefix ("analytics").
	Prefix string

	// TTLs are the TTL tiers; zero fields take their defaults (30 s, 5 min,
	// 1 h).
	TTLs CacheTTLs

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

	// L1Shards is the number of memory-tier shards, a power of two. More
	// shards mean less lock contention, but a smaller largest entry: see
	// L1MaxMB. Defaults to DefaultL1Shards (64).
	L1Shards int

	// L1MaxMB caps the memory tier's entry storage, in MiB; the oldest
	// entries are evicted to make room. It is split evenly among the
	// shards, and an entry must fit in one shard, so the largest value the
	// memory tier holds is a little under L1MaxMB MiB / L1Shards (4 MiB with
	// the defaults), less its key; larger values are served from Redis
	// only, and counted in CacheStats.L1.Errors. Defaults to DefaultL1MaxMB
	// (256).
	L1MaxMB int

	// Clock tells the time for entry expiry, generation freshness and
	// backoff. Defaults to SystemClock().
	Clock Clock

	// Logger receives the cache's structured logs: a Warn when Redis
	// becomes unreachable, an Info when it is back, Debug for other tier
	// errors. Defaults to discarding them.
	Logger *slog.Logger
}

// resolve returns a copy of c with defaults applied, or an error naming the
// first invalid field.
func (c *CacheConfig) resolve() (CacheConfig, error) {
	var r CacheConfig
	if c != nil {
		r = *c
	}
	r.TTLs = r.TTLs.WithDefaults()
	if r.Prefix == "" {
		r.Prefix = DefaultCachePrefix
	}
	if r.InvalidationBound == 0 {
		r.InvalidationBound = DefaultInvalidationBound
	}
	if r.RedisTimeout == 0 {
		r.RedisTimeout = DefaultRedisTimeout
	}
	if r.RedisBackoff == 0 {
		r.RedisBackoff = DefaultRedisBackoff
	}
	if r.LoadTimeout == 0 {
		r.LoadTimeout = DefaultLoadTimeout
	}
	if r.L1Shards == 0 {
		r.L1Shards = DefaultL1Shards
	}
	if r.L1MaxMB == 0 {
		r.L1MaxMB = DefaultL1MaxMB
	}
	if r.Clock != nil && isNil(r.Clock) {
		return r, typedNil("CacheConfig.Clock", r.Clock)
	}
	if r.Clock == nil {
		r.Clock = SystemClock()
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}

	if r.Redis != nil && isNil(r.Redis) {
		return r, typedNil("CacheConfig.Redis", r.Redis)
	}
	if r.DisableL1 && r.Redis == nil {
		return r, invalid("CacheConfig.DisableL1", "leaves no tier: Redis is nil")
	}
	if len(r.Prefix) > maxCachePrefixLength || strings.IndexFunc(r.Prefix, func(c rune) bool {
		return !(c < 0x80 && (cacheSafe(byte(c), true)))
	}) >= 0 {
		return r, invalid("CacheConfig.Prefix", "%q must be 1–%d bytes of A–Z a–z 0–9 and \"-_.:\"", r.Prefix, maxCachePrefixLength)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"CacheConfig.TTLs.RealTime", r.TTLs.RealTime},
		{"CacheConfig.TTLs.Dashboard", r.TTLs.Dashboard},
		{"CacheConfig.TTLs.Snapshots", r.TTLs.Snapshots},
		{"CacheConfig.InvalidationBound", r.InvalidationBound},
		{"CacheConfig.RedisTimeout", r.RedisTimeout},
		{"CacheConfig.RedisBackoff", r.RedisBackoff},
		{"CacheConfig.LoadTimeout", r.LoadTimeout},
	} {
		if d.v < 0 {
			return r, invalid(d.name, "is negative (%v)", d.v)
		}
	}
	if r.L1Shards < 0 || r.L1Shards&(r.L1Shards-1) != 0 {
		return r, invalid("CacheConfig.L1Shards", "is %d; it must be a power of two", r.L1Shards)
	}
	if r.L1MaxMB < 0 {
		return r, invalid("CacheConfig.L1MaxMB", "is negative (%d)", r.L1MaxMB)
	}
	var ctxTimeouts, known bool
	switch rc := r.Redis.(type) {
	case *redis.Client:
		known, ctxTimeouts = true, rc.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		known, ctxTimeouts = true, rc.Options().ContextTimeoutEnabled
	}
	if known && !ctxTimeouts {
		return r, invalid("CacheConfig.Redis", "has ContextTimeoutEnabled=false, so RedisTimeout could not bound a slow Redis; set it in the client's options")
	}
	return r, nil
}

// TieredCache is the Cache of the library: an in-process memory tier
// (bigcache) in front of a shared Redis, either of which may be turned off.
//
// Reads try memory, then Redis (backfilling memory), and the Load function
// last; writes go to both tiers. Every entry carries its own expiry, checked
// against the configured Clock, and is never served after it. Each team has
// a generation number in Redis that is part of every key of the team:
// InvalidateTeam increments it (one INCR), so the team's older entries are
// never read again; each replica re-reads the generation at most once per
// InvalidationBound. Nothing ever deletes or flushes keys in Redis: entries
// of an old generation expire by their own TTL.
//
// When Redis fails or exceeds RedisTimeout, the cache turns degraded: for
// RedisBackoff it serves from memory and the load functions without trying
// Redis, then one caller probes Redis again; errors are counted (Stats),
// logged, and never returned from Get, Set or Load. While degraded the
// cache keeps using the generations it last read, so its memory entries stay
// served until their own expiry; invalidations made here meanwhile are
// applied locally at once, and sent to Redis when it is back, before any
// entry is read from it again.
type TieredCache struct {
	cfg   CacheConfig
	clock Clock
	log   *slog.Logger
	l1    *bigcache.BigCache // nil when disabled
	rdb   redis.UniversalClient

	gens       genTable
	flights    singleflight.Group // loads, by memory-tier key
	genFlights singleflight.Group // generation reads, by team

	// health of the Redis tier; see redisUsable.
	degraded atomic.Bool
	retryAt  atomic.Int64 // Clock unix nanoseconds of the next probe

	// Invalidations that did not reach Redis, applied before Redis is
	// read again; see flushPending.
	pmu      sync.Mutex
	pending  map[string]struct{}
	pendingN atomic.Int64
	flushMu  sync.Mutex

	stats cacheCounters

	closed      atomic.Bool
	lmu         sync.RWMutex // orders loads.Add with Close
	loads       sync.WaitGroup
	closing     context.Context
	closeCancel context.CancelFunc
	closeOnce   sync.Once
	closeErr    error
}

var _ Cache = (*TieredCache)(nil)

// NewTieredCache returns a TieredCache configured by cfg (nil: memory only,
// with defaults). Invalid settings give an error wrapping
// ErrInvalidArgument that names the field. It does no I/O.
func NewTieredCache(cfg *CacheConfig) (*TieredCache, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &TieredCache{
		cfg:     r,
		clock:   r.Clock,
		log:     r.Logger,
		rdb:     r.Redis,
		pending: make(map[string]struct{}),
	}
	c.gens.init()
	c.closing, c.closeCancel = context.WithCancel(context.Background())
	if !r.DisableL1 {
		l1, err := bigcache.New(context.Background(), bigcache.Config{
			Shards: r.L1Shards,
			// bigcache evicts by insertion age only, never checks it on
			// Get, and has one window for all entries: it is used here for
			// eviction of dead entries, never for expiry, which every entry
			// carries itself.
			LifeWindow:         r.TTLs.max() + time.Minute,
			CleanWindow:        time.Minute,
			MaxEntriesInWindow: r.L1Shards * 16,
			MaxEntrySize:       2048,
			HardMaxCacheSize:   r.L1MaxMB,
			Verbose:            false,
		})
		if err != nil {
			return nil, fmt.Errorf("analytics: memory cache: %w", err)
		}
		c.l1 = l1
	}
	return c, nil
}

// Degraded reports whether the cache is currently serving without Redis
// because a Redis operation failed or timed out within the last backoff. It
// is always false for a memory-only cache.
func (c *TieredCache) Degraded() bool { return c.degraded.Load() }

// prepare validates key and resolves ttl (only when wantTTL).
func (c *TieredCache) prepare(ctx context.Context, key CacheKey, ttl time.Duration, wantTTL bool) (time.Duration, error) {
	if err := checkContext(ctx); err != nil {
		return 0, err
	}
	if err := key.Validate(); err != nil {
		return 0, err
	}
	if wantTTL {
		if ttl < 0 {
			return 0, invalid("ttl", "is negative (%v)", ttl)
		}
		if ttl == 0 {
			if ttl = c.cfg.TTLs.For(key.Kind); ttl == 0 {
				return 0, invalid("ttl", "is 0 and kind %q has no TTL tier", key.Kind)
			}
		}
	}
	if c.closed.Load() {
		return 0, fmt.Errorf("analytics: cache: %w", ErrClosed)
	}
	return ttl, ctx.Err()
}

// Get implements Cache.
func (c *TieredCache) Get(ctx context.Context, key CacheKey) ([]byte, bool, error) {
	if _, err := c.prepare(ctx, key, 0, false); err != nil {
		return nil, false, err
	}
	val, ok, _ := c.lookup(ctx, key, true)
	return val, ok, nil
}

// Set implements Cache. It writes under the team's generation as currently
// known (re-read from Redis if older than InvalidationBound).
func (c *TieredCache) Set(ctx context.Context, key CacheKey, val []byte, ttl time.Duration) error {
	ttl, err := c.prepare(ctx, key, ttl, true)
	if err != nil {
		return err
	}
	st := c.gens.get(key.TeamID)
	s, fresh := st.read(c.clock.Now(), c.cfg.InvalidationBound)
	if !fresh && c.rdb != nil {
		s, _ = c.refreshGen(ctx, key.TeamID, st)
	}
	c.store(ctx, key, s, val, ttl)
	return nil
}

// Load implements Cache.
func (c *TieredCache) Load(ctx context.Context, key CacheKey, ttl time.Duration, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
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
	ch := c.flights.DoChan(valueKey(c.cfg.Prefix, key, s.gen, true, s.epoch), func() (any, error) {
		return c.runLoad(ctx, key, ttl, load)
	})
	c.stats.loadWaiters.Add(1)
	defer c.stats.loadWaiters.Add(-1)
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return append([]byte(nil), r.Val.([]byte)...), nil
	case <-ctx.Done():
		c.stats.loadsAbandoned.Add(1)
		return nil, ctx.Err()
	}
}

// runLoad is the body of one flight: it looks the key up again (a flight
// that just ended may have stored it), runs load on a detached context and
// stores the result under the generation read before load began.
func (c *TieredCache) runLoad(ctx context.Context, key CacheKey, ttl time.Duration, load func(context.Context) ([]byte, error)) (val []byte, err error) {
	c.lmu.RLock()
	if c.closed.Load() {
		c.lmu.RUnlock()
		return nil, fmt.Errorf("analytics: cache: %w", ErrClosed)
	}
	c.loads.Add(1)
	c.lmu.RUnlock()
	defer c.loads.Done()

	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.LoadTimeout)
	defer cancel()
	defer context.AfterFunc(c.closing, cancel)()

	val, ok, s := c.lookup(lctx, key, false)
	if ok {
		return val, nil
	}
	c.stats.loadCalls.Add(1)
	val, err = callLoad(lctx, load)
	if err != nil {
		c.stats.loadErrors.Add(1)
		return nil, err
	}
	c.store(lctx, key, s, val, ttl)
	return val, nil
}

// callLoad runs load, turning a panic into an error so that one bad load
// does not crash the process from singleflight's goroutine.
func callLoad(ctx context.Context, load func(context.Context) ([]byte, error)) (val []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("analytics: cache load panicked: %v", r)
		}
	}()
	return load(ctx)
}

// InvalidateTeam implements Cache: one INCR of the team's generation in
// Redis. With no Redis, or when Redis cannot be reached, it bumps the team's
// local epoch so this process stops serving the team's entries at once;
// without Redis that is the whole invalidation and it returns nil; with
// Redis unreachable it returns an error wrapping ErrCacheUnavailable and
// remembers the team, to INCR its generation when Redis is back.
func (c *TieredCache) InvalidateTeam(ctx context.Context, teamID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if err := ValidateID("teamID", teamID); err != nil {
		return err
	}
	if c.closed.Load() {
		return fmt.Errorf("analytics: cache: %w", ErrClosed)
	}
	c.stats.invalidations.Add(1)
	st := c.gens.get(teamID)
	if c.rdb == nil {
		st.bump(&c.gens)
		return nil
	}
	err := errDegraded
	if c.redisUsable(ctx) {
		rctx, cancel := c.redisCtx(ctx)
		seq := c.gens.nextSeq()
		asked := c.clock.Now() // see refreshGen
		var n int64
		n, err = c.rdb.Incr(rctx, genKey(c.cfg.Prefix, teamID)).Result()
		cancel()
		if err == nil {
			st.observe(&c.gens, seq, n, asked)
			return nil
		}
	}
	// Not applied in Redis (or not known to be): stop serving locally now
	// and remember to apply it when Redis answers again.
	st.bump(&c.gens)
	c.stats.invalidationErrors.Add(1)
	c.addPending(teamID)
	if err != errDegraded {
		c.redisError(err)
	}
	return fmt.Errorf("%w: invalidation of team %s reached this process only: %w", ErrCacheUnavailable, TeamScope(teamID), err)
}

// Close implements Cache. It cancels the contexts of running loads, waits
// for them to return, and stops the memory tier's cleaner goroutine.
func (c *TieredCache) Close() error {
	c.closeOnce.Do(func() {
		c.lmu.Lock()
		c.closed.Store(true)
		c.lmu.Unlock()
		c.closeCancel()
		c.loads.Wait()
		if c.l1 != nil {
			c.closeErr = c.l1.Close()
		}
	})
	return c.closeErr
}
