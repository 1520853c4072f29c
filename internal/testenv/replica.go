package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// replicaLockKey is the advisory lock, on the primary, that tests using
// the standby hold: shared by Replica, exclusive by LaggingReplica, whose
// delay of the standby's replay would hold up every other test's writes.
// It spans processes, so test binaries of several packages can share the
// pair.
const replicaLockKey = 0x616e616c79746963 // "analytic"

// Replica returns pools on the Postgres primary at TEST_REPLICA_PRIMARY_URL
// and on its physical streaming standby at TEST_REPLICA_URL (pgx stdlib,
// Bun's pgdialect), both with search_path set to a new schema of the
// test's own, made on the primary and replayed by the standby before
// Replica returns. The schema is dropped on the primary and the pools
// closed when the test ends. Either variable unset skips the test (see
// Require); set but unreachable fails it.
func Replica(t testing.TB) (primary, replica *bun.DB) {
	t.Helper()
	return replicaPair(t, 0)
}

// LaggingReplica is Replica with the standby applying each commit delay
// after the primary made it (recovery_min_apply_delay, set with ALTER
// SYSTEM on the standby and RESET when the test ends), so that its lag is
// real. Because the delay holds up every test using the standby, it waits
// until none runs, and the others wait for it. It fails the test unless a
// commit made after the delay is set is seen not replayed yet.
func LaggingReplica(t testing.TB, delay time.Duration) (primary, replica *bun.DB) {
	t.Helper()
	return replicaPair(t, delay)
}

func replicaPair(t testing.TB, delay time.Duration) (*bun.DB, *bun.DB) {
	t.Helper()
	purl := Require(t, "TEST_REPLICA_PRIMARY_URL")
	rurl := Require(t, "TEST_REPLICA_URL")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lockReplica(ctx, t, purl, delay > 0)
	schema := UniqueName("r_")
	primary := openPool(ctx, t, "TEST_REPLICA_PRIMARY_URL", purl, schema)
	if _, err := primary.ExecContext(ctx, `CREATE SCHEMA `+QuoteIdent(schema)); err != nil {
		t.Fatalf("testenv: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := primary.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+QuoteIdent(schema)+` CASCADE`); err != nil {
			t.Errorf("testenv: dropping schema %s: %v", schema, err)
		}
	})
	replica := openPool(ctx, t, "TEST_REPLICA_URL", rurl, schema)
	if err := WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatalf("testenv: waiting for the standby to replay schema %s: %v", schema, err)
	}
	if delay > 0 {
		delayReplay(ctx, t, primary, replica, delay)
	}
	return primary, replica
}

// lockReplica takes the advisory lock replicaLockKey, exclusive or shared,
// on a connection of its own that the test's cleanup closes.
func lockReplica(ctx context.Context, t testing.TB, url string, exclusive bool) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("testenv: TEST_REPLICA_PRIMARY_URL is set but Postgres cannot be reached: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	fn := "pg_advisory_lock_shared"
	if exclusive {
		fn = "pg_advisory_lock"
	}
	if _, err := conn.Exec(ctx, `SELECT `+fn+`($1)`, int64(replicaLockKey)); err != nil {
		t.Fatalf("testenv: locking the standby for the test: %v", err)
	}
}

// openPool opens a pool on url whose connections have search_path schema,
// and closes it when the test ends.
func openPool(ctx context.Context, t testing.TB, name, url, schema string) *bun.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("testenv: parsing %s: %v", name, err)
	}
	cfg.RuntimeParams["search_path"] = schema
	cfg.RuntimeParams["application_name"] = "testenv-" + schema
	sqldb := sql.OpenDB(stdlib.GetConnector(*cfg))
	sqldb.SetMaxOpenConns(8)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("testenv: %s is set but Postgres cannot be reached: %v", name, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("testenv: closing the pool of %s: %v", name, err)
		}
	})
	return db
}

// WaitReplayed waits until the standby replica has replayed every commit
// the primary has made, polling every 10 ms until ctx ends. It commits a
// transaction of its own with synchronous_commit on first, which flushes
// the WAL of the commits before it, even those made with it off. Then it
// also waits until the replica's connections resolve the current schema
// of the search_path to as many relations as the primary's do.
func WaitReplayed(ctx context.Context, primary, replica *bun.DB) error {
	lsn, err := flushedLSN(ctx, primary)
	if err != nil {
		return err
	}
	var want int
	if err := primary.QueryRowContext(ctx, schemaRelations).Scan(&want); err != nil {
		return err
	}
	for {
		var ok bool
		var got int
		if err := replica.QueryRowContext(ctx, `SELECT COALESCE(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)`, lsn).Scan(&ok); err != nil {
			return err
		}
		if ok {
			if err := replica.QueryRowContext(ctx, schemaRelations).Scan(&got); err != nil {
				return err
			}
			if got >= want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: the standby has not replayed %s", ctx.Err(), lsn)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// schemaRelations counts the relations in the search_path's current
// schema; -1 when no schema of the search_path exists.
const schemaRelations = `SELECT CASE WHEN current_schema() IS NULL THEN -1 ELSE
	(SELECT count(*)::int FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace) END`

// flushedLSN commits a transaction with synchronous_commit on, which
// flushes the WAL up to its commit, and returns the primary's WAL position
// after it.
func flushedLSN(ctx context.Context, primary *bun.DB) (string, error) {
	tx, err := primary.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	for _, q := range []string{`SET LOCAL synchronous_commit = on`, `SELECT txid_current()`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return "", err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	var lsn string
	err = primary.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn)
	return lsn, err
}

// delayReplay sets recovery_min_apply_delay on the standby, resets it when
// the test ends, and checks that a commit is then held back.
func delayReplay(ctx context.Context, t testing.TB, primary, replica *bun.DB, delay time.Duration) {
	t.Helper()
	setDelay := func(ctx context.Context, stmt string) error {
		if _, err := replica.ExecContext(ctx, stmt); err != nil {
			return err
		}
		_, err := replica.ExecContext(ctx, `SELECT pg_reload_conf()`)
		return err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := setDelay(ctx, `ALTER SYSTEM RESET recovery_min_apply_delay`); err != nil {
			t.Errorf("testenv: resetting recovery_min_apply_delay on the standby: %v", err)
			return
		}
		if err := WaitReplayed(ctx, primary, replica); err != nil {
			t.Errorf("testenv: the standby did not catch up after its delay was reset: %v", err)
		}
	})
	if err := setDelay(ctx, fmt.Sprintf(`ALTER SYSTEM SET recovery_min_apply_delay = '%dms'`, delay.Milliseconds())); err != nil {
		t.Fatalf("testenv: setting recovery_min_apply_delay on the standby: %v", err)
	}
	if _, err := primary.ExecContext(ctx, `CREATE TABLE testenv_probe (n int)`); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	// The startup process reloads its settings on its own: probe until a
	// commit is held back, then wait for it, so the test starts caught up.
	for i := 0; ; i++ {
		if _, err := primary.ExecContext(ctx, `INSERT INTO testenv_probe VALUES (1)`); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		lsn, err := flushedLSN(ctx, primary)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		// Streaming alone takes a millisecond or so here: a commit still
		// not replayed a quarter of the delay later is being held back.
		time.Sleep(delay / 4)
		var ok bool
		if err := replica.QueryRowContext(ctx, `SELECT COALESCE(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)`, lsn).Scan(&ok); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		if !ok {
			break
		}
		if i == 20 {
			t.Fatalf("testenv: recovery_min_apply_delay = %v on the standby holds back no commit", delay)
		}
	}
	if err := WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}
