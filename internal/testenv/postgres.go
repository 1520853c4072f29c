package testenv

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// DB returns a *bun.DB (pgx stdlib driver, Bun's pgdialect) on
// TEST_DATABASE_URL whose connections all have search_path set to a new,
// empty schema of the test's own. The schema is dropped (CASCADE) and the
// pool closed when the test ends. TEST_DATABASE_URL unset skips the test
// (see Require); set but unreachable fails it.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	return DBWithParams(t, nil)
}

// DBWithParams is DB with extra run-time parameters set on every
// connection, e.g. {"TimeZone": "Asia/Kolkata"}.
func DBWithParams(t testing.TB, params map[string]string) *bun.DB {
	t.Helper()
	url := Require(t, "TEST_DATABASE_URL")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("testenv: parsing TEST_DATABASE_URL: %v", err)
	}
	schema := UniqueName("t_")
	cfg.RuntimeParams["search_path"] = schema
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	sqldb := sql.OpenDB(stdlib.GetConnector(*cfg))
	sqldb.SetMaxOpenConns(8)
	db := bun.NewDB(sqldb, pgdialect.New())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("testenv: TEST_DATABASE_URL is set but Postgres cannot be reached: %v", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+QuoteIdent(schema)); err != nil {
		db.Close()
		t.Fatalf("testenv: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+QuoteIdent(schema)+` CASCADE`); err != nil {
			t.Errorf("testenv: dropping schema %s: %v", schema, err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("testenv: closing the pool: %v", err)
		}
	})
	return db
}

// QuoteIdent double-quotes a Postgres identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
