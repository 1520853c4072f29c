package pgstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
	"golang.org/x/sync/errgroup"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var (
	_ analytics.ActiveContactsCounter = (*Store)(nil)
	_ analytics.SnapshotRangeReader   = (*Store)(nil)
	_ analytics.SnapshotStreamer      = (*Store)(nil)
)

// ActiveContacts implements analytics.ActiveContactsCounter. Items are
// grouped by period as in Aggregate, with one statement per group (run as
// Aggregate runs its groups): the distinct (team, account, conversation)
// of the period's messages, their conversations' contacts (a hash join over
// the conversations created from the reply window before the period to its
// end, key lookups for older ones), then distinct contacts per scope. It
// reads the period's messages once and sorts nothing per message, where
// Aggregate orders them by conversation.
func (s *Store) ActiveContacts(ctx context.Context, req analytics.AggregateRequest) ([]int64, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRequestIDs(req); err != nil {
		return nil, err
	}
	w := req.Window()
	var order []periodKey
	groups := map[periodKey][]int{}
	for i, it := range req.Items {
		k := periodKey{start: it.Period.Start.UTC(), end: it.Period.End.UTC()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	out := make([]int64, len(req.Items))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.AggregateParallelism)
	for _, k := range order {
		teams := teamsOf(req.Items, groups[k])
		for _, part := range split(teams, chunks(len(order), len(teams), s.cfg.AggregateParallelism)) {
			g.Go(func() error {
				res := map[scopeKey]int64{}
				err := s.inTx(gctx, "counting active contacts", func(tx txQuerier) error {
					return s.query(gctx, tx, "counting active contacts", s.q.active, s.aggArgs(part, k.start, k.end, w), func(rows *sql.Rows) error {
						var team string
						var account sql.NullString
						var g, n int64
						if err := rows.Scan(&team, &account, &g, &n); err != nil {
							return err
						}
						key := scopeKey{team: team, teamWide: g == 1}
						if !key.teamWide {
							if !account.Valid || account.String == "" {
								return nil
							}
							key.account = account.String
						}
						res[key] = n
						return nil
					})
				})
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				for _, i := range groups[k] {
					if n, ok := res[keyOf(req.Items[i].Scope)]; ok {
						out[i] = n
					}
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, s.wrap(ctx, "counting active contacts", ctx.Err())
		}
		return nil, err
	}
	return out, nil
}

// epoch is the date SnapshotsOfTeams counts days from; epochDays and
// maxDays bound the days to the dates analytics.Date holds (years 1 to
// 9999).
var epoch = analytics.NewDate(1970, time.January, 1)

const (
	epochDays = 719162  // 0001-01-01 to 1970-01-01
	maxDays   = 2932896 // 1970-01-01 to 9999-12-31
)

// SnapshotsOfTeams implements analytics.SnapshotRangeReader with one
// statement through the (team_id, snapshot_type, date) index per part of
// the teams, Config.AggregateParallelism parts at once. It reads each
// row's metrics_compact, decoded with store.DecodeMetricsBinary, and
// its metrics JSON only where that is NULL (rows written by a writer that
// does not fill it, such as the original system), with the row's
// active_sketch, and decodes the rows as they come, in place, into one
// slice sized for estimatedScopes scopes per team and day (at most 31
// days): a snapshot is a few hundred bytes and a month
// of a thousand teams over a hundred thousand of them, and copying them
// from per-part slices into one would be a sizeable share of a monthly
// roll-up. Teams with more scopes (or calls beyond maxSnapshotSlots) cost
// one copy more, and a result using fewer than half the slots is copied
// into a slice of its size. A team ID that cannot be a value of the type
// of Source.Teams.ID (see Source) gives an error wrapping
// analytics.ErrInvalidArgument naming it ("teams[i]"), as the other reads
// do.
func (s *Store) SnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) ([]analytics.Snapshot, error) {
	if err := s.checkSnapshotsOfTeams(ctx, teams, typ, from, to); err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, nil
	}
	days := int(min(31, to.In(time.UTC).Sub(from.In(time.UTC)).Hours()/24+1))
	dst := &snapshotSlots{out: make([]analytics.Snapshot, min(estimatedScopes*len(teams)*days, maxSnapshotSlots))}
	err := s.eachPart(ctx, teams, func(ctx context.Context, part []string) error {
		return s.snapshotsOfTeams(ctx, part, typ, from, to, dst.slot, nil)
	})
	if err != nil {
		return nil, err
	}
	return dst.result(), nil
}

// StreamSnapshotsOfTeams implements analytics.SnapshotStreamer with
// SnapshotsOfTeams's statements, run as it runs them, each decoding its
// rows as they come from the connection into one Snapshot value of its
// own and calling fn with it, one part at a time (under a mutex). A part
// holds the driver's read buffer and one decoded snapshot: the memory
// does not grow with the number of rows.
func (s *Store) StreamSnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date, fn func(*analytics.Snapshot) error) error {
	if err := s.checkSnapshotsOfTeams(ctx, teams, typ, from, to); err != nil {
		return err
	}
	var (
		mu    sync.Mutex
		fnErr error // fn's first error: fn is not called again
	)
	emit := func(sn *analytics.Snapshot) error {
		mu.Lock()
		defer mu.Unlock()
		if fnErr != nil {
			return errStreamStopped
		}
		fnErr = fn(sn)
		return fnErr
	}
	err := s.eachPart(ctx, teams, func(ctx context.Context, part []string) error {
		var sn analytics.Snapshot
		slot := func() *analytics.Snapshot {
			sn = analytics.Snapshot{}
			return &sn
		}
		return s.snapshotsOfTeams(ctx, part, typ, from, to, slot, emit)
	})
	if fnErr != nil {
		return s.wrap(ctx, "streaming snapshots", fnErr)
	}
	return err
}

// errStreamStopped ends the other parts of a stream whose fn failed;
// StreamSnapshotsOfTeams returns fn's error instead.
var errStreamStopped = errors.New("pgstore: stream stopped")

// checkSnapshotsOfTeams validates the arguments of SnapshotsOfTeams.
func (s *Store) checkSnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if !typ.Valid() {
		return store.InvalidArgument("typ", "unknown snapshot type %d", typ)
	}
	if from.IsZero() || to.IsZero() || from.After(to) {
		return store.InvalidArgument("from", "[%s, %s] is not a range of dates", from, to)
	}
	tt := s.cfg.Source.Teams
	for i, t := range teams {
		if err := analytics.ValidateID(fmt.Sprintf("teams[%d]", i), t); err != nil {
			return err
		}
		if err := s.checkID(fmt.Sprintf("teams[%d]", i), tt.Table, tt.ID, t); err != nil {
			return err
		}
	}
	return nil
}

// eachPart runs read over Config.AggregateParallelism parts of teams at
// once, returning the first error (the context's, wrapped, once ctx has
// ended).
func (s *Store) eachPart(ctx context.Context, teams []string, read func(ctx context.Context, part []string) error) error {
	if len(teams) == 0 {
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, part := range split(teams, chunks(1, len(teams), s.cfg.AggregateParallelism)) {
		g.Go(func() error { return read(gctx, part) })
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return s.wrap(ctx, "reading snapshots", ctx.Err())
		}
		return err
	}
	return nil
}

// estimatedScopes is the number of scopes per team SnapshotsOfTeams
// allocates for: the team-wide one and three accounts. It allocates at
// most maxSnapshotSlots (about 40 MiB of snapshots) before the first row
// arrives, so that a call for many teams over few snapshots does not
// reserve memory for all of them; a Snapshotter's batch of 200 teams over
// a month needs 24,800.
const (
	estimatedScopes  = 4
	maxSnapshotSlots = 1 << 16
)

// snapshotSlots is where the parts of SnapshotsOfTeams decode their rows:
// the slots of out, taken in turn, then extra, once out is full.
type snapshotSlots struct {
	out  []analytics.Snapshot
	next atomic.Int64 // the next free slot of out
	mu   sync.Mutex
	// extra holds the rows beyond len(out).
	extra []*analytics.Snapshot
}

// slot returns the next free slot, to decode a snapshot into.
func (d *snapshotSlots) slot() *analytics.Snapshot {
	if i := d.next.Add(1) - 1; i < int64(len(d.out)) {
		return &d.out[i]
	}
	sn := new(analytics.Snapshot)
	d.mu.Lock()
	d.extra = append(d.extra, sn)
	d.mu.Unlock()
	return sn
}

// result is every snapshot decoded: the slots taken, then the extra ones.
// When fewer than half the slots were taken (teams with fewer scopes than
// estimated), the snapshots are copied into a slice of their own size, so
// that the caller does not keep the unused slots.
func (d *snapshotSlots) result() []analytics.Snapshot {
	out := d.out[:min(d.next.Load(), int64(len(d.out)))]
	if len(out) < len(d.out)/2 {
		out = slices.Clone(out)
	}
	for _, sn := range d.extra {
		out = append(out, *sn)
	}
	return out
}

// snapshotsOfTeams reads and decodes, as its rows come, the snapshots of
// one part of SnapshotsOfTeams's teams, each into a zero Snapshot that
// slot returns, then calls emit (if not nil) with it.
func (s *Store) snapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date, slot func() *analytics.Snapshot, emit func(*analytics.Snapshot) error) error {
	var (
		id, team         string
		account, metrics sql.NullString
		days             int64 // since 1970-01-01
		created          sql.NullInt64
		sketch, compact  []byte
	)
	args := []any{pgdialect.Array(teams), typ.String(), from.String(), to.String()}
	return s.query(ctx, s.reader(ctx), "reading snapshots", s.q.snapshotsTeams, args, func(r *sql.Rows) error {
		if err := r.Scan(&id, &team, &account, &days, &metrics, &compact, &created, &sketch); err != nil {
			return err
		}
		if days < -epochDays || days > maxDays {
			return fmt.Errorf("%w: snapshot %q: date %d days from 1970-01-01", analytics.ErrCorrupt, id, days)
		}
		sn := slot() // zero
		sn.ID, sn.Scope, sn.Type = id, analytics.Scope{TeamID: team, AccountID: account.String}, typ
		sn.Date = epoch.AddDays(int(days))
		var err error
		if compact != nil {
			sn.Metrics, err = store.DecodeMetricsBinary(compact)
		} else {
			sn.Metrics, err = store.DecodeMetrics([]byte(metrics.String))
		}
		if err != nil {
			return fmt.Errorf("snapshot %q (%s %s %s): %w", id, sn.Scope, sn.Type, sn.Date, err)
		}
		if sketch != nil {
			as := new(analytics.DistinctSketch)
			if err := as.UnmarshalBinary(sketch); err != nil {
				return fmt.Errorf("snapshot %q (%s %s %s): active_sketch: %w", id, sn.Scope, sn.Type, sn.Date, err)
			}
			sn.Metrics.ActiveSketch = as
		}
		if created.Valid {
			sn.CreatedAt = time.UnixMicro(created.Int64).UTC()
		}
		if emit != nil {
			return emit(sn)
		}
		return nil
	})
}
