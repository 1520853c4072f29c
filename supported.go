package analytics

import "time"

// The range of dates and instants the library accepts where they reach a
// store (see the package documentation, "Supported dates"). Period math
// (PeriodOf, PeriodForDate) works in years 1 to 9999, but activity and
// snapshots live far inside that: a store's queries widen a period by the
// reply window and a dashboard reaches 2×MaxDashboardDays back, and
// Postgres has no year 0, so dates near year 1 fail there.
var (
	// earliestDate and latestDate bound the dates of periods, snapshots and
	// snapshot queries: any period of such a date starts and ends within
	// years 1899 to 9999 in every zone.
	earliestDate = Date{Year: 1900, Month: time.January, Day: 1}
	latestDate   = Date{Year: 9998, Month: time.December, Day: 31}
	// earliestInstant and latestInstant bound the instants runs and reads
	// are made at (GenerateAll's at, the scheduler's at, the clock's now):
	// every period due at such an instant, and every day of a dashboard
	// then, has a date in [earliestDate, latestDate].
	earliestInstant = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestInstant   = time.Date(9998, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// checkInstant returns an error naming field when t is outside
// [earliestInstant, latestInstant).
func checkInstant(field string, t time.Time) error {
	if t.Before(earliestInstant) || !t.Before(latestInstant) {
		return invalid(field, "%s is outside the supported range %s to %s",
			t.Format(time.RFC3339Nano), earliestInstant.Format(time.RFC3339), latestInstant.Format(time.RFC3339))
	}
	return nil
}

// checkDate returns an error naming field when d is outside
// [earliestDate, latestDate]. A zero or invalid d is outside too.
func checkDate(field string, d Date) error {
	if d.Before(earliestDate) || d.After(latestDate) {
		return invalid(field, "%s is outside the supported range %s to %s", d, earliestDate, latestDate)
	}
	return nil
}
