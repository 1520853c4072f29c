package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/template"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one of the store's schema migrations, rendered for a
// configuration: plain SQL that a host may run through its own migration
// tool instead of Migrate, in Version order, each once.
type Migration struct {
	// Version is the migration's number, from 1.
	Version int
	// Name is the file name without its number, e.g. "analytics_snapshots".
	Name string
	// SQL is the migration's statements for the configured names. Every
	// statement is idempotent (IF NOT EXISTS, or checks in a DO block), so
	// running one twice is harmless.
	SQL string
}

// migrationNames are the names templates refer to, quoted and ready to use.
type migrationNames struct {
	Schema                         string // quoted Config.Schema, or ""
	Snapshots, SnapshotsLit        string
	SnapshotType, SnapshotTypeLit  string
	PKeyName, FKeyName, UniqueName string
	TeamIndex, AccountIndex        string
	Teams, TeamsID                 string
	TeamsLit, TeamsIDLit           string // as literals, for catalog lookups
	JobRuns, JobRunsPKeyName       string
	GuardFunction, GuardTrigger    string // keep the roll-up columns in step with metrics
}

// objectName returns table+suffix, shortening table so that the whole fits
// Postgres's 63-byte identifiers, then quoted.
func objectName(table, suffix string) string {
	if len(table)+len(suffix) > maxIdentLen {
		table = table[:maxIdentLen-len(suffix)]
	}
	return quoteIdent(table + suffix)
}

// qualifiedObjectName is objectName qualified by schema (if any).
func qualifiedObjectName(schema, table, suffix string) string {
	if schema == "" {
		return objectName(table, suffix)
	}
	return quoteIdent(schema) + "." + objectName(table, suffix)
}

func namesFor(c *Config) migrationNames {
	snap := qualify(c.Schema, c.SnapshotTable)
	typ := qualify(c.Schema, "SnapshotType")
	schema := ""
	if c.Schema != "" {
		schema = quoteIdent(c.Schema)
	}
	return migrationNames{
		Schema:          schema,
		Snapshots:       snap,
		SnapshotsLit:    quoteLiteral(snap),
		SnapshotType:    typ,
		SnapshotTypeLit: quoteLiteral(typ),
		PKeyName:        objectName(c.SnapshotTable, "_pkey"),
		FKeyName:        objectName(c.SnapshotTable, "_team_id_fkey"),
		UniqueName:      objectName(c.SnapshotTable, "_team_account_date_type_key"),
		TeamIndex:       objectName(c.SnapshotTable, "_team_id_snapshot_type_date_idx"),
		AccountIndex:    objectName(c.SnapshotTable, "_whatsapp_account_id_snapshot_type_date_idx"),
		Teams:           qualify(c.Source.Schema, c.Source.Teams.Table),
		TeamsID:         quoteIdent(c.Source.Teams.ID),
		TeamsLit:        quoteLiteral(qualify(c.Source.Schema, c.Source.Teams.Table)),
		TeamsIDLit:      quoteLiteral(c.Source.Teams.ID),
		JobRuns:         qualify(c.Schema, c.JobRunsTable),
		JobRunsPKeyName: objectName(c.JobRunsTable, "_pkey"),
		GuardFunction:   qualifiedObjectName(c.Schema, c.SnapshotTable, "_rollup_guard"),
		GuardTrigger:    objectName(c.SnapshotTable, "_rollup_guard"),
	}
}

// Migrations returns the store's migrations rendered for cfg (nil for the
// defaults), in order. It does no I/O; an invalid cfg gives
// ErrInvalidArgument.
func Migrations(cfg *Config) ([]Migration, error) {
	c := cfg.WithDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return renderMigrations(c)
}

// MigrationSQL returns every migration of Migrations as one script, each
// preceded by a comment naming it, for hosts that apply SQL files with
// their own tool. It does not create Config.MigrationsTable: the host's tool
// keeps its own record.
func MigrationSQL(cfg *Config) (string, error) {
	ms, err := Migrations(cfg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "-- pgstore migration %04d_%s\n%s\n", m.Version, m.Name, m.SQL)
	}
	return b.String(), nil
}

func renderMigrations(c *Config) ([]Migration, error) {
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	names := namesFor(c)
	out := make([]Migration, 0, len(files))
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("pgstore: migration file %s is not named NNNN_name.sql", f)
		}
		src, err := migrationFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(base).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("pgstore: migration %s: %w", base, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, names); err != nil {
			return nil, fmt.Errorf("pgstore: migration %s: %w", base, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: b.String()})
	}
	return out, nil
}

// migrateLockName prefixes the name of the advisory lock Migrate takes.
const migrateLockName = "github.com/msgstats/analytics/store/pgstore: migrate "

// Migrate applies the migrations that Config.MigrationsTable does not list
// yet, in one transaction: all of them or none. It takes a transaction-level
// advisory lock (pg_advisory_xact_lock) first, so concurrent Migrate calls,
// from this process or others, run one after the other and the later ones
// find nothing to do; the lock goes with the transaction, even if the
// connection drops. Running Migrate on an up-to-date database does nothing.
// With Config.Replica, it then waits for the replica as UpsertSnapshots
// does (committing with synchronous_commit at least 'local' for that), so
// that the store's tables are there for the reads.
func (s *Store) Migrate(ctx context.Context) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	ms, err := renderMigrations(&s.cfg)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, "migrate: begin", err)
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback() //nolint:errcheck // the error that got us here matters more
		}
	}()
	// The lock is named after the migrations table, qualified by
	// Config.Schema or, when that is empty, by the schema the unqualified
	// names resolve to.
	lockSQL := `SELECT pg_advisory_xact_lock(hashtextextended(?0 || ?1 || coalesce(current_schema(), ''), 0))`
	if s.cfg.Schema != "" {
		lockSQL = `SELECT pg_advisory_xact_lock(hashtextextended(?0 || ?1, 0))`
	}
	if _, err := tx.ExecContext(ctx, lockSQL, migrateLockName, qualify(s.cfg.Schema, s.cfg.MigrationsTable)); err != nil {
		return s.wrap(ctx, "migrate: lock", err)
	}
	if err := s.flushCommit(ctx, tx); err != nil {
		return s.wrap(ctx, "migrate", err)
	}
	if s.cfg.Schema != "" {
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(s.cfg.Schema)); err != nil {
			return s.wrap(ctx, "migrate: creating schema", err)
		}
	}
	table := qualify(s.cfg.Schema, s.cfg.MigrationsTable)
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
	"version"    INTEGER PRIMARY KEY,
	"name"       TEXT NOT NULL,
	"applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
)`); err != nil {
		return s.wrap(ctx, "migrate: creating "+table, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT "version" FROM `+table)
	if err != nil {
		return s.wrap(ctx, "migrate: reading "+table, err)
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return s.wrap(ctx, "migrate: reading "+table, err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return s.wrap(ctx, "migrate: reading "+table, err)
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return s.wrap(ctx, fmt.Sprintf("migrate: %04d_%s", m.Version, m.Name), err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` ("version", "name") VALUES (?0, ?1)`, m.Version, m.Name); err != nil {
			return s.wrap(ctx, "migrate: recording "+m.Name, err)
		}
	}
	done = true
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, "migrate: commit", err)
	}
	return s.awaitReplica(ctx, "migrate")
}
