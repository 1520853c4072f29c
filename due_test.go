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
	halfPast, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ   analytics.SnapshotType
		date  string
		zone  string
		sched analytics.Schedule
		want  string
	}{
		{analytics.Daily, "2026-03-10", "UTC", nil, "2026-03-11T02:00:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Pago_Pago", nil, "2026-03-11T13:00:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Kiritimati", nil, "2026-03-10T12:00:00Z"},
		{analytics.Daily, "2026-03-10", "Asia/Kolkata", nil, "2026-03-10T20:30:00Z"},
		{analytics.Daily, "2026-03-10", "Asia/Kathmandu", nil, "2026-03-10T20:15:00Z"},
		{analytics.Daily, "2026-03-10", "Pacific/Chatham", nil, "2026-03-10T12:15:00Z"},
		// New York: 02:00 on 03-08 does not exist; due when the clocks jump.
		{analytics.Daily, "2026-03-07", "America/New_York", nil, "2026-03-08T07:00:00Z"},
		{analytics.Daily, "2026-03-07", "America/New_York", halfPast, "2026-03-08T07:00:00Z"},
		{analytics.Daily, "2026-03-08", "America/New_York", nil, "2026-03-09T06:00:00Z"},
		// Berlin: 02:00 skipped on 03-29, twice on 10-25 (the first one).
		{analytics.Daily, "2026-03-28", "Europe/Berlin", nil, "2026-03-29T01:00:00Z"},
		{analytics.Daily, "2026-10-24", "Europe/Berlin", nil, "2026-10-25T00:00:00Z"},
		{analytics.Daily, "2026-10-25", "Europe/Berlin", nil, "2026-10-26T01:00:00Z"},
		// Santiago skips midnight on 09-06: the day before ends at 01:00.
		{analytics.Daily, "2026-09-05", "America/Santiago", nil, "2026-09-06T05:00:00Z"},
		{analytics.Weekly, "2026-11-23", "America/New_York", nil, "2026-11-30T08:00:00Z"},
		{analytics.Monthly, "2026-11-01", "America/New_York", nil, "2026-12-01T09:00:00Z"},
		{analytics.Monthly, "2026-11-01", "Europe/Berlin", nil, "2026-12-01T03:00:00Z"},
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
		got, err := analytics.DueAt(p, tt.sched)
		want, _ := time.Parse(time.RFC3339, tt.want)
		if err != nil || !got.Equal(want) {
			t.Errorf("DueAt(%s %s %s) = %v, %v; want %v", tt.typ, tt.date, tt.zone, got.UTC(), err, want)
		}
		if got.Before(p.End) {
			t.Errorf("%s %s %s is due at %v, before it ends at %v", tt.typ, tt.date, tt.zone, got, p.End)
		}
		// The period is the last due from its due instant on, not before.
		last, err := analytics.LastDuePeriod(tt.typ, got, loc, tt.sched)
		if err != nil || last.Date != p.Date {
			t.Errorf("LastDuePeriod at its due time %v = %v, %v; want %s", got.UTC(), last, err, tt.date)
		}
		before, err := analytics.LastDuePeriod(tt.typ, got.Add(-time.Nanosecond), loc, tt.sched)
		if err != nil || before.Date != p.Prev().Date {
			t.Errorf("LastDuePeriod just before %v = %v, %v; want %s", got.UTC(), before, err, p.Prev().Date)
		}
	}
}

// TestDefaultScheduleIsCron checks that the default schedules fire as
// their cron expressions do.
func TestDefaultScheduleIsCron(t *testing.T) {
	t.Parallel()
	for typ, spec := range map[analytics.SnapshotType]string{
		analytics.Daily: "0 2 * * *", analytics.Weekly: "0 3 * * 1", analytics.Monthly: "0 4 1 * *",
	} {
		c, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		d := analytics.DefaultSchedule(typ)
		for w := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); w.Year() < 2028; w = w.Add(97 * time.Minute) {
			if got, want := d.Next(w), c.Next(w); !got.Equal(want) {
				t.Fatalf("%s: Next(%v) = %v, cron %q gives %v", typ, w, got, spec, want)
			}
		}
	}
	if analytics.DefaultSchedule(0) != nil {
		t.Error("DefaultSchedule(0) is not nil")
	}
}
