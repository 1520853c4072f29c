package analytics

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestWorkingHoursJSON(t *testing.T) {
	t.Parallel()
	h, err := ParseWorkingHours([]byte(`{"mon":["13:00-17:30","09:00-12:00"],"fri":["09:00-24:00"],"closed":["2026-12-25","2026-12-24","2026-12-25"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Days[time.Monday]; len(got) != 2 || got[0] != (ClockRange{540, 720}) || got[1] != (ClockRange{780, 1050}) {
		t.Errorf("Monday %v", got)
	}
	if h.Days[time.Friday][0].End != 1440 || len(h.Closed) != 2 || h.Closed[0] != (Date{2026, 12, 24}) {
		t.Errorf("Friday %v, closed %v", h.Days[time.Friday], h.Closed)
	}
	js, _ := json.Marshal(h)
	if want := `{"closed":["2026-12-24","2026-12-25"],"fri":["09:00-24:00"],"mon":["09:00-12:00","13:00-17:30"]}`; string(js) != want {
		t.Errorf("JSON %s\nwant %s", js, want)
	}
	if h, err := ParseWorkingHours([]byte(" null")); h != nil || err != nil {
		t.Errorf("null: %v, %v", h, err)
	}
	for _, bad := range []string{
		`{"mon":["09:00-09:00"]}`, `{"mon":["17:00-09:00"]}`, `{"mon":["09:00-12:00","12:00-13:00"]}`,
		`{"mon":["09:00-12:00","11:00-13:00"]}`, `{"mon":["9:00-12:00"]}`, `{"mon":["09:60-12:00"]}`,
		`{"mon":["24:01-24:00"]}`, `{"monday":["09:00-12:00"]}`, `{"closed":["2026-02-30"]}`, `[]`,
		`{"mon":["09:00-12:00"],"mon":["13:00-17:00"]}`, ``, `{"mon":`, `{"mon":["09:00-17:00"],}`, `not json`, `"{\"mon\":[]}"`,
	} {
		if _, err := ParseWorkingHours([]byte(bad)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseWorkingHours(%s) = %v, want ErrInvalidArgument", bad, err)
		}
	}
}

func TestWorkingHoursBetween(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	h := &WorkingHours{Closed: []Date{{2026, 12, 25}}}
	for wd := range h.Days {
		h.Days[wd] = []ClockRange{{Start: 9 * 60, End: 17 * 60}}
	}
	h.Days[time.Sunday] = []ClockRange{{Start: 0, End: 1440}}
	at := func(y int, mo time.Month, d, hh, mm int) time.Time { return time.Date(y, mo, d, hh, mm, 0, 0, ny) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"inside", at(2026, 12, 1, 10, 0), at(2026, 12, 1, 10, 45), 45 * time.Minute},
		{"before opening, answered before it", at(2026, 12, 1, 6, 0), at(2026, 12, 1, 8, 59), 0},
		{"evening to next morning", at(2026, 12, 1, 16, 0), at(2026, 12, 2, 10, 30), 2*time.Hour + 30*time.Minute},
		{"over a closed date", at(2026, 12, 24, 16, 0), at(2026, 12, 26, 9, 30), time.Hour + 30*time.Minute},
		// 2026-11-01 is a Sunday whose clocks go back: 25 hours open.
		{"whole 25-hour Sunday", at(2026, 11, 1, 0, 0), at(2026, 11, 2, 0, 0), 25 * time.Hour},
		// 2026-03-08 is a Sunday whose clocks go forward: 23 hours open.
		{"whole 23-hour Sunday", at(2026, 3, 8, 0, 0), at(2026, 3, 9, 0, 0), 23 * time.Hour},
		{"empty", at(2026, 12, 1, 10, 0), at(2026, 12, 1, 10, 0), 0},
	} {
		if got := h.Between(tc.from, tc.to, ny); got != tc.want {
			t.Errorf("%s: Between = %v, want %v", tc.name, got, tc.want)
		}
	}
	var none *WorkingHours
	if got := none.Between(at(2026, 12, 1, 10, 0), at(2026, 12, 1, 11, 0), ny); got != 0 {
		t.Errorf("nil hours: %v", got)
	}
}

// TestWorkingHoursOpenUnion checks that an instant two ranges of a day
// cover, as time.Date resolves a wall-clock time the clocks skip, counts
// once: in New York on 2026-03-08, "01:00-01:45" is [06:00Z, 06:45Z) and
// "02:30-04:00" is [06:30Z, 08:00Z) (02:30 resolves to 01:30 EST), so the
// day is open [06:00Z, 08:00Z): 2 h, not 45 + 90 min.
func TestWorkingHoursOpenUnion(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	h := &WorkingHours{}
	h.Days[time.Sunday] = []ClockRange{{Start: 60, End: 105}, {Start: 150, End: 240}}
	from, to := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	want := []Range{{Start: time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)}}
	got := h.Open(from, to, ny)
	if len(got) != 1 || !got[0].Start.Equal(want[0].Start) || !got[0].End.Equal(want[0].End) {
		t.Errorf("Open = %v, want %v", got, want)
	}
	if d := h.Between(from, to, ny); d != 2*time.Hour {
		t.Errorf("Between = %v, want 2h", d)
	}
	// Clipped to [from, to), and nothing for a nil h.
	if d := h.Between(time.Date(2026, 3, 8, 7, 15, 0, 0, time.UTC), to, ny); d != 45*time.Minute {
		t.Errorf("Between from 07:15Z = %v, want 45m", d)
	}
	var none *WorkingHours
	if got := none.Open(from, to, ny); got != nil {
		t.Errorf("nil hours: Open = %v", got)
	}
}

// TestWorkingHoursClone checks that a clone shares no slice with h.
func TestWorkingHoursClone(t *testing.T) {
	t.Parallel()
	h := &WorkingHours{Closed: []Date{{2026, 12, 25}}}
	h.Days[time.Monday] = []ClockRange{{Start: 540, End: 1020}}
	c := h.Clone()
	c.Days[time.Monday][0].End = 600
	c.Closed[0] = Date{2026, 12, 26}
	if h.Days[time.Monday][0].End != 1020 || h.Closed[0] != (Date{2026, 12, 25}) {
		t.Errorf("changing the clone changed h: %+v", h)
	}
	var none *WorkingHours
	if none.Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}
