package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// openKept opens the dataset cfg describes in schema of the database at
// url as openEnv does (loading it unless reuse finds it), but keeps its
// snapshot table as it is.
func openKept(ctx context.Context, o *Options, url, schema string, cfg synth.Config) (*env, error) {
	ds, err := Load(ctx, url, schema, cfg, o.Reuse, o.Log)
	if err != nil {
		return nil, err
	}
	db, err := Open(ctx, url, schema, 8)
	if err != nil {
		return nil, err
	}
	st, err := pgstore.New(ctx, db.DB, nil)
	if err == nil {
		err = st.Migrate(ctx)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	pc, err := pgx.ParseConfig(url)
	if err != nil {
		db.Close()
		return nil, err
	}
	pc.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: connecting: %w", err)
	}
	return &env{ds: ds, db: db, store: st, conn: conn}, nil
}

// settledDailies reports whether e's snapshot table holds a daily
// snapshot of every scope and day of the month generated at least two
// days after the day ended: the state Monthly leaves behind.
func settledDailies(ctx context.Context, e *env, scopes int) (bool, error) {
	var n int
	err := e.conn.QueryRow(ctx, `SELECT count(*) FROM analytics_snapshots
WHERE snapshot_type = 'Daily' AND date >= $1::date AND date < $1::date + 31
	AND created_at >= date + 3`, monthStart.String()).Scan(&n)
	return n == scopes*monthDays, err
}
