package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestReplicaNewTeam checks that a team inserted on the primary is found
// by Team right away, though the standby replays it a second later: Team
// asks the primary when the replica does not have the team.
func TestReplicaNewTeam(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, nil, nil, time.Second)
	ctx := context.Background()
	if _, err := e.primary.ExecContext(ctx, `INSERT INTO teams (id, timezone) VALUES ('NEW', 'Asia/Kolkata')`); err != nil {
		t.Fatal(err)
	}
	team, err := e.store.Team(ctx, "NEW")
	if err != nil || team.ID != "NEW" || team.TimeZone != "Asia/Kolkata" {
		t.Errorf("Team(NEW) right after its insert: %+v, %v; want the team", team, err)
	}
	if _, err := e.store.Team(ctx, "NONE"); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("Team(NONE) = %v, want ErrNotFound", err)
	}
}

// TestReplicaErrorsNameIt checks that the errors of reads on a replica
// whose pool was closed after New name Config.Replica, and that the reads
// fail rather than go to the primary.
func TestReplicaErrorsNameIt(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, nil, nil, 0)
	ctx := context.Background()
	var schema string
	if err := e.primary.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	rep := openURL(t, testenv.Require(t, "TEST_REPLICA_URL"), schema)
	cfg := e.store.Config()
	cfg.Replica = rep
	st, err := pgstore.New(ctx, e.primary, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep.Close()
	d := analytics.NewDate(2024, 5, 1)
	day, _ := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	scope := analytics.TeamScope("T")
	for name, f := range map[string]func() error{
		"Team":  func() error { _, err := st.Team(ctx, "T"); return err },
		"Teams": func() error { _, err := st.Teams(ctx, "", 10); return err },
		"Snapshots": func() error {
			_, err := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: scope, Type: analytics.Daily, From: d, To: d})
			return err
		},
		"Aggregate": func() error {
			_, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: scope, Period: day}}})
			return err
		},
	} {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "on Config.Replica") {
			t.Errorf("%s on a closed replica: %v; want an error naming Config.Replica", name, err)
		}
	}
}
