package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// blocker holds a transaction on its own connection that makes the store's
// next statement wait, so that the test can act on that statement while
// it runs on the server.
type blocker struct {
	t   *testing.T
	db  *bun.DB
	tx  bun.Tx
	pid int
}

func newBlocker(t *testing.T, db *bun.DB, stmts ...string) *blocker {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &blocker{t: t, db: db, tx: tx}
	t.Cleanup(func() { b.release() })
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&b.pid); err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return b
}

func (b *blocker) release() {
	if err := b.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		b.t.Errorf("releasing the blocker: %v", err)
	}
}

// waiting returns the backends that wait for the blocker.
func (b *blocker) waiting() []int {
	b.t.Helper()
	rows, err := b.db.QueryContext(context.Background(),
		`SELECT pid FROM pg_stat_activity WHERE ?::int = ANY(pg_blocking_pids(pid))`, b.pid)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// awaitWaiter polls the server until exactly one backend waits for the
// blocker, and returns it; it fails the test after 10 s. It waits for a
// condition on the server, not for time to pass.
func (b *blocker) awaitWaiter() int {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pids := b.waiting(); len(pids) == 1 {
			return pids[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.t.Fatal("no statement started waiting for the blocker within 10 s")
	return 0
}

func (b *blocker) terminate(pid int) {
	b.t.Helper()
	var ok bool
	if err := b.db.QueryRowContext(context.Background(), `SELECT pg_terminate_backend(?::int)`, pid).Scan(&ok); err != nil || !ok {
		b.t.Fatalf("pg_terminate_backend(%d): %v, %v", pid, ok, err)
	}
}

// TestUpsertConnectionDropped kills the store's connection while a batch
// is half written (its first chunk in, its second waiting on a row lock):
// UpsertSnapshots fails and no row of the batch is left.
func TestUpsertConnectionDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{cfg: &pgstore.Config{UpsertBatchSize: 2}})
	ctx := context.Background()
	// Another transaction has written, not committed, the key of the
	// batch's last snapshot: the second chunk waits for it.
	b := newBlocker(t, e.db, `INSERT INTO analytics_snapshots (id, team_id, date, snapshot_type, metrics)
		VALUES ('blocker', 'T', '2024-05-03', 'Daily', '{}')`)
	var batch []analytics.Snapshot
	for day := 1; day <= 3; day++ {
		d := analytics.NewDate(2024, 5, day)
		batch = append(batch, analytics.Snapshot{Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: d, Metrics: metricsFor(t, d, 0)})
	}
	done := make(chan error, 1)
	go func() { done <- e.store.UpsertSnapshots(ctx, batch) }()
	pid := b.awaitWaiter()
	b.terminate(pid)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("UpsertSnapshots succeeded on a terminated connection")
		}
		t.Logf("UpsertSnapshots: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("UpsertSnapshots did not return within 10 s of its connection being terminated")
	}
	b.release()
	var n int
	if err := e.db.NewRaw(`SELECT count(*) FROM analytics_snapshots`).Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows left after the dropped batch, want 0", n)
	}
	// The store recovers on a fresh connection.
	if err := e.store.UpsertSnapshots(ctx, batch); err != nil {
		t.Errorf("UpsertSnapshots after the drop: %v", err)
	}
}

// TestAggregateConnectionDropped kills the store's connection while an
// aggregation statement runs (waiting on a table lock): Aggregate fails.
func TestAggregateConnectionDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{})
	b := newBlocker(t, e.db, `LOCK TABLE messages IN ACCESS EXCLUSIVE MODE`)
	done := make(chan error, 1)
	go func() {
		_, err := e.store.Aggregate(context.Background(), dayRequest("T"))
		done <- err
	}()
	b.terminate(b.awaitWaiter())
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Aggregate succeeded on a terminated connection")
		}
		t.Logf("Aggregate: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Aggregate did not return within 10 s of its connection being terminated")
	}
}

// TestAggregateCancel cancels the context of an aggregation whose statement
// is running on the server: Aggregate returns context.Canceled promptly and
// the server stops the statement.
func TestAggregateCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{})
	b := newBlocker(t, e.db, `LOCK TABLE messages IN ACCESS EXCLUSIVE MODE`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.store.Aggregate(ctx, dayRequest("T"))
		done <- err
	}()
	b.awaitWaiter()
	cancelled := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Aggregate after cancel: %v, want context.Canceled", err)
		}
		if d := time.Since(cancelled); d > 2*time.Second {
			t.Errorf("Aggregate took %v to return after cancel", d)
		} else {
			t.Logf("Aggregate returned %v after cancel", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Aggregate did not return within 10 s of its context being cancelled")
	}
	// The statement no longer waits on the server.
	deadline := time.Now().Add(10 * time.Second)
	for len(b.waiting()) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled statement still runs on the server after 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func dayRequest(team string) analytics.AggregateRequest {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	return analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope(team),
		Period: analytics.Period{Type: analytics.Daily, Start: day, End: day.Add(24 * time.Hour), Date: analytics.DateOf(day)}}}}
}
