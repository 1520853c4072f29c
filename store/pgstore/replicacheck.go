package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// checkReplica checks Config.Replica for New, once the source has passed
// its checks on the primary db: that it uses the Postgres dialect, can be
// reached, is a physical standby (in recovery, replaying WAL) of db's
// cluster and database, and sees the source tables and, when db has it,
// the snapshot table, as db does, and resolves each of their names to the
// same table as db (see sameTables). Problems are *analytics.FieldErrors
// naming Config.Replica, in a *SourceError; a failed query of db is
// returned as it is.
func checkReplica(ctx context.Context, db *bun.DB, c *Config) error {
	rep := c.Replica
	if rep.Dialect().Name() != dialect.PG {
		return &SourceError{Problems: []error{store.InvalidArgument("Config.Replica",
			"must use the Postgres dialect (pgdialect), got %s", rep.Dialect().Name())}}
	}
	if err := rep.PingContext(ctx); err != nil {
		return fmt.Errorf("pgstore: Config.Replica cannot be reached: %w", err)
	}
	if err := checkStandby(ctx, db, rep); err != nil {
		return err
	}
	_, _, problems, err := checkSource(ctx, rep, &c.Source)
	if err != nil {
		return fmt.Errorf("pgstore: Config.Replica: %w", err)
	}
	snaps := qualify(c.Schema, c.SnapshotTable)
	var onPrimary, onReplica bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass(?) IS NOT NULL`, snaps).Scan(&onPrimary); err != nil {
		return fmt.Errorf("pgstore: looking for the snapshot table: %w", err)
	}
	if err := rep.QueryRowContext(ctx, `SELECT to_regclass(?) IS NOT NULL`, snaps).Scan(&onReplica); err != nil {
		return fmt.Errorf("pgstore: Config.Replica: looking for the snapshot table: %w", err)
	}
	if onPrimary && !onReplica {
		problems = append(problems, store.InvalidArgument("Config.SnapshotTable",
			"table %s is on the primary but not on the replica: its connections must resolve names as the primary's do (the same search_path)", snaps))
	}
	if len(problems) == 0 {
		same, err := sameTables(ctx, db, rep, c)
		if err != nil {
			return err
		}
		problems = same
	}
	if len(problems) == 0 {
		return nil
	}
	out := make([]error, len(problems))
	for i, p := range problems {
		if fe, ok := p.(*analytics.FieldError); ok {
			p = fmt.Errorf("%s: %s", fe.Field, fe.Reason)
		}
		out[i] = store.InvalidArgument("Config.Replica", "on the replica, %v", p)
	}
	return &SourceError{Problems: out}
}

// checkStandby checks that rep is a physical standby of db's cluster
// (the same system identifier, when this role may read it) and is
// connected to the same database.
func checkStandby(ctx context.Context, db, rep *bun.DB) error {
	const q = `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() IS NOT NULL, current_database()::text,
	CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE')
		THEN (SELECT system_identifier FROM pg_control_system())::text END`
	var pRec, pReplay, rRec, rReplay bool
	var pDB, rDB string
	var pID, rID sql.NullString
	if err := db.QueryRowContext(ctx, q).Scan(&pRec, &pReplay, &pDB, &pID); err != nil {
		return fmt.Errorf("pgstore: reading the primary's recovery state: %w", err)
	}
	if err := rep.QueryRowContext(ctx, q).Scan(&rRec, &rReplay, &rDB, &rID); err != nil {
		return fmt.Errorf("pgstore: Config.Replica: reading its recovery state: %w", err)
	}
	bad := func(format string, args ...any) error {
		return &SourceError{Problems: []error{store.InvalidArgument("Config.Replica", format, args...)}}
	}
	switch {
	case !rRec:
		return bad("is not a physical standby: pg_is_in_recovery() is false on it (a primary, a promoted standby or a logical replica); it must be a streaming standby of db, such as one made by pg_basebackup -R")
	case !rReplay:
		return bad("is in recovery but has replayed no WAL (pg_last_wal_replay_lsn() is NULL); it must be a streaming standby of db")
	case pRec:
		return store.InvalidArgument("db", "is a standby (pg_is_in_recovery() is true); the store writes: it must be the primary")
	case pID.Valid && rID.Valid && pID.String != rID.String:
		return bad("is a standby of another cluster (system identifier %s, the primary's is %s)", rID.String, pID.String)
	case pDB != rDB:
		return bad("is connected to database %q, the primary to %q", rDB, pDB)
	}
	return nil
}

// sameTables checks that rep resolves the name of every source table and
// of the snapshot table to the table db resolves it to. A physical standby
// has the primary's OIDs, so a name that resolves to another OID on rep
// (or to a table on one side only) means its connections resolve names
// otherwise, such as another search_path finding a same-named table of
// another schema: its reads would silently read that table. Tables found
// on neither side are left to the other checks (the snapshot table before
// Migrate).
func sameTables(ctx context.Context, db, rep *bun.DB, c *Config) ([]error, error) {
	var fields, names []string
	for _, t := range append(sourceChecks(&c.Source), shapeChecks(&c.Source)...) {
		if t.name != invalidName && !slices.Contains(names, qualify(c.Source.Schema, t.name)) {
			fields, names = append(fields, t.field), append(names, qualify(c.Source.Schema, t.name))
		}
	}
	fields, names = append(fields, "Config.SnapshotTable"), append(names, qualify(c.Schema, c.SnapshotTable))
	onPrimary, err := resolveTables(ctx, db, names)
	if err != nil {
		return nil, fmt.Errorf("pgstore: resolving the tables on the primary: %w", err)
	}
	onReplica, err := resolveTables(ctx, rep, names)
	if err != nil {
		return nil, fmt.Errorf("pgstore: Config.Replica: resolving the tables: %w", err)
	}
	var problems []error
	for i, name := range names {
		p, r := onPrimary[i], onReplica[i]
		switch {
		case p.oid == r.oid:
		case r.oid == 0:
			problems = append(problems, store.InvalidArgument(fields[i],
				"%s is table %s on the primary but resolves to no table on the replica: its connections must resolve names as the primary's do (the same search_path)", name, p.name))
		case p.oid == 0:
			problems = append(problems, store.InvalidArgument(fields[i],
				"%s resolves to table %s on the replica but to no table on the primary: its connections must resolve names as the primary's do (the same search_path)", name, r.name))
		default:
			problems = append(problems, store.InvalidArgument(fields[i],
				"%s is table %s on the primary but table %s on the replica, another table: its connections must resolve names as the primary's do (the same search_path)", name, p.name, r.name))
		}
	}
	return problems, nil
}

// resolvedTable is a name as to_regclass resolves it: its OID (0 when
// no table has it) and its schema-qualified name.
type resolvedTable struct {
	oid  int64
	name string
}

// resolveTables resolves names on db, in order.
func resolveTables(ctx context.Context, db *bun.DB, names []string) ([]resolvedTable, error) {
	rows, err := db.QueryContext(ctx, `
SELECT COALESCE(c.oid::bigint, 0), CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) ELSE '' END
FROM unnest(?::text[]) WITH ORDINALITY AS t(name, ord)
LEFT JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
ORDER BY t.ord`, pgdialect.Array(names))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []resolvedTable
	for rows.Next() {
		var r resolvedTable
		if err := rows.Scan(&r.oid, &r.name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(names) {
		return nil, fmt.Errorf("resolved %d names of %d", len(out), len(names))
	}
	return out, nil
}
