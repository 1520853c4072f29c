package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

// TestBackfill runs the program on a week for two teams and checks its
// summary and final progress line.
func TestBackfill(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, []string{"-from", "2026-03-02", "-to", "2026-03-08", "-teams", "team-0001,team-0003"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		// 2 teams × (team-wide + 2 accounts) × 7 days.
		"Regenerating Daily snapshots from 2026-03-02 to 2026-03-08 for 2 teams: 7 periods, 42 snapshots\n",
		"\r[..............................]   0% 0/42 snapshots",
		"\r[##############################] 100% 42/42 snapshots\n",
		"Done: 42 snapshots written, 0 failed, 0 team periods not ended yet (skipped)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%q", want, s)
		}
	}
}

// TestBackfillWrites checks the snapshots the backfill leaves in the store,
// and that periods not ended yet are skipped.
func TestBackfillWrites(t *testing.T) {
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	store := memstore.New(&memstore.Config{Clock: clock})
	teams := sample.Teams(2, 1)
	teams[0].TimeZone, teams[1].TimeZone = "Pacific/Kiritimati", "Pacific/Pago_Pago"
	if err := store.AddTeams(teams...); err != nil {
		t.Fatal(err)
	}
	activity, err := sample.Activity(teams, analytics.NewDate(2026, 3, 1), 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Add(activity); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// At 12:00 UTC on 2026-03-10, that day has ended in Kiritimati (UTC+14,
	// at 10:00 UTC) but not in Pago Pago (UTC-11), where 2026-03-09 ended
	// at 11:00 UTC.
	o := options{from: analytics.NewDate(2026, 3, 8), to: analytics.NewDate(2026, 3, 10), typ: analytics.Daily}
	if err := backfill(ctx, &out, store, clock, o); err != nil {
		t.Fatalf("backfill: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Done: 10 snapshots written, 0 failed, 1 team periods not ended yet") {
		t.Errorf("summary:\n%s", out.String())
	}
	for team, days := range map[string]int{"team-0001": 3, "team-0002": 2} {
		for _, sc := range []analytics.Scope{analytics.TeamScope(team), analytics.AccountScope(team, team+"-acc-1")} {
			snaps, err := store.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: o.from, To: o.to})
			if err != nil {
				t.Fatal(err)
			}
			if len(snaps) != days {
				t.Errorf("%s: %d snapshots, want %d", sc, len(snaps), days)
			}
			for _, sn := range snaps {
				if !sn.CreatedAt.Equal(clock.Now()) {
					t.Errorf("%s %s created at %v, want %v", sc, sn.Date, sn.CreatedAt, clock.Now())
				}
			}
		}
	}
	err = backfill(ctx, &out, store, clock, options{from: o.from, to: o.to, typ: analytics.Daily, teams: []string{"team-0009"}})
	if !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("backfill of an unknown team: %v, want ErrNotFound", err)
	}
	for _, args := range [][]string{{"-from", "2026-03-09", "-to", "2026-03-08"}, {"-type", "Hourly"}, {"-from", "March"}} {
		if err := run(ctx, &out, args); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("run %v: %v, want ErrInvalidArgument", args, err)
		}
	}
}
