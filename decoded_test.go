package analytics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// The Service keeps the values of cached reads decoded beside their bytes
// (see analytics.Config.Cache). These tests check that it shows only in
// speed: what a read returns is the caller's own to modify, and always
// what the cache's current bytes decode to.

// cachedReads are one team's three kinds of cached read.
type cachedReads struct {
	rt    analytics.Metrics
	dash  analytics.Dashboard
	snaps []analytics.Snapshot
}

// readTeam reads the team's real-time metrics, 7-day dashboard and the
// team-wide snapshots of the three days before today.
func (f *svcFixture) readTeam(t *testing.T, team string) cachedReads {
	t.Helper()
	r, err := f.tryReadTeam(team, f.today(t, team))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryReadTeam is readTeam for goroutines other than the test's, given the
// team's local date.
func (f *svcFixture) tryReadTeam(team string, today analytics.Date) (cachedReads, error) {
	ctx := context.Background()
	var r cachedReads
	var err error
	if r.rt, err = f.svc.RealTime(ctx, analytics.TeamScope(team)); err != nil {
		return r, fmt.Errorf("RealTime: %w", err)
	}
	if r.dash, err = f.svc.Dashboard(ctx, team, 7); err != nil {
		return r, fmt.Errorf("Dashboard: %w", err)
	}
	if r.snaps, err = f.svc.Snapshots(ctx, analytics.TeamScope(team), analytics.Daily, today.AddDays(-3), today.AddDays(-1)); err != nil {
		return r, fmt.Errorf("Snapshots: %w", err)
	}
	return r, nil
}

// deepCopy returns a copy of r sharing no memory with it.
func (r cachedReads) deepCopy() cachedReads {
	r.dash.Series = slices.Clone(r.dash.Series)
	r.dash.LiveDays = slices.Clone(r.dash.LiveDays)
	r.snaps = slices.Clone(r.snaps)
	return r
}

// scribble modifies everything of r a caller could modify in place.
func (r cachedReads) scribble() {
	r.rt.Messages.Total = -1
	r.rt.Conversations.Histogram[0] = -1
	for i := range r.dash.Series {
		r.dash.Series[i].Metrics.Messages.Total = -1
		r.dash.Series[i].Date = analytics.Date{}
	}
	for i := range r.dash.LiveDays {
		r.dash.LiveDays[i] = analytics.Date{}
	}
	for i := range r.snaps {
		r.snaps[i].ID = "scribbled"
		r.snaps[i].Metrics.Conversations.Histogram[1] = -1
	}
}

// TestServiceCachedReadsAreTheCallers: modifying what a cached read
// returned, in place, changes nothing a later read of the same cached
// bytes returns, whether that value came from decoding or from the table.
func TestServiceCachedReadsAreTheCallers(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			f := newSvcFixture(t, setup, nil)
			// A missing day makes the dashboard's LiveDays non-empty.
			missing := f.today(t, kolkataTeam).AddDays(-2)
			f.generateDaily(t, func(d analytics.Date) bool { return d != missing })

			first := f.readTeam(t, kolkataTeam) // decoded
			if len(first.dash.LiveDays) == 0 || len(first.dash.Series) != 7 || len(first.snaps) != 2 {
				t.Fatalf("the reads cannot show sharing: %d live days, %d series days, %d snapshots",
					len(first.dash.LiveDays), len(first.dash.Series), len(first.snaps))
			}
			want := first.deepCopy()
			first.scribble()
			a0, s0 := f.store.calls()
			for i := range 3 { // from the table
				got := f.readTeam(t, kolkataTeam)
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(cachedReads{})); diff != "" {
					t.Fatalf("read %d after the caller modified an earlier one (-want +got):\n%s", i+2, diff)
				}
				got.scribble()
			}
			if a1, s1 := f.store.calls(); a1 != a0 || s1 != s0 {
				t.Errorf("the reads were not served from the cache: %d Aggregate and %d Snapshots calls", a1-a0, s1-s0)
			}
		})
	}
}

// TestServiceCachedReadsFollowTheBytes: a read returns what the cache's
// bytes decode to now, never a value decoded from earlier bytes, after
// other bytes are stored under the key (of the same length too), after
// corrupt ones, after InvalidateTeam and after expiry.
func TestServiceCachedReadsFollowTheBytes(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newSvcFixture(t, setup, nil)
			scope := analytics.TeamScope(newYorkTeam)
			key := analytics.RealTimeKey(scope)
			expect := func(what string, want analytics.Metrics) {
				t.Helper()
				for range 2 { // decoded, then from the table
					got, err := f.svc.RealTime(ctx, scope)
					if err != nil {
						t.Fatalf("%s: RealTime: %v", what, err)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("%s (-want +got):\n%s", what, diff)
					}
				}
			}
			set := func(m analytics.Metrics) []byte {
				t.Helper()
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.cache.Set(ctx, key, b, 0); err != nil {
					t.Fatalf("Set: %v", err)
				}
				return b
			}

			orig := f.wantRealTime(t, scope)
			expect("first reads", orig)

			// Other bytes of the same length: one count's digit differs.
			sameLen := orig
			sameLen.Messages.Total = orig.Messages.Total/10*10 + (orig.Messages.Total%10+1)%10
			origBytes, _ := json.Marshal(orig)
			if b := set(sameLen); len(b) != len(origBytes) {
				t.Fatalf("the edited value is %d bytes, not %d", len(b), len(origBytes))
			}
			expect("after other bytes of the same length", sameLen)

			longer := orig
			longer.Messages.Total = orig.Messages.Total + 1000
			set(longer)
			expect("after other bytes", longer)

			set(orig) // bytes decoded before, but not the last ones
			expect("after the first bytes again", orig)

			if err := f.cache.Set(ctx, key, []byte(`{"messages":`), 0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.RealTime(ctx, scope); !errors.Is(err, analytics.ErrCorrupt) {
				t.Fatalf("after corrupt bytes: err = %v, want ErrCorrupt", err)
			}
			set(orig)
			expect("after the corrupt bytes were replaced", orig)

			// New activity shows after InvalidateTeam, and after expiry.
			m1 := message(newYorkTeam, "decoded-1", f.clock.Now().Add(-time.Minute))
			f.add(t, store.Activity{Messages: []store.Message{m1}})
			expect("after new activity, still cached", orig)
			if err := f.svc.InvalidateTeam(ctx, newYorkTeam); err != nil {
				t.Fatalf("InvalidateTeam: %v", err)
			}
			withM1 := f.wantRealTime(t, scope)
			if withM1.Messages.Total != orig.Messages.Total+1 {
				t.Fatalf("reference: %d messages, want %d", withM1.Messages.Total, orig.Messages.Total+1)
			}
			expect("after InvalidateTeam", withM1)

			m2 := message(newYorkTeam, "decoded-2", f.clock.Now().Add(-time.Second))
			f.add(t, store.Activity{Messages: []store.Message{m2}})
			f.clock.Advance(analytics.DefaultRealTimeTTL + time.Second)
			afterTTL := f.wantRealTime(t, scope)
			if afterTTL.Messages.Total != withM1.Messages.Total+1 {
				t.Fatalf("reference: %d messages, want %d", afterTTL.Messages.Total, withM1.Messages.Total+1)
			}
			expect("after expiry", afterTTL)
		})
	}
}

// TestServiceCachedReadsConcurrent: concurrent readers that modify what
// they get, while the team is invalidated again and again, each read what
// the cache holds, and (under -race) share no memory.
func TestServiceCachedReadsConcurrent(t *testing.T) {
	t.Parallel()
	for _, setup := range tierSetups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			f := newSvcFixture(t, setup, nil)
			missing := f.today(t, kolkataTeam).AddDays(-2)
			f.generateDaily(t, func(d analytics.Date) bool { return d != missing })
			// The clock stands still and the data does not change, so every
			// recomputation after an invalidation gives these values again.
			want := f.readTeam(t, kolkataTeam).deepCopy()
			ctx := context.Background()
			today := f.today(t, kolkataTeam)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 40 {
						if g == 0 && i%10 == 9 {
							if err := f.svc.InvalidateTeam(ctx, kolkataTeam); err != nil {
								t.Errorf("InvalidateTeam: %v", err)
								return
							}
						}
						got, err := f.tryReadTeam(kolkataTeam, today)
						if err != nil {
							t.Error(err)
							return
						}
						if diff := cmp.Diff(want, got, cmp.AllowUnexported(cachedReads{})); diff != "" {
							t.Errorf("concurrent read (-want +got):\n%s", diff)
							return
						}
						got.scribble()
					}
				})
			}
			wg.Wait()
		})
	}
}
