package analytics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	// Embed the zone database so the tests do not depend on the machine's.
	_ "time/tzdata"

	"github.com/google/go-cmp/cmp"
)

// load returns the named zone or fails the test.
func load(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// rfc parses an RFC 3339 instant, or one in year 10000, which
// time.Parse cannot read; it panics on bad input, for test tables only.
func rfc(s string) time.Time {
	if rest, ok := strings.CutPrefix(s, "10000"); ok {
		return rfc("9999"+rest).AddDate(1, 0, 0)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// samePeriod fails t unless got is want, instants compared with Equal, and
// got's Start and End are in loc.
func samePeriod(t *testing.T, what string, got, want Period, loc *time.Location) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
	if got.Start.Location() != loc || got.End.Location() != loc {
		t.Errorf("%s: Start in %v, End in %v, want both in %v", what, got.Start.Location(), got.End.Location(), loc)
	}
}

func TestSnapshotType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ   SnapshotType
		s     string
		valid bool
	}{
		{Daily, "Daily", true},
		{Weekly, "Weekly", true},
		{Monthly, "Monthly", true},
		{0, "SnapshotType(0)", false},
		{4, "SnapshotType(4)", false},
		{255, "SnapshotType(255)", false},
	}
	for _, tt := range tests {
		if got := tt.typ.String(); got != tt.s {
			t.Errorf("SnapshotType(%d).String() = %q, want %q", uint8(tt.typ), got, tt.s)
		}
		if got := tt.typ.Valid(); got != tt.valid {
			t.Errorf("%v.Valid() = %v, want %v", tt.typ, got, tt.valid)
		}
		b, err := tt.typ.MarshalText()
		if !tt.valid {
			wantFieldError(t, err, "SnapshotType")
			continue
		}
		if err != nil || string(b) != tt.s {
			t.Errorf("%v.MarshalText() = %q, %v", tt.typ, b, err)
		}
		parsed, err := ParseSnapshotType(tt.s)
		if err != nil || parsed != tt.typ {
			t.Errorf("ParseSnapshotType(%q) = %v, %v; want %v", tt.s, parsed, err, tt.typ)
		}
		var u SnapshotType
		if err := u.UnmarshalText(b); err != nil || u != tt.typ {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, u, err, tt.typ)
		}
	}
	if diff := cmp.Diff([]SnapshotType{Daily, Weekly, Monthly}, SnapshotTypes()); diff != "" {
		t.Errorf("SnapshotTypes() (-want +got):\n%s", diff)
	}
}

func TestParseSnapshotTypeRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"daily", "", "DAILY", "Hourly", " Daily", "Daily ", "weekly", "SnapshotType(1)", "1", strings.Repeat("x", 1000)} {
		got, err := ParseSnapshotType(s)
		wantFieldError(t, err, "SnapshotType")
		if got != 0 {
			t.Errorf("ParseSnapshotType(%.20q) = %v with its error, want 0", s, got)
		}
		keep := Weekly
		u := keep
		wantFieldError(t, u.UnmarshalText([]byte(s)), "SnapshotType")
		if u != keep {
			t.Errorf("failed UnmarshalText(%.20q) changed the value to %v", s, u)
		}
	}
	wantFieldError(t, (*SnapshotType)(nil).UnmarshalText([]byte("Daily")), "SnapshotType")
}

func TestSnapshotTypeJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(map[string]SnapshotType{"type": Monthly})
	if err != nil || string(b) != `{"type":"Monthly"}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var back map[string]SnapshotType
	if err := json.Unmarshal(b, &back); err != nil || back["type"] != Monthly {
		t.Fatalf("json.Unmarshal = %v, %v", back, err)
	}
	if _, err := json.Marshal(map[string]SnapshotType{"type": 0}); err == nil {
		t.Error("json.Marshal of the zero SnapshotType succeeded")
	}
}

func TestPeriodForDate(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	ny := load(t, "America/New_York")
	berlin := load(t, "Europe/Berlin")
	kolkata := load(t, "Asia/Kolkata")
	kiritimati := load(t, "Pacific/Kiritimati")
	santiago := load(t, "America/Santiago")
	havana := load(t, "America/Havana")
	beirut := load(t, "Asia/Beirut")
	apia := load(t, "Pacific/Apia")
	tests := []struct {
		name  string
		typ   SnapshotType
		d     Date
		loc   *time.Location
		start string
		end   string
		date  Date // first date of the period
		hours float64
	}{
		{"ny spring forward is 23h", Daily, Date{2026, 3, 8}, ny, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 8}, 23},
		{"ny fall back is 25h", Daily, Date{2026, 11, 1}, ny, "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", Date{2026, 11, 1}, 25},
		{"ny ordinary day", Daily, Date{2026, 3, 9}, ny, "2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00", Date{2026, 3, 9}, 24},
		{"berlin spring forward is 23h", Daily, Date{2026, 3, 29}, berlin, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", Date{2026, 3, 29}, 23},
		{"berlin fall back is 25h", Daily, Date{2026, 10, 25}, berlin, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", Date{2026, 10, 25}, 25},
		{"kolkata half hour offset", Daily, Date{2026, 3, 8}, kolkata, "2026-03-07T18:30:00Z", "2026-03-08T18:30:00Z", Date{2026, 3, 8}, 24},
		{"kiritimati +14", Daily, Date{2026, 3, 8}, kiritimati, "2026-03-07T10:00:00Z", "2026-03-08T10:00:00Z", Date{2026, 3, 8}, 24},
		{"leap day", Daily, Date{2024, 2, 29}, utc, "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z", Date{2024, 2, 29}, 24},
		{"february 2024 has 29 days", Monthly, Date{2024, 2, 10}, utc, "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", Date{2024, 2, 1}, 29 * 24},
		{"february 2100 has 28 days", Monthly, Date{2100, 2, 28}, utc, "2100-02-01T00:00:00Z", "2100-03-01T00:00:00Z", Date{2100, 2, 1}, 28 * 24},
		{"february 2000 has 29 days", Monthly, Date{2000, 2, 29}, utc, "2000-02-01T00:00:00Z", "2000-03-01T00:00:00Z", Date{2000, 2, 1}, 29 * 24},
		{"ny march loses an hour", Monthly, Date{2026, 3, 31}, ny, "2026-03-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00", Date{2026, 3, 1}, 31*24 - 1},
		{"december into the new year", Monthly, Date{2026, 12, 1}, berlin, "2026-12-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00", Date{2026, 12, 1}, 31 * 24},
		{"iso week 53 of 2020 from thursday", Weekly, Date{2020, 12, 31}, utc, "2020-12-28T00:00:00Z", "2021-01-04T00:00:00Z", Date{2020, 12, 28}, 7 * 24},
		{"iso week 53 of 2020 from sunday 2021-01-03", Weekly, Date{2021, 1, 3}, utc, "2020-12-28T00:00:00Z", "2021-01-04T00:00:00Z", Date{2020, 12, 28}, 7 * 24},
		{"iso week 1 of 2021", Weekly, Date{2021, 1, 4}, utc, "2021-01-04T00:00:00Z", "2021-01-11T00:00:00Z", Date{2021, 1, 4}, 7 * 24},
		{"iso week 53 of 2026 from its monday", Weekly, Date{2026, 12, 28}, utc, "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", Date{2026, 12, 28}, 7 * 24},
		{"2027-01-01 is in the week of 2026-12-28", Weekly, Date{2027, 1, 1}, utc, "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", Date{2026, 12, 28}, 7 * 24},
		{"iso week 52 of 2025 from 2025-12-28", Weekly, Date{2025, 12, 28}, utc, "2025-12-22T00:00:00Z", "2025-12-29T00:00:00Z", Date{2025, 12, 22}, 7 * 24},
		{"iso week 1 of 2026 starts in 2025", Weekly, Date{2026, 1, 1}, utc, "2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z", Date{2025, 12, 29}, 7 * 24},
		{"week containing the ny dst change", Weekly, Date{2026, 3, 8}, ny, "2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 2}, 7*24 - 1},
		{"week of 0001-01-01, a monday", Weekly, Date{1, 1, 7}, utc, "0001-01-01T00:00:00Z", "0001-01-08T00:00:00Z", Date{1, 1, 1}, 7 * 24},
		{"last week of 9999 ends in 10000", Weekly, Date{9999, 12, 31}, utc, "9999-12-27T00:00:00Z", "10000-01-03T00:00:00Z", Date{9999, 12, 27}, 7 * 24},
		// Zones whose clocks jump from 00:00 to 01:00: the day starts at the
		// jump, 01:00 local, and the day before ends there.
		{"santiago midnight skipped", Daily, Date{2026, 9, 6}, santiago, "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", Date{2026, 9, 6}, 23},
		{"santiago day before", Daily, Date{2026, 9, 5}, santiago, "2026-09-05T00:00:00-04:00", "2026-09-06T01:00:00-03:00", Date{2026, 9, 5}, 24},
		{"santiago fall back at midnight", Daily, Date{2026, 4, 5}, santiago, "2026-04-05T00:00:00-04:00", "2026-04-06T00:00:00-04:00", Date{2026, 4, 5}, 24},
		{"santiago day before fall back", Daily, Date{2026, 4, 4}, santiago, "2026-04-04T00:00:00-03:00", "2026-04-05T00:00:00-04:00", Date{2026, 4, 4}, 25},
		{"santiago september", Monthly, Date{2026, 9, 6}, santiago, "2026-09-01T00:00:00-04:00", "2026-10-01T00:00:00-03:00", Date{2026, 9, 1}, 30*24 - 1},
		{"havana midnight skipped", Daily, Date{2026, 3, 8}, havana, "2026-03-08T01:00:00-04:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 8}, 23},
		{"beirut midnight skipped", Daily, Date{2026, 3, 29}, beirut, "2026-03-29T01:00:00+03:00", "2026-03-30T00:00:00+03:00", Date{2026, 3, 29}, 23},
		// Samoa skipped 2011-12-30 when it crossed the date line.
		{"apia day before the skipped day", Daily, Date{2011, 12, 29}, apia, "2011-12-29T00:00:00-10:00", "2011-12-31T00:00:00+14:00", Date{2011, 12, 29}, 24},
		{"apia day after the skipped day", Daily, Date{2011, 12, 31}, apia, "2011-12-31T00:00:00+14:00", "2012-01-01T00:00:00+14:00", Date{2011, 12, 31}, 24},
		{"apia week with the skipped day", Weekly, Date{2011, 12, 30}, apia, "2011-12-26T00:00:00-10:00", "2012-01-02T00:00:00+14:00", Date{2011, 12, 26}, 6 * 24},
		{"apia december 2011 has 30 days", Monthly, Date{2011, 12, 30}, apia, "2011-12-01T00:00:00-10:00", "2012-01-01T00:00:00+14:00", Date{2011, 12, 1}, 30 * 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := PeriodForDate(tt.typ, tt.d, tt.loc)
			if err != nil {
				t.Fatalf("PeriodForDate(%v, %v, %v): %v", tt.typ, tt.d, tt.loc, err)
			}
			want := Period{Type: tt.typ, Start: rfc(tt.start), End: rfc(tt.end), Date: tt.date}
			samePeriod(t, "PeriodForDate", got, want, tt.loc)
			if h := got.End.Sub(got.Start).Hours(); h != tt.hours {
				t.Errorf("%v lasts %vh, want %vh", got, h, tt.hours)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate(%v): %v", got, err)
			}
			// Every date in the period maps back to it.
			last := DateOf(got.End.Add(-time.Nanosecond))
			if tt.typ == Daily {
				last = got.Date
			}
			for d := got.Date; !d.After(last) && d.Year <= maxYear; d = d.AddDays(1) {
				again, err := PeriodForDate(tt.typ, d, tt.loc)
				if err != nil {
					if tt.loc == apia && d == (Date{2011, 12, 30}) {
						continue // skipped, but in the Weekly and Monthly periods
					}
					t.Fatalf("PeriodForDate(%v, %v): %v", tt.typ, d, err)
				}
				samePeriod(t, fmt.Sprintf("PeriodForDate(%v)", d), again, got, tt.loc)
			}
		})
	}
}

func TestPeriodOf(t *testing.T) {
	t.Parallel()
	ny := load(t, "America/New_York")
	berlin := load(t, "Europe/Berlin")
	kolkata := load(t, "Asia/Kolkata")
	kiritimati := load(t, "Pacific/Kiritimati")
	santiago := load(t, "America/Santiago")
	stJohns := load(t, "America/St_Johns")
	apia := load(t, "Pacific/Apia")
	noon := rfc("2026-03-08T12:00:00Z")
	early := rfc("2026-03-08T03:00:00Z")
	tests := []struct {
		name  string
		typ   SnapshotType
		at    time.Time
		loc   *time.Location
		start string
		end   string
		date  Date
	}{
		// One instant, different local dates.
		{"noon utc in new york", Daily, noon, ny, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 8}},
		{"noon utc in kiritimati is the next day", Daily, noon, kiritimati, "2026-03-09T00:00:00+14:00", "2026-03-10T00:00:00+14:00", Date{2026, 3, 9}},
		{"noon utc in kolkata", Daily, noon, kolkata, "2026-03-08T00:00:00+05:30", "2026-03-09T00:00:00+05:30", Date{2026, 3, 8}},
		{"03:00 utc in new york is the day before", Daily, early, ny, "2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", Date{2026, 3, 7}},
		{"03:00 utc in berlin", Daily, early, berlin, "2026-03-08T00:00:00+01:00", "2026-03-09T00:00:00+01:00", Date{2026, 3, 8}},
		{"03:00 utc in new york weekly crosses weeks", Weekly, early, ny, "2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 2}},
		{"03:00 utc in berlin weekly", Weekly, early, berlin, "2026-03-02T00:00:00+01:00", "2026-03-09T00:00:00+01:00", Date{2026, 3, 2}},
		{"new year utc in new york is still december", Monthly, rfc("2027-01-01T03:00:00Z"), ny, "2026-12-01T00:00:00-05:00", "2027-01-01T00:00:00-05:00", Date{2026, 12, 1}},
		{"new year utc in kiritimati", Monthly, rfc("2026-12-31T10:00:00Z"), kiritimati, "2027-01-01T00:00:00+14:00", "2027-02-01T00:00:00+14:00", Date{2027, 1, 1}},
		// Boundaries are inclusive at Start, exclusive at End.
		{"exactly local midnight", Daily, rfc("2026-03-09T00:00:00-04:00"), ny, "2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00", Date{2026, 3, 9}},
		{"one ns before local midnight", Daily, rfc("2026-03-08T23:59:59.999999999-04:00"), ny, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", Date{2026, 3, 8}},
		{"the repeated hour of fall back, second time", Daily, rfc("2026-11-01T01:30:00-05:00"), ny, "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", Date{2026, 11, 1}},
		{"santiago just after the skipped midnight", Daily, rfc("2026-09-06T01:00:00-03:00"), santiago, "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00", Date{2026, 9, 6}},
		{"santiago just before the skipped midnight", Daily, rfc("2026-09-05T23:59:59.999999999-04:00"), santiago, "2026-09-05T00:00:00-04:00", "2026-09-06T01:00:00-03:00", Date{2026, 9, 5}},
		{"apia last instant before the skipped day", Daily, rfc("2011-12-29T23:59:59.999999999-10:00"), apia, "2011-12-29T00:00:00-10:00", "2011-12-31T00:00:00+14:00", Date{2011, 12, 29}},
		// St. John's fell back from 00:01 to 23:01 until 2011, so the local
		// date went back from Nov 2 to Nov 1 for an hour. That hour belongs
		// to Nov 2, which had already begun; periods never overlap.
		{"st johns repeated hour before midnight", Daily, rfc("2008-11-01T23:30:00-03:30"), stJohns, "2008-11-02T00:00:00-02:30", "2008-11-03T00:00:00-03:30", Date{2008, 11, 2}},
		{"st johns first hour of nov 2", Daily, rfc("2008-11-02T00:00:30-02:30"), stJohns, "2008-11-02T00:00:00-02:30", "2008-11-03T00:00:00-03:30", Date{2008, 11, 2}},
		{"st johns last minute of nov 1", Daily, rfc("2008-11-01T23:59:59-02:30"), stJohns, "2008-11-01T00:00:00-02:30", "2008-11-02T00:00:00-02:30", Date{2008, 11, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := PeriodOf(tt.typ, tt.at, tt.loc)
			if err != nil {
				t.Fatalf("PeriodOf(%v, %v, %v): %v", tt.typ, tt.at, tt.loc, err)
			}
			want := Period{Type: tt.typ, Start: rfc(tt.start), End: rfc(tt.end), Date: tt.date}
			samePeriod(t, "PeriodOf", got, want, tt.loc)
			if !got.Contains(tt.at) {
				t.Errorf("%v does not contain %v", got, tt.at)
			}
		})
	}
}

func TestPeriodErrors(t *testing.T) {
	t.Parallel()
	ny := load(t, "America/New_York")
	apia := load(t, "Pacific/Apia")
	ok := rfc("2026-03-08T12:00:00Z")
	tests := []struct {
		name  string
		call  func() (Period, error)
		field string
	}{
		{"PeriodOf nil loc", func() (Period, error) { return PeriodOf(Daily, ok, nil) }, "loc"},
		{"PeriodOf zero type", func() (Period, error) { return PeriodOf(0, ok, ny) }, "SnapshotType"},
		{"PeriodOf type 4", func() (Period, error) { return PeriodOf(4, ok, ny) }, "SnapshotType"},
		{"PeriodOf type 255", func() (Period, error) { return PeriodOf(255, ok, ny) }, "SnapshotType"},
		{"PeriodOf zero type and nil loc names the type", func() (Period, error) { return PeriodOf(0, ok, nil) }, "SnapshotType"},
		{"PeriodOf zero time", func() (Period, error) { return PeriodOf(Daily, time.Time{}, time.UTC) }, ""},
		{"PeriodOf zero time in new york is year 0", func() (Period, error) { return PeriodOf(Daily, time.Time{}, ny) }, "at"},
		{"PeriodOf year 0", func() (Period, error) { return PeriodOf(Daily, time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC), time.UTC) }, "at"},
		{"PeriodOf year 10000", func() (Period, error) { return PeriodOf(Daily, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC) }, "at"},
		{"PeriodOf year 10000 in kiritimati", func() (Period, error) {
			return PeriodOf(Weekly, time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC), load(t, "Pacific/Kiritimati"))
		}, "at"},
		{"PeriodOf max unix", func() (Period, error) { return PeriodOf(Monthly, time.Unix(math.MaxInt64, 0), ny) }, "at"},
		{"PeriodOf min unix", func() (Period, error) { return PeriodOf(Monthly, time.Unix(math.MinInt64, 0), ny) }, "at"},
		{"PeriodForDate nil loc", func() (Period, error) { return PeriodForDate(Daily, Date{2026, 3, 8}, nil) }, "loc"},
		{"PeriodForDate zero type", func() (Period, error) { return PeriodForDate(0, Date{2026, 3, 8}, ny) }, "SnapshotType"},
		{"PeriodForDate zero date", func() (Period, error) { return PeriodForDate(Daily, Date{}, ny) }, "date"},
		{"PeriodForDate unnormalised date", func() (Period, error) { return PeriodForDate(Monthly, Date{2026, 2, 30}, ny) }, "date"},
		{"PeriodForDate not a leap year", func() (Period, error) { return PeriodForDate(Daily, Date{2100, 2, 29}, ny) }, "date"},
		{"PeriodForDate year 0", func() (Period, error) { return PeriodForDate(Weekly, Date{0, 6, 1}, ny) }, "date"},
		{"PeriodForDate year 10000", func() (Period, error) { return PeriodForDate(Weekly, Date{10000, 1, 1}, ny) }, "date"},
		{"PeriodForDate skipped day", func() (Period, error) { return PeriodForDate(Daily, Date{2011, 12, 30}, apia) }, "date"},
		{"PeriodForDate skipped day is fine weekly", func() (Period, error) { return PeriodForDate(Weekly, Date{2011, 12, 30}, apia) }, ""},
		{"LastCompletePeriod nil loc", func() (Period, error) { return LastCompletePeriod(Daily, ok, nil) }, "loc"},
		{"LastCompletePeriod bad type", func() (Period, error) { return LastCompletePeriod(9, ok, ny) }, "SnapshotType"},
		{"LastCompletePeriod year 10000", func() (Period, error) { return LastCompletePeriod(Daily, time.Unix(math.MaxInt64, 0), ny) }, "at"},
		{"LastCompletePeriod before year 1", func() (Period, error) {
			return LastCompletePeriod(Daily, time.Date(1, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC)
		}, "at"},
		{"LastCompletePeriod first week of year 1", func() (Period, error) {
			return LastCompletePeriod(Weekly, time.Date(1, 1, 3, 0, 0, 0, 0, time.UTC), time.UTC)
		}, "at"},
		{"LastCompletePeriod second day of year 1", func() (Period, error) {
			return LastCompletePeriod(Daily, time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), time.UTC)
		}, ""},
	}
	for _, tt := range tests {
		p, err := tt.call()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !p.IsZero() {
			t.Errorf("%s: returned %v with its error, want the zero Period", tt.name, p)
		}
		t.Run(tt.name, func(t *testing.T) { wantFieldError(t, err, tt.field) })
	}
}

func TestLastCompletePeriod(t *testing.T) {
	t.Parallel()
	ny := load(t, "America/New_York")
	santiago := load(t, "America/Santiago")
	kiritimati := load(t, "Pacific/Kiritimati")
	const ns = time.Nanosecond
	tests := []struct {
		name string
		typ  SnapshotType
		at   time.Time
		loc  *time.Location
		date Date // the period's first date
	}{
		{"at midnight, the day that just ended", Daily, rfc("2026-03-09T00:00:00-04:00"), ny, Date{2026, 3, 8}},
		{"one ns before midnight, the day before", Daily, rfc("2026-03-09T00:00:00-04:00").Add(-ns), ny, Date{2026, 3, 7}},
		{"one ns after midnight", Daily, rfc("2026-03-09T00:00:00-04:00").Add(ns), ny, Date{2026, 3, 8}},
		{"at monday midnight, last week", Weekly, rfc("2026-03-09T00:00:00-04:00"), ny, Date{2026, 3, 2}},
		{"one ns before monday, the week before", Weekly, rfc("2026-03-09T00:00:00-04:00").Add(-ns), ny, Date{2026, 2, 23}},
		{"at the 1st, last month", Monthly, rfc("2026-04-01T00:00:00-04:00"), ny, Date{2026, 3, 1}},
		{"one ns before the 1st, the month before", Monthly, rfc("2026-04-01T00:00:00-04:00").Add(-ns), ny, Date{2026, 2, 1}},
		{"at new year, december", Monthly, rfc("2027-01-01T00:00:00-05:00"), ny, Date{2026, 12, 1}},
		{"at the new year's monday, the last iso week", Weekly, rfc("2021-01-04T00:00:00Z"), time.UTC, Date{2020, 12, 28}},
		{"santiago at the skipped midnight", Daily, rfc("2026-09-06T01:00:00-03:00"), santiago, Date{2026, 9, 5}},
		{"santiago one ns before", Daily, rfc("2026-09-06T01:00:00-03:00").Add(-ns), santiago, Date{2026, 9, 4}},
		{"same instant, kiritimati is a day ahead", Daily, rfc("2026-03-09T04:00:00Z"), kiritimati, Date{2026, 3, 8}},
		{"same instant in new york", Daily, rfc("2026-03-09T04:00:00Z"), ny, Date{2026, 3, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LastCompletePeriod(tt.typ, tt.at, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			want, err := PeriodForDate(tt.typ, tt.date, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			samePeriod(t, "LastCompletePeriod", got, want, tt.loc)
			if !got.Ended(tt.at) {
				t.Errorf("%v has not ended at %v", got, tt.at)
			}
			if next := got.Next(); next.Ended(tt.at) || !next.Contains(tt.at) {
				t.Errorf("the period after %v, %v, should contain %v", got, next, tt.at)
			}
		})
	}
}

func TestPeriodNextPrev(t *testing.T) {
	t.Parallel()
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati",
		"America/Santiago", "America/Havana", "Asia/Beirut", "Pacific/Apia", "America/St_Johns"}
	starts := []Date{{2026, 1, 1}, {2011, 11, 1}, {2008, 10, 1}, {2020, 12, 1}}
	for _, name := range zones {
		loc := load(t, name)
		for _, typ := range SnapshotTypes() {
			for _, d := range starts {
				t.Run(fmt.Sprintf("%s/%s/%s", name, typ, d), func(t *testing.T) {
					t.Parallel()
					first, err := PeriodForDate(typ, d, loc)
					if err != nil {
						t.Fatal(err)
					}
					steps := map[SnapshotType]int{Daily: 400, Weekly: 60, Monthly: 14}[typ]
					seq := []Period{first}
					for i := 1; i <= steps; i++ {
						prev := seq[i-1]
						next := prev.Next()
						if !next.Start.Equal(prev.End) {
							t.Fatalf("%v.Next() = %v, does not start at End", prev, next)
						}
						if !next.Start.Before(next.End) {
							t.Fatalf("%v.Next() = %v is empty", prev, next)
						}
						if next.Location() != loc {
							t.Fatalf("%v.Next() is in %v", prev, next.Location())
						}
						if err := next.Validate(); err != nil {
							t.Fatalf("%v.Next(): %v", prev, err)
						}
						seq = append(seq, next)
					}
					for i := steps; i > 0; i-- {
						samePeriod(t, fmt.Sprintf("%v.Prev()", seq[i]), seq[i].Prev(), seq[i-1], loc)
					}
				})
			}
		}
	}
	zero := Period{}
	if !zero.Next().IsZero() || !zero.Prev().IsZero() {
		t.Errorf("zero Period: Next %v, Prev %v; want zero Periods", zero.Next(), zero.Prev())
	}
}

func TestPeriodContainsEnded(t *testing.T) {
	t.Parallel()
	p, err := PeriodForDate(Daily, Date{2026, 3, 8}, load(t, "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	const ns = time.Nanosecond
	tests := []struct {
		at       time.Time
		contains bool
		ended    bool
	}{
		{p.Start.Add(-ns), false, false},
		{p.Start, true, false},
		{p.Start.Add(12 * time.Hour), true, false},
		{p.End.Add(-ns), true, false},
		{p.End, false, true},
		{p.End.Add(ns), false, true},
		{p.End.UTC(), false, true},
	}
	for _, tt := range tests {
		if got := p.Contains(tt.at); got != tt.contains {
			t.Errorf("Contains(%v) = %v, want %v", tt.at, got, tt.contains)
		}
		if got := p.Ended(tt.at); got != tt.ended {
			t.Errorf("Ended(%v) = %v, want %v", tt.at, got, tt.ended)
		}
	}
	var zero Period
	if zero.Contains(time.Time{}) || zero.Contains(rfc("2026-01-01T00:00:00Z")) {
		t.Error("the zero Period contains an instant")
	}
	if zero.Location() != time.UTC {
		t.Errorf("zero Period Location() = %v, want UTC", zero.Location())
	}
}

func TestPeriodValidate(t *testing.T) {
	t.Parallel()
	ny := load(t, "America/New_York")
	good, err := PeriodForDate(Weekly, Date{2026, 3, 8}, ny)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(%v): %v", good, err)
	}
	with := func(f func(*Period)) Period {
		p := good
		f(&p)
		return p
	}
	tests := []struct {
		name  string
		p     Period
		field string
	}{
		{"zero period", Period{}, "Period.Type"},
		{"bad type", with(func(p *Period) { p.Type = 7 }), "Period.Type"},
		{"empty", with(func(p *Period) { p.End = p.Start }), "Period.End"},
		{"reversed", with(func(p *Period) { p.Start, p.End = p.End, p.Start }), "Period.End"},
		{"zero date", with(func(p *Period) { p.Date = Date{} }), "Period.Date"},
		{"unnormalised date", with(func(p *Period) { p.Date = Date{2026, 2, 30} }), "Period.Date"},
		{"date not a monday", with(func(p *Period) { p.Date = Date{2026, 3, 8} }), "Period.Date"},
		{"start an hour late", with(func(p *Period) { p.Start = p.Start.Add(time.Hour) }), "Period.Start"},
		{"end a day early", with(func(p *Period) { p.End = p.End.Add(-24 * time.Hour) }), "Period.End"},
		{"wrong type for the span", with(func(p *Period) { p.Type = Daily }), "Period.End"},
		{"converted to utc", with(func(p *Period) { p.Start, p.End = p.Start.UTC(), p.End.UTC() }), "Period.Start"},
		{"end in utc is fine", with(func(p *Period) { p.End = p.End.UTC() }), ""},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: Validate: %v", tt.name, err)
			}
			continue
		}
		t.Run(tt.name, func(t *testing.T) { wantFieldError(t, err, tt.field) })
	}
}

func TestPeriodString(t *testing.T) {
	t.Parallel()
	p, err := PeriodForDate(Daily, Date{2026, 3, 8}, load(t, "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    Period
		want string
	}{
		{p, "Daily 2026-03-08 [2026-03-08T00:00:00-05:00, 2026-03-09T00:00:00-04:00)"},
		{Period{}, "SnapshotType(0) 0000-00-00 [0001-01-01T00:00:00Z, 0001-01-01T00:00:00Z)"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestPeriodIsZero(t *testing.T) {
	t.Parallel()
	if !(Period{}).IsZero() {
		t.Error("Period{}.IsZero() = false")
	}
	for _, p := range []Period{{Type: Daily}, {Date: Date{Day: 1}}, {Start: rfc("2026-01-01T00:00:00Z")}, {End: rfc("2026-01-01T00:00:00Z")}} {
		if p.IsZero() {
			t.Errorf("%v.IsZero() = true", p)
		}
	}
}

// propertyZones mixes ordinary zones with ones whose rules are unusual:
// midnight DST changes, half-hour and 45-minute offsets, a 30-minute DST
// shift, the date line, and a skipped day.
var propertyZones = []string{
	"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati",
	"America/Santiago", "America/Havana", "Asia/Beirut", "America/Sao_Paulo", "Pacific/Apia",
	"America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham",
	"Africa/Casablanca", "Antarctica/Troll", "Pacific/Kwajalein", "America/Sitka",
	"Asia/Tehran", "Pacific/Honolulu", "Europe/Dublin", "Asia/Gaza",
}

// checkPeriod reports why p is not a well-formed period of type typ in loc
// containing at, or "" if it is.
func checkPeriod(p Period, typ SnapshotType, at time.Time, loc *time.Location) string {
	switch {
	case p.Type != typ:
		return "wrong type"
	case p.Location() != loc || p.End.Location() != loc:
		return "wrong location"
	case !p.Start.Before(p.End):
		return "Start is not before End"
	case !p.Contains(at):
		return "does not contain its instant"
	}
	if n := p.Next(); !n.Start.Equal(p.End) {
		return fmt.Sprintf("Next() = %v does not start at End", n)
	}
	if q := p.Prev(); !q.End.Equal(p.Start) {
		return fmt.Sprintf("Prev() = %v does not end at Start", q)
	}
	if periodKey(typ, p.Date) != p.Date {
		return "Date is not the first date of a period"
	}
	// Start is local midnight, or the instant of a zone change that skipped
	// local midnight, and the instant before it is on an earlier date.
	h, m, s := p.Start.Clock()
	if h != 0 || m != 0 || s != 0 || p.Start.Nanosecond() != 0 {
		if begin, _ := p.Start.ZoneBounds(); !begin.Equal(p.Start) {
			return "Start is neither local midnight nor a zone change"
		}
	}
	// Start is on Date, unless the zone skipped the whole of Date.
	if DateOf(p.Start) != p.Date {
		if skipped, err := PeriodForDate(Daily, p.Date, loc); err == nil {
			return fmt.Sprintf("Start is on %v, not on Date, and Date was not skipped (%v)", DateOf(p.Start), skipped)
		}
	}
	if !DateOf(p.Start.Add(-time.Nanosecond)).Before(p.Date) {
		return "the instant before Start is not before Date"
	}
	if err := p.Validate(); err != nil {
		return err.Error()
	}
	return ""
}

func TestPeriodProperties(t *testing.T) {
	t.Parallel()
	locs := make([]*time.Location, len(propertyZones))
	for i, name := range propertyZones {
		locs[i] = load(t, name)
	}
	rng := rand.New(rand.NewPCG(20260308, 1))
	lo := rfc("1850-01-01T00:00:00Z").Unix()
	hi := rfc("2150-01-01T00:00:00Z").Unix()
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		at := time.Unix(lo+rng.Int64N(hi-lo), rng.Int64N(1e9))
		loc := locs[rng.IntN(len(locs))]
		typ := SnapshotTypes()[rng.IntN(3)]
		p, err := PeriodOf(typ, at, loc)
		if err != nil {
			t.Fatalf("PeriodOf(%v, %v, %v): %v", typ, at, loc, err)
		}
		if why := checkPeriod(p, typ, at, loc); why != "" {
			t.Fatalf("PeriodOf(%v, %v, %v) = %v: %s", typ, at.In(loc), loc, p, why)
		}
		last, err := LastCompletePeriod(typ, at, loc)
		if err != nil {
			t.Fatalf("LastCompletePeriod(%v, %v, %v): %v", typ, at, loc, err)
		}
		if !last.End.Equal(p.Start) || !last.Ended(at) {
			t.Fatalf("LastCompletePeriod(%v, %v, %v) = %v, want the period before %v", typ, at, loc, last, p)
		}
	}
}

// TestPeriodZoneTransitions checks the periods on both sides of every
// change of offset in every zone the machine's zone database lists, between
// 1850 and 2100. The database list is optional; without it the test skips.
func TestPeriodZoneTransitions(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: walks every zone")
	}
	t.Parallel()
	f, err := os.Open("/usr/share/zoneinfo/tzdata.zi")
	if err != nil {
		t.Skipf("no zone list: %v", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "Z name ..." starts a zone; links are left out.
		if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[0] == "Z" {
			names = append(names, fs[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	stop := rfc("2100-01-01T00:00:00Z")
	changes := 0
	for _, name := range names {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue // in the machine's list but not in Go's embedded copy
		}
		x := time.Date(1850, 1, 1, 0, 0, 0, 0, loc)
		for x.Before(stop) {
			_, end := x.ZoneBounds()
			if end.IsZero() || !end.After(x) {
				break
			}
			x = end
			changes++
			for _, typ := range SnapshotTypes() {
				for _, at := range []time.Time{x.Add(-time.Nanosecond), x} {
					p, err := PeriodOf(typ, at, loc)
					if err != nil {
						t.Fatalf("PeriodOf(%v, %v, %v): %v", typ, at, name, err)
					}
					if why := checkPeriod(p, typ, at, loc); why != "" {
						t.Fatalf("PeriodOf(%v, %v, %v) = %v: %s", typ, at, name, p, why)
					}
				}
			}
		}
	}
	t.Logf("%d zones, %d changes of offset", len(names), changes)
}

// fuzzZones are the zones FuzzPeriod picks from by index.
var fuzzZones = []*time.Location{
	time.UTC,
	time.FixedZone("+14", 14*3600),
	time.FixedZone("-12", -12*3600),
	time.FixedZone("odd", -(15*3600 + 56*60 + 2)),
}

func init() {
	for _, name := range propertyZones {
		if loc, err := time.LoadLocation(name); err == nil {
			fuzzZones = append(fuzzZones, loc)
		}
	}
}

func FuzzPeriod(f *testing.F) {
	f.Add(rfc("2026-03-08T05:00:00Z").Unix(), uint8(1), uint8(Daily))
	f.Add(rfc("2026-09-06T04:00:00Z").Unix(), uint8(9), uint8(Daily))
	f.Add(rfc("2011-12-30T10:00:00Z").Unix(), uint8(13), uint8(Weekly))
	f.Add(rfc("2020-12-31T12:00:00Z").Unix(), uint8(0), uint8(Weekly))
	f.Add(rfc("2024-02-29T23:59:59Z").Unix(), uint8(7), uint8(Monthly))
	f.Add(int64(0), uint8(0), uint8(0))
	f.Add(int64(math.MaxInt64), uint8(255), uint8(255))
	f.Add(int64(math.MinInt64), uint8(3), uint8(Monthly))
	f.Add(rfc("0001-01-01T00:00:00Z").Unix(), uint8(1), uint8(Weekly))
	f.Add(rfc("9999-12-31T23:59:59Z").Unix(), uint8(2), uint8(Monthly))
	lo := rfc("0001-01-02T00:00:00Z").Unix()
	hi := rfc("9999-12-30T00:00:00Z").Unix()
	f.Fuzz(func(t *testing.T, sec int64, zone, typByte uint8) {
		loc := fuzzZones[int(zone)%len(fuzzZones)]
		typ := SnapshotType(typByte)
		// Most int64 seconds lie far outside years 1..9999, so also check
		// the same seconds folded into that range.
		checkFuzzPeriod(t, typ, time.Unix(sec, 0), loc)
		folded := lo + ((sec%(hi-lo))+(hi-lo))%(hi-lo)
		checkFuzzPeriod(t, typ, time.Unix(folded, 0), loc)
	})
}

var (
	fuzzSureLo = rfc("0002-01-01T00:00:00Z")
	fuzzSureHi = rfc("9999-01-01T00:00:00Z")
)

func checkFuzzPeriod(t *testing.T, typ SnapshotType, at time.Time, loc *time.Location) {
	t.Helper()
	p, err := PeriodOf(typ, at, loc)
	if !typ.Valid() {
		if err == nil {
			t.Fatalf("PeriodOf(%v) succeeded", typ)
		}
		wantFieldError(t, err, "SnapshotType")
		return
	}
	if err != nil {
		wantFieldError(t, err, "at")
		if at.After(fuzzSureLo) && at.Before(fuzzSureHi) {
			t.Fatalf("PeriodOf(%v, %v, %v): %v", typ, at.UTC(), loc, err)
		}
		return
	}
	if !p.Start.Before(p.End) {
		t.Fatalf("%v: Start is not before End", p)
	}
	if !p.Contains(at) {
		t.Fatalf("PeriodOf(%v, %v, %v) = %v does not contain it", typ, at.UTC(), loc, p)
	}
	if n := p.Next(); !n.Start.Equal(p.End) {
		t.Fatalf("%v.Next() = %v", p, n)
	}
	if q := p.Prev(); !q.End.Equal(p.Start) {
		t.Fatalf("%v.Prev() = %v", p, q)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("%v: %v", p, err)
	}
	last, err := LastCompletePeriod(typ, at, loc)
	if err != nil {
		wantFieldError(t, err, "at")
		if p.Date.Year > 1 {
			t.Fatalf("LastCompletePeriod(%v, %v, %v): %v", typ, at.UTC(), loc, err)
		}
		return
	}
	if !last.End.Equal(p.Start) {
		t.Fatalf("LastCompletePeriod(%v, %v, %v) = %v, want the one before %v", typ, at.UTC(), loc, last, p)
	}
}
