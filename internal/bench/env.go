package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

// DB is a connection pool whose sessions use one schema (search_path), with
// a hook that counts the statements it runs and one that times them while
// a profile runs.
type DB struct {
	*bun.DB
	Schema string
	hook   *CountHook
	times  *StatementTimes // recorded while a profile runs (Options.ProfileDir)
}

// Open connects to url with search_path set to schema. maxConns bounds the
// pool (at least 1).
func Open(ctx context.Context, url, schema string, maxConns int) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("bench: parsing the database URL: %w", err)
	}
	cfg.RuntimeParams["search_path"] = schema
	sqldb := sql.OpenDB(stdlib.GetConnector(*cfg))
	sqldb.SetMaxOpenConns(max(maxConns, 1))
	sqldb.SetMaxIdleConns(max(maxConns, 1))
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: connecting: %w", err)
	}
	h, times := &CountHook{}, &StatementTimes{}
	db.AddQueryHook(h)
	db.AddQueryHook(times)
	return &DB{DB: db, Schema: schema, hook: h, times: times}, nil
}

// Statements returns how many statements the pool has run so far (BEGIN
// and COMMIT included).
func (d *DB) Statements() int64 { return d.hook.n.Load() }

// CountHook counts the statements a *bun.DB runs.
type CountHook struct{ n atomic.Int64 }

// BeforeQuery implements bun.QueryHook.
func (h *CountHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	h.n.Add(1)
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (h *CountHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// Dataset is a synthetic dataset loaded into its own schema.
type Dataset struct {
	Schema string
	Config synth.Config // with defaults applied
	// Messages is the number of messages in the schema.
	Messages int64
	// Loaded reports whether this run loaded it (false: reused).
	Loaded   bool
	LoadTime time.Duration
}

// fingerprint identifies a dataset's configuration.
func fingerprint(cfg synth.Config) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%+v", *cfg.WithDefaults())))
	return hex.EncodeToString(sum[:12])
}

// Load makes sure schema holds the dataset cfg describes, with the store's
// tables migrated and its recommended indexes built. With reuse, a schema
// that already holds exactly that dataset (recorded in its bench_dataset
// table) is kept as it is; otherwise the schema is dropped and loaded
// afresh with synth.LoadPostgres. Progress goes to log.
func Load(ctx context.Context, url, schema string, cfg synth.Config, reuse bool, log io.Writer) (Dataset, error) {
	cfg = *cfg.WithDefaults()
	ds := Dataset{Schema: schema, Config: cfg}
	fp := fingerprint(cfg)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return ds, fmt.Errorf("bench: connecting: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	q := pgx.Identifier{schema}.Sanitize()
	if reuse {
		var have string
		err := conn.QueryRow(ctx, `SELECT fingerprint FROM `+pgx.Identifier{schema, "bench_dataset"}.Sanitize()).Scan(&have)
		if err == nil && have == fp {
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "messages"}.Sanitize()).Scan(&ds.Messages); err != nil {
				return ds, fmt.Errorf("bench: counting messages: %w", err)
			}
			fmt.Fprintf(log, "bench: reusing schema %s (%d messages)\n", schema, ds.Messages)
			return ds, nil
		}
	}
	fmt.Fprintf(log, "bench: loading %d teams × %d accounts, %d days from %s, %d messages/day into schema %s\n",
		cfg.Teams, cfg.AccountsPerTeam, cfg.Days, cfg.Start, cfg.MessagesPerDay, schema)
	start := time.Now()
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+q+` CASCADE`); err != nil {
		return ds, fmt.Errorf("bench: dropping schema %s: %w", schema, err)
	}
	st, err := synth.LoadPostgres(ctx, conn, schema, cfg)
	if err != nil {
		return ds, err
	}
	ds.Messages = st.Messages
	db, err := Open(ctx, url, schema, 1)
	if err != nil {
		return ds, err
	}
	defer db.Close()
	store, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		return ds, err
	}
	if err := store.Migrate(ctx); err != nil {
		return ds, err
	}
	if _, err := db.ExecContext(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		return ds, err
	}
	if err := store.CreateRecommendedIndexes(ctx); err != nil {
		return ds, err
	}
	// VACUUM sets the visibility map (as autovacuum would on a settled
	// table), so that index-only scans work as they would in production.
	for _, s := range []string{
		`VACUUM ANALYZE teams, whatsapp_accounts, contacts, conversations, messages, campaigns`,
		`CREATE TABLE bench_dataset (fingerprint text NOT NULL, config text NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return ds, fmt.Errorf("bench: %s: %w", s, err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO bench_dataset VALUES (?, ?)`, fp, fmt.Sprintf("%+v", cfg)); err != nil {
		return ds, err
	}
	ds.Loaded, ds.LoadTime = true, time.Since(start)
	fmt.Fprintf(log, "bench: loaded %d messages (%d rows) in %.1f s\n", st.Messages, st.Rows(), ds.LoadTime.Seconds())
	return ds, nil
}
