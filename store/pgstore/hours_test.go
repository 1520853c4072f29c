package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// hoursTeams are two teams, one with working hours.
func hoursTeams() []analytics.Team {
	h := &analytics.WorkingHours{Closed: []analytics.Date{analytics.NewDate(2026, time.December, 25)}}
	h.Days[time.Monday] = []analytics.ClockRange{{Start: 9 * 60, End: 17*60 + 30}}
	return []analytics.Team{
		{ID: "open", TimeZone: "America/New_York", Hours: h},
		{ID: "plain", TimeZone: "UTC"},
	}
}

// TestWorkingHoursColumn reads working hours from a json and a text
// column; a value that does not parse gives the team a HoursErr wrapping
// ErrCorrupt naming it, and a snapshot run fails that team alone.
func TestWorkingHoursColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, hoursTeams(), nil, envOptions{hours: true})
	for _, typ := range []string{"json", "text"} {
		if _, err := e.db.ExecContext(ctx, `ALTER TABLE teams ALTER COLUMN working_hours TYPE `+typ+` USING working_hours::`+typ); err != nil {
			t.Fatal(err)
		}
		st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{WorkingHours: "working_hours"}}})
		if err != nil {
			t.Fatalf("%s: New: %v", typ, err)
		}
		got, err := st.Teams(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(hoursTeams(), got); d != "" {
			t.Errorf("%s: Teams (-want +got):\n%s", typ, d)
		}
	}
	if _, err := e.db.ExecContext(ctx, `UPDATE teams SET working_hours = '{"mon": ["17:00-09:00"]}' WHERE id = 'open'`); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Teams: pgstore.TeamsTable{WorkingHours: "working_hours"}}})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := st.Team(ctx, "open")
	if err != nil || bad.Hours != nil || !errors.Is(bad.HoursErr, analytics.ErrCorrupt) ||
		errors.Is(bad.HoursErr, analytics.ErrInvalidArgument) || !strings.Contains(bad.HoursErr.Error(), `"open"`) {
		t.Errorf("Team with bad hours = %+v, %v; want the team, with HoursErr wrapping ErrCorrupt naming it", bad, err)
	}
	if list, err := st.Teams(ctx, "", 10); err != nil || len(list) != 2 || list[0].HoursErr == nil || list[1].HoursErr != nil {
		t.Errorf("Teams with one team's bad hours = %+v, %v; want both teams, HoursErr on the first only", list, err)
	}
	// A snapshot run fails the team with bad hours alone.
	snap, err := analytics.NewSnapshotter(st, &analytics.SnapshotterConfig{Clock: analytics.NewFakeClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := snap.GenerateAll(ctx, analytics.Daily, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("GenerateAll: %v", err)
	}
	if rep.Teams != 2 || rep.Succeeded != 1 || len(rep.Errors) != 1 || rep.Errors[0].TeamID != "open" || !errors.Is(rep.Errors[0].Err, analytics.ErrCorrupt) {
		t.Errorf("GenerateAll report %+v; want team open failed with ErrCorrupt and plain's snapshot written", rep)
	}
	if got, err := st.Team(ctx, "plain"); err != nil || got.Hours != nil {
		t.Errorf("Team plain = %+v, %v; want no hours", got, err)
	}
}

// TestWorkingHoursCallback reads working hours from Config.WorkingHours,
// passes on its error naming the team in Team.HoursErr, and refuses a Config that sets
// both it and the column.
func TestWorkingHoursCallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	teams := hoursTeams()
	e := newEnv(t, teams, nil, envOptions{})
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{WorkingHours: hoursCallback(teams)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Teams(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(teams, got); d != "" {
		t.Errorf("Teams (-want +got):\n%s", d)
	}
	boom := errors.New("boom")
	st, err = pgstore.New(ctx, e.db, &pgstore.Config{WorkingHours: func(context.Context, analytics.Team) (*analytics.WorkingHours, error) {
		return nil, boom
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.Team(ctx, "plain"); err != nil || !errors.Is(got.HoursErr, boom) || !strings.Contains(got.HoursErr.Error(), `"plain"`) {
		t.Errorf("Team with a failing callback = %+v, %v; want HoursErr wrapping boom naming the team", got, err)
	}
	_, err = pgstore.New(ctx, e.db, &pgstore.Config{WorkingHours: hoursCallback(teams),
		Source: pgstore.Source{Teams: pgstore.TeamsTable{WorkingHours: "working_hours"}}})
	var fe *analytics.FieldError
	if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Config.WorkingHours" {
		t.Errorf("New with both: %v; want ErrInvalidArgument naming Config.WorkingHours", err)
	}
}
