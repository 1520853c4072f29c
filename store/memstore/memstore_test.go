package memstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/scheduler/jobrunstest"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/storetest"
)

// faultEnv selects, in a child process started by
// TestConformanceCatchesFaults, a deliberately faulty store for
// TestConformance. It is unset in normal runs.
const faultEnv = "MEMSTORE_CONFORMANCE_FAULT"

func open(t *testing.T, d storetest.Dataset) analytics.Store {
	t.Helper()
	fault := os.Getenv(faultEnv)
	if fault == "drop-message" && len(d.Activity.Messages) > 0 {
		// A store that loses one message on its way in.
		d.Activity.Messages = d.Activity.Messages[1:]
	}
	s := memstore.New(nil)
	if err := s.AddTeams(d.Teams...); err != nil {
		t.Fatalf("AddTeams: %v", err)
	}
	if err := s.Add(d.Activity); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if fault == "replied-plus-one" {
		return repliedPlusOne{s}
	}
	if fault == "funnel-other-teams" {
		return funnelOtherTeams{s}
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

// TestJobRunsConformance runs the scheduler.JobRunStore conformance suite
// on a new Store per subtest.
func TestJobRunsConformance(t *testing.T) {
	jobrunstest.Run(t, func(*testing.T) scheduler.JobRunStore { return memstore.New(nil) })
}

// repliedPlusOne miscounts Messages.Replied by one wherever anything was sent.
type repliedPlusOne struct{ *memstore.Store }

func (s repliedPlusOne) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	ms, err := s.Store.Aggregate(ctx, req)
	for i := range ms {
		if ms[i].Messages.Outbound > ms[i].Messages.Replied {
			ms[i].Messages.Replied++
			ms[i].Derive()
		}
	}
	return ms, err
}

// TestConformanceCatchesFaults runs TestConformance in a child process
// against faulty stores and checks that the suite fails them, naming the
// field they get wrong.
func TestConformanceCatchesFaults(t *testing.T) {
	if os.Getenv(faultEnv) != "" {
		t.Fatalf("%s is set in the process that checks the faults", faultEnv)
	}
	tests := []struct {
		fault string
		want  []string // in the child's output
	}{
		{"replied-plus-one", []string{"--- FAIL: TestConformance/", "Replied:", "ReplyRate:"}},
		{"drop-message", []string{"--- FAIL: TestConformance/", "Messages: analytics.MessageMetrics{", "Total:"}},
		{"funnel-other-teams", []string{"--- FAIL: TestConformance/Campaigns/HandComputed", "Messages:", "Failed:"}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConformance$", "-test.count=1")
			cmd.Env = append(os.Environ(), faultEnv+"="+tt.fault)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("TestConformance with fault %s: err = %v, want a non-zero exit; output:\n%s", tt.fault, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output of TestConformance with fault %s lacks %q; output:\n%s", tt.fault, w, out)
				}
			}
		})
	}
}

var ctx = context.Background()

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newStore(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New(&memstore.Config{Clock: analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))})
	if err := s.AddTeams(
		analytics.Team{ID: "t1", TimeZone: "Europe/Berlin", AccountIDs: []string{"b", "a", "b"}},
		analytics.Team{ID: "t2"},
	); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddTeams(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	got, err := s.Team(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Team{ID: "t1", TimeZone: "Europe/Berlin", AccountIDs: []string{"a", "b"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("accounts are kept sorted and without duplicates (-want +got):\n%s", d)
	}
	tests := []struct {
		name  string
		teams []analytics.Team
	}{
		{"existing ID", []analytics.Team{{ID: "t3"}, {ID: "t1"}}},
		{"ID twice", []analytics.Team{{ID: "t3"}, {ID: "t3"}}},
		{"empty ID", []analytics.Team{{ID: "t3"}, {ID: ""}}},
		{"unknown zone", []analytics.Team{{ID: "t3"}, {ID: "t4", TimeZone: "Mars/Olympus_Mons"}}},
		{"empty account", []analytics.Team{{ID: "t3", AccountIDs: []string{""}}}},
		{"1025-byte ID", []analytics.Team{{ID: strings.Repeat("x", 1025)}}},
	}
	for _, tt := range tests {
		err := s.AddTeams(tt.teams...)
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("AddTeams with %s: %v, want ErrInvalidArgument", tt.name, err)
		}
	}
	teams, err := s.Teams(ctx, "", 10)
	if err != nil || len(teams) != 2 {
		t.Errorf("failed AddTeams calls added teams: %v, %v", teams, err)
	}
}

func TestAddAllOrNothing(t *testing.T) {
	t.Parallel()
	at := ts("2026-03-10T12:00:00Z")
	good := store.Message{ID: "m1", TeamID: "t1", AccountID: "a", ConversationID: "c", Status: "read", CreatedAt: at}
	tests := []struct {
		name   string
		bad    store.Activity
		target error
	}{
		{"unknown team", store.Activity{Contacts: []store.Contact{{ID: "x", TeamID: "t9", CreatedAt: at}}}, analytics.ErrNotFound},
		{"foreign account", store.Activity{Campaigns: []store.Campaign{{ID: "x", TeamID: "t2", AccountID: "a", CreatedAt: at}}}, analytics.ErrNotFound},
		{"empty ID", store.Activity{Conversations: []store.Conversation{{TeamID: "t1", CreatedAt: at}}}, analytics.ErrInvalidArgument},
		{"empty team", store.Activity{Messages: []store.Message{{ID: "x", CreatedAt: at}}}, analytics.ErrInvalidArgument},
		{"zero time", store.Activity{Messages: []store.Message{{ID: "x", TeamID: "t1"}}}, analytics.ErrInvalidArgument},
		{"ID twice in a batch", store.Activity{Messages: []store.Message{{ID: "x", TeamID: "t1", CreatedAt: at}, {ID: "x", TeamID: "t1", CreatedAt: at}}}, analytics.ErrInvalidArgument},
		{"ID already stored", store.Activity{Messages: []store.Message{{ID: "m0", TeamID: "t1", CreatedAt: at}}}, analytics.ErrInvalidArgument},
		{"bad conversation ID", store.Activity{Messages: []store.Message{{ID: "x", TeamID: "t1", ConversationID: "a\x00b", CreatedAt: at}}}, analytics.ErrInvalidArgument},
		{"bad contact ID", store.Activity{Conversations: []store.Conversation{{ID: "x", TeamID: "t1", ContactID: "\xff", CreatedAt: at}}}, analytics.ErrInvalidArgument},
	}
	for _, tt := range tests {
		s := newStore(t)
		if err := s.AddMessages(store.Message{ID: "m0", TeamID: "t1", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		bad := tt.bad
		bad.Messages = append([]store.Message{good}, bad.Messages...)
		err := s.Add(bad)
		if !errors.Is(err, tt.target) {
			t.Errorf("Add with %s: %v, want %v", tt.name, err, tt.target)
		}
		// Nothing was added: m1 is not counted.
		m := dayMetrics(t, s, analytics.TeamScope("t1"), "2026-03-10", "Europe/Berlin")
		if m.Messages.Total != 1 {
			t.Errorf("after a failed Add with %s the team has %d messages, want 1", tt.name, m.Messages.Total)
		}
	}
	// The same IDs in another team, or another kind, are fine.
	s := newStore(t)
	if err := s.Add(store.Activity{
		Messages:      []store.Message{{ID: "x", TeamID: "t1", CreatedAt: at}, {ID: "x", TeamID: "t2", CreatedAt: at}},
		Conversations: []store.Conversation{{ID: "x", TeamID: "t1", CreatedAt: at}},
		Contacts:      []store.Contact{{ID: "x", TeamID: "t1", CreatedAt: at}},
		Campaigns:     []store.Campaign{{ID: "x", TeamID: "t1", CreatedAt: at}},
	}); err != nil {
		t.Errorf("Add of one ID in two teams and four kinds: %v", err)
	}
}

func dayMetrics(t *testing.T, s analytics.Store, sc analytics.Scope, day, zone string) analytics.Metrics {
	t.Helper()
	loc, err := analytics.Team{TimeZone: zone}.Location()
	if err != nil {
		t.Fatal(err)
	}
	d, err := analytics.ParseDate(day)
	if err != nil {
		t.Fatal(err)
	}
	p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: sc, Period: p}}})
	if err != nil {
		t.Fatal(err)
	}
	return ms[0]
}

func TestSetMessageStatus(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	at := ts("2026-03-10T12:00:00Z")
	if err := s.AddMessages(
		store.Message{ID: "m1", TeamID: "t1", Status: store.StatusSent, CreatedAt: at},
		store.Message{ID: "m1", TeamID: "t2", Status: store.StatusSent, CreatedAt: at},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMessageStatus("t1", "m1", store.StatusRead); err != nil {
		t.Fatal(err)
	}
	m := dayMetrics(t, s, analytics.TeamScope("t1"), "2026-03-10", "Europe/Berlin")
	if m.Messages.Read != 1 || m.Messages.Delivered != 1 {
		t.Errorf("after a read receipt: %+v, want 1 read and delivered", m.Messages)
	}
	m = dayMetrics(t, s, analytics.TeamScope("t2"), "2026-03-10", "UTC")
	if m.Messages.Read != 0 || m.Messages.Sent != 1 {
		t.Errorf("the receipt of t1's m1 changed t2's m1: %+v", m.Messages)
	}
	for _, k := range [][2]string{{"t1", "m2"}, {"t9", "m1"}} {
		if err := s.SetMessageStatus(k[0], k[1], "read"); !errors.Is(err, analytics.ErrNotFound) {
			t.Errorf("SetMessageStatus(%s, %s): %v, want ErrNotFound", k[0], k[1], err)
		}
	}
}

func TestCorruptSnapshot(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	d1, _ := analytics.ParseDate("2026-03-09")
	d2, _ := analytics.ParseDate("2026-03-10")
	for _, raw := range []string{`{"messages":`, `{}`, `{"period":{"start":"2026-03-10T00:00:00Z","end":"2026-03-11T00:00:00Z"},"messages":{"total":-1}}`} {
		k := analytics.SnapshotKey{Scope: analytics.TeamScope("t1"), Type: analytics.Daily, Date: d2}
		memstore.PutRawSnapshot(s, "bad-row", k, []byte(raw), ts("2026-03-11T00:00:00Z"))
		_, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: k.Scope, Type: k.Type, From: d1, To: d2})
		if !errors.Is(err, analytics.ErrCorrupt) || !strings.Contains(err.Error(), `"bad-row"`) {
			t.Errorf("Snapshots over the corrupt row %s: %v, want ErrCorrupt naming bad-row", raw, err)
		}
		// A query that does not reach the row is unaffected.
		if _, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: k.Scope, Type: k.Type, From: d1, To: d1}); err != nil {
			t.Errorf("Snapshots beside the corrupt row: %v", err)
		}
	}
}

func TestUpsertRules(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	s := memstore.New(&memstore.Config{Clock: clock})
	if err := s.AddTeams(analytics.Team{ID: "t1"}); err != nil {
		t.Fatal(err)
	}
	d, _ := analytics.ParseDate("2026-03-10")
	p, _ := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	good := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}}
	sn := func(team, id string, m analytics.Metrics, date analytics.Date) analytics.Snapshot {
		return analytics.Snapshot{ID: id, Scope: analytics.TeamScope(team), Type: analytics.Daily, Date: date, Metrics: m}
	}
	if err := s.UpsertSnapshots(ctx, []analytics.Snapshot{sn("t1", "id-1", good, d)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("t1"), Type: analytics.Daily, From: d, To: d})
	if err != nil || len(got) != 1 || !got[0].CreatedAt.Equal(clock.Now()) {
		t.Errorf("a zero CreatedAt should become the clock's now %v: %+v, %v", clock.Now(), got, err)
	}
	negative := good
	negative.Messages.Total = -1
	tests := []struct {
		name   string
		snap   analytics.Snapshot
		target error
	}{
		{"unknown team", sn("t9", "", good, d), analytics.ErrNotFound},
		{"metrics that would not decode", sn("t1", "", negative, d.AddDays(1)), analytics.ErrInvalidArgument},
		{"no period", sn("t1", "", analytics.Metrics{}, d.AddDays(1)), analytics.ErrInvalidArgument},
		{"an ID of another key", sn("t1", "id-1", good, d.AddDays(1)), analytics.ErrInvalidArgument},
	}
	for _, tt := range tests {
		if err := s.UpsertSnapshots(ctx, []analytics.Snapshot{tt.snap}); !errors.Is(err, tt.target) {
			t.Errorf("UpsertSnapshots with %s: %v, want %v", tt.name, err, tt.target)
		}
	}
}

// TestConcurrentUse exercises every method at once under the race detector.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	at := ts("2026-03-10T12:00:00Z")
	d, _ := analytics.ParseDate("2026-03-10")
	p, _ := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := string(rune('a'+w)) + string(rune('a'+i%26)) + string(rune('0'+i/26))
				if err := s.AddMessages(store.Message{ID: id, TeamID: "t2", Status: "sent", CreatedAt: at}); err != nil {
					t.Error(err)
					return
				}
				if err := s.SetMessageStatus("t2", id, "read"); err != nil {
					t.Error(err)
				}
				if _, err := s.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("t2"), Period: p}}}); err != nil {
					t.Error(err)
				}
				m := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}}
				if err := s.UpsertSnapshots(ctx, []analytics.Snapshot{{Scope: analytics.TeamScope("t2"), Type: analytics.Daily, Date: d, Metrics: m}}); err != nil {
					t.Error(err)
				}
				if _, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("t2"), Type: analytics.Daily, From: d, To: d}); err != nil {
					t.Error(err)
				}
				if _, err := s.Teams(ctx, "", 10); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	m := dayMetrics(t, s, analytics.TeamScope("t2"), "2026-03-10", "UTC")
	if m.Messages.Total != 400 || m.Messages.Read != 400 {
		t.Errorf("after 8×50 concurrent adds and receipts: %+v, want 400 messages, all read", m.Messages)
	}
}

// TestAggregateSeesChanges checks that the per-team aggregation index is
// dropped by every change: a status update and new records made after an
// Aggregate show in the next one, and another team's index is unaffected.
func TestAggregateSeesChanges(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	at := ts("2026-03-10T12:00:00Z")
	if err := s.AddMessages(
		store.Message{ID: "m1", TeamID: "t1", Status: store.StatusSent, CreatedAt: at},
		store.Message{ID: "m1", TeamID: "t2", Status: store.StatusSent, CreatedAt: at},
	); err != nil {
		t.Fatal(err)
	}
	day := func(team string) analytics.MessageMetrics {
		return dayMetrics(t, s, analytics.TeamScope(team), "2026-03-10", "UTC").Messages
	}
	if m := day("t1"); m.Total != 1 || m.Read != 0 {
		t.Fatalf("before changes: %+v", m)
	}
	day("t2")
	if err := s.SetMessageStatus("t1", "m1", store.StatusRead); err != nil {
		t.Fatal(err)
	}
	if m := day("t1"); m.Read != 1 {
		t.Errorf("after a status update: %+v, want 1 read", m)
	}
	if err := s.AddMessages(store.Message{ID: "m2", TeamID: "t1", Inbound: true, CreatedAt: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if m := day("t1"); m.Total != 2 || m.Inbound != 1 {
		t.Errorf("after adding a message: %+v, want 2 messages, 1 inbound", m)
	}
	if m := day("t2"); m.Total != 1 || m.Read != 0 {
		t.Errorf("t2 changed with t1: %+v", m)
	}
}
