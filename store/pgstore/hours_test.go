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
// column, and fails with ErrCorrupt naming the team for a value that does
// not parse.
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
	_, err = st.Team(ctx, "open")
	if !errors.Is(err, analytics.ErrCorrupt) || errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), `"open"`) {
		t.Errorf("Team with bad hours: %v; want ErrCorrupt naming the team", err)
	}
	if _, err := st.Teams(ctx, "", 10); !errors.Is(err, analytics.ErrCorrupt) {
		t.Errorf("Teams with bad hours: %v; want ErrCorrupt", err)
	}
	if got, err := st.Team(ctx, "plain"); err != nil || got.Hours != nil {
		t.Errorf("Team plain = %+v, %v; want no hours", got, err)
	}
}

// TestWorkingHoursCallback reads working hours from Config.WorkingHours,
// passes on its error naming the team, and refuses a Config that sets
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
	if _, err := st.Team(ctx, "plain"); !errors.Is(err, boom) || !strings.Contains(err.Error(), `"plain"`) {
		t.Errorf("Team with a failing callback: %v; want boom naming the team", err)
	}
	_, err = pgstore.New(ctx, e.db, &pgstore.Config{WorkingHours: hoursCallback(teams),
		Source: pgstore.Source{Teams: pgstore.TeamsTable{WorkingHours: "working_hours"}}})
	var fe *analytics.FieldError
	if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Config.WorkingHours" {
		t.Errorf("New with both: %v; want ErrInvalidArgument naming Config.WorkingHours", err)
	}
}
