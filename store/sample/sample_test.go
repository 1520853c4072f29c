package sample_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/sample"
)

func TestTeams(t *testing.T) {
	got := sample.Teams(7, 2)
	if len(got) != 7 {
		t.Fatalf("Teams(7, 2): %d teams", len(got))
	}
	want0 := analytics.Team{ID: "team-0001", TimeZone: "UTC", AccountIDs: []string{"team-0001-acc-1", "team-0001-acc-2"}}
	if diff := cmp.Diff(want0, got[0]); diff != "" {
		t.Errorf("Teams(7, 2)[0] (-want +got):\n%s", diff)
	}
	if got[6].ID != "team-0007" || got[6].TimeZone != "UTC" || got[1].TimeZone != "America/New_York" {
		t.Errorf("zones are not given round robin: %q %q, %q %q", got[1].ID, got[1].TimeZone, got[6].ID, got[6].TimeZone)
	}
	if len(sample.Teams(-1, 2)) != 0 || len(sample.Team("x", "", -1).AccountIDs) != 0 {
		t.Errorf("negative counts give teams or accounts")
	}
}

// Activity shares perDay messages a day among the teams, the first
// perDay mod n teams one more, every day of each team's own zone; one
// campaign per team and day; deterministic.
func TestActivity(t *testing.T) {
	teams := sample.Teams(3, 2)
	start := analytics.NewDate(2026, 3, 28) // Berlin's clocks go forward on the 29th
	a, err := sample.Activity(teams, start, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	perTeamDay := map[string]map[analytics.Date]int{}
	for _, m := range a.Messages {
		teamOf(t, teams, m.TeamID)
		if perTeamDay[m.TeamID] == nil {
			perTeamDay[m.TeamID] = map[analytics.Date]int{}
		}
		// A conversation started late may run past midnight: count by the
		// conversation's day, which is in its ID.
		perTeamDay[m.TeamID][convDay(t, a, m.ConversationID)]++
	}
	want := map[string]int{"team-0001": 34, "team-0002": 33, "team-0003": 33}
	for id, n := range want {
		for i := range 3 {
			if got := perTeamDay[id][start.AddDays(i)]; got != n {
				t.Errorf("%s on %s: %d messages, want %d", id, start.AddDays(i), got, n)
			}
		}
	}
	if len(a.Campaigns) != 9 {
		t.Errorf("%d campaigns, want one per team and day (9)", len(a.Campaigns))
	}
	again, err := sample.Activity(teams, start, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, again); diff != "" {
		t.Errorf("the same arguments gave other activity (-first +second):\n%s", diff)
	}
	for _, m := range a.Messages {
		if m.Inbound && m.Status != store.StatusRead {
			t.Errorf("inbound message %s has status %q", m.ID, m.Status)
		}
	}
}

func TestActivityRejects(t *testing.T) {
	for name, f := range map[string]func() error{
		"no account": func() error {
			_, err := sample.Activity([]analytics.Team{{ID: "t"}}, analytics.NewDate(2026, 1, 1), 1, 10)
			return err
		},
		"negative days": func() error {
			_, err := sample.Activity(sample.Teams(1, 1), analytics.NewDate(2026, 1, 1), -1, 10)
			return err
		},
		"unknown zone": func() error {
			_, err := sample.Activity([]analytics.Team{sample.Team("t", "Mars/Olympus", 1)}, analytics.NewDate(2026, 1, 1), 1, 10)
			return err
		},
		"negative count": func() error {
			_, err := sample.Activity(sample.Teams(1, 1), analytics.NewDate(2026, 1, 1), 1, -1)
			return err
		},
	} {
		if err := f(); err == nil || !(errors.Is(err, analytics.ErrInvalidArgument) || errors.Is(err, analytics.ErrCorrupt)) {
			t.Errorf("%s: %v, want an invalid-argument error", name, err)
		}
	}
}

func teamOf(t *testing.T, teams []analytics.Team, id string) analytics.Team {
	for _, tm := range teams {
		if tm.ID == id {
			return tm
		}
	}
	t.Fatalf("message of unknown team %q", id)
	return analytics.Team{}
}

// convDay returns the local date in conversation id, "<team>-<date>-c<n>".
func convDay(t *testing.T, a store.Activity, id string) analytics.Date {
	for _, c := range a.Conversations {
		if c.ID == id {
			d, err := analytics.ParseDate(id[len(c.TeamID)+1 : len(c.TeamID)+11])
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	t.Fatalf("no conversation %q", id)
	return analytics.Date{}
}
