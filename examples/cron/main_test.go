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
// checks what it prints: one run per daily key, by one replica, the outage
// caught up at the restart, and every snapshot written once.
func TestCron(t *testing.T) {
	url := testenv.Require(t, "TEST_DATABASE_URL")
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-database", url, "-days", "7", "-teams", "3"}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	line := regexp.MustCompile(`(?m)^  (\S+ \S+)  (\S+)\s+(\S+)  succeeded by (replica-[123]): 3 teams, (\d+) snapshots$`)
	seen := map[string]string{} // job period -> tick
	for _, m := range line.FindAllStringSubmatch(s, -1) {
		k := m[2] + " " + m[3]
		if _, ok := seen[k]; ok {
			t.Errorf("%s ran twice", k)
		}
		seen[k] = m[1]
		if m[5] != "9" {
			t.Errorf("%s wrote %s snapshots, want 9 (3 teams, 3 scopes each)", k, m[5])
		}
	}
	want := map[string]string{
		"daily-analytics-snapshot 2026-02-22":   "2026-03-02 00:30", // the lookback, at the first start
		"daily-analytics-snapshot 2026-02-28":   "2026-03-02 00:30",
		"daily-analytics-snapshot 2026-03-01":   "2026-03-02 02:00",
		"daily-analytics-snapshot 2026-03-04":   "2026-03-05 02:00",
		"daily-analytics-snapshot 2026-03-05":   "2026-03-08 09:30", // missed in the outage
		"daily-analytics-snapshot 2026-03-07":   "2026-03-08 09:30",
		"weekly-analytics-snapshot 2026-02-23":  "2026-03-02 03:00",
		"monthly-analytics-snapshot 2026-02-01": "2026-03-02 00:30",
	}
	for k, tick := range want {
		if seen[k] != tick {
			t.Errorf("%s ran at %q, want %q", k, seen[k], tick)
		}
	}
	if len(seen) != 14+3+2 { // daily 02-22..03-07, weekly 02-09..02-23, monthly 01 and 02
		t.Errorf("%d runs printed, want 19:\n%s", len(seen), s)
	}
	for _, w := range []string{
		"--- every replica down from 2026-03-05 12:30 to 2026-03-08 09:30 ---",
		"14 daily, 3 weekly and 2 monthly runs, each by exactly one replica",
		"each once.",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q:\n%s", w, s)
		}
	}
}
