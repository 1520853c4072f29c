package analytics_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/memstore"
)

// scribbler is a memstore whose StreamSnapshotsOfTeams hands fn one
// Snapshot value for every snapshot and overwrites it after fn returns, as
// the SnapshotStreamer contract allows. It counts the items aggregated
// from activity and the snapshots streamed.
type scribbler struct {
	*memstore.Store
	aggregated, streamed atomic.Int64
}

func (s *scribbler) StreamSnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date, fn func(*analytics.Snapshot) error) error {
	var sn analytics.Snapshot
	return s.Store.StreamSnapshotsOfTeams(ctx, teams, typ, from, to, func(got *analytics.Snapshot) error {
		s.streamed.Add(1)
		sn = *got
		err := fn(&sn)
		sn = analytics.Snapshot{Scope: analytics.TeamScope("scribbled"), Date: got.Date}
		sn.Metrics.Messages.Total, sn.Metrics.Contacts.Total = 1<<40, 1<<40
		sn.Metrics.Range, sn.CreatedAt = got.Metrics.Range, got.CreatedAt
		return err
	})
}

func (s *scribbler) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	s.aggregated.Add(int64(len(req.Items)))
	return s.Store.Aggregate(ctx, req)
}

// TestRollUpStreamed checks that a monthly roll-up over a SnapshotStreamer
// that reuses its Snapshot equals Aggregate over the month for every
// scope: the roll-up keeps nothing of a streamed snapshot but what it
// copies (and its sketch). Every day of March is settled, so nothing is
// aggregated from activity.
func TestRollUpStreamed(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(mustTime(t, "2026-04-10T04:00:00Z"))
	ms := memstore.New(&memstore.Config{Clock: clock})
	cfg := synth.Config{Teams: 7, Days: 31, Start: analytics.NewDate(2026, 3, 1), MessagesPerDay: 300}
	if err := synth.LoadMemstore(cfg, ms); err != nil {
		t.Fatal(err)
	}
	s := &scribbler{Store: ms}
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sn.Run(bg, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := cfg.Start; d.Before(cfg.Start.AddDays(31)); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("dailies: %+v, %v", rep, err)
	}
	s.aggregated.Store(0)
	at := mustTime(t, "2026-04-05T04:00:00Z")
	if rep, err := sn.GenerateAll(bg, analytics.Monthly, at); err != nil || rep.Failed > 0 {
		t.Fatalf("monthly: %+v, %v", rep, err)
	}
	if n := s.aggregated.Load(); n != 0 {
		t.Errorf("the roll-up aggregated %d items from activity, want none", n)
	}
	teams, err := ms.Teams(bg, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var items []analytics.ScopePeriod
	for _, team := range teams {
		loc, err := team.Location()
		if err != nil {
			t.Fatal(err)
		}
		p, err := analytics.PeriodForDate(analytics.Monthly, cfg.Start, loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range team.Scopes() {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
		}
	}
	if n := s.streamed.Load(); n != int64(len(items)*31) {
		t.Errorf("%d snapshots streamed, want %d (every scope's 31 days)", n, len(items)*31)
	}
	want, err := ms.Aggregate(bg, analytics.AggregateRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		got, err := ms.Snapshots(bg, analytics.SnapshotQuery{Scope: it.Scope, Type: analytics.Monthly, From: cfg.Start, To: cfg.Start})
		if err != nil || len(got) != 1 {
			t.Fatalf("monthly snapshot of %s: %v, %v", it.Scope, got, err)
		}
		m := got[0].Metrics
		m.GeneratedAt = time.Time{}
		if d := cmp.Diff(want[i], m); d != "" {
			t.Errorf("monthly %s differs from Aggregate (-want +got):\n%s", it.Scope, d)
		}
	}
}
