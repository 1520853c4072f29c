package pgstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// upsertSQL is the statement that writes a chunk of snapshot rows: one
// INSERT … SELECT from parallel arrays, one element per row, zipped by
// ROWS FROM, so that its plan does not grow with the rows' count as a
// VALUES list's would. The metrics come as one JSON array, whose elements
// are jsonb values once it is parsed, with no array literal to unescape
// first. snapshotType is the quoted name of the snapshot_type enum. See
// upsertArgs for the arguments.
func upsertSQL(snap, snapshotType string) string {
	return `INSERT INTO ` + snap + ` (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at, active_sketch, metrics_compact)
SELECT u.id, u.team, u.account, u.date, u.typ::` + snapshotType + `, u.metrics, u.created AT TIME ZONE 'UTC', u.sketch, u.compact
FROM ROWS FROM (unnest(?0::text[]), unnest(?1::text[]), unnest(?2::text[]), unnest(?3::date[]), unnest(?4::text[]),
	jsonb_array_elements(?5::jsonb), unnest(?6::timestamptz[]), unnest(?7::bytea[]), unnest(?8::bytea[]))
	AS u(id, team, account, date, typ, metrics, created, sketch, compact)
ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type)
DO UPDATE SET metrics = EXCLUDED.metrics, created_at = EXCLUDED.created_at,
	active_sketch = EXCLUDED.active_sketch, metrics_compact = EXCLUDED.metrics_compact`
}

// upsertArgs returns upsertSQL's arguments for rows: the arrays of IDs,
// teams, accounts (NULL for a team-wide row), dates and types, the JSON
// array of the rows' metrics, and the arrays of created_at instants,
// sketches and compact metrics (NULL where a row has none), in that order.
func upsertArgs(rows []upsertRow) []any {
	n := len(rows)
	ids, teams, dates, typs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	size := 2
	for i := range rows {
		size += len(rows[i].metrics) + 1
	}
	metrics := make([]byte, 0, size)
	metrics = append(metrics, '[')
	accounts := make([]*string, n)
	created := make([]time.Time, n)
	sketches, compacts := make([][]byte, n), make([][]byte, n)
	for i := range rows {
		r := &rows[i]
		ids[i], teams[i], dates[i], typs[i] = r.id, r.team, r.date, r.typ
		if i > 0 {
			metrics = append(metrics, ',')
		}
		metrics = append(metrics, r.metrics...)
		if r.account.Valid {
			accounts[i] = &r.account.String
		}
		created[i], sketches[i], compacts[i] = r.created, r.sketch, r.compact
	}
	metrics = append(metrics, ']')
	return []any{pgdialect.Array(ids), pgdialect.Array(teams), pgdialect.Array(accounts), pgdialect.Array(dates),
		pgdialect.Array(typs), string(metrics), pgdialect.Array(created), pgdialect.Array(sketches), pgdialect.Array(compacts)}
}

// upsertChunks writes rows in tx, in statements of at most size rows.
func (s *Store) upsertChunks(ctx context.Context, tx execer, rows []upsertRow, size int) error {
	for lo := 0; lo < len(rows); lo += size {
		chunk := rows[lo:min(lo+size, len(rows))]
		if _, err := tx.ExecContext(ctx, s.q.upsert, upsertArgs(chunk)...); err != nil {
			return s.upsertError(ctx, err)
		}
	}
	return nil
}

// execer is what upsertChunks runs its statements on: a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
