package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestQuickstart runs the program and checks what it prints: every job
// wrote every snapshot, the three snapshot rows count the messages data.go
// made, the 7-day series is there, and the dashboard's 7-day total is the sum of its days.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		// 4 teams × (team-wide + 2 accounts) per period.
		"Daily   job: 4 teams, 12 snapshots written, 0 failed",
		"Weekly  job: 4 teams, 12 snapshots written, 0 failed",
		"Monthly job: 4 teams, 12 snapshots written, 0 failed",
		"backfill:    156 snapshots written, 0 failed",
		"Team team-0002 (America/New_York)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// data.go shares 1200 messages a day evenly among the 4 teams, all
	// between 08:00 and midnight local time.
	for typ, msgs := range map[string]int{"Daily  2026-11-14": 300, "Weekly  2026-11-02": 7 * 300, "Monthly  2026-10-01": 31 * 300} {
		row := `(?m)^\s*` + regexp.QuoteMeta(typ) + `\s+` + strconv.Itoa(msgs) + `\s`
		if !regexp.MustCompile(row).MatchString(s) {
			t.Errorf("no snapshot row %q with %d messages:\n%s", typ, msgs, s)
		}
	}
	days := regexp.MustCompile(`(?m)^\s*2026-11-(09|1[0-5])\s+(\d+)\s`).FindAllStringSubmatch(s, -1)
	if len(days) != 7 {
		t.Fatalf("want 7 dashboard days, got %d:\n%s", len(days), s)
	}
	var sum int
	for _, d := range days {
		n, _ := strconv.Atoi(d[2])
		sum += n
	}
	total := regexp.MustCompile(`(?m)^\s*7 days\s+(\d+)\s`).FindStringSubmatch(s)
	if total == nil || total[1] != strconv.Itoa(sum) {
		t.Errorf("7-day total %v is not the sum of the days, %d:\n%s", total, sum, s)
	}
}
