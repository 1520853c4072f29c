package pgstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// faultStore is the Postgres store with a hook at the start of each
// Aggregate call (numbered from 1), run on the generating goroutine.
type faultStore struct {
	*pgstore.Store
	calls  atomic.Int64
	before func(call int64)
}

func (s *faultStore) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	n := s.calls.Add(1)
	if s.before != nil {
		s.before(n)
	}
	return s.Store.Aggregate(ctx, req)
}

// TestGenerationBackendKilled kills the Postgres backend of a snapshot run
// (pg_terminate_backend) while it works on the second of three batches of
// two teams, and keeps killing every statement that waits on the blocker
// until the run ends:
//
//   - "upsert": the batch's write waits on a row lock held on the key of
//     team-0004's team-wide snapshot, after the batch's first chunk (team
//     0003) went in. The batch fails whole; retried team by team, team 0003
//     succeeds and team 0004 waits again and is killed again.
//   - "aggregate": the batch's aggregation waits on a lock of the messages
//     table, and so does each team's retry.
//
// Either way the failed teams, and only they, are in the report with no
// row written for them (no partial batch); the other batches are stored;
// a rerun completes the failed teams; and the table then holds exactly one
// row per (team, account, date, type), each equal to ComputeMetrics.
func TestGenerationBackendKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		blocker    string // statement the blocking transaction runs
		atCall     int64  // take the blocker before this Aggregate call; 0: from the start
		wantFailed []string
	}{
		{"upsert", `INSERT INTO analytics_snapshots (id, team_id, date, snapshot_type, metrics)
			VALUES ('blocker', 'team-0004', '2026-03-04', 'Daily', '{}')`, 0, []string{"team-0004"}},
		{"aggregate", `LOCK TABLE messages IN ACCESS EXCLUSIVE MODE`, 2, []string{"team-0003", "team-0004"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			teams, act, err := synth.Build(synth.Config{Seed: 9, Teams: 6, AccountsPerTeam: 1, Start: analytics.NewDate(2026, 3, 2),
				Days: 3, MessagesPerDay: 300, ContactsPerTeam: 20, TimeZones: []string{"UTC"}})
			if err != nil {
				t.Fatal(err)
			}
			// Two snapshots per team, written two per INSERT.
			e := newEnv(t, teams, &act, envOptions{cfg: &pgstore.Config{UpsertBatchSize: 2}})
			clock := analytics.NewFakeClock(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
			fs := &faultStore{Store: e.store}
			snap, err := analytics.NewSnapshotter(fs, &analytics.SnapshotterConfig{Clock: clock, BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}

			// Aggregate calls: 1 batch one, 2 batch two, 3 and 4 its teams
			// retried one by one, 5 batch three. The blocker is released
			// before call 5, so that batch three is not disturbed.
			var b *blocker
			entered, proceed := make(chan struct{}), make(chan struct{})
			past, released := make(chan struct{}), make(chan struct{})
			fs.before = func(call int64) {
				switch call {
				case tt.atCall:
					close(entered)
					<-proceed
				case 5:
					close(past)
					<-released
				}
			}
			if tt.atCall == 0 {
				b = newBlocker(t, e.db, tt.blocker)
			}
			type result struct {
				rep analytics.Report
				err error
			}
			done := make(chan result, 1)
			go func() {
				rep, err := snap.GenerateAll(ctx, analytics.Daily, clock.Now())
				done <- result{rep, err}
			}()
			if tt.atCall != 0 {
				select {
				case <-entered:
				case r := <-done:
					t.Fatalf("the run ended before its Aggregate call %d: %+v, %v", tt.atCall, r.rep, r.err)
				}
				b = newBlocker(t, e.db, tt.blocker)
				close(proceed)
			}
			// Kill every backend that waits on the blocker until the run
			// is over. This polls the server for a state, not time.
			var res result
			kills := 0
			deadline := time.Now().Add(30 * time.Second)
		wait:
			for {
				select {
				case res = <-done:
					break wait
				case <-past:
					b.release()
					close(released)
					past = nil
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the run did not end within 30 s")
				}
				for _, pid := range b.waiting() {
					b.terminate(pid)
					kills++
				}
				time.Sleep(2 * time.Millisecond)
			}
			b.release()
			t.Logf("%s: %d backends terminated; report %+v", tt.name, kills, res.rep)
			if res.err != nil {
				t.Fatalf("GenerateAll: %v", res.err)
			}
			var failed []string
			for _, te := range res.rep.Errors {
				failed = append(failed, te.TeamID)
			}
			if diff := cmp.Diff(tt.wantFailed, failed); diff != "" {
				t.Errorf("failed teams (-want +got):\n%s", diff)
			}
			if res.rep.Failed != 2*len(tt.wantFailed) || res.rep.Succeeded != 12-2*len(tt.wantFailed) {
				t.Errorf("report: %d succeeded, %d failed; want %d, %d", res.rep.Succeeded, res.rep.Failed, 12-2*len(tt.wantFailed), 2*len(tt.wantFailed))
			}
			rows := rowsPerTeam(t, e)
			for _, tm := range teams {
				want := 2
				for _, f := range tt.wantFailed {
					if f == tm.ID {
						want = 0
					}
				}
				if rows[tm.ID] != want {
					t.Errorf("after the killed run, team %s has %d rows, want %d", tm.ID, rows[tm.ID], want)
				}
			}

			// The rerun completes the failed teams and rewrites the others
			// in place.
			rep, err := snap.GenerateAll(ctx, analytics.Daily, clock.Now())
			if err != nil || rep.Failed != 0 || rep.Succeeded != 12 {
				t.Fatalf("rerun: %+v, %v", rep, err)
			}
			var total, distinct int
			if err := e.db.NewRaw(`SELECT count(*), count(DISTINCT (team_id, coalesce(whatsapp_account_id, ''), date, snapshot_type)) FROM analytics_snapshots`).
				Scan(ctx, &total, &distinct); err != nil {
				t.Fatal(err)
			}
			if total != 12 || distinct != 12 {
				t.Errorf("after the rerun: %d rows, %d distinct keys; want 12 and 12", total, distinct)
			}
			day, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 4), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			for _, tm := range teams {
				for _, sc := range tm.Scopes() {
					got, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: day.Date, To: day.Date})
					if err != nil || len(got) != 1 {
						t.Fatalf("Snapshots of %s: %v, %v", sc, got, err)
					}
					want, err := store.ComputeMetrics(&act, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: sc, Period: day}}})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want[0], got[0].Metrics, cmpopts.IgnoreFields(analytics.Metrics{}, "GeneratedAt")); diff != "" {
						t.Errorf("snapshot of %s after the rerun (-want +got):\n%s", sc, diff)
					}
				}
			}
		})
	}
}

// rowsPerTeam counts the snapshot rows of each team.
func rowsPerTeam(t *testing.T, e *env) map[string]int {
	t.Helper()
	rows, err := e.db.QueryContext(context.Background(), `SELECT team_id, count(*) FROM analytics_snapshots GROUP BY team_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var team string
		var n int
		if err := rows.Scan(&team, &n); err != nil {
			t.Fatal(err)
		}
		out[team] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
