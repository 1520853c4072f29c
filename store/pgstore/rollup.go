package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
	"golang.org/x/sync/errgroup"

	"github.com/msgstats/analytics"
)

var (
	_ analytics.ActiveContactsCounter = (*Store)(nil)
	_ analytics.SnapshotRangeReader   = (*Store)(nil)
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
	if err := req.Validate(); err != nil {
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

// SnapshotsOfTeams implements analytics.SnapshotRangeReader with one
// statement through the (team_id, snapshot_type, date) index. The rows'
// metrics are decoded on all CPUs.
func (s *Store) SnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) ([]analytics.Snapshot, error) {
	if !typ.Valid() {
		return nil, analytics.InvalidArgument("typ", "unknown snapshot type %d", typ)
	}
	if from.IsZero() || to.IsZero() || from.After(to) {
		return nil, analytics.InvalidArgument("from", "[%s, %s] is not a range of dates", from, to)
	}
	for i, t := range teams {
		if err := analytics.ValidateID(fmt.Sprintf("teams[%d]", i), t); err != nil {
			return nil, err
		}
	}
	if len(teams) == 0 {
		return nil, nil
	}
	type raw struct {
		id, team, date, typ, metrics string
		account                      sql.NullString
		created                      sql.NullInt64
	}
	var rows []raw
	args := []any{pgdialect.Array(teams), typ.String(), from.String(), to.String()}
	err := s.query(ctx, s.db, "reading snapshots", s.q.snapshotsTeams, args, func(r *sql.Rows) error {
		var x raw
		if err := r.Scan(&x.id, &x.team, &x.account, &x.date, &x.typ, &x.metrics, &x.created); err != nil {
			return err
		}
		rows = append(rows, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]analytics.Snapshot, len(rows))
	var g errgroup.Group
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		g.Go(func() error {
			for i := w; i < len(rows); i += workers {
				x := rows[i]
				sn := analytics.Snapshot{ID: x.id, Scope: analytics.Scope{TeamID: x.team, AccountID: x.account.String}}
				var err error
				if sn.Date, err = analytics.ParseDate(x.date); err != nil {
					return fmt.Errorf("pgstore: %w: snapshot %q: date %q", analytics.ErrCorrupt, x.id, x.date)
				}
				if sn.Type, err = analytics.ParseSnapshotType(x.typ); err != nil {
					return fmt.Errorf("pgstore: %w: snapshot %q: snapshot_type %q", analytics.ErrCorrupt, x.id, x.typ)
				}
				if sn.Metrics, err = analytics.DecodeMetrics([]byte(x.metrics)); err != nil {
					return fmt.Errorf("pgstore: snapshot %q (%s %s %s): %w", x.id, sn.Scope, sn.Type, sn.Date, err)
				}
				if x.created.Valid {
					sn.CreatedAt = time.UnixMicro(x.created.Int64).UTC()
				}
				out[i] = sn
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
