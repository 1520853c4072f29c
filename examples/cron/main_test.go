package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/msgstats/analytics/internal/testenv"
)

// TestCron runs the program for a simulated week on TEST_DATABASE_URL and
// checks what it prints: one run per (job, tick), by one replica, each
// team's periods at 02:00, 03:00 or 04:00 its own time (03:00 on the day
// New York skips 02:00), the outage caught up at the restart, and every
// snapshot written once.
func TestCron(t *testing.T) {
	url := testenv.Require(t, "TEST_DATABASE_URL")
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-database", url, "-days", "7", "-teams", "3"}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	line := regexp.MustCompile(`(?m)^  (\S+ \S+)  (\S+)\s+tick (\S+ \S+)  succeeded by (replica-[123]): (\S+ \d\d:\d\d), (\d+) snapshots$`)
	seen := map[string]string{}  // job tick -> when it ran
	local := map[string]string{} // job tick -> zone and local time
	owners := map[string]int{}   // replica -> runs
	for _, m := range line.FindAllStringSubmatch(s, -1) {
		k := m[2] + " " + m[3]
		if _, ok := seen[k]; ok {
			t.Errorf("%s ran twice", k)
		}
		seen[k], local[k] = m[1], m[5]
		owners[m[4]]++
		if m[6] != "3" {
			t.Errorf("%s wrote %s snapshots, want 3 (1 team, 3 scopes)", k, m[6])
		}
	}
	want := map[string]string{
		"daily-analytics-snapshot 2026-02-23 01:00":   "2026-03-02 00:30", // the lookback, at the first start
		"daily-analytics-snapshot 2026-03-01 07:00":   "2026-03-02 00:30",
		"daily-analytics-snapshot 2026-03-02 01:00":   "2026-03-02 01:00", // Berlin's day, on time
		"daily-analytics-snapshot 2026-03-02 02:00":   "2026-03-02 02:00", // UTC's
		"daily-analytics-snapshot 2026-03-02 07:00":   "2026-03-02 07:00", // New York's
		"daily-analytics-snapshot 2026-03-06 02:00":   "2026-03-08 09:30", // missed in the outage
		"daily-analytics-snapshot 2026-03-08 07:00":   "2026-03-08 09:30",
		"weekly-analytics-snapshot 2026-03-02 08:00":  "2026-03-02 08:00",
		"monthly-analytics-snapshot 2026-03-01 09:00": "2026-03-02 00:30",
	}
	for k, tick := range want {
		if seen[k] != tick {
			t.Errorf("%s ran at %q, want %q", k, seen[k], tick)
		}
	}
	for k, want := range map[string]string{
		"daily-analytics-snapshot 2026-03-02 07:00":   "America/New_York 02:00",
		"daily-analytics-snapshot 2026-03-08 07:00":   "America/New_York 03:00", // 02:00 did not occur
		"daily-analytics-snapshot 2026-03-02 01:00":   "Europe/Berlin 02:00",
		"weekly-analytics-snapshot 2026-03-02 08:00":  "America/New_York 03:00",
		"monthly-analytics-snapshot 2026-03-01 09:00": "America/New_York 04:00",
	} {
		if local[k] != want {
			t.Errorf("%s is for %q, want %q", k, local[k], want)
		}
	}
	// Daily: 7 days of lookback, 4 days on time and 3 at the restart, for 3
	// zones; weekly: 2 weeks at the start and 1 on time; monthly: 2.
	if len(seen) != 42+9+6 {
		t.Errorf("%d runs printed, want 57:\n%s", len(seen), s)
	}
	if owners["replica-3"] == 0 {
		t.Errorf("the replica driven by RunDue ran nothing: %v", owners)
	}
	for _, w := range []string{
		"--- every replica down from 2026-03-05 12:30 to 2026-03-08 09:30 ---",
		"42 daily, 9 weekly and 6 monthly runs, each by exactly one replica",
		"171 snapshots written, each once.",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q:\n%s", w, s)
		}
	}
}
