package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
)

var bg = context.Background()

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustPeriod(t *testing.T, typ analytics.SnapshotType, d string, zone string) analytics.Period {
	t.Helper()
	date, err := analytics.ParseDate(d)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := analytics.Team{TimeZone: zone}.Location()
	if err != nil {
		t.Fatal(err)
	}
	p, err := analytics.PeriodForDate(typ, date, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// zonedStore holds three teams:
//
//   - kol (Asia/Kolkata, accounts k1 and k2): a message on k1 at
//     2026-03-10T18:00Z, 23:30 on 03-10 local;
//   - ny (America/New_York, account n1): a message on n1 at
//     2026-03-09T12:00Z, 08:00 on 03-09 local, and one with no account at
//     2026-03-10T03:30Z, 23:30 on 03-09 local;
//   - utc (UTC, no accounts): a message at 2026-03-09T23:59:59.999Z.
func zonedStore(t *testing.T, clock analytics.Clock) *memstore.Store {
	t.Helper()
	s := memstore.New(&memstore.Config{Clock: clock})
	if err := s.AddTeams(
		analytics.Team{ID: "kol", TimeZone: "Asia/Kolkata", AccountIDs: []string{"k2", "k1"}},
		analytics.Team{ID: "ny", TimeZone: "America/New_York", AccountIDs: []string{"n1"}},
		analytics.Team{ID: "utc", TimeZone: "UTC"},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMessages(
		store.Message{ID: "m1", TeamID: "kol", AccountID: "k1", Status: "read", CreatedAt: mustTime(t, "2026-03-10T18:00:00Z")},
		store.Message{ID: "m2", TeamID: "ny", AccountID: "n1", Status: "sent", CreatedAt: mustTime(t, "2026-03-09T12:00:00Z")},
		store.Message{ID: "m3", TeamID: "ny", Status: "failed", CreatedAt: mustTime(t, "2026-03-10T03:30:00Z")},
		store.Message{ID: "m4", TeamID: "utc", Status: "read", CreatedAt: mustTime(t, "2026-03-09T23:59:59.999Z")},
	); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGenerateValidates(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(mustTime(t, "2026-03-10T20:00:00Z"))
	s := zonedStore(t, clock)
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	kolDay := mustPeriod(t, analytics.Daily, "2026-03-09", "Asia/Kolkata")
	tests := []struct {
		name   string
		scope  analytics.Scope
		period analytics.Period
		target error
		field  string
	}{
		{"empty team", analytics.Scope{}, kolDay, analytics.ErrInvalidArgument, "Scope.TeamID"},
		{"unknown type", analytics.TeamScope("kol"), analytics.Period{Start: kolDay.Start, End: kolDay.End, Date: kolDay.Date},
			analytics.ErrInvalidArgument, "Period.Type"},
		{"zero period", analytics.TeamScope("kol"), analytics.Period{}, analytics.ErrInvalidArgument, "Period.Type"},
		// 03-10 in Kolkata ends at 03-10T18:30Z, after the clock's 20:00Z:
		// ended. In New York it ends at 03-11T04:00Z: not yet.
		{"period not ended", analytics.TeamScope("ny"), mustPeriod(t, analytics.Daily, "2026-03-10", "America/New_York"),
			analytics.ErrInvalidArgument, "period"},
		{"week not ended", analytics.TeamScope("kol"), mustPeriod(t, analytics.Weekly, "2026-03-09", "Asia/Kolkata"),
			analytics.ErrInvalidArgument, "period"},
		{"period of another zone", analytics.TeamScope("kol"), mustPeriod(t, analytics.Daily, "2026-03-09", "UTC"),
			analytics.ErrInvalidArgument, "period"},
		{"unknown team", analytics.TeamScope("nope"), kolDay, analytics.ErrNotFound, ""},
		{"account of another team", analytics.AccountScope("kol", "n1"), kolDay, analytics.ErrNotFound, ""},
	}
	for _, tt := range tests {
		_, err := sn.Generate(bg, tt.scope, tt.period)
		if !errors.Is(err, tt.target) {
			t.Errorf("Generate with %s: %v, want %v", tt.name, err, tt.target)
			continue
		}
		var fe *analytics.FieldError
		if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
			t.Errorf("Generate with %s: %v, want a FieldError naming %s", tt.name, err, tt.field)
		}
	}
	// None of them wrote anything.
	for _, sc := range []analytics.Scope{analytics.TeamScope("kol"), analytics.TeamScope("ny"), analytics.AccountScope("kol", "n1")} {
		for _, typ := range analytics.SnapshotTypes() {
			got, err := s.Snapshots(bg, analytics.SnapshotQuery{Scope: sc, Type: typ, From: analytics.NewDate(2026, 1, 1), To: analytics.NewDate(2026, 12, 31)})
			if err != nil || len(got) != 0 {
				t.Errorf("after failed Generate calls, %s %s holds %d snapshots (%v)", sc, typ, len(got), err)
			}
		}
	}

	if _, err := analytics.NewSnapshotter(nil, nil); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("NewSnapshotter(nil): %v, want ErrInvalidArgument", err)
	}
	for _, cfg := range []analytics.SnapshotterConfig{{BatchSize: -1}, {ReplyWindow: -time.Second}, {RollUpParallelism: -1}} {
		if _, err := analytics.NewSnapshotter(s, &cfg); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("NewSnapshotter(%+v): %v, want ErrInvalidArgument", cfg, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(mustTime(t, "2026-03-11T02:00:00.250Z"))
	s := zonedStore(t, clock)
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	p := mustPeriod(t, analytics.Daily, "2026-03-10", "Asia/Kolkata")
	got, err := sn.Generate(bg, analytics.AccountScope("kol", "k1"), p)
	if err != nil {
		t.Fatal(err)
	}
	// SnapshotsOfTeams, unlike Snapshots, returns the sketch of active
	// contacts stored beside the metrics: all that Generate wrote.
	stored, err := s.SnapshotsOfTeams(bg, []string{"kol"}, analytics.Daily, p.Date, p.Date)
	if err != nil || len(stored) != 1 {
		t.Fatalf("SnapshotsOfTeams after Generate: %v, %v", stored, err)
	}
	if got.Metrics.ActiveSketch == nil {
		t.Errorf("Generate wrote no sketch of active contacts")
	}
	if got.ID != "" || stored[0].ID == "" {
		t.Errorf("Generate returned ID %q and stored ID %q; want the store to assign it and Generate to leave it empty", got.ID, stored[0].ID)
	}
	got.ID = stored[0].ID
	if d := cmp.Diff(stored[0], got); d != "" {
		t.Errorf("Generate's result differs from what it stored (-stored +returned):\n%s", d)
	}
	m := got.Metrics
	// m1, read, is Kolkata's only message on 03-10.
	if m.Messages.Total != 1 || m.Messages.Read != 1 || !m.GeneratedAt.Equal(clock.Now()) || !got.CreatedAt.Equal(clock.Now()) ||
		!m.Range.Start.Equal(p.Start) || !m.Range.End.Equal(p.End) {
		t.Errorf("Generate = %+v; want one read message, stamped %v, over %s", got, clock.Now(), p)
	}
}

// TestGenerateAllZones runs at 2026-03-10T20:30Z: 02:00 on 03-11 in
// Kolkata, when its 03-10 falls due, still 16:30 on 03-10 in New York and
// 20:30 in UTC. Each team gets its own last due day.
func TestGenerateAllZones(t *testing.T) {
	t.Parallel()
	at := mustTime(t, "2026-03-10T20:30:00Z")
	clock := analytics.NewFakeClock(at.Add(time.Minute))
	s := zonedStore(t, clock)
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sn.GenerateAll(bg, analytics.Daily, at)
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Report{Type: analytics.Daily, At: at, Teams: 3, Scopes: 6, Succeeded: 6}
	if d := cmp.Diff(want, rep); d != "" {
		t.Errorf("Report (-want +got):\n%s", d)
	}
	tests := []struct {
		scope analytics.Scope
		date  string
		total int64 // messages in the snapshot
	}{
		{analytics.TeamScope("kol"), "2026-03-10", 1},          // m1
		{analytics.AccountScope("kol", "k1"), "2026-03-10", 1}, // m1
		{analytics.AccountScope("kol", "k2"), "2026-03-10", 0},
		{analytics.TeamScope("ny"), "2026-03-09", 2},          // m2, m3 at 23:30 local
		{analytics.AccountScope("ny", "n1"), "2026-03-09", 1}, // m2
		{analytics.TeamScope("utc"), "2026-03-09", 1},         // m4, the day's last millisecond
	}
	for _, tt := range tests {
		got, err := s.Snapshots(bg, analytics.SnapshotQuery{Scope: tt.scope, Type: analytics.Daily,
			From: analytics.NewDate(2026, 3, 1), To: analytics.NewDate(2026, 3, 31)})
		if err != nil {
			t.Fatal(err)
		}
		var dates []string
		for _, g := range got {
			dates = append(dates, g.Date.String())
		}
		if d := cmp.Diff([]string{tt.date}, dates); d != "" {
			t.Errorf("%s: dates written (-want +got):\n%s", tt.scope, d)
			continue
		}
		if n := got[0].Metrics.Messages.Total; n != tt.total {
			t.Errorf("%s %s: %d messages, want %d", tt.scope, tt.date, n, tt.total)
		}
	}
}

// failingStore fails Aggregate for every request that includes one team,
// and reports another team with a time zone that does not exist.
type failingStore struct {
	*memstore.Store
	failAggregate, badZone string
}

var errInjected = errors.New("injected failure")

func (s failingStore) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	for _, it := range req.Items {
		if it.Scope.TeamID == s.failAggregate {
			return nil, fmt.Errorf("aggregating %s: %w", it.Scope, errInjected)
		}
	}
	return s.Store.Aggregate(ctx, req)
}

func (s failingStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	teams, err := s.Store.Teams(ctx, after, limit)
	for i := range teams {
		if teams[i].ID == s.badZone {
			teams[i].TimeZone = "Mars/Olympus_Mons"
		}
	}
	return teams, err
}

func TestGenerateAllFailingTeams(t *testing.T) {
	t.Parallel()
	at := mustTime(t, "2026-03-11T02:00:00Z")
	clock := analytics.NewFakeClock(at)
	ms := memstore.New(&memstore.Config{Clock: clock})
	if err := ms.AddTeams(
		analytics.Team{ID: "a", AccountIDs: []string{"a1"}},
		analytics.Team{ID: "b"},
		analytics.Team{ID: "bad-aggregate", AccountIDs: []string{"x1", "x2"}},
		analytics.Team{ID: "bad-zone", AccountIDs: []string{"z1"}},
		analytics.Team{ID: "c", AccountIDs: []string{"c1"}},
	); err != nil {
		t.Fatal(err)
	}
	s := failingStore{Store: ms, failAggregate: "bad-aggregate", badZone: "bad-zone"}
	for _, batch := range []int{1, 2, 200} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock, BatchSize: batch})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := sn.GenerateAll(bg, analytics.Daily, at)
			if err != nil {
				t.Fatalf("GenerateAll: %v; failing teams must not stop the run", err)
			}
			// a: 2 scopes, b: 1, c: 2 succeed; bad-aggregate (3) and
			// bad-zone (2) fail.
			if rep.Teams != 5 || rep.Scopes != 10 || rep.Succeeded != 5 || rep.Failed != 5 {
				t.Errorf("Report = %+v, want 5 teams, 10 scopes, 5 succeeded, 5 failed", rep)
			}
			var failed []string
			for _, e := range rep.Errors {
				failed = append(failed, e.TeamID)
			}
			if d := cmp.Diff([]string{"bad-aggregate", "bad-zone"}, failed); d != "" {
				t.Errorf("Report.Errors teams (-want +got):\n%s", d)
			}
			if len(rep.Errors) == 2 {
				if !errors.Is(rep.Errors[0], errInjected) {
					t.Errorf("bad-aggregate's error %v does not wrap the store's", rep.Errors[0])
				}
				if !errors.Is(rep.Errors[1], analytics.ErrCorrupt) || errors.Is(rep.Errors[1], analytics.ErrInvalidArgument) {
					t.Errorf("bad-zone's error %v is not ErrCorrupt alone", rep.Errors[1])
				}
			}
			if !errors.Is(rep.Err(), errInjected) {
				t.Errorf("Report.Err() = %v, want it to join the team errors", rep.Err())
			}
			day := analytics.NewDate(2026, 3, 10)
			for _, sc := range []analytics.Scope{
				analytics.TeamScope("a"), analytics.AccountScope("a", "a1"), analytics.TeamScope("b"),
				analytics.TeamScope("c"), analytics.AccountScope("c", "c1"),
				analytics.TeamScope("bad-aggregate"), analytics.TeamScope("bad-zone"),
			} {
				got, err := ms.Snapshots(bg, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: day, To: day})
				want := 1
				if sc.TeamID == "bad-aggregate" || sc.TeamID == "bad-zone" {
					want = 0
				}
				if err != nil || len(got) != want {
					t.Errorf("%s: %d snapshots (%v), want %d", sc, len(got), err, want)
				}
			}
		})
	}
}

// TestRollUpParallelBatches rolls a month up in batches of one and two
// teams, one to three batches at once, with teams that fail: every
// parallelism gives the report and the snapshots of one batch at a time.
func TestRollUpParallelBatches(t *testing.T) {
	t.Parallel()
	at := mustTime(t, "2026-04-01T12:00:00Z")
	clock := analytics.NewFakeClock(at)
	ms := zonedStore(t, clock)
	if err := ms.AddTeams(analytics.Team{ID: "bad-aggregate", AccountIDs: []string{"x1"}}, analytics.Team{ID: "bad-zone"}); err != nil {
		t.Fatal(err)
	}
	s := failingStore{Store: ms, failAggregate: "bad-aggregate", badZone: "bad-zone"}
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := sn.Run(bg, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := analytics.NewDate(2026, 3, 1); d.Before(analytics.NewDate(2026, 4, 1)); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	}); err != nil || rep.Succeeded == 0 {
		t.Fatalf("dailies: %+v, %v", rep, err)
	}
	type result struct {
		Teams, Scopes, Succeeded, Failed int
		Failing                          []string
		Snapshots                        map[string]analytics.Metrics
	}
	run := func(batch, par int) result {
		t.Helper()
		sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock, BatchSize: batch, RollUpParallelism: par})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sn.GenerateAll(bg, analytics.Monthly, at)
		if err != nil {
			t.Fatalf("batch %d, parallelism %d: %v", batch, par, err)
		}
		r := result{Teams: rep.Teams, Scopes: rep.Scopes, Succeeded: rep.Succeeded, Failed: rep.Failed, Snapshots: map[string]analytics.Metrics{}}
		for _, e := range rep.Errors {
			r.Failing = append(r.Failing, e.TeamID)
		}
		for _, team := range []string{"kol", "ny", "utc"} {
			got, err := ms.SnapshotsOfTeams(bg, []string{team}, analytics.Monthly, analytics.NewDate(2026, 3, 1), analytics.NewDate(2026, 3, 1))
			if err != nil || len(got) == 0 {
				t.Fatalf("monthly snapshots of %s: %v, %v", team, got, err)
			}
			for _, g := range got {
				g.Metrics.GeneratedAt = time.Time{}
				r.Snapshots[g.Scope.String()] = g.Metrics
			}
		}
		return r
	}
	want := run(1, 1)
	if want.Succeeded != 6 || want.Failed != 3 || len(want.Failing) != 2 {
		t.Fatalf("one batch at a time: %+v; want 6 scopes written, 3 failed, 2 failing teams", want)
	}
	for _, batch := range []int{1, 2} {
		for _, par := range []int{2, 3} {
			if d := cmp.Diff(want, run(batch, par)); d != "" {
				t.Errorf("batch %d, parallelism %d differs from one batch at a time (-want +got):\n%s", batch, par, d)
			}
		}
	}
}

func TestGenerateAllArguments(t *testing.T) {
	t.Parallel()
	now := mustTime(t, "2026-03-11T02:00:00Z")
	clock := analytics.NewFakeClock(now)
	s := zonedStore(t, clock)
	sn, err := analytics.NewSnapshotter(s, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sn.GenerateAll(bg, 0, now); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("GenerateAll with type 0: %v, want ErrInvalidArgument", err)
	}
	if _, err := sn.GenerateAll(bg, analytics.Daily, now.Add(time.Second)); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("GenerateAll in the future: %v, want ErrInvalidArgument", err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	rep, err := sn.GenerateAll(ctx, analytics.Daily, now)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GenerateAll with a cancelled context: %v, want context.Canceled", err)
	}
	if rep.Succeeded != 0 {
		t.Errorf("GenerateAll with a cancelled context wrote %d snapshots", rep.Succeeded)
	}
	if _, err := sn.Generate(ctx, analytics.TeamScope("utc"), mustPeriod(t, analytics.Daily, "2026-03-09", "UTC")); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a cancelled context: %v, want context.Canceled", err)
	}
}
