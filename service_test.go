package analytics_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/pgstore"
	"github.com/uptrace/bun"
)

// The Service's behaviour suite runs against every cache arrangement: none,
// memory only, Redis only and both, over memstore holding a generated
// dataset, with a fake clock. Expected values are computed with
// store.ComputeMetrics, the reference definition, over the same
// activity.

// serviceSetups are the cache arrangements of the suite; the first has no
// cache at all.
var serviceSetups = append([]tierSetup{{name: "NoCache"}}, tierSetups...)

func (s tierSetup) cached() bool { return s.l1 || s.redis }

// countingStore is a Store that counts the calls which cost a computation
// (Aggregate and Snapshots, and the optional SnapshotsOfTeams and
// ActiveContacts with them) and lets a test hold Aggregate calls back. It
// delegates everything to the Store it embeds.
type countingStore struct {
	analytics.Store
	aggregates atomic.Int64
	snapshots  atomic.Int64
	// beforeAggregate, if set, runs at the start of every Aggregate.
	beforeAggregate atomic.Pointer[func(ctx context.Context)]
}

func (s *countingStore) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	s.aggregates.Add(1)
	if f := s.beforeAggregate.Load(); f != nil {
		(*f)(ctx)
	}
	return s.Store.Aggregate(ctx, req)
}

func (s *countingStore) Snapshots(ctx context.Context, q analytics.SnapshotQuery) ([]analytics.Snapshot, error) {
	s.snapshots.Add(1)
	return s.Store.Snapshots(ctx, q)
}

// SnapshotsOfTeams counts as a Snapshots call; the Store must be an
// analytics.SnapshotRangeReader.
func (s *countingStore) SnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) ([]analytics.Snapshot, error) {
	s.snapshots.Add(1)
	return s.Store.(analytics.SnapshotRangeReader).SnapshotsOfTeams(ctx, teams, typ, from, to)
}

// ActiveContacts counts as an Aggregate call; the Store must be an
// analytics.ActiveContactsCounter.
func (s *countingStore) ActiveContacts(ctx context.Context, req analytics.AggregateRequest) ([]int64, error) {
	s.aggregates.Add(1)
	return s.Store.(analytics.ActiveContactsCounter).ActiveContacts(ctx, req)
}

// calls returns the numbers of Aggregate and Snapshots calls so far.
func (s *countingStore) calls() (aggregates, snapshots int64) {
	return s.aggregates.Load(), s.snapshots.Load()
}

// svcNow is where the Service tests' clock starts: Sunday 2026-03-15 at
// 20:00 in Kolkata and 10:30 in New York, a week after New York moved to
// daylight-saving time (Sunday March 8, a 23-hour day).
var svcNow = time.Date(2026, 3, 15, 14, 30, 0, 0, time.UTC)

// The dataset's two teams: one in a zone with a half-hour offset and no
// daylight saving, one in a zone that changed its offset during the data.
const (
	kolkataTeam = "team-0001"
	newYorkTeam = "team-0002"
)

// svcDataStart is the first local day of the dataset; its last is the day
// of svcNow, which therefore holds activity both before and after now.
var svcDataStart = analytics.NewDate(2026, 3, 2)

type dataset struct {
	teams []analytics.Team
	act   store.Activity
}

// serviceDataset is generated once and copied by every test.
var serviceDataset = sync.OnceValues(func() (dataset, error) {
	teams, act, err := synth.Build(synth.Config{
		Seed: 42, Teams: 2, AccountsPerTeam: 2, Start: svcDataStart, Days: 14,
		MessagesPerDay: 240, ContactsPerTeam: 60, CampaignsPerDay: 2,
		TimeZones: []string{"Asia/Kolkata", "America/New_York"},
	})
	return dataset{teams, act}, err
})

// svcFixture is one test's world: a memstore with the dataset behind a
// countingStore, a fake clock, an optional cache and a Service over them.
type svcFixture struct {
	clock *analytics.FakeClock
	mem   *memstore.Store
	store *countingStore
	teams map[string]analytics.Team
	cache *gocache.Cache // nil when the setup has none
	svc   *analytics.Service

	mu  sync.Mutex
	act store.Activity // everything in mem: the reference's input
}

func newSvcFixture(t *testing.T, setup tierSetup, edit func(*analytics.Config)) *svcFixture {
	t.Helper()
	ds, err := serviceDataset()
	if err != nil {
		t.Fatalf("generating the dataset: %v", err)
	}
	f := &svcFixture{clock: analytics.NewFakeClock(svcNow), teams: map[string]analytics.Team{}}
	f.mem = memstore.New(&memstore.Config{Clock: f.clock})
	if err := f.mem.AddTeams(ds.teams...); err != nil {
		t.Fatal(err)
	}
	for _, tm := range ds.teams {
		f.teams[tm.ID] = tm
	}
	f.add(t, ds.act)
	f.store = &countingStore{Store: f.mem}
	cfg := &analytics.Config{Clock: f.clock}
	if setup.cached() {
		f.cache = newCache(t, setup, f.clock, nil)
		cfg.Cache = f.cache // never a nil *gocache.Cache in the interface
	}
	if edit != nil {
		edit(cfg)
	}
	f.svc, err = analytics.New(f.store, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// add adds activity to the store and to the reference's input.
func (f *svcFixture) add(t *testing.T, a store.Activity) {
	t.Helper()
	if err := f.mem.Add(a); err != nil {
		t.Fatalf("adding activity: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.act.Messages = append(slices.Clip(f.act.Messages), a.Messages...)
	f.act.Conversations = append(slices.Clip(f.act.Conversations), a.Conversations...)
	f.act.Contacts = append(slices.Clip(f.act.Contacts), a.Contacts...)
	f.act.Campaigns = append(slices.Clip(f.act.Campaigns), a.Campaigns...)
}

func (f *svcFixture) loc(t *testing.T, team string) *time.Location {
	t.Helper()
	loc, err := f.teams[team].Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// today returns the team's local date at the clock's now.
func (f *svcFixture) today(t *testing.T, team string) analytics.Date {
	return analytics.DateOf(f.clock.Now().In(f.loc(t, team)))
}

// dayStart returns local midnight of the day offset days from today in the
// team's zone (neither zone of the dataset skips a midnight).
func (f *svcFixture) dayStart(t *testing.T, team string, offset int) time.Time {
	l := f.clock.Now().In(f.loc(t, team))
	return time.Date(l.Year(), l.Month(), l.Day()+offset, 0, 0, 0, 0, l.Location())
}

// sameTime returns the instant of the day offset days from today whose
// local time of day is now's.
func (f *svcFixture) sameTime(t *testing.T, team string, offset int) time.Time {
	l := f.clock.Now().In(f.loc(t, team))
	return time.Date(l.Year(), l.Month(), l.Day()+offset, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), l.Location())
}

// compute is the reference: store.ComputeMetrics of scope over [start, end).
func (f *svcFixture) compute(t *testing.T, scope analytics.Scope, start, end time.Time) analytics.Metrics {
	t.Helper()
	return f.computeAll(t, span{scope, start, end})[0]
}

// span is a scope over [start, end).
type span struct {
	scope      analytics.Scope
	start, end time.Time
}

// computeAll is compute of many spans in one store.ComputeMetrics call.
func (f *svcFixture) computeAll(t *testing.T, spans ...span) []analytics.Metrics {
	t.Helper()
	items := make([]analytics.ScopePeriod, len(spans))
	for i, s := range spans {
		items[i] = analytics.ScopePeriod{Scope: s.scope, Period: analytics.Period{Type: analytics.Daily, Start: s.start, End: s.end}}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ms, err := store.ComputeMetrics(&f.act, analytics.AggregateRequest{Items: items})
	if err != nil {
		t.Fatalf("ComputeMetrics: %v", err)
	}
	return ms
}

// wantRealTime is what RealTime must return now: the scope's metrics over
// [local midnight, now), generated now.
func (f *svcFixture) wantRealTime(t *testing.T, scope analytics.Scope) analytics.Metrics {
	t.Helper()
	now := f.clock.Now()
	m := f.compute(t, scope, f.dayStart(t, scope.TeamID, 0), now)
	m.GeneratedAt = now
	return m
}

// generateDaily stores daily snapshots of every scope of both teams for
// every day of the dataset before today for which keep is true (nil: all),
// through a Snapshotter of its own (not the Service's), and returns the
// dates written.
func (f *svcFixture) generateDaily(t *testing.T, keep func(analytics.Date) bool) map[analytics.Date]bool {
	t.Helper()
	snap, err := analytics.NewSnapshotter(f.mem, &analytics.SnapshotterConfig{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	written := map[analytics.Date]bool{}
	rep, err := snap.Run(context.Background(), analytics.Daily, func(team analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		today := analytics.DateOf(f.clock.Now().In(loc))
		for d := svcDataStart; d.Before(today); d = d.AddDays(1) {
			if keep != nil && !keep(d) {
				continue
			}
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
			written[d] = true
		}
		return ps, nil
	})
	if err != nil || rep.Failed != 0 || rep.Succeeded == 0 {
		t.Fatalf("generating snapshots: %+v, %v", rep, err)
	}
	return written
}

// message returns an outbound message of team, read, at at.
func message(team, id string, at time.Time) store.Message {
	return store.Message{ID: id, TeamID: team, Status: store.StatusRead, CreatedAt: at}
}

var ignoreGeneratedAt = cmpopts.IgnoreFields(analytics.Metrics{}, "GeneratedAt")

// TestServiceBehaviour is the behaviour every cache arrangement must show.
func TestServiceBehaviour(t *testing.T) {
	t.Parallel()
	for _, setup := range serviceSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			t.Run("RealTime", func(t *testing.T) {
				t.Parallel()
				testRealTime(t, setup)
			})
			t.Run("RealTimeFreshness", func(t *testing.T) {
				t.Parallel()
				testRealTimeFreshness(t, setup)
			})
			t.Run("Snapshots", func(t *testing.T) {
				t.Parallel()
				testSnapshots(t, setup)
			})
			t.Run("InvalidateTeam", func(t *testing.T) {
				t.Parallel()
				testInvalidateTeam(t, setup)
			})
			t.Run("Arguments", func(t *testing.T) {
				t.Parallel()
				testServiceArguments(t, setup)
			})
			t.Run("Dashboard", func(t *testing.T) {
				t.Parallel()
				testDashboard(t, setup)
			})
			t.Run("DashboardLiveDays", func(t *testing.T) {
				t.Parallel()
				testDashboardLiveDays(t, setup)
			})
			if setup.cached() {
				t.Run("SnapshotRunWarms", func(t *testing.T) {
					t.Parallel()
					testSnapshotRunWarms(t, setup)
				})
			}
		})
	}
}

// testRealTime: RealTime is store.ComputeMetrics over [local midnight, now), for
// the team and for each account, in zones whose midnight is not UTC's.
func testRealTime(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	for _, team := range []string{kolkataTeam, newYorkTeam} {
		for _, scope := range f.teams[team].Scopes() {
			want := f.wantRealTime(t, scope)
			got, err := f.svc.RealTime(ctx, scope)
			if err != nil {
				t.Fatalf("RealTime(%s): %v", scope, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("RealTime(%s) (-want +got):\n%s", scope, diff)
			}
			if !scope.TeamWide() {
				continue
			}
			// The data must tell the local day from UTC's, and now from the
			// end of the day, or the comparison above proves little.
			utcDay := f.compute(t, scope, svcNow.Truncate(24*time.Hour), svcNow)
			wholeDay := f.compute(t, scope, f.dayStart(t, team, 0), f.dayStart(t, team, 1))
			if want.Conversations.ResponseCount == 0 || utcDay.Messages.Total == want.Messages.Total ||
				wholeDay.Messages.Total == want.Messages.Total {
				t.Fatalf("%s: the dataset cannot tell local from UTC days, or now from the end of the day", scope)
			}
		}
	}
}

// testRealTimeFreshness: a read within 30 s is served from the cache, a
// read after it is recomputed, and new activity shows only after the TTL
// or InvalidateTeam (at once without a cache).
func testRealTimeFreshness(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	scope := analytics.AccountScope(newYorkTeam, f.teams[newYorkTeam].AccountIDs[0])
	read := func() analytics.Metrics {
		t.Helper()
		m, err := f.svc.RealTime(ctx, scope)
		if err != nil {
			t.Fatalf("RealTime: %v", err)
		}
		return m
	}
	// expect reads once and checks that it ran Aggregate iff computed, and
	// returned want.
	expect := func(what string, computed bool, want analytics.Metrics) {
		t.Helper()
		before, _ := f.store.calls()
		got := read()
		after, _ := f.store.calls()
		if ran := after - before; ran != map[bool]int64{false: 0, true: 1}[computed] {
			t.Errorf("%s: %d Aggregate calls; want computed=%v", what, ran, computed)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}

	first := f.wantRealTime(t, scope)
	expect("first read", true, first)
	f.clock.Advance(29 * time.Second)
	if setup.cached() {
		expect("read 29 s later", false, first)
	} else {
		expect("read 29 s later", true, f.wantRealTime(t, scope))
	}
	f.clock.Advance(2 * time.Second) // 31 s after the first read
	afterTTL := f.wantRealTime(t, scope)
	expect("read 31 s later", true, afterTTL)

	// New activity: visible only once the cached value goes.
	acc := scope.AccountID
	m1 := message(newYorkTeam, "late-1", f.clock.Now().Add(-time.Minute))
	m1.AccountID = acc
	f.add(t, store.Activity{Messages: []store.Message{m1}})
	if setup.cached() {
		expect("read after new activity", false, afterTTL)
		if err := f.svc.InvalidateTeam(ctx, newYorkTeam); err != nil {
			t.Fatalf("InvalidateTeam: %v", err)
		}
	}
	withM1 := f.wantRealTime(t, scope)
	if withM1.Messages.Total != afterTTL.Messages.Total+1 {
		t.Fatalf("reference: %d messages, want %d", withM1.Messages.Total, afterTTL.Messages.Total+1)
	}
	expect("read after InvalidateTeam", true, withM1)

	m2 := message(newYorkTeam, "late-2", f.clock.Now().Add(-time.Second))
	m2.AccountID = acc
	f.add(t, store.Activity{Messages: []store.Message{m2}})
	if setup.cached() {
		f.clock.Advance(10 * time.Second)
		expect("read 10 s after new activity", false, withM1)
		f.clock.Advance(21 * time.Second)
	}
	expect("read once the TTL has passed", true, f.wantRealTime(t, scope))
}

// testSnapshots: Snapshots returns the stored rows of exactly the scope
// asked for, in date order, cached for an hour.
func testSnapshots(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	f.generateDaily(t, nil)
	generated := f.clock.Now()
	f.clock.Advance(time.Minute)
	team := kolkataTeam
	from, to := f.today(t, team).AddDays(-5), f.today(t, team).AddDays(-1)

	for _, scope := range f.teams[team].Scopes() {
		got, err := f.svc.Snapshots(ctx, scope, analytics.Daily, from, to)
		if err != nil {
			t.Fatalf("Snapshots(%s): %v", scope, err)
		}
		var want []analytics.Snapshot
		for d := from; !d.After(to); d = d.AddDays(1) {
			m := f.compute(t, scope, d.In(f.loc(t, team)), d.AddDays(1).In(f.loc(t, team)))
			m.GeneratedAt = generated
			want = append(want, analytics.Snapshot{Scope: scope, Type: analytics.Daily, Date: d, Metrics: m, CreatedAt: generated})
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(analytics.Snapshot{}, "ID")); diff != "" {
			t.Errorf("Snapshots(%s) (-want +got):\n%s", scope, diff)
		}
		for _, s := range got {
			if s.ID == "" {
				t.Errorf("Snapshots(%s): %s has no ID", scope, s.Date)
			}
		}
	}
	// An unknown team has no rows.
	if got, err := f.svc.Snapshots(ctx, analytics.TeamScope("ghost"), analytics.Daily, from, to); err != nil || len(got) != 0 {
		t.Errorf("Snapshots of an unknown team = %v, %v; want none", got, err)
	}
	// No weekly rows were written; a one-day range; bad ranges.
	if got, err := f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Weekly, from, to); err != nil || len(got) != 0 {
		t.Errorf("Weekly Snapshots = %v, %v; want none", got, err)
	}
	if got, err := f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Daily, to, to); err != nil || len(got) != 1 || got[0].Date != to {
		t.Errorf("Snapshots(%s..%s) = %v, %v; want that day's", to, to, got, err)
	}
	for _, tt := range []struct {
		name     string
		scope    analytics.Scope
		typ      analytics.SnapshotType
		from, to analytics.Date
	}{
		{"from after to", analytics.TeamScope(team), analytics.Daily, to, from},
		{"no type", analytics.TeamScope(team), 0, from, to},
		{"no team", analytics.Scope{}, analytics.Daily, from, to},
		{"no dates", analytics.TeamScope(team), analytics.Daily, analytics.Date{}, analytics.Date{}},
	} {
		if _, err := f.svc.Snapshots(ctx, tt.scope, tt.typ, tt.from, tt.to); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Snapshots, %s: err = %v, want ErrInvalidArgument", tt.name, err)
		}
	}

	// Cached for an hour: reads within it do not reach the store.
	_, before := f.store.calls()
	f.clock.Advance(time.Hour - 2*time.Minute) // an hour after the first reads, less a minute
	if _, err := f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Daily, from, to); err != nil {
		t.Fatal(err)
	}
	_, after := f.store.calls()
	if want := map[bool]int64{true: 0, false: 1}[setup.cached()]; after-before != want {
		t.Errorf("a read within the hour made %d store calls, want %d", after-before, want)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Daily, from, to); err != nil {
		t.Fatal(err)
	}
	if _, again := f.store.calls(); again-after != 1 {
		t.Errorf("a read after the hour made %d store calls, want 1", again-after)
	}
}

// testInvalidateTeam: after InvalidateTeam the team's reads are recomputed,
// and another team's cached reads are not.
func testInvalidateTeam(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	f.generateDaily(t, nil)
	day := f.today(t, kolkataTeam).AddDays(-1)
	readAll := func(team string) (rt analytics.Metrics, dash analytics.Dashboard, snaps []analytics.Snapshot) {
		t.Helper()
		var err error
		if rt, err = f.svc.RealTime(ctx, analytics.TeamScope(team)); err != nil {
			t.Fatal(err)
		}
		if dash, err = f.svc.Dashboard(ctx, team, 7); err != nil {
			t.Fatal(err)
		}
		if snaps, err = f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Daily, day, day); err != nil {
			t.Fatal(err)
		}
		return
	}
	readAll(kolkataTeam)
	rtB, dashB, snapsB := readAll(newYorkTeam)

	f.clock.Advance(5 * time.Second)
	if err := f.svc.InvalidateTeam(ctx, kolkataTeam); err != nil {
		t.Fatalf("InvalidateTeam: %v", err)
	}
	a0, s0 := f.store.calls()
	rtA, _, _ := readAll(kolkataTeam)
	a1, s1 := f.store.calls()
	// RealTime and Dashboard aggregate once each; Dashboard and Snapshots
	// read snapshots once each.
	if a1-a0 != 2 || s1-s0 != 2 {
		t.Errorf("reads after InvalidateTeam made %d Aggregate and %d Snapshots calls, want 2 and 2", a1-a0, s1-s0)
	}
	if !rtA.GeneratedAt.Equal(f.clock.Now()) {
		t.Errorf("RealTime after InvalidateTeam was generated at %v, want now (%v)", rtA.GeneratedAt, f.clock.Now())
	}

	rtB2, dashB2, snapsB2 := readAll(newYorkTeam)
	a2, s2 := f.store.calls()
	if !setup.cached() {
		if a2-a1 != 2 || s2-s1 != 2 {
			t.Errorf("without a cache, reads made %d Aggregate and %d Snapshots calls, want 2 and 2", a2-a1, s2-s1)
		}
		return
	}
	if a2 != a1 || s2 != s1 {
		t.Errorf("the other team's reads made %d Aggregate and %d Snapshots calls after InvalidateTeam, want none", a2-a1, s2-s1)
	}
	if diff := cmp.Diff(rtB, rtB2); diff != "" {
		t.Errorf("the other team's RealTime changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(dashB, dashB2); diff != "" {
		t.Errorf("the other team's Dashboard changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(snapsB, snapsB2); diff != "" {
		t.Errorf("the other team's Snapshots changed (-before +after):\n%s", diff)
	}
}

// testServiceArguments: bad input is ErrInvalidArgument, an unknown team or
// account ErrNotFound, and errors are not cached.
func testServiceArguments(t *testing.T, setup tierSetup) {
	ctx := context.Background()
	f := newSvcFixture(t, setup, nil)
	invalid := []struct {
		name string
		call func() error
	}{
		{"Dashboard days 0", func() error { _, err := f.svc.Dashboard(ctx, kolkataTeam, 0); return err }},
		{"Dashboard days -7", func() error { _, err := f.svc.Dashboard(ctx, kolkataTeam, -7); return err }},
		{"Dashboard days 367", func() error { _, err := f.svc.Dashboard(ctx, kolkataTeam, 367); return err }},
		{"Dashboard empty team", func() error { _, err := f.svc.Dashboard(ctx, "", 7); return err }},
		{"RealTime empty team", func() error { _, err := f.svc.RealTime(ctx, analytics.Scope{}); return err }},
		{"RealTime account without team", func() error { _, err := f.svc.RealTime(ctx, analytics.Scope{AccountID: "a"}); return err }},
		{"RealTime team with NUL", func() error { _, err := f.svc.RealTime(ctx, analytics.TeamScope("a\x00b")); return err }},
		{"InvalidateTeam empty", func() error { return f.svc.InvalidateTeam(ctx, "") }},
	}
	for _, tt := range invalid {
		if err := tt.call(); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.name, err)
		}
	}
	notFound := []struct {
		name string
		call func() error
	}{
		{"Dashboard unknown team", func() error { _, err := f.svc.Dashboard(ctx, "ghost", 7); return err }},
		{"RealTime unknown team", func() error { _, err := f.svc.RealTime(ctx, analytics.TeamScope("ghost")); return err }},
		{"RealTime unknown account", func() error {
			_, err := f.svc.RealTime(ctx, analytics.AccountScope(kolkataTeam, newYorkTeam+"-acc-1"))
			return err
		}},
	}
	for _, tt := range notFound {
		if err := tt.call(); !errors.Is(err, analytics.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", tt.name, err)
		}
	}
	// The longest window is accepted.
	if _, err := f.svc.Dashboard(ctx, newYorkTeam, analytics.MaxDashboardDays); err != nil {
		t.Errorf("Dashboard(%d days): %v", analytics.MaxDashboardDays, err)
	}
	// A team that appears is served at once: ErrNotFound was not cached.
	if err := f.mem.AddTeams(analytics.Team{ID: "ghost", TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Dashboard(ctx, "ghost", 7); err != nil {
		t.Errorf("Dashboard of a team added after ErrNotFound: %v", err)
	}
	if m, err := f.svc.RealTime(ctx, analytics.TeamScope("ghost")); err != nil || m.Messages.Total != 0 {
		t.Errorf("RealTime of a team added after ErrNotFound = %+v, %v; want zero counts", m.Messages, err)
	}
}

// testSnapshotRunWarms: a snapshot run through the Service's Snapshotter
// invalidates the teams it wrote and warms their 7-, 30- and 90-day
// dashboards, so reads after the run reach no store; with WarmDashboards
// empty it only invalidates.
func testSnapshotRunWarms(t *testing.T, setup tierSetup) {
	for _, tt := range []struct {
		name string
		warm []int
	}{
		{"default", nil},
		{"off", []int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newSvcFixture(t, setup, func(c *analytics.Config) { c.WarmDashboards = tt.warm })
			// Earlier days are stored; the run writes yesterday.
			yesterday := analytics.NewDate(2026, 3, 14) // in both zones
			f.generateDaily(t, func(d analytics.Date) bool { return d.Before(yesterday) })
			before := map[string]analytics.Dashboard{}
			for _, team := range []string{kolkataTeam, newYorkTeam} {
				d, err := f.svc.Dashboard(ctx, team, 7)
				if err != nil {
					t.Fatal(err)
				}
				before[team] = d
				if _, err := f.svc.RealTime(ctx, analytics.TeamScope(team)); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Advance(10 * time.Second)
			rep, err := f.svc.Snapshotter().GenerateAll(ctx, analytics.Daily, f.clock.Now())
			if err != nil || rep.Failed != 0 || rep.Teams != 2 {
				t.Fatalf("GenerateAll: %+v, %v", rep, err)
			}
			// The reference: a Service without a cache over the same store.
			plain, err := analytics.New(f.mem, &analytics.Config{Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			for _, team := range []string{kolkataTeam, newYorkTeam} {
				for _, days := range []int{7, 30, 90} {
					a0, s0 := f.store.calls()
					got, err := f.svc.Dashboard(ctx, team, days)
					if err != nil {
						t.Fatalf("Dashboard(%s, %d): %v", team, days, err)
					}
					a1, s1 := f.store.calls()
					want, err := plain.Dashboard(ctx, team, days)
					if err != nil {
						t.Fatal(err)
					}
					// Only dashboards whose windows are stored are warmed:
					// here the 7-day one, the dataset's 14 days.
					served := a1 == a0 && s1 == s0
					if warmed := tt.warm == nil && days == 7; served != warmed || (days == 7) != (len(want.LiveDays) == 0) {
						t.Errorf("Dashboard(%s, %d) after the run: %d Aggregate and %d Snapshots calls, live days %v; warmed=%v",
							team, days, a1-a0, s1-s0, want.LiveDays, warmed)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("Dashboard(%s, %d) after the run (-uncached +got):\n%s", team, days, diff)
					}
				}
				// The run's day is no longer live, so the cached dashboard
				// from before the run was not served.
				after, _ := f.svc.Dashboard(ctx, team, 7)
				if slices.Equal(after.LiveDays, before[team].LiveDays) {
					t.Errorf("%s: LiveDays %v unchanged by the run", team, after.LiveDays)
				}
				// RealTime was invalidated too.
				a0, _ := f.store.calls()
				rt, err := f.svc.RealTime(ctx, analytics.TeamScope(team))
				if err != nil {
					t.Fatal(err)
				}
				if a1, _ := f.store.calls(); a1-a0 != 1 || !rt.GeneratedAt.Equal(f.clock.Now()) {
					t.Errorf("RealTime(%s) after the run: %d Aggregate calls, generated at %v; want a recomputation", team, a1-a0, rt.GeneratedAt)
				}
			}
		})
	}
}

// TestServiceConfig: New rejects a nil store and bad settings, naming the
// field.
func TestServiceConfig(t *testing.T) {
	t.Parallel()
	mem := memstore.New(nil)
	for _, tt := range []struct {
		name  string
		store analytics.Store
		cfg   *analytics.Config
		field string
	}{
		{"nil store", nil, nil, "store"},
		{"warm 0 days", mem, &analytics.Config{WarmDashboards: []int{7, 0}}, "Config.WarmDashboards[1]"},
		{"warm 367 days", mem, &analytics.Config{WarmDashboards: []int{367}}, "Config.WarmDashboards[0]"},
		{"defaults", mem, nil, ""},
		{"warming off", mem, &analytics.Config{WarmDashboards: []int{}}, ""},
	} {
		svc, err := analytics.New(tt.store, tt.cfg)
		if tt.field == "" {
			if err != nil || svc == nil || svc.Snapshotter() == nil {
				t.Errorf("%s: New = %v, %v", tt.name, svc, err)
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: err = %v, want ErrInvalidArgument naming %s", tt.name, err, tt.field)
		}
	}
}

// forgetfulStore is a Store whose Aggregate breaks its contract: it
// returns no metrics at all.
type forgetfulStore struct{ analytics.Store }

func (forgetfulStore) Aggregate(context.Context, analytics.AggregateRequest) ([]analytics.Metrics, error) {
	return nil, nil
}

// TestServiceStoreBreaksContract: a store that returns fewer metrics than
// asked for gives an error, not a panic, with or without a cache.
func TestServiceStoreBreaksContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, setup := range serviceSetups[:2] { // no cache; memory only
		f := newSvcFixture(t, setup, nil)
		cfg := &analytics.Config{Clock: f.clock}
		if f.cache != nil {
			cfg.Cache = f.cache
		}
		svc, err := analytics.New(forgetfulStore{f.mem}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RealTime(ctx, analytics.TeamScope(kolkataTeam)); err == nil {
			t.Errorf("%s: RealTime succeeded on a store that returned no metrics", setup.name)
		}
		if _, err := svc.Dashboard(ctx, kolkataTeam, 7); err == nil {
			t.Errorf("%s: Dashboard succeeded on a store that returned no metrics", setup.name)
		}
	}
}

// stampedeCallers is how many concurrent cold reads the stampede test makes.
const stampedeCallers = 500

// TestServiceStampede: 500 concurrent cold reads of one key run one
// aggregation; the caller that started it gives up and gets its context's
// error, and the others all get the value.
func TestServiceStampede(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			t.Run("RealTime", func(t *testing.T) {
				t.Parallel()
				f := newSvcFixture(t, setup, nil)
				scope := analytics.TeamScope(kolkataTeam)
				want := f.wantRealTime(t, scope)
				stampede(t, f, func(ctx context.Context) (analytics.Metrics, error) { return f.svc.RealTime(ctx, scope) },
					func(t *testing.T, got analytics.Metrics) {
						if diff := cmp.Diff(want, got); diff != "" {
							t.Fatalf("RealTime (-want +got):\n%s", diff)
						}
					}, 0)
			})
			t.Run("Dashboard", func(t *testing.T) {
				t.Parallel()
				f := newSvcFixture(t, setup, nil)
				f.generateDaily(t, nil)
				plain, err := analytics.New(f.mem, &analytics.Config{Clock: f.clock})
				if err != nil {
					t.Fatal(err)
				}
				// One day, to keep 500 decodings of it cheap under the race
				// detector: the path is the same for any length.
				want, err := plain.Dashboard(context.Background(), newYorkTeam, 1)
				if err != nil {
					t.Fatal(err)
				}
				stampede(t, f, func(ctx context.Context) (analytics.Dashboard, error) { return f.svc.Dashboard(ctx, newYorkTeam, 1) },
					func(t *testing.T, got analytics.Dashboard) {
						if diff := cmp.Diff(want, got); diff != "" {
							t.Fatalf("Dashboard (-want +got):\n%s", diff)
						}
					}, 1)
			})
		})
	}
}

// stampede runs stampedeCallers concurrent cold reads with read, holding
// the first Aggregate until every caller waits for it, and checks that
// exactly one Aggregate (and wantSnapshots Snapshots calls) ran, that the
// first caller, whose context is cancelled, gets context.Canceled, and that
// every other caller gets a value that passes check.
func stampede[T any](t *testing.T, f *svcFixture, read func(context.Context) (T, error), check func(*testing.T, T), wantSnapshots int64) {
	t.Helper()
	release := make(chan struct{})
	var releaseOnce sync.Once
	open := func() { releaseOnce.Do(func() { close(release) }) }
	defer open() // if the test fails early
	hold := func(context.Context) { <-release }
	f.store.beforeAggregate.Store(&hold)

	// The first caller starts the aggregation, then gives up.
	quitter, quit := context.WithCancel(context.Background())
	defer quit()
	quitErr := make(chan error, 1)
	go func() {
		_, err := read(quitter)
		quitErr <- err
	}()
	waitFor(t, "the aggregation to start", func() bool { a, _ := f.store.calls(); return a == 1 })

	var wg sync.WaitGroup
	results := make([]T, stampedeCallers-1)
	errs := make([]error, stampedeCallers-1)
	for i := range stampedeCallers - 1 {
		wg.Go(func() { results[i], errs[i] = read(context.Background()) })
	}
	waitFor(t, "every caller to wait for the aggregation", func() bool {
		return f.cache.Stats().LoadWaiters == stampedeCallers
	})
	quit()
	if err := <-quitErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v, want context.Canceled", err)
	}
	open()
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		check(t, results[i])
	}
	if a, s := f.store.calls(); a != 1 || s != wantSnapshots {
		t.Errorf("%d concurrent cold reads made %d Aggregate and %d Snapshots calls, want 1 and %d", stampedeCallers, a, s, wantSnapshots)
	}
}

// TestServiceInvalidationAcrossReplicas: two Services with caches of their
// own over one Redis (and a third without a memory tier). After
// InvalidateTeam returns on one, no replica serves an older value from
// Redis, and none from its memory once the invalidation bound has passed;
// another team's values stay cached.
// It runs on one Redis server and on a Redis Cluster.
func TestServiceInvalidationAcrossReplicas(t *testing.T) {
	t.Parallel()
	t.Run("Redis", func(t *testing.T) { t.Parallel(); testServiceInvalidationAcrossReplicas(t, false) })
	t.Run("Cluster", func(t *testing.T) { t.Parallel(); testServiceInvalidationAcrossReplicas(t, true) })
}

func testServiceInvalidationAcrossReplicas(t *testing.T, cluster bool) {
	ctx := context.Background()
	f := newSvcFixture(t, tierSetup{}, nil)
	f.generateDaily(t, nil)
	ca, cb, cr := twoReplicas(t, f.clock, cluster)
	mk := func(c *gocache.Cache) *analytics.Service {
		s, err := analytics.New(f.store, &analytics.Config{Clock: f.clock, Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, r := mk(ca), mk(cb), mk(cr)
	team, other := kolkataTeam, newYorkTeam
	total := func(s *analytics.Service, team string) int64 {
		t.Helper()
		m, err := s.RealTime(ctx, analytics.TeamScope(team))
		if err != nil {
			t.Fatal(err)
		}
		return m.Messages.Total
	}
	dashTotal := func(s *analytics.Service) int64 {
		t.Helper()
		d, err := s.Dashboard(ctx, team, 7)
		if err != nil {
			t.Fatal(err)
		}
		return d.Current.Messages.Total
	}

	old := total(a, team)
	oldDash := dashTotal(a)
	otherRT, err := b.RealTime(ctx, analytics.TeamScope(other))
	if err != nil {
		t.Fatal(err)
	}
	aggs, _ := f.store.calls()
	// b and r are served what a computed, through Redis.
	if total(b, team) != old || total(r, team) != old || dashTotal(b) != oldDash {
		t.Fatal("replicas disagree before any change")
	}
	if now, _ := f.store.calls(); now != aggs {
		t.Fatalf("replicas made %d Aggregate calls for values in Redis", now-aggs)
	}

	f.clock.Advance(2 * time.Second)
	f.add(t, store.Activity{Messages: []store.Message{message(team, "new-1", f.clock.Now().Add(-time.Minute))}})
	if total(b, team) != old {
		t.Fatal("the new message was visible before any invalidation; the test would prove nothing")
	}
	if err := a.InvalidateTeam(ctx, team); err != nil {
		t.Fatalf("InvalidateTeam: %v", err)
	}
	// From Redis, at once: r has no memory tier.
	if got := total(r, team); got != old+1 {
		t.Errorf("Redis-only replica: %d messages right after InvalidateTeam, want %d", got, old+1)
	}
	if got := total(a, team); got != old+1 {
		t.Errorf("invalidating replica: %d messages, want %d", got, old+1)
	}
	// b's memory may serve the old value, but for less than the bound.
	if got := total(b, team); got != old && got != old+1 {
		t.Errorf("b: %d messages, neither the old %d nor the new %d", got, old, old+1)
	}
	f.clock.Advance(gocache.DefaultInvalidationBound)
	if got := total(b, team); got != old+1 {
		t.Errorf("b: %d messages once the bound passed, want %d", got, old+1)
	}
	if got := dashTotal(b); got != oldDash+1 {
		t.Errorf("b: dashboard of %d messages once the bound passed, want %d", got, oldDash+1)
	}
	// The other team's value is still the cached one.
	aggs, _ = f.store.calls()
	got, err := b.RealTime(ctx, analytics.TeamScope(other))
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := f.store.calls(); now != aggs || !got.GeneratedAt.Equal(otherRT.GeneratedAt) {
		t.Errorf("the other team's RealTime was recomputed (%d Aggregate calls, generated %v, cached %v)",
			now-aggs, got.GeneratedAt, otherRT.GeneratedAt)
	}
}

// TestServiceRedisOutage: with Redis killed, reads are served from memory
// or the store, correct, without errors and quickly; the cache reports
// itself degraded, and recovers once Redis is back.
func TestServiceRedisOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := testenv.StartRedisServer(t)
	f := newSvcFixture(t, tierSetup{}, nil)
	f.generateDaily(t, nil)
	type replica struct {
		name  string
		cache *gocache.Cache
		svc   *analytics.Service
	}
	mk := func(name string, noL1 bool) replica {
		c := outageCache(t, srv, f.clock, noL1)
		s, err := analytics.New(f.store, &analytics.Config{Clock: f.clock, Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		return replica{name, c, s}
	}
	both, redisOnly := mk("L1+Redis", false), mk("Redis", true)
	replicas := []replica{both, redisOnly}
	team := newYorkTeam
	scope := analytics.TeamScope(team)
	plain, err := analytics.New(f.mem, &analytics.Config{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}

	// realTime reads, within outageLimit and without error, a value that is
	// correct as of its GeneratedAt and younger than the real-time TTL.
	realTime := func(r replica) analytics.Metrics {
		t.Helper()
		var got analytics.Metrics
		var err error
		timed(t, r.name+": RealTime", func() { got, err = r.svc.RealTime(ctx, scope) })
		if err != nil {
			t.Fatalf("%s: RealTime: %v", r.name, err)
		}
		now := f.clock.Now()
		if age := now.Sub(got.GeneratedAt); age < 0 || age >= analytics.DefaultRealTimeTTL {
			t.Fatalf("%s: RealTime generated at %v, %v before now", r.name, got.GeneratedAt, age)
		}
		want := f.compute(t, scope, f.dayStart(t, team, 0), got.GeneratedAt)
		want.GeneratedAt = got.GeneratedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: RealTime (-want +got):\n%s", r.name, diff)
		}
		return got
	}
	aggregated := func(f0 func()) int64 {
		a0, _ := f.store.calls()
		f0()
		a1, _ := f.store.calls()
		return a1 - a0
	}

	var first analytics.Metrics
	if n := aggregated(func() { first = realTime(both); realTime(redisOnly) }); n != 1 {
		t.Fatalf("before the outage: %d Aggregate calls for one value, want 1", n)
	}
	srv.Stop()

	f.clock.Advance(2 * time.Second) // past the invalidation bound, within the TTL
	var got analytics.Metrics
	if n := aggregated(func() { got = realTime(both) }); n != 0 || !got.GeneratedAt.Equal(first.GeneratedAt) {
		t.Errorf("L1+Redis: %d Aggregate calls, generated at %v; want the value in memory", n, got.GeneratedAt)
	}
	if n := aggregated(func() { got = realTime(redisOnly) }); n != 1 || !got.GeneratedAt.Equal(f.clock.Now()) {
		t.Errorf("Redis only: %d Aggregate calls, generated at %v; want a value from the store", n, got.GeneratedAt)
	}
	for _, r := range replicas {
		// A cold dashboard comes from the store.
		want, err := plain.Dashboard(ctx, team, 7)
		if err != nil {
			t.Fatal(err)
		}
		var d analytics.Dashboard
		timed(t, r.name+": Dashboard", func() { d, err = r.svc.Dashboard(ctx, team, 7) })
		if err != nil {
			t.Fatalf("%s: Dashboard: %v", r.name, err)
		}
		if diff := cmp.Diff(want, d); diff != "" {
			t.Errorf("%s: Dashboard (-want +got):\n%s", r.name, diff)
		}
		st := r.cache.Stats()
		if !r.cache.Degraded() || !st.Degraded {
			t.Errorf("%s: not degraded with Redis down", r.name)
		}
		if st.L2.Errors == 0 || st.L2.Fallbacks == 0 {
			t.Errorf("%s: Stats show no Redis errors or fallbacks: %+v", r.name, st.L2)
		}
	}
	// Invalidation still applies here at once, and says Redis missed it.
	if err := both.svc.InvalidateTeam(ctx, team); !errors.Is(err, analytics.ErrCacheUnavailable) {
		t.Errorf("InvalidateTeam with Redis down: %v, want ErrCacheUnavailable", err)
	}
	if got := realTime(both); !got.GeneratedAt.Equal(f.clock.Now()) {
		t.Errorf("L1+Redis after InvalidateTeam: generated at %v, want now", got.GeneratedAt)
	}

	srv.Restart()
	f.clock.Advance(outageBackoff)
	for _, r := range replicas {
		realTime(r)
		if r.cache.Degraded() {
			t.Errorf("%s: still degraded after Redis came back and the backoff passed", r.name)
		}
	}
	// Redis is shared again: what one replica computes, the other reads.
	f.clock.Advance(time.Minute)
	fresh := realTime(redisOnly)
	f.clock.Advance(gocache.DefaultInvalidationBound)
	if n := aggregated(func() { got = realTime(both) }); n != 0 || !got.GeneratedAt.Equal(fresh.GeneratedAt) {
		t.Errorf("after recovery: %d Aggregate calls, generated at %v; want the value in Redis", n, got.GeneratedAt)
	}
}

// TestServicePostgres runs the Service end to end on Postgres with both
// cache tiers: snapshot generation through its Snapshotter, then
// dashboards, real-time and snapshot reads, which must equal those of a
// Service on memstore holding the same data, and the reference.
func TestServicePostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newSvcFixture(t, tierSetup{}, nil) // memstore, no cache
	ds, err := serviceDataset()
	if err != nil {
		t.Fatal(err)
	}
	db := sourceDB(t)
	if err := synth.InsertRows(ctx, db, ds.teams, &ds.act); err != nil {
		t.Fatalf("loading the dataset: %v", err)
	}
	pg, err := pgstore.New(ctx, db, &pgstore.Config{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pgStore := &countingStore{Store: pg}
	pgSvc, err := analytics.New(pgStore, &analytics.Config{Clock: f.clock, WarmDashboards: []int{7, 30},
		Cache: newCache(t, tierSetup{l1: true, redis: true}, f.clock, nil)})
	if err != nil {
		t.Fatal(err)
	}

	// The same snapshot run on both.
	stored := map[analytics.Date]bool{}
	pick := func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := svcDataStart; d.Before(analytics.DateOf(f.clock.Now().In(loc))); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
			stored[d] = true
		}
		return ps, nil
	}
	var reports [2]analytics.Report
	for i, svc := range []*analytics.Service{f.svc, pgSvc} {
		if reports[i], err = svc.Snapshotter().Run(ctx, analytics.Daily, pick); err != nil || reports[i].Failed != 0 {
			t.Fatalf("snapshot run: %+v, %v", reports[i], err)
		}
	}
	if reports[0].Succeeded != reports[1].Succeeded || reports[0].Succeeded == 0 {
		t.Fatalf("snapshots written: memstore %d, Postgres %d", reports[0].Succeeded, reports[1].Succeeded)
	}

	// Read at the run's instant, so that the dashboards it warmed are
	// current. The run stored the dataset's 14 days: the 7-day dashboard's
	// two windows, which it warmed, but not the 30-day one's.
	for _, team := range []string{kolkataTeam, newYorkTeam} {
		for _, days := range []int{7, 30} {
			a0, s0 := pgStore.calls()
			got, err := pgSvc.Dashboard(ctx, team, days)
			if err != nil {
				t.Fatalf("Postgres: Dashboard(%s, %d): %v", team, days, err)
			}
			a1, s1 := pgStore.calls()
			if served, warmed := a1 == a0 && s1 == s0, days == 7; served != warmed {
				t.Errorf("Dashboard(%s, %d) after the run: %d Aggregate and %d Snapshots calls; warmed=%v", team, days, a1-a0, s1-s0, warmed)
			}
			want, err := f.svc.Dashboard(ctx, team, days)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Dashboard(%s, %d) (-memstore +Postgres):\n%s", team, days, diff)
			}
			checkDashboard(t, f, team, days, stored, got)
		}
		for _, scope := range f.teams[team].Scopes() {
			got, err := pgSvc.RealTime(ctx, scope)
			if err != nil {
				t.Fatalf("Postgres: RealTime(%s): %v", scope, err)
			}
			want, err := f.svc.RealTime(ctx, scope)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("RealTime(%s) (-memstore +Postgres):\n%s", scope, diff)
			}
			if diff := cmp.Diff(f.wantRealTime(t, scope), got); diff != "" {
				t.Errorf("RealTime(%s) (-reference +Postgres):\n%s", scope, diff)
			}
			from, to := svcDataStart, f.today(t, team).AddDays(-1)
			gotSnaps, err := pgSvc.Snapshots(ctx, scope, analytics.Daily, from, to)
			if err != nil {
				t.Fatalf("Postgres: Snapshots(%s): %v", scope, err)
			}
			wantSnaps, err := f.svc.Snapshots(ctx, scope, analytics.Daily, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantSnaps, gotSnaps, cmpopts.IgnoreFields(analytics.Snapshot{}, "ID")); diff != "" {
				t.Errorf("Snapshots(%s) (-memstore +Postgres):\n%s", scope, diff)
			}
		}
	}
}

// sourceDB returns a database of the test's own schema holding the
// reference source tables (synth.SchemaSQL), empty.
func sourceDB(t *testing.T) *bun.DB {
	t.Helper()
	db := testenv.DB(t)
	if _, err := db.ExecContext(context.Background(), synth.SchemaSQL); err != nil {
		t.Fatalf("creating the source tables: %v", err)
	}
	return db
}
