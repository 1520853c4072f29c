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
