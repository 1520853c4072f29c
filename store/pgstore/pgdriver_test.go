package pgstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestPgdriver runs the store on Bun's own driver (pgdriver) instead of
// pgx: migrations, the cross-check against ComputeMetrics, snapshots with
// awkward IDs, and teams.
func TestPgdriver(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 12
	teams, act := genDataset(11, from, days, false, analytics.DefaultReplyWindow)
	e := newEnv(t, teams, act, envOptions{noMig: true}) // loaded through pgx
	ctx := context.Background()
	var schema string
	if err := e.db.NewRaw(`SELECT current_schema()`).Scan(ctx, &schema); err != nil {
		t.Fatal(err)
	}
	sqldb := sql.OpenDB(pgdriver.NewConnector(
		pgdriver.WithDSN(testenv.Require(t, "TEST_DATABASE_URL")),
		pgdriver.WithConnParams(map[string]any{"search_path": schema, "TimeZone": "America/St_Johns"})))
	db := bun.NewDB(sqldb, pgdialect.New())
	t.Cleanup(func() { db.Close() })

	st, err := pgstore.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items}
	want, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := cmp.Diff(want[i], got[i]); d != "" {
			t.Fatalf("item %d (%s %s) (-want +got):\n%s", i, items[i].Scope, items[i].Period, d)
		}
	}

	gotTeams, err := st.Teams(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var snaps []analytics.Snapshot
	for i, tm := range gotTeams {
		for j, sc := range tm.Scopes() {
			snaps = append(snaps, analytics.Snapshot{ID: tm.ID + "/" + sc.AccountID, Scope: sc, Type: analytics.Daily,
				Date: items[0].Period.Date, Metrics: got[0], CreatedAt: from.Add(time.Duration(i*10+j) * time.Millisecond)})
		}
	}
	if err := st.UpsertSnapshots(ctx, snaps); err != nil {
		t.Fatal(err)
	}
	for _, sn := range snaps {
		read, err := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: sn.Scope, Type: sn.Type, From: sn.Date, To: sn.Date})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]analytics.Snapshot{sn}, read); d != "" {
			t.Errorf("Snapshots(%s) (-want +got):\n%s", sn.Scope, d)
		}
	}
}
