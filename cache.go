package analytics

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Cache holds computed results as bytes, per team, with a time to live.
// The Service reads through it; package gocache holds the tiered
// implementation (memory in front of Redis), and a host may supply its own. Implementations are safe for concurrent use.
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
	// memory later than its invalidation bound after the call returned
	// (gocache.Config.InvalidationBound). An
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
	// KindCampaigns caches campaign funnels (CampaignKey, CampaignsKey);
	// TTL tier CacheTTLs.Campaigns.
	KindCampaigns = "campaigns"
)

// Default TTL tiers, one per Kind.
const (
	// DefaultRealTimeTTL is how long real-time metrics are cached: 30 s.
	DefaultRealTimeTTL = 30 * time.Second
	// DefaultDashboardTTL is how long a dashboard is cached: 5 minutes.
	DefaultDashboardTTL = 5 * time.Minute
	// DefaultSnapshotTTL is how long snapshot reads are cached: 1 hour.
	DefaultSnapshotTTL = time.Hour
	// DefaultCampaignsTTL is how long campaign funnels are cached: 5 minutes.
	DefaultCampaignsTTL = 5 * time.Minute
)

// maxCacheQueryLength is the longest CacheKey.Query accepted, in bytes.
const maxCacheQueryLength = 4096

// maxKindLength is the longest CacheKey.Kind accepted, in bytes.
const maxKindLength = 64

// CacheKey names one cached value. Two CacheKeys that differ in any field
// never share storage, whatever bytes the fields hold. In Redis, the
// cache of package gocache stores it under
//
//	{prefix}:{kind}:{{team}}:g{generation}:{account|all}[:{query}]
//
// e.g. analytics:realtime:{team_1}:g0:all or
// analytics:dashboard:{team_1}:g3:all:30d, with every byte of the IDs
// outside A–Z a–z 0–9 '-' '_' written as %XX, and an account named "all"
// as %61ll. The braces are a Redis Cluster hash tag: one team's keys share
// a slot.
type CacheKey struct {
	// Kind is what is cached: KindRealTime, KindDashboard, KindSnapshots,
	// KindCampaigns, or
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
	// Campaigns is the TTL of KindCampaigns. Defaults to
	// DefaultCampaignsTTL (5 minutes).
	Campaigns time.Duration
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
	if t.Campaigns == 0 {
		t.Campaigns = DefaultCampaignsTTL
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
	case KindCampaigns:
		return t.Campaigns
	}
	return 0
}
