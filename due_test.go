package analytics_test

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
)

// TestDueAt checks the due-time rule in zones east and west, across the
// daylight-saving gaps (the due time skipped) and overlaps (it occurs
// twice), for the default schedules and a cron expression.
func TestDueAt(t *testing.T) {
	t.Parallel()
	cronHalfPast, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	var def analytics.Schedule // the default schedule
	halfPast := analytics.Schedule{Daily: cronHalfPast}
	weeklyHalfPast := analytics.Schedule{Weekly: cronHalfPast}
	tests := []struct {
		typ   analytics.SnapshotType
		date  string
		zone  string
		sched analytics.Schedule
		want  string
	}{
		{analytics.Daily, "2026-03-10", "UTC", def, "2026-03-11T02:00:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Pago_Pago", def, "2026-03-11T13:00:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Kiritimati", def, "2026-03-10T12:00:00Z"},
		{analytics.Daily, "2026-03-10", "Asia/Kolkata", def, "2026-03-10T20:30:00Z"},
		{analytics.Daily, "2026-03-10", "Asia/Kathmandu", def, "2026-03-10T20:15:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Chatham", def, "2026-03-10T12:15:00Z"},
		// New York: 02:00 on 03-08 does not exist; due when the clocks jump.
		{analytics.Daily, "2026-03-07", "America/New_York", def, "2026-03-08T07:00:00Z"},
		{analytics.Daily, "2026-03-07", "America/New_York", halfPast, "2026-03-08T07:00:00Z"},
		{analytics.Daily, "2026-03-10", "UTC", halfPast, "2026-03-11T02:30:00Z"},
		{analytics.Daily, "2026-03-10", "Asia/Kolkata", halfPast, "2026-03-10T21:00:00Z"},
		// A field set for one type leaves the others on their defaults.
		{analytics.Weekly, "2026-11-23", "UTC", halfPast, "2026-11-30T03:00:00Z"},
		{analytics.Daily, "2026-03-10", "UTC", weeklyHalfPast, "2026-03-11T02:00:00Z"},
		{analytics.Weekly, "2026-11-23", "UTC", weeklyHalfPast, "2026-11-30T02:30:00Z"},
		{analytics.Daily, "2026-03-08", "America/New_York", def, "2026-03-09T06:00:00Z"},
		// Berlin: 02:00 skipped on 03-29, twice on 10-25 (the first one).
		{analytics.Daily, "2026-03-28", "Europe/Berlin", def, "2026-03-29T01:00:00Z"},
		{analytics.Daily, "2026-10-24", "Europe/Berlin", def, "2026-10-25T00:00:00Z"},
		{analytics.Daily, "2026-10-25", "Europe/Berlin", def, "2026-10-26T01:00:00Z"},
		// Santiago skips midnight on 09-06: the day before ends at 01:00.
		{analytics.Daily, "2026-09-05", "America/Santiago", def, "2026-09-06T05:00:00Z"},
		{analytics.Weekly, "2026-11-23", "America/New_York", def, "2026-11-30T08:00:00Z"},
		{analytics.Monthly, "2026-11-01", "America/New_York", def, "2026-12-01T09:00:00Z"},
		{analytics.Monthly, "2026-11-01", "Europe/Berlin", def, "2026-12-01T03:00:00Z"},
	}
	for _, tt := range tests {
		loc, err := analytics.Team{TimeZone: tt.zone}.Location()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := analytics.ParseDate(tt.date)
		p, err := analytics.PeriodForDate(tt.typ, d, loc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tt.sched.DueAt(p)
		want, _ := time.Parse(time.RFC3339, tt.want)
		if err != nil || !got.Equal(want) {
			t.Errorf("DueAt(%s %s %s) = %v, %v; want %v", tt.typ, tt.date, tt.zone, got.UTC(), err, want)
		}
		if got.Before(p.End) {
			t.Errorf("%s %s %s is due at %v, before it ends at %v", tt.typ, tt.date, tt.zone, got, p.End)
		}
		// The period is the last due from its due instant on, not before.
		last, err := tt.sched.LastDue(tt.typ, got, loc)
		if err != nil || last.Date != p.Date {
			t.Errorf("LastDue at its due time %v = %v, %v; want %s", got.UTC(), last, err, tt.date)
		}
		before, err := tt.sched.LastDue(tt.typ, got.Add(-time.Nanosecond), loc)
		if err != nil || before.Date != p.Prev().Date {
			t.Errorf("LastDue just before %v = %v, %v; want %s", got.UTC(), before, err, p.Prev().Date)
		}
	}
}

// TestZeroScheduleIsCron checks that the zero Schedule fires as the
// default cron expressions do.
func TestZeroScheduleIsCron(t *testing.T) {
	t.Parallel()
	for typ, spec := range map[analytics.SnapshotType]string{
		analytics.Daily: "0 2 * * *", analytics.Weekly: "0 3 * * 1", analytics.Monthly: "0 4 1 * *",
	} {
		c, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		var d analytics.Schedule
		for w := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); w.Year() < 2028; w = w.Add(97 * time.Minute) {
			if got, want := d.Next(typ, w), c.Next(w); !got.Equal(want) {
				t.Fatalf("%s: Next(%v) = %v, cron %q gives %v", typ, w, got, spec, want)
			}
		}
	}
	if got := (analytics.Schedule{}).Next(0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Errorf("Next of an invalid type = %v, want the zero time", got)
	}
}
