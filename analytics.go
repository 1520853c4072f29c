package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"time"
)

// Config configures a Service. A nil *Config, and every zero field, means the
// default stated on the field (see WithDefaults).
type Config struct {
	// Clock tells the time for "today", "as of" and which days have ended.
	// The Service and its Snapshotter share one clock: Clock and
	// Snapshotter.Clock default to each other, and setting both to
	// different clocks is an error. Defaults to Snapshotter.Clock when that
	// is set, else to SystemClock(). A typed nil (a nil *FakeClock) is an
	// error.
	Clock Clock
	// Cache serves repeated reads. TTLs are the cache's own tiers (see
	// CacheTTLs: real-time 30 s, dashboard 5 min, snapshots 1 h, campaigns 5
	// min). Defaults to nil: every read goes to the store. A typed nil (a nil
	// *gocache.Cache) makes New fail; leave the field nil for no cache.
	//
	// With a cache, the Service also keeps the values of its recent cached
	// reads decoded, each beside the bytes it was decoded from, so that a
	// read whose bytes from the cache are unchanged skips decoding them:
	// at most 16 MiB, counting each kept value at three times its JSON
	// size (the bytes kept, and the decoded value), plus a 32 KiB table;
	// values over 256 KiB of JSON are not kept. The
	// bytes are still read from the cache every time, so expiry and
	// InvalidateTeam work as without it.
	Cache Cache
	// Snapshotter configures the Service's Snapshotter (see
	// Service.Snapshotter); its ReplyWindow is also the reply window of the
	// Service's live reads. Its Clock defaults to Clock and its Logger to
	// Logger; its AfterBatch, if set, is called after the Service has
	// invalidated the batch's teams. Defaults to nil: every
	// SnapshotterConfig default. Errors name its fields as
	// "Config.Snapshotter.Field".
	Snapshotter *SnapshotterConfig
	// WarmDashboards lists the dashboard lengths, in days, that are
	// recomputed and cached for the teams of a snapshot run made through
	// Service.Snapshotter, after the batch that wrote them, when the run
	// wrote the team's latest complete period of its type (at the clock's
	// now): at most once per team per run, so a catch-up of 35 past days
	// warms after its last day alone. Runs of older periods only
	// invalidate. Of these lengths, only those whose two windows are
	// stored are warmed: every finished day of the current and previous
	// windows but the previous window's last day (which a dashboard
	// always aggregates live, cut at now's time of day) has its team-wide
	// daily snapshot, so warming aggregates today and that one day alone.
	// The other lengths, such as the 90-day dashboard after a first
	// backfill of 35 days, are computed by their first read instead.
	// Deciding costs one read of the team and of its stored daily
	// snapshots over the longest window. Each length must be in
	// 1..MaxDashboardDays. Defaults to [7, 30, 90] when nil; an empty
	// non-nil slice turns warming off. Warming runs on the generating
	// goroutine, and only when Cache is set.
	WarmDashboards []int
	// Logger receives structured logs. Defaults to a logger that discards
	// everything.
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every zero field set to its
// default, Snapshotter included (a copy of its own). A nil c gives every
// default. It does not validate: New reports what is wrong with the
// result.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	// The Snapshotter's copy, with every default but Clock and Logger,
	// which default to the Service's.
	var snap SnapshotterConfig
	if out.Snapshotter != nil {
		snap = *out.Snapshotter
	}
	clock, logger := snap.Clock, snap.Logger
	snap = *snap.WithDefaults()
	snap.Clock, snap.Logger = clock, logger
	// One clock for both: each defaults to the other, or to the system
	// clock. A typed nil is left where the caller put it, for validate to
	// name, and is not copied to the other field.
	if out.Clock == nil {
		out.Clock = clockOrSystem(snap.Clock)
	}
	if snap.Clock == nil {
		snap.Clock = clockOrSystem(out.Clock)
	}
	if out.Logger == nil {
		out.Logger = discardLogger()
	}
	if snap.Logger == nil {
		snap.Logger = out.Logger
	}
	out.Snapshotter = &snap
	if out.WarmDashboards == nil {
		out.WarmDashboards = []int{7, 30, 90}
	} else {
		out.WarmDashboards = slices.Clone(out.WarmDashboards)
	}
	return &out
}

// validate checks a Config that has its defaults; errors name the field
// as Config.Field.
func (c *Config) validate() error {
	if c.Cache != nil && isNil(c.Cache) {
		return typedNil("Config.Cache", c.Cache)
	}
	if isNil(c.Clock) {
		return typedNil("Config.Clock", c.Clock)
	}
	if err := c.Snapshotter.validateAs("Config.Snapshotter."); err != nil {
		return err
	}
	if !sameClock(c.Clock, c.Snapshotter.Clock) {
		return invalid("Config.Snapshotter.Clock", "%T is not Config.Clock (%T): the Service and its Snapshotter must tell the same time; set one of them, or leave both nil", c.Snapshotter.Clock, c.Clock)
	}
	for i, d := range c.WarmDashboards {
		if d <= 0 || d > MaxDashboardDays {
			return invalid(fmtIndex("Config.WarmDashboards", i), "%d is not in 1..%d", d, MaxDashboardDays)
		}
	}
	return nil
}

// clockOrSystem returns c, or SystemClock() when c is nil or a typed nil.
func clockOrSystem(c Clock) Clock {
	if isNil(c) {
		return SystemClock()
	}
	return c
}

// sameClock reports whether a and b are the same clock: equal values of one
// type (the same *FakeClock, the system clock, the same func).
func sameClock(a, b Clock) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || ta == nil {
		return false
	}
	if ta.Comparable() {
		return a == b
	}
	// A func, map or slice clock (such as a func() time.Time type with a
	// Now method) cannot be compared with ==: the same one has the same
	// pointer. Other non-comparable values cannot be told apart, and are
	// taken as the same.
	switch ta.Kind() {
	case reflect.Func, reflect.Map, reflect.Slice:
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
	}
	return true
}

// MaxDashboardDays is the longest dashboard window, in days.
const MaxDashboardDays = 366

// Service is what a host's handlers call: real-time, dashboard and snapshot
// reads, served through the Cache, and snapshot generation that keeps the
// cache fresh. It is safe for concurrent use. It starts no goroutines and
// has no Close: the store and the cache are the host's to close.
type Service struct {
	store Store
	cache Cache
	clock Clock
	cfg   Config
	snap  *Snapshotter
	log   *slog.Logger
	// decoded keeps the values of cached reads decoded, beside their
	// bytes; nil without a cache. See decodedTable.
	decoded *decodedTable
}

// New returns a Service over store, configured by cfg.WithDefaults() (nil
// for every default). A nil store or an invalid config gives a *FieldError,
// wrapping ErrInvalidArgument, that names the field (such as
// "Config.WarmDashboards[0]" or "Config.Snapshotter.BatchSize"). A typed
// nil (a nil *pgstore.Store as store, a nil *gocache.Cache as Config.Cache,
// a nil *FakeClock as Config.Clock) is rejected the same way, never left
// to panic later.
func New(store Store, cfg *Config) (*Service, error) {
	if store == nil {
		return nil, invalid("store", "must not be nil")
	}
	if isNil(store) {
		return nil, typedNil("store", store)
	}
	c := cfg.WithDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	s := &Service{store: store, cache: c.Cache, clock: c.Clock, cfg: *c, log: c.Logger}
	if c.Cache != nil {
		s.decoded = newDecodedTable()
	}
	sc := *c.Snapshotter
	sc.AfterBatch, sc.afterLatest = s.afterBatch, s.warm
	snap, err := NewSnapshotter(store, &sc)
	if err != nil {
		return nil, err
	}
	s.snap = snap
	return s, nil
}

// Snapshotter returns the Service's Snapshotter: snapshots it generates
// invalidate the cached reads of the teams they touch, and runs that write
// a team's latest period warm its dashboards (Config.WarmDashboards).
func (s *Service) Snapshotter() *Snapshotter { return s.snap }

// afterBatch invalidates every team of a stored batch, once each, then
// calls Config.Snapshotter.AfterBatch if set.
func (s *Service) afterBatch(ctx context.Context, snaps []Snapshot) {
	if after := s.cfg.Snapshotter.AfterBatch; after != nil {
		defer after(ctx, snaps)
	}
	if s.cache == nil {
		return // nothing cached, nothing to invalidate
	}
	seen := map[string]bool{}
	for _, sn := range snaps {
		if seen[sn.Scope.TeamID] {
			continue
		}
		seen[sn.Scope.TeamID] = true
		// UpsertSnapshots has waited for a replica already: no AwaitReplica.
		if err := s.invalidate(ctx, sn.Scope.TeamID); err != nil {
			s.log.WarnContext(ctx, "analytics: invalidating team after snapshot run", "team", sn.Scope.TeamID, "error", err)
		}
	}
}

// InvalidateTeam drops every cached read of the team, on every replica
// sharing the cache (see Cache.InvalidateTeam), so that the reads after it
// see what the host has changed: call it after the host's writes have
// committed (a write still in flight may be missed).
//
// When the store reads on a replica of its database (a Store with an
// AwaitReplica method, such as pgstore.Store with Config.Replica), it
// first waits for the replica to replay every commit made on the primary
// before the call (pgstore.Config.ReplicaWait bounds the wait; past it,
// that store reads on the primary until the replica has), so that the
// reloads after the invalidation do not cache the replica's older copy.
// It waits even without a cache, so that the store's reads after it see
// those commits. A Store wrapped in a type of the host's is waited for
// only if the wrapper has the AwaitReplica method too.
//
// Without a cache it drops nothing. An invalid teamID or a nil ctx gives
// ErrInvalidArgument; a ctx that ends during the wait gives an error
// wrapping its error, with nothing invalidated.
func (s *Service) InvalidateTeam(ctx context.Context, teamID string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if err := ValidateID("teamID", teamID); err != nil {
		return err
	}
	if err := awaitReplica(ctx, s.store); err != nil {
		return err
	}
	return s.invalidate(ctx, teamID)
}

// invalidate drops the team's cached reads, if there is a cache.
func (s *Service) invalidate(ctx context.Context, teamID string) error {
	if s.cache == nil {
		return nil
	}
	return s.cache.InvalidateTeam(ctx, teamID)
}

// cached returns the value under key, computing it with compute on a miss
// (once for all concurrent callers when a cache is set).
//
// The value is decoded from the bytes the cache returns, unless they are
// the bytes last decoded under key: then the value they decoded to is
// taken from s.decoded instead (see decodedTable). Either way the caller
// gets a value of its own to modify: the one just decoded (the table keeps
// a clone), or a clone of the table's. clone must copy everything of a T
// that a caller could modify in place (slices, maps, pointers).
func cached[T any](ctx context.Context, s *Service, key CacheKey, compute func(ctx context.Context) (T, error), clone func(T) T) (T, error) {
	var zero T
	if s.cache == nil {
		return compute(ctx)
	}
	b, err := s.cache.Load(ctx, key, 0, func(ctx context.Context) ([]byte, error) {
		v, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return zero, err
	}
	if v, ok := decodedGet[T](s.decoded, key, b); ok {
		return clone(v), nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return zero, fmt.Errorf("%w: cached %s value: %v", ErrCorrupt, key.Kind, err)
	}
	// The table keeps a clone, whose slices have no spare capacity from
	// decoding, and b, which is ours: Cache.Load returns a copy.
	s.decoded.put(key, b, clone(v))
	return v, nil
}

// teamLocation returns the team and its zone; the scope's account must be
// one of the team's.
func (s *Service) teamLocation(ctx context.Context, scope Scope) (Team, *time.Location, error) {
	team, err := s.store.Team(ctx, scope.TeamID)
	if err != nil {
		return Team{}, nil, err
	}
	if !scope.TeamWide() && !team.HasAccount(scope.AccountID) {
		return Team{}, nil, fmt.Errorf("%w: account %q of team %q", ErrNotFound, scope.AccountID, scope.TeamID)
	}
	loc, err := team.Location()
	return team, loc, err
}

// RealTime returns the metrics of scope for the team's current local day so
// far: Period is [local midnight, now) and GeneratedAt is now, the instant
// the data is as of (activity stamped after it is not counted). It is
// computed live from raw activity and cached for the real-time TTL (30 s by
// default), so it may be that old. An unknown team, or an account not of
// the team, gives ErrNotFound; an invalid scope or a nil ctx
// ErrInvalidArgument.
func (s *Service) RealTime(ctx context.Context, scope Scope) (Metrics, error) {
	if err := checkContext(ctx); err != nil {
		return Metrics{}, err
	}
	if err := scope.Validate(); err != nil {
		return Metrics{}, err
	}
	return cached(ctx, s, RealTimeKey(scope), func(ctx context.Context) (Metrics, error) {
		team, loc, err := s.teamLocation(ctx, scope)
		if err != nil {
			return Metrics{}, err
		}
		now := s.clock.Now()
		if err := checkInstant("Config.Clock", now); err != nil {
			return Metrics{}, err
		}
		today, err := PeriodOf(Daily, now, loc)
		if err != nil {
			return Metrics{}, err
		}
		if team.HoursErr != nil {
			return Metrics{}, team.HoursErr
		}
		ms, err := s.store.Aggregate(ctx, AggregateRequest{
			Items: []ScopePeriod{{Scope: scope, Period: soFar(today, now)}}, ReplyWindow: s.snap.cfg.ReplyWindow,
			WorkingHours: hoursOf([]Team{team}),
		})
		if err != nil {
			return Metrics{}, err
		}
		if len(ms) != 1 {
			return Metrics{}, fmt.Errorf("analytics: store returned %d metrics for 1 item", len(ms))
		}
		m := ms[0]
		m.GeneratedAt = now
		return m, nil
	}, cloneMetrics)
}

// cloneMetrics returns a copy of m that shares nothing a caller could
// modify: ActiveSketch, the one pointer of a Metrics, is not part of the
// cached JSON, so a value decoded from the cache never has one and the
// clone drops it; the rest is values (its times' locations are never
// modified).
func cloneMetrics(m Metrics) Metrics {
	m.ActiveSketch = nil
	return m
}

// Snapshots returns the stored snapshots of scope and typ dated from from to
// to (both inclusive local dates), in date order, cached for the snapshot
// TTL (1 h by default). Exactly the scope's rows are returned: team-wide
// rows for a team-wide scope. It is a plain read: each snapshot's
// Metrics.Range is the period it was generated for, so after a team's time
// zone changes, rows generated before the change keep the old zone's bounds
// until they are regenerated (see "When a team's time zone changes" in the
// package documentation). An unknown team or account has no rows, so the
// result is empty. from after to, either outside the supported dates
// (1900-01-01 to 9998-12-31; see the package documentation), an invalid
// scope or type, or a nil ctx gives ErrInvalidArgument.
func (s *Service) Snapshots(ctx context.Context, scope Scope, typ SnapshotType, from, to Date) ([]Snapshot, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := checkDate("from", from); err != nil {
		return nil, err
	}
	if err := checkDate("to", to); err != nil {
		return nil, err
	}
	q := SnapshotQuery{Scope: scope, Type: typ, From: from, To: to}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return cached(ctx, s, SnapshotsKey(scope, typ, from, to), func(ctx context.Context) ([]Snapshot, error) {
		return s.store.Snapshots(ctx, q)
	}, cloneSnapshots)
}

// cloneSnapshots copies the slice and clones each snapshot's Metrics (see
// cloneMetrics). Nil stays nil and empty stays empty.
func cloneSnapshots(s []Snapshot) []Snapshot {
	out := slices.Clone(s)
	for i := range out {
		out[i].Metrics = cloneMetrics(out[i].Metrics)
	}
	return out
}

// soFar cuts period p at now: [p.Start, now), at least one millisecond long.
func soFar(p Period, now time.Time) Period {
	p.End = now
	if !p.End.After(p.Start) {
		p.End = p.Start.Add(time.Millisecond)
	}
	return p
}
