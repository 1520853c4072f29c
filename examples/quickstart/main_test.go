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
// wrote every snapshot, the three snapshot rows and the 7-day series are
// there, and the dashboard's 7-day total is the sum of its days.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"Daily   job: 8 teams, 32 snapshots written, 0 failed",
		"Weekly  job: 8 teams, 32 snapshots written, 0 failed",
		"Monthly job: 8 teams, 32 snapshots written, 0 failed",
		"backfill:    416 snapshots written, 0 failed",
		"Team team-0002 (America/New_York)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, typ := range []string{"Daily  2026-11-14", "Weekly  2026-11-02", "Monthly  2026-10-01"} {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(typ) + `\s+[1-9]\d*\s`).MatchString(s) {
			t.Errorf("no snapshot row %q with messages:\n%s", typ, s)
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
