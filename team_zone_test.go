package analytics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/memstore"
)

// badZoneStore serves team bad with a stored time zone that does not load,
// as a host's teams table can hold.
type badZoneStore struct {
	*memstore.Store
	bad string
}

const unloadableZone = "Mars/Olympus_Mons"

func (s badZoneStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	t, err := s.Store.Team(ctx, id)
	if t.ID == s.bad {
		t.TimeZone = unloadableZone
	}
	return t, err
}

func (s badZoneStore) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	teams, err := s.Store.Teams(ctx, after, limit)
	for i := range teams {
		if teams[i].ID == s.bad {
			teams[i].TimeZone = unloadableZone
		}
	}
	return teams, err
}

// isDataError reports whether err is ErrCorrupt and not ErrInvalidArgument.
func isDataError(err error) bool {
	return errors.Is(err, analytics.ErrCorrupt) && !errors.Is(err, analytics.ErrInvalidArgument)
}

// A stored zone that does not load is a data error (ErrCorrupt), never a
// bad argument; the same name in a team a caller adds is ErrInvalidArgument.
func TestTeamZoneErrors(t *testing.T) {
	t.Parallel()
	_, err := analytics.Team{ID: "t1", TimeZone: unloadableZone}.Location()
	if !isDataError(err) {
		t.Errorf("Team.Location() = %v, want ErrCorrupt and not ErrInvalidArgument", err)
	}
	if err != nil && (!strings.Contains(err.Error(), `"t1"`) || !strings.Contains(err.Error(), unloadableZone)) {
		t.Errorf("Team.Location() = %v, want it to name the team and the zone", err)
	}
	add := memstore.New(nil).AddTeams(analytics.Team{ID: "t1", TimeZone: unloadableZone})
	if !errors.Is(add, analytics.ErrInvalidArgument) || errors.Is(add, analytics.ErrCorrupt) {
		t.Errorf("AddTeams with zone %q = %v, want ErrInvalidArgument alone", unloadableZone, add)
	}
	if loc, err := (analytics.Team{ID: "t2", TimeZone: "America/New_York"}).Location(); err != nil || loc.String() != "America/New_York" {
		t.Errorf("Team.Location() of New York = %v, %v", loc, err)
	}

	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC))
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(analytics.Team{ID: "bad", AccountIDs: []string{"b1"}}, analytics.Team{ID: "good"}); err != nil {
		t.Fatal(err)
	}
	store := badZoneStore{Store: mem, bad: "bad"}
	cache, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	svc, err := analytics.New(store, &analytics.Config{Clock: clock, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RealTime(ctx, analytics.TeamScope("bad")); !isDataError(err) {
		t.Errorf("RealTime of the team = %v, want ErrCorrupt alone", err)
	}
	if _, err := svc.RealTime(ctx, analytics.AccountScope("bad", "b1")); !isDataError(err) {
		t.Errorf("RealTime of its account = %v, want ErrCorrupt alone", err)
	}
	if _, err := svc.Dashboard(ctx, "bad", 7); !isDataError(err) {
		t.Errorf("Dashboard = %v, want ErrCorrupt alone", err)
	}
	utc, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 10), time.UTC)
	if _, err := svc.Snapshotter().Generate(ctx, analytics.TeamScope("bad"), utc); !isDataError(err) {
		t.Errorf("Generate = %v, want ErrCorrupt alone", err)
	}
	// A run records it for that team and goes on with the others.
	rep, err := svc.Snapshotter().GenerateAll(ctx, analytics.Daily, clock.Now())
	if err != nil {
		t.Fatalf("GenerateAll: %v", err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].TeamID != "bad" || !isDataError(rep.Errors[0]) || rep.Succeeded != 1 {
		t.Errorf("GenerateAll report %+v, want the bad team alone failed, with ErrCorrupt", rep)
	}
}
