package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/msgstats/analytics"
)

var streamTests = []subtest{
	{"MatchesOfTeams", testStreamMatchesOfTeams},
	{"StopsOnError", testStreamStopsOnError},
	{"InvalidArguments", testStreamInvalid},
}

// streamer returns s's SnapshotStreamer, skipping t if it has none.
func streamer(t *testing.T, s analytics.Store) analytics.SnapshotStreamer {
	t.Helper()
	st, ok := s.(analytics.SnapshotStreamer)
	if !ok {
		t.Skip("the store has no SnapshotStreamer")
	}
	return st
}

// streamFixture upserts into s, for team "snap", daily snapshots of
// 2026-03-12 and 03-13 for the team-wide scope and four accounts (with
// sketches of 0 to 4 contacts, the fourth account none), and others
// outside the range, the type or the team; it returns those inside.
func streamFixture(t *testing.T, s analytics.Store) []analytics.Snapshot {
	t.Helper()
	created := ts("2026-03-14T02:00:00.000Z")
	var n int64
	add := func(scope analytics.Scope, typ analytics.SnapshotType, day, zone string, contacts int) analytics.Snapshot {
		n++
		sn := snap(scope, typ, day, zone, n, fmt.Sprintf("stream-%d", n), created)
		if contacts >= 0 {
			ids := make([]string, contacts)
			for i := range ids {
				ids[i] = fmt.Sprintf("c-%d-%d", n, i)
			}
			sn.Metrics.ActiveSketch = analytics.SketchOf(ids...)
			sn.Metrics.Contacts.Active = int64(contacts)
			sn.Metrics.Derive()
		}
		return sn
	}
	var want, all []analytics.Snapshot
	for _, day := range []string{"2026-03-12", "2026-03-13"} {
		scopes := []analytics.Scope{analytics.TeamScope("snap")}
		for i := range 4 {
			scopes = append(scopes, analytics.AccountScope("snap", fmt.Sprintf("stream-acc-%d", i)))
		}
		for i, sc := range scopes {
			contacts := i
			if i == len(scopes)-1 {
				contacts = -1 // no sketch
			}
			want = append(want, add(sc, analytics.Daily, day, "UTC", contacts))
		}
		all = append(all, add(analytics.TeamScope("snap-other"), analytics.Daily, day, "Asia/Kolkata", 1))
	}
	all = append(all, want...)
	all = append(all,
		add(analytics.TeamScope("snap"), analytics.Daily, "2026-03-14", "UTC", 1),  // after the range
		add(analytics.TeamScope("snap"), analytics.Weekly, "2026-03-09", "UTC", 1), // another type
	)
	upsert(t, s, all...)
	return want
}

// testStreamMatchesOfTeams checks that StreamSnapshotsOfTeams calls fn once
// for every snapshot SnapshotsOfTeams returns (and the fixture upserted),
// with its sketch, never for two at once, and for none outside the range,
// the type or the teams. It copies each snapshot, as fn must.
func testStreamMatchesOfTeams(t *testing.T, open Open) {
	s := open(t, snapTeams())
	st := streamer(t, s)
	want := streamFixture(t, s)
	var inCall atomic.Int32
	got := map[analytics.SnapshotKey]analytics.Snapshot{}
	err := st.StreamSnapshotsOfTeams(context.Background(), []string{"snap"}, analytics.Daily, date("2026-03-12"), date("2026-03-13"), func(sn *analytics.Snapshot) error {
		if inCall.Add(1) != 1 {
			t.Error("fn called for two snapshots at once")
		}
		defer inCall.Add(-1)
		if _, dup := got[sn.Key()]; dup {
			t.Errorf("fn called twice for %s", keyString(sn.Key()))
		}
		got[sn.Key()] = *sn
		return nil
	})
	if err != nil {
		t.Fatalf("StreamSnapshotsOfTeams: %v", err)
	}
	if len(got) != len(want) {
		t.Errorf("StreamSnapshotsOfTeams gave %d snapshots, want %d", len(got), len(want))
	}
	for _, sn := range want {
		if d := diff(sn, got[sn.Key()]); d != "" {
			t.Errorf("StreamSnapshotsOfTeams %s (-upserted +streamed):\n%s", keyString(sn.Key()), d)
		}
	}
	if r, ok := s.(analytics.SnapshotRangeReader); ok {
		all, err := r.SnapshotsOfTeams(context.Background(), []string{"snap"}, analytics.Daily, date("2026-03-12"), date("2026-03-13"))
		if err != nil {
			t.Fatalf("SnapshotsOfTeams: %v", err)
		}
		for _, sn := range all {
			if d := diff(sn, got[sn.Key()]); d != "" {
				t.Errorf("%s: SnapshotsOfTeams and StreamSnapshotsOfTeams differ (-read +streamed):\n%s", keyString(sn.Key()), d)
			}
		}
	}
}

// testStreamStopsOnError checks that an error of fn stops the stream and
// comes back wrapped.
func testStreamStopsOnError(t *testing.T, open Open) {
	s := open(t, snapTeams())
	st := streamer(t, s)
	streamFixture(t, s)
	stop := errors.New("stop here")
	calls := 0
	err := st.StreamSnapshotsOfTeams(context.Background(), []string{"snap"}, analytics.Daily, date("2026-03-12"), date("2026-03-13"), func(*analytics.Snapshot) error {
		calls++
		return stop
	})
	wantErr(t, "StreamSnapshotsOfTeams with a failing fn", err, stop)
	if calls != 1 {
		t.Errorf("fn was called %d times after failing, want once", calls)
	}
}

// testStreamInvalid checks that invalid arguments give ErrInvalidArgument
// before fn is called.
func testStreamInvalid(t *testing.T, open Open) {
	s := open(t, snapTeams())
	st := streamer(t, s)
	streamFixture(t, s)
	tests := []struct {
		name     string
		teams    []string
		typ      analytics.SnapshotType
		from, to string
	}{
		{"unknown type", []string{"snap"}, 0, "2026-03-12", "2026-03-13"},
		{"reversed range", []string{"snap"}, analytics.Daily, "2026-03-13", "2026-03-12"},
		{"empty team ID", []string{"snap", ""}, analytics.Daily, "2026-03-12", "2026-03-13"},
	}
	for _, tt := range tests {
		called := false
		err := st.StreamSnapshotsOfTeams(context.Background(), tt.teams, tt.typ, date(tt.from), date(tt.to), func(*analytics.Snapshot) error {
			called = true
			return nil
		})
		wantErr(t, "StreamSnapshotsOfTeams with "+tt.name, err, analytics.ErrInvalidArgument)
		if called {
			t.Errorf("StreamSnapshotsOfTeams with %s called fn", tt.name)
		}
	}
}
