package analytics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/pgstore"
)

// The limits, in bytes, that ValidateID and CacheKey.Validate document.
const (
	maxIDLength         = 1024
	maxCacheQueryLength = 4096
)

// TestOversizedInputsRejected calls every public entry point that takes an
// ID, a length or a limit with a value past its bound: each must return
// ErrInvalidArgument, before any I/O, and never panic. The store behind
// the Service knows the (oversized) team, so a missing check would show as
// a success or ErrNotFound rather than ErrInvalidArgument.
func TestOversizedInputsRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(svcNow)
	long := strings.Repeat("x", maxIDLength+1)
	longest := strings.Repeat("y", maxIDLength) // exactly at the limit: accepted
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(analytics.Team{ID: longest, TimeZone: "UTC", AccountIDs: []string{longest}}); err != nil {
		t.Fatal(err)
	}
	cache := newCache(t, tierSetup{l1: true, redis: true}, clock, nil)
	svc, err := analytics.New(mem, &analytics.Config{Clock: clock, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := analytics.NewSnapshotter(mem, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	day := analytics.NewDate(2026, 3, 14)
	period, err := analytics.PeriodForDate(analytics.Daily, day, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	query := func(scope analytics.Scope, limit int) analytics.SnapshotQuery {
		return analytics.SnapshotQuery{Scope: scope, Type: analytics.Daily, From: day, To: day, Limit: limit}
	}
	aggregate := func(scope analytics.Scope) error {
		_, err := mem.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: scope, Period: period}}})
		return err
	}
	hugeQuery := strings.Repeat("q", maxCacheQueryLength+1)
	calls := []struct {
		name string
		call func() error
	}{
		{"RealTime team", func() error { _, err := svc.RealTime(ctx, analytics.TeamScope(long)); return err }},
		{"RealTime account", func() error { _, err := svc.RealTime(ctx, analytics.AccountScope(longest, long)); return err }},
		{"Dashboard team", func() error { _, err := svc.Dashboard(ctx, long, 7); return err }},
		{"Dashboard days 367", func() error { _, err := svc.Dashboard(ctx, longest, analytics.MaxDashboardDays+1); return err }},
		{"Dashboard days 0", func() error { _, err := svc.Dashboard(ctx, longest, 0); return err }},
		{"Dashboard days -1", func() error { _, err := svc.Dashboard(ctx, longest, -1); return err }},
		{"Snapshots team", func() error {
			_, err := svc.Snapshots(ctx, analytics.TeamScope(long), analytics.Daily, day, day)
			return err
		}},
		{"Snapshots account", func() error {
			_, err := svc.Snapshots(ctx, analytics.AccountScope(longest, long), analytics.Daily, day, day)
			return err
		}},
		{"Snapshots from after to", func() error {
			_, err := svc.Snapshots(ctx, analytics.TeamScope(longest), analytics.Daily, day.AddDays(1), day)
			return err
		}},
		{"Snapshots unknown type", func() error {
			_, err := svc.Snapshots(ctx, analytics.TeamScope(longest), analytics.SnapshotType(99), day, day)
			return err
		}},
		{"InvalidateTeam", func() error { return svc.InvalidateTeam(ctx, long) }},
		{"store Snapshots team", func() error { _, err := mem.Snapshots(ctx, query(analytics.TeamScope(long), 0)); return err }},
		{"store Snapshots negative limit", func() error { _, err := mem.Snapshots(ctx, query(analytics.TeamScope(longest), -1)); return err }},
		{"store Aggregate team", func() error { return aggregate(analytics.TeamScope(long)) }},
		{"store Aggregate account", func() error { return aggregate(analytics.AccountScope(longest, long)) }},
		{"store Teams limit 0", func() error { _, err := mem.Teams(ctx, "", 0); return err }},
		{"store UpsertSnapshots team", func() error {
			return mem.UpsertSnapshots(ctx, []analytics.Snapshot{{Scope: analytics.TeamScope(long), Type: analytics.Daily, Date: day}})
		}},
		{"Snapshotter Generate", func() error { _, err := snap.Generate(ctx, analytics.TeamScope(long), period); return err }},
		{"Cache Get team", func() error {
			_, _, err := cache.Get(ctx, analytics.RealTimeKey(analytics.TeamScope(long)))
			return err
		}},
		{"Cache Set account", func() error {
			return cache.Set(ctx, analytics.RealTimeKey(analytics.AccountScope(longest, long)), []byte("v"), 0)
		}},
		{"Cache Load query", func() error {
			_, err := cache.Load(ctx, analytics.CacheKey{Kind: analytics.KindDashboard, TeamID: longest, Query: hugeQuery}, 0,
				func(context.Context) ([]byte, error) { return []byte("v"), nil })
			return err
		}},
		{"Cache Get kind", func() error {
			_, _, err := cache.Get(ctx, analytics.CacheKey{Kind: strings.Repeat("k", 65), TeamID: longest})
			return err
		}},
		{"Cache InvalidateTeam", func() error { return cache.InvalidateTeam(ctx, long) }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", c.name, err)
		}
	}

	// The limits themselves are accepted.
	if _, err := svc.RealTime(ctx, analytics.AccountScope(longest, longest)); err != nil {
		t.Errorf("RealTime at the ID limit: %v", err)
	}
	if _, err := svc.Dashboard(ctx, longest, analytics.MaxDashboardDays); err != nil {
		t.Errorf("Dashboard at the day limit: %v", err)
	}
	if _, err := cache.Load(ctx, analytics.CacheKey{Kind: strings.Repeat("k", 64), TeamID: longest, AccountID: longest,
		Query: hugeQuery[1:]}, time.Minute, func(context.Context) ([]byte, error) { return []byte("v"), nil }); err != nil {
		t.Errorf("Cache Load at every key limit: %v", err)
	}
}

// TestServiceSnapshotsCorrupt stores one snapshot row with corrupt metrics
// JSON in Postgres among good ones: the Service's Snapshots over a range
// holding it fails with ErrCorrupt (never returns zeros in its place), the
// failure is not cached, ranges without the row still read, and once the
// row is repaired the same read succeeds. pgstore's own
// TestSnapshotsCorrupt (store/pgstore/snapshots_test.go) covers the store
// level with several kinds of corruption.
func TestServiceSnapshotsCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(svcNow)
	teams := []analytics.Team{{ID: "T", TimeZone: "UTC", AccountIDs: []string{"T-acc"}}}
	db := sourceDB(t)
	if err := synth.InsertRows(ctx, db, teams, &store.Activity{Messages: []store.Message{
		message("T", "m1", time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)),
	}}); err != nil {
		t.Fatal(err)
	}
	pg, err := pgstore.New(ctx, db, &pgstore.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(pg, &analytics.Config{Clock: clock, WarmDashboards: []int{},
		Cache: newCache(t, tierSetup{l1: true, redis: true}, clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	first, last := analytics.NewDate(2026, 3, 9), analytics.NewDate(2026, 3, 11)
	rep, err := svc.Snapshotter().Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := first; !d.After(last); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	})
	if err != nil || rep.Failed != 0 || rep.Succeeded != 6 {
		t.Fatalf("generating: %+v, %v", rep, err)
	}
	var good string
	if err := db.NewRaw(`SELECT metrics::text FROM analytics_snapshots WHERE team_id = 'T' AND whatsapp_account_id IS NULL AND date = '2026-03-10'`).
		Scan(ctx, &good); err != nil {
		t.Fatal(err)
	}
	// Counts that parse but cannot be right: more delivered than sent.
	if _, err := db.ExecContext(ctx, `UPDATE analytics_snapshots SET metrics = jsonb_set(metrics, '{messages,delivered}', '999')
		WHERE team_id = 'T' AND whatsapp_account_id IS NULL AND date = '2026-03-10'`); err != nil {
		t.Fatal(err)
	}
	team := analytics.TeamScope("T")
	for range 2 { // the second read must not be served a cached result
		got, err := svc.Snapshots(ctx, team, analytics.Daily, first, last)
		if !errors.Is(err, analytics.ErrCorrupt) || got != nil {
			t.Fatalf("Snapshots over the corrupt row: %v, %v; want ErrCorrupt and nothing", got, err)
		}
	}
	if got, err := svc.Snapshots(ctx, team, analytics.Daily, first, first); err != nil || len(got) != 1 {
		t.Errorf("Snapshots of a range without the corrupt row: %d snapshots, %v", len(got), err)
	}
	if got, err := svc.Snapshots(ctx, analytics.AccountScope("T", "T-acc"), analytics.Daily, first, last); err != nil || len(got) != 3 {
		t.Errorf("Snapshots of the account scope: %d snapshots, %v", len(got), err)
	}
	if _, err := svc.Dashboard(ctx, "T", 7); !errors.Is(err, analytics.ErrCorrupt) {
		t.Errorf("Dashboard over the corrupt row: %v, want ErrCorrupt", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE analytics_snapshots SET metrics = ?::jsonb
		WHERE team_id = 'T' AND whatsapp_account_id IS NULL AND date = '2026-03-10'`, good); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Snapshots(ctx, team, analytics.Daily, first, last)
	if err != nil || len(got) != 3 || got[1].Metrics.Messages.Total != 1 {
		t.Errorf("Snapshots after the repair: %+v, %v; want 3 snapshots, one message on the 10th", got, err)
	}
}
