package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// officeHours are Monday to Friday 09:00–17:00 and Sunday 01:00–04:00,
// closed on Thursday 2026-03-05.
func officeHours() *analytics.WorkingHours {
	h := &analytics.WorkingHours{Closed: []analytics.Date{analytics.NewDate(2026, time.March, 5)}}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h.Days[wd] = []analytics.ClockRange{{Start: 9 * 60, End: 17 * 60}}
	}
	h.Days[time.Sunday] = []analytics.ClockRange{{Start: 60, End: 4 * 60}}
	return h
}

func loadLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestWalkBusiness checks the business time Walk and FirstResponse give a
// turn (an inbound message answered by an outbound one) under a 48-hour
// window, each worked out by hand from the local times in the comments.
func TestWalkBusiness(t *testing.T) {
	t.Parallel()
	ny, ktm := loadLoc(t, "America/New_York"), loadLoc(t, "Asia/Kathmandu")
	every := &analytics.WorkingHours{}
	for wd := range every.Days {
		every.Days[wd] = []analytics.ClockRange{{Start: 10 * 60, End: 18 * 60}}
	}
	utc := func(s string) time.Time {
		x, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, tc := range []struct {
		name         string
		h            *analytics.WorkingHours
		loc          *time.Location
		in, answered string
		want         time.Duration
	}{
		// Mon 10:00 EST to 10:45:30.2509: inside, truncated to ms.
		{"inside", officeHours(), ny, "2026-03-02T15:00:00Z", "2026-03-02T15:45:30.2509Z", 45*time.Minute + 30250*time.Millisecond},
		// Mon 16:30 EST to Tue 09:15: 30 + 15 min.
		{"over the close", officeHours(), ny, "2026-03-02T21:30:00Z", "2026-03-03T14:15:00Z", 45 * time.Minute},
		// Wed 16:00 EST to Fri 09:30, Thursday closed: 60 + 0 + 30 min.
		{"over a closed date", officeHours(), ny, "2026-03-04T21:00:00Z", "2026-03-06T14:30:00Z", 90 * time.Minute},
		// Fri 07:00 EST to 08:30: before opening.
		{"answered before opening", officeHours(), ny, "2026-03-06T12:00:00Z", "2026-03-06T13:30:00Z", 0},
		// Sat 23:00 EST to Sun 05:00 EDT; open 01:00 EST to 04:00 EDT, 2 h.
		{"clocks go forward", officeHours(), ny, "2026-03-08T04:00:00Z", "2026-03-08T09:00:00Z", 2 * time.Hour},
		// Sat 2026-10-31 23:00 EDT to Sun 05:00 EST; open 01:00 EDT to
		// 04:00 EST, which the repeated hour makes 4 h.
		{"clocks go back", officeHours(), ny, "2026-11-01T03:00:00Z", "2026-11-01T10:00:00Z", 4 * time.Hour},
		// Mon 17:30 NPT (UTC+05:45) to Tue 10:15: 30 + 15 min.
		{"odd offset", every, ktm, "2026-03-02T11:45:00Z", "2026-03-03T04:30:00Z", 45 * time.Minute},
	} {
		c := newConv(store.Message{ID: "a", Inbound: true, CreatedAt: utc(tc.in)}, store.Message{ID: "b", CreatedAt: utc(tc.answered)})
		c.start = utc(tc.in)
		h := store.LocalHours(tc.h, tc.loc)
		var got []store.Step
		store.Walk(c, 0, 2, 48*time.Hour, h, func(s store.Step) { got = append(got, s) })
		calendar := utc(tc.answered).Sub(utc(tc.in)).Truncate(time.Millisecond)
		want := []store.Step{
			{Index: 0, Turn: true, Answered: true, Response: calendar, Measured: true, Business: tc.want},
			{Index: 1, Measured: true},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: Walk (-want +got):\n%s", tc.name, d)
		}
		r, ok := store.FirstResponse(c, 48*time.Hour, h)
		if wantR := (store.Response{Time: calendar, Measured: true, Business: tc.want}); !ok || r != wantR {
			t.Errorf("%s: FirstResponse = %+v, %v; want %+v, true", tc.name, r, ok, wantR)
		}
	}
}

// TestWalkBusinessUnanswered checks that an unanswered turn has no
// business time, and that a walk without Hours measures none.
func TestWalkBusinessUnanswered(t *testing.T) {
	t.Parallel()
	h := store.LocalHours(officeHours(), loadLoc(t, "America/New_York"))
	c := newConv(in("a", 0), out("b", walkW+time.Millisecond))
	var got []store.Step
	store.Walk(c, 0, 2, walkW, h, func(s store.Step) { got = append(got, s) })
	want := []store.Step{{Index: 0, Turn: true, Measured: true}, {Index: 1, Measured: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Walk (-want +got):\n%s", d)
	}
	if store.LocalHours(nil, time.UTC) != nil {
		t.Error("LocalHours(nil) is not nil")
	}
}

// TestAddBusiness checks what Step.AddTo and Response.AddFirstTo add of
// business times: everything when measured, nothing when not.
func TestAddBusiness(t *testing.T) {
	t.Parallel()
	var m analytics.Metrics
	store.Step{Turn: true, Answered: true, Response: 5 * time.Second, Measured: true, Business: 1500 * time.Millisecond}.AddTo(&m)
	store.Step{Turn: true, Answered: true, Response: 3 * time.Second}.AddTo(&m)
	store.Response{Time: 5 * time.Second, Measured: true, Business: 0}.AddFirstTo(&m)
	store.Response{Time: 2 * time.Second}.AddFirstTo(&m)
	var want analytics.Metrics
	cv := &want.Conversations
	cv.ResponseCount, cv.ResponseTimeMs = 2, 8000
	cv.Histogram.Observe(5 * time.Second)
	cv.Histogram.Observe(3 * time.Second)
	cv.BusinessResponseCount, cv.BusinessResponseTimeMs = 1, 1500
	cv.BusinessHistogram.Observe(1500 * time.Millisecond)
	cv.FirstResponseCount, cv.FirstResponseTimeMs = 2, 7000
	cv.BusinessFirstResponseCount, cv.BusinessFirstResponseTimeMs = 1, 0
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("AddTo, AddFirstTo (-want +got):\n%s", d)
	}
}
