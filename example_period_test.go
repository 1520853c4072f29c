package analytics_test

import (
	"fmt"
	"time"

	"github.com/msgstats/analytics"
)

// On 2026-03-08 New York's clocks jump from 02:00 to 03:00, so that local
// day lasts 23 hours. At local midnight the day that just ended is the last
// complete Daily period; one nanosecond earlier it is the day before.
func ExamplePeriodOf() {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}

	at := time.Date(2026, time.March, 8, 12, 0, 0, 0, ny)
	day, err := analytics.PeriodOf(analytics.Daily, at, ny)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(day)
	fmt.Println("lasts", day.End.Sub(day.Start))

	midnight := day.End // 2026-03-09 00:00 local
	last, err := analytics.LastCompletePeriod(analytics.Daily, midnight, ny)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("complete at midnight:", last.Date)

	before, err := analytics.LastCompletePeriod(analytics.Daily, midnight.Add(-time.Nanosecond), ny)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("complete 1ns earlier:", before.Date)

	week, err := analytics.LastCompletePeriod(analytics.Weekly, midnight, ny)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(week, "lasts", week.End.Sub(week.Start))

	// Output:
	// Daily 2026-03-08 [2026-03-08T00:00:00-05:00, 2026-03-09T00:00:00-04:00)
	// lasts 23h0m0s
	// complete at midnight: 2026-03-08
	// complete 1ns earlier: 2026-03-07
	// Weekly 2026-03-02 [2026-03-02T00:00:00-05:00, 2026-03-09T00:00:00-04:00) lasts 167h0m0s
}

func ExamplePeriod_Next() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.Date{Year: 2026, Month: time.October, Day: 24}, berlin)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		fmt.Println(p.Date, p.End.Sub(p.Start))
		p = p.Next()
	}
	// Output:
	// 2026-10-24 24h0m0s
	// 2026-10-25 25h0m0s
	// 2026-10-26 24h0m0s
}

func ExampleParseSnapshotType() {
	for _, s := range []string{"Weekly", "weekly"} {
		typ, err := analytics.ParseSnapshotType(s)
		fmt.Println(typ, err)
	}
	// Output:
	// Weekly <nil>
	// SnapshotType(0) analytics: invalid argument: SnapshotType: "weekly" is not one of Daily, Weekly, Monthly
}
