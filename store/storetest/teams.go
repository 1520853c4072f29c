package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msgstats/analytics"
)

var teamTests = []subtest{
	{"Paging", testTeamsPaging},
	{"Team", testTeam},
}

// pagingTeams sort differently in byte order than in most collations:
// "B" < "_x" < "a" < "a-1" < "ab" < "é".
func pagingTeams() Dataset {
	return Dataset{Teams: []analytics.Team{
		{ID: "ab", TimeZone: "UTC", AccountIDs: []string{"ab-2", "ab-10", "ab-1"}},
		{ID: "é", TimeZone: "Asia/Kolkata"},
		{ID: "a", TimeZone: "Europe/Berlin", AccountIDs: []string{"a-z"}},
		{ID: "_x", TimeZone: "America/New_York"},
		{ID: "B", TimeZone: "UTC"},
		{ID: "a-1", TimeZone: "Pacific/Kiritimati"},
	}}
}

// teamCmp treats nil and empty AccountIDs alike.
var teamCmp = cmpopts.EquateEmpty()

func testTeamsPaging(t *testing.T, open Open) {
	s := open(t, pagingTeams())
	ctx := context.Background()
	all := []analytics.Team{
		{ID: "B", TimeZone: "UTC"},
		{ID: "_x", TimeZone: "America/New_York"},
		{ID: "a", TimeZone: "Europe/Berlin", AccountIDs: []string{"a-z"}},
		{ID: "a-1", TimeZone: "Pacific/Kiritimati"},
		{ID: "ab", TimeZone: "UTC", AccountIDs: []string{"ab-1", "ab-10", "ab-2"}}, // byte order
		{ID: "é", TimeZone: "Asia/Kolkata"},
	}
	tests := []struct {
		after string
		limit int
		want  []analytics.Team
	}{
		{"", 100, all},
		{"", 6, all},
		{"", 2, all[:2]},
		{"_x", 2, all[2:4]},
		{"a-1", 2, all[4:6]},
		{"a-1", 1, all[4:5]},
		{"a0", 10, all[4:]}, // not a team: '-' < '0' < 'b'
		{"A", 10, all},      // not a team: "A" < "B"
		{"C", 10, all[1:]},  // not a team: "B" < "C" < "_x"
		{"é", 10, nil},
		{"\U0010FFFF", 10, nil},
	}
	for _, tt := range tests {
		got, err := s.Teams(ctx, tt.after, tt.limit)
		if err != nil {
			t.Errorf("Teams(%q, %d): %v", tt.after, tt.limit, err)
			continue
		}
		if d := cmp.Diff(tt.want, got, teamCmp); d != "" {
			t.Errorf("Teams(%q, %d) (-want +got):\n%s", tt.after, tt.limit, d)
		}
	}
	// Paging through with any page size visits every team once, in order.
	for limit := 1; limit <= 7; limit++ {
		var seen []analytics.Team
		after := ""
		for range 10 {
			page, err := s.Teams(ctx, after, limit)
			if err != nil {
				t.Fatalf("Teams(%q, %d): %v", after, limit, err)
			}
			if len(page) > limit {
				t.Fatalf("Teams(%q, %d) returned %d teams", after, limit, len(page))
			}
			seen = append(seen, page...)
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].ID
		}
		if d := cmp.Diff(all, seen, teamCmp); d != "" {
			t.Errorf("paging with limit %d (-want +got):\n%s", limit, d)
		}
	}
	for _, limit := range []int{0, -1} {
		_, err := s.Teams(ctx, "", limit)
		wantErr(t, fmt.Sprintf("Teams with limit %d", limit), err, analytics.ErrInvalidArgument)
	}
}

func testTeam(t *testing.T, open Open) {
	s := open(t, pagingTeams())
	ctx := context.Background()
	got, err := s.Team(ctx, "ab")
	if err != nil {
		t.Fatalf("Team(ab): %v", err)
	}
	want := analytics.Team{ID: "ab", TimeZone: "UTC", AccountIDs: []string{"ab-1", "ab-10", "ab-2"}}
	if d := cmp.Diff(want, got, teamCmp); d != "" {
		t.Errorf("Team(ab) (-want +got):\n%s", d)
	}
	// The caller owns what it gets: changing it changes nothing stored.
	got.AccountIDs[0] = "changed"
	again, err := s.Team(ctx, "ab")
	if err != nil || !slices.Equal(again.AccountIDs, want.AccountIDs) {
		t.Errorf("after changing a returned team, Team(ab) = %v, %v; want %v", again, err, want)
	}
	got, err = s.Team(ctx, "é")
	if err != nil || got.ID != "é" || got.TimeZone != "Asia/Kolkata" || len(got.AccountIDs) != 0 {
		t.Errorf(`Team("é") = %+v, %v; want the team in Asia/Kolkata with no accounts`, got, err)
	}
	for _, id := range []string{"nope", "A", "ab ", "a%", "a_"} {
		_, err := s.Team(ctx, id)
		wantErr(t, "Team("+id+")", err, analytics.ErrNotFound)
	}
}
