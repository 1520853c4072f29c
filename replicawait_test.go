package analytics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// laggingService returns a Service, with an L1 cache, on a Postgres store
// reading on a standby that applies commits 1 s late, holding team T (UTC)
// and no activity; and the primary.
func laggingService(t *testing.T) (*analytics.Service, *bun.DB) {
	t.Helper()
	ctx := context.Background()
	primary, replica := testenv.LaggingReplica(t, time.Second)
	if _, err := primary.ExecContext(ctx, synth.SchemaSQL); err != nil {
		t.Fatal(err)
	}
	if err := synth.InsertRows(ctx, primary, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatal(err)
	}
	clock := analytics.NewFakeClock(svcNow)
	pg, err := pgstore.New(ctx, primary, &pgstore.Config{Clock: clock, Replica: replica})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(pg, &analytics.Config{Clock: clock, Cache: newCache(t, tierSetup{l1: true}, clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	return svc, primary
}

// insertMessages commits n sent messages of team T at instant at on the
// primary, with IDs starting with prefix.
func insertMessages(t *testing.T, primary *bun.DB, prefix string, n int, at time.Time) {
	t.Helper()
	_, err := primary.ExecContext(context.Background(), `INSERT INTO messages (id, team_id, status, sender_type, created_at)
	SELECT ? || i, 'T', 'sent', 'agent', ?::timestamp FROM generate_series(1, ?) i`,
		prefix, at.UTC().Format("2006-01-02 15:04:05"), n)
	if err != nil {
		t.Fatal(err)
	}
}

// TestInvalidateTeamAwaitsReplica checks that a real-time read right after
// the host commits messages on the primary and calls InvalidateTeam sees
// them, though the standby replays them a second later: InvalidateTeam
// waits for it (pgstore.Store.AwaitReplica) before invalidating.
func TestInvalidateTeamAwaitsReplica(t *testing.T) {
	t.Parallel()
	svc, primary := laggingService(t)
	ctx := context.Background()
	scope := analytics.TeamScope("T")
	if m, err := svc.RealTime(ctx, scope); err != nil || m.Messages.Total != 0 {
		t.Fatalf("RealTime before: %d messages, err %v; want 0", m.Messages.Total, err)
	}
	insertMessages(t, primary, "now", 5, svcNow.Add(-time.Hour))
	if err := svc.InvalidateTeam(ctx, "T"); err != nil {
		t.Fatal(err)
	}
	if m, err := svc.RealTime(ctx, scope); err != nil || m.Messages.Total != 5 {
		t.Errorf("RealTime right after the insert and InvalidateTeam: %d messages, err %v; want 5", m.Messages.Total, err)
	}
}

// TestRunAwaitsReplica checks that Generate and GenerateAll, started right
// after late messages of a finished day are committed on the primary,
// aggregate them, though the standby replays them a second later: a run
// sees everything committed before it started.
func TestRunAwaitsReplica(t *testing.T) {
	t.Parallel()
	svc, primary := laggingService(t)
	ctx := context.Background()
	scope := analytics.TeamScope("T")
	day, err := analytics.LastCompletePeriod(analytics.Daily, svcNow, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	insertMessages(t, primary, "late", 7, day.Start.Add(time.Hour))
	s, err := svc.Snapshotter().Generate(ctx, scope, day)
	if err != nil || s.Metrics.Messages.Total != 7 {
		t.Errorf("Generate right after 7 late messages: total %d, err %v; want 7", s.Metrics.Messages.Total, err)
	}
	insertMessages(t, primary, "later", 3, day.Start.Add(2*time.Hour))
	rep, err := svc.Snapshotter().GenerateAll(ctx, analytics.Daily, svcNow)
	if err != nil || rep.Succeeded != 1 {
		t.Fatalf("GenerateAll: %+v, %v", rep, err)
	}
	got, err := svc.Snapshots(ctx, scope, analytics.Daily, day.Date, day.Date)
	if err != nil || len(got) != 1 || got[0].Metrics.Messages.Total != 10 {
		t.Errorf("snapshot after GenerateAll right after 3 more: %s, err %v; want total 10", totals(got), err)
	}
}

func totals(ss []analytics.Snapshot) string {
	out := ""
	for _, s := range ss {
		out += fmt.Sprintf("%s:%d ", s.Date, s.Metrics.Messages.Total)
	}
	return fmt.Sprintf("[%s]", out)
}
