package pgstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// UpsertSnapshots implements analytics.SnapshotStore. The whole batch is
// written in one transaction, as INSERT … SELECT … ON CONFLICT (team_id,
// whatsapp_account_id, date, snapshot_type) DO UPDATE statements of at most
// Config.UpsertBatchSize rows each, the rows passed as arrays (see
// upsertSQL): either every snapshot is written or none is. Team-wide
// snapshots have whatsapp_account_id NULL, which the NULLS NOT DISTINCT
// unique constraint matches like any other value.
//
// An existing row keeps its ID and gets the new metrics and created_at. A
// new row gets snap.ID, or a random one ("snap_" and 32 hex digits) when it
// is empty. CreatedAt is stored to the millisecond (truncated); a zero
// CreatedAt means the Clock's now. Invalid snapshots, or two with one key,
// give ErrInvalidArgument before the database is touched; a snapshot of a
// team that does not exist gives ErrNotFound; an ID already used by a row
// with another key gives ErrInvalidArgument.
//
// With Config.Replica, it returns once the replica has replayed the
// commit, or after Config.ReplicaWait, when reads go to the primary until
// the replica has replayed it: a read of this Store after UpsertSnapshots
// returns sees the snapshots either way. If ctx ends during that wait, the
// snapshots are written (the commit is done) and the error wraps ctx's
// error. A session whose synchronous_commit is off commits with it 'local'
// here, so that the commit is flushed when the wait reads the WAL position.
func (s *Store) UpsertSnapshots(ctx context.Context, snaps []analytics.Snapshot) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if len(snaps) == 0 {
		return nil
	}
	rows, err := upsertRows(snaps, s.cfg.Clock.Now())
	if err != nil {
		return err
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, "upserting snapshots", err)
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback() //nolint:errcheck // the error that got us here matters more
		}
	}()
	if err := s.flushCommit(ctx, tx); err != nil {
		return s.wrap(ctx, "upserting snapshots", err)
	}
	if err := s.upsertChunks(ctx, tx, rows, s.cfg.UpsertBatchSize); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, "upserting snapshots: commit", err)
	}
	return s.awaitReplica(ctx, "upserting snapshots")
}

// upsertRow is one snapshot as the values of its analytics_snapshots row.
type upsertRow struct {
	id, team  string
	account   sql.NullString
	date, typ string
	metrics   string
	created   time.Time
	sketch    []byte // nil: none
	compact   []byte // store.AppendMetricsBinary; nil: none
}

// upsertRows checks snaps and encodes them as rows, with a new ID where
// snap.ID is empty and now where CreatedAt is zero. An invalid snapshot,
// or two with one key, gives ErrInvalidArgument naming snaps[i].
func upsertRows(snaps []analytics.Snapshot, now time.Time) ([]upsertRow, error) {
	rows := make([]upsertRow, len(snaps))
	seen := make(map[analytics.SnapshotKey]int, len(snaps))
	for i, sn := range snaps {
		field := fmt.Sprintf("snaps[%d]", i)
		if err := sn.Validate(); err != nil {
			if fe, ok := err.(*analytics.FieldError); ok {
				return nil, store.InvalidArgument(field+"."+fe.Field, "%s", fe.Reason)
			}
			return nil, err
		}
		if sn.ID != "" {
			if err := analytics.ValidateID(field+".ID", sn.ID); err != nil {
				return nil, err
			}
		}
		if j, ok := seen[sn.Key()]; ok {
			return nil, store.InvalidArgument(field, "has the same key (%s, %s, %s) as snaps[%d]", sn.Scope, sn.Type, sn.Date, j)
		}
		seen[sn.Key()] = i
		r, err := encodeSnapshot(field, sn, now)
		if err != nil {
			return nil, err
		}
		rows[i] = r
	}
	return rows, nil
}

// encodeSnapshot encodes the valid snapshot sn, named field in errors, as
// a row.
func encodeSnapshot(field string, sn analytics.Snapshot, now time.Time) (upsertRow, error) {
	b, err := json.Marshal(sn.Metrics)
	if err != nil {
		return upsertRow{}, store.InvalidArgument(field+".Metrics", "cannot be encoded: %v", err)
	}
	var sketch []byte
	if sn.Metrics.ActiveSketch != nil {
		if sketch, err = sn.Metrics.ActiveSketch.MarshalBinary(); err != nil {
			return upsertRow{}, store.InvalidArgument(field+".Metrics.ActiveSketch", "cannot be encoded: %v", err)
		}
	}
	// Without a compact form (only for times the encoding cannot
	// hold), roll-ups read the JSON.
	compact, _ := store.AppendMetricsBinary(nil, sn.Metrics)
	id := sn.ID
	if id == "" {
		id = newID()
	}
	created := sn.CreatedAt
	if created.IsZero() {
		created = now
	}
	return upsertRow{
		id:      id,
		team:    sn.Scope.TeamID,
		account: sql.NullString{String: sn.Scope.AccountID, Valid: !sn.Scope.TeamWide()},
		date:    sn.Date.String(),
		typ:     sn.Type.String(),
		metrics: string(b),
		created: created.UTC().Truncate(time.Millisecond),
		sketch:  sketch,
		compact: compact,
	}, nil
}

func (s *Store) upsertError(ctx context.Context, err error) error {
	switch sqlState(err) {
	case "23503": // foreign_key_violation: the team does not exist
		return fmt.Errorf("pgstore: upserting snapshots: %w: a snapshot's team does not exist (%v)", analytics.ErrNotFound, err)
	case "23505": // unique_violation: only the primary key can clash here
		return fmt.Errorf("pgstore: upserting snapshots: %w: a snapshot ID is already used by a row with another key (%v)",
			analytics.ErrInvalidArgument, err)
	}
	return s.wrap(ctx, "upserting snapshots", err)
}

// newID returns "snap_" and 32 random hex digits.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "snap_" + hex.EncodeToString(b[:])
}

// Snapshots implements analytics.SnapshotStore, reading through the
// (team_id, snapshot_type, date) or (whatsapp_account_id, snapshot_type,
// date) index. A row whose metrics cannot be decoded (see
// store.DecodeMetrics) gives an error wrapping ErrCorrupt that names
// its ID, and no snapshots. A team or account ID that cannot be a value of
// the type of Source.Teams.ID or Source.Accounts.ID (see Source) gives an
// error wrapping analytics.ErrInvalidArgument naming "Scope.TeamID" or
// "Scope.AccountID", as the other reads do.
func (s *Store) Snapshots(ctx context.Context, q analytics.SnapshotQuery) ([]analytics.Snapshot, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkScopeIDs(q.Scope); err != nil {
		return nil, err
	}
	query := s.q.snapshotsTeam
	if !q.Scope.TeamWide() {
		query = s.q.snapshotsAccount
	}
	args := []any{q.Scope.TeamID, q.Scope.AccountID, q.Type.String(), q.From.String(), q.To.String()}
	if q.Limit > 0 {
		query += "\nLIMIT ?5"
		args = append(args, q.Limit)
	}
	var out []analytics.Snapshot
	err := s.query(ctx, s.reader(ctx), "reading snapshots", query, args, func(rows *sql.Rows) error {
		var id, team, date, typ, metrics string
		var account sql.NullString
		var created sql.NullInt64
		if err := rows.Scan(&id, &team, &account, &date, &typ, &metrics, &created); err != nil {
			return err
		}
		sn := analytics.Snapshot{ID: id, Scope: analytics.Scope{TeamID: team, AccountID: account.String}}
		var err error
		if sn.Date, err = analytics.ParseDate(date); err != nil {
			return fmt.Errorf("%w: snapshot %q: date %q", analytics.ErrCorrupt, id, date)
		}
		if sn.Type, err = analytics.ParseSnapshotType(typ); err != nil {
			return fmt.Errorf("%w: snapshot %q: snapshot_type %q", analytics.ErrCorrupt, id, typ)
		}
		if sn.Metrics, err = store.DecodeMetrics([]byte(metrics)); err != nil {
			return fmt.Errorf("snapshot %q (%s %s %s): %w", id, sn.Scope, sn.Type, sn.Date, err)
		}
		if created.Valid {
			sn.CreatedAt = time.UnixMicro(created.Int64).UTC()
		}
		out = append(out, sn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
