package analytics

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wantFieldError fails t unless err wraps ErrInvalidArgument as a
// *FieldError naming field.
func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want an invalid-argument error naming %q", field)
	}
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("err = %v, want it to wrap ErrInvalidArgument", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *FieldError", err, err)
	}
	if fe.Field != field {
		t.Fatalf("err = %v, names field %q, want %q", err, fe.Field, field)
	}
}

func TestDateOf(t *testing.T) {
	t.Parallel()
	instant := time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want Date
	}{
		{"utc", instant, Date{2026, time.March, 8}},
		{"new york is still the day before", instant.In(load(t, "America/New_York")), Date{2026, time.March, 7}},
		{"kiritimati", instant.In(load(t, "Pacific/Kiritimati")), Date{2026, time.March, 8}},
		{"kolkata", time.Date(2026, 3, 8, 18, 29, 0, 0, time.UTC).In(load(t, "Asia/Kolkata")), Date{2026, time.March, 8}},
		{"kolkata after 18:30 utc", time.Date(2026, 3, 8, 18, 30, 0, 0, time.UTC).In(load(t, "Asia/Kolkata")), Date{2026, time.March, 9}},
		{"zero time", time.Time{}, Date{1, time.January, 1}},
	}
	for _, tt := range tests {
		if got := DateOf(tt.t); got != tt.want {
			t.Errorf("%s: DateOf(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}

func TestNewDateNormalises(t *testing.T) {
	t.Parallel()
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want Date
	}{
		{2026, time.March, 8, Date{2026, time.March, 8}},
		{2026, time.February, 30, Date{2026, time.March, 2}},
		{2024, time.February, 30, Date{2024, time.March, 1}},
		{2024, time.February, 29, Date{2024, time.February, 29}},
		{2100, time.February, 29, Date{2100, time.March, 1}},
		{2000, time.February, 29, Date{2000, time.February, 29}},
		{2026, 13, 1, Date{2027, time.January, 1}},
		{2026, time.January, 0, Date{2025, time.December, 31}},
		{2026, time.March, -1, Date{2026, time.February, 27}},
		{0, 0, 0, Date{-1, time.November, 30}},
	}
	for _, tt := range tests {
		if got := NewDate(tt.y, tt.m, tt.d); got != tt.want {
			t.Errorf("NewDate(%d, %d, %d) = %v, want %v", tt.y, tt.m, tt.d, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Date
	}{
		{"2026-03-08", Date{2026, time.March, 8}},
		{"2024-02-29", Date{2024, time.February, 29}},
		{"2000-02-29", Date{2000, time.February, 29}},
		{"0001-01-01", Date{1, time.January, 1}},
		{"9999-12-31", Date{9999, time.December, 31}},
	}
	for _, tt := range good {
		got, err := ParseDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, s)
		}
	}
	bad := []string{
		"", "0000-00-00", "0000-01-01", "2023-02-29", "2100-02-29", "2026-02-30",
		"2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-1-01",
		"2026-01-1", "26-01-01", "2026/01/01", "2026-01-01T00:00:00Z",
		" 2026-01-01", "2026-01-01 ", "+026-01-01", "-001-01-01", "10000-01-01",
		"2026-0a-01", "２０２６-01-01", "2026-01-01\x00",
	}
	for _, in := range bad {
		got, err := ParseDate(in)
		if err == nil {
			t.Errorf("ParseDate(%q) = %v, nil; want an error", in, got)
			continue
		}
		wantFieldError(t, err, "date")
		if !got.IsZero() {
			t.Errorf("ParseDate(%q) returned %v with its error, want the zero Date", in, got)
		}
	}
}

func TestDateString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Date
		want string
	}{
		{Date{}, "0000-00-00"},
		{Date{2026, time.March, 8}, "2026-03-08"},
		{Date{5, time.January, 2}, "0005-01-02"},
		{Date{2026, time.February, 30}, "2026-02-30"},
		{Date{10000, time.January, 1}, "10000-01-01"},
		{Date{-1, time.December, 31}, "-001-12-31"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestDateIsZero(t *testing.T) {
	t.Parallel()
	if !(Date{}).IsZero() {
		t.Error("Date{}.IsZero() = false")
	}
	for _, d := range []Date{{Year: 1}, {Month: 1}, {Day: 1}, DateOf(time.Time{})} {
		if d.IsZero() {
			t.Errorf("%#v.IsZero() = true", d)
		}
	}
}

func TestDateIn(t *testing.T) {
	t.Parallel()
	ny := load(t, "America/New_York")
	santiago := load(t, "America/Santiago")
	tests := []struct {
		name string
		d    Date
		loc  *time.Location
		want time.Time
	}{
		{"nil is utc", Date{2026, time.March, 8}, nil, time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)},
		{"new york dst day", Date{2026, time.March, 8}, ny, time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC)},
		{"normalised", Date{2026, time.February, 30}, time.UTC, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		// Midnight does not exist here; In is plain time.Date, which picks
		// 23:00 the day before.
		{"nonexistent midnight", Date{2026, time.September, 6}, santiago, time.Date(2026, 9, 6, 0, 0, 0, 0, santiago)},
	}
	for _, tt := range tests {
		got := tt.d.In(tt.loc)
		if !got.Equal(tt.want) {
			t.Errorf("%s: %v.In(%v) = %v, want %v", tt.name, tt.d, tt.loc, got, tt.want)
		}
		wantLoc := tt.loc
		if wantLoc == nil {
			wantLoc = time.UTC
		}
		if got.Location() != wantLoc {
			t.Errorf("%s: location %v, want %v", tt.name, got.Location(), wantLoc)
		}
	}
}

func TestDateAddDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Date
		n    int
		want Date
	}{
		{Date{2026, time.March, 8}, 1, Date{2026, time.March, 9}},
		{Date{2026, time.November, 1}, 1, Date{2026, time.November, 2}},
		{Date{2026, time.March, 8}, 0, Date{2026, time.March, 8}},
		{Date{2024, time.February, 28}, 1, Date{2024, time.February, 29}},
		{Date{2024, time.February, 29}, 1, Date{2024, time.March, 1}},
		{Date{2100, time.February, 28}, 1, Date{2100, time.March, 1}},
		{Date{2026, time.December, 31}, 1, Date{2027, time.January, 1}},
		{Date{2027, time.January, 1}, -1, Date{2026, time.December, 31}},
		{Date{2026, time.January, 1}, 365, Date{2027, time.January, 1}},
		{Date{2024, time.January, 1}, 366, Date{2025, time.January, 1}},
		{Date{2026, time.February, 30}, 0, Date{2026, time.March, 2}},
		{Date{1, time.January, 1}, -1, Date{0, time.December, 31}},
	}
	for _, tt := range tests {
		if got := tt.d.AddDays(tt.n); got != tt.want {
			t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
		}
	}
}

func TestDateCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b Date
		want int
	}{
		{Date{2026, 3, 8}, Date{2026, 3, 8}, 0},
		{Date{2026, 3, 8}, Date{2026, 3, 9}, -1},
		{Date{2026, 3, 31}, Date{2026, 4, 1}, -1},
		{Date{2026, 12, 31}, Date{2027, 1, 1}, -1},
		{Date{2027, 1, 1}, Date{2026, 12, 31}, 1},
		{Date{}, Date{1, 1, 1}, -1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := tt.b.Compare(tt.a); got != -tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
		if got := tt.a.Before(tt.b); got != (tt.want < 0) {
			t.Errorf("%v.Before(%v) = %v", tt.a, tt.b, got)
		}
		if got := tt.a.After(tt.b); got != (tt.want > 0) {
			t.Errorf("%v.After(%v) = %v", tt.a, tt.b, got)
		}
	}
}

func TestDateWeekday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Date
		want time.Weekday
	}{
		{Date{2026, 3, 8}, time.Sunday},
		{Date{2026, 12, 28}, time.Monday},
		{Date{2020, 12, 31}, time.Thursday},
		{Date{2024, 2, 29}, time.Thursday},
		{Date{1, 1, 1}, time.Monday},
		{Date{9999, 12, 31}, time.Friday},
	}
	for _, tt := range tests {
		if got := tt.d.Weekday(); got != tt.want {
			t.Errorf("%v.Weekday() = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestDateText(t *testing.T) {
	t.Parallel()
	for _, d := range []Date{{2026, 3, 8}, {2024, 2, 29}, {1, 1, 1}, {9999, 12, 31}} {
		b, err := d.MarshalText()
		if err != nil {
			t.Fatalf("%v.MarshalText() error %v", d, err)
		}
		var got Date
		if err := got.UnmarshalText(b); err != nil {
			t.Fatalf("UnmarshalText(%q) error %v", b, err)
		}
		if got != d {
			t.Errorf("round trip of %v gave %v", d, got)
		}
	}
	for _, d := range []Date{{}, {2026, 2, 30}, {0, 1, 1}, {10000, 1, 1}, {2026, 13, 1}} {
		if b, err := d.MarshalText(); err == nil {
			t.Errorf("%#v.MarshalText() = %q, nil; want an error", d, b)
		} else {
			wantFieldError(t, err, "date")
		}
	}

	keep := Date{2026, 3, 8}
	d := keep
	wantFieldError(t, d.UnmarshalText([]byte("2026-02-30")), "date")
	if d != keep {
		t.Errorf("failed UnmarshalText changed the date to %v", d)
	}
	wantFieldError(t, (*Date)(nil).UnmarshalText([]byte("2026-03-08")), "date")
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	type row struct {
		Day  Date `json:"day"`
		Skip Date `json:"skip,omitzero"`
	}
	b, err := json.Marshal(row{Day: Date{2026, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"day":"2026-03-08"}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	var back row
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(row{Day: Date{2026, 3, 8}}, back); diff != "" {
		t.Errorf("json round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"day":"2026-3-8"}`), &back); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("json.Unmarshal of a bad date: err = %v, want ErrInvalidArgument", err)
	}
}

func TestDaysIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		y    int
		m    time.Month
		want int
	}{
		{2024, time.February, 29},
		{2026, time.February, 28},
		{2000, time.February, 29},
		{2100, time.February, 28},
		{2026, time.April, 30},
		{2026, time.December, 31},
	}
	for _, tt := range tests {
		if got := daysIn(tt.y, tt.m); got != tt.want {
			t.Errorf("daysIn(%d, %v) = %d, want %d", tt.y, tt.m, got, tt.want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-08", "2024-02-29", "2023-02-29", "0000-00-00", "9999-12-31", "", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			wantFieldError(t, err, "date")
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if NewDate(d.Year, d.Month, d.Day) != d {
			t.Fatalf("ParseDate(%q) = %v is not normalised", s, d)
		}
		if _, err := d.MarshalText(); err != nil {
			t.Fatalf("%v.MarshalText(): %v", d, err)
		}
	})
}
