package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// metricsFor returns consistent metrics for the day d in UTC, tagged with n.
func metricsFor(t *testing.T, d analytics.Date, n int64) analytics.Metrics {
	t.Helper()
	p, err := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	m := analytics.Metrics{Range: analytics.Range{Start: p.Start, End: p.End}, GeneratedAt: p.End.Add(2 * time.Hour)}
	m.Messages = analytics.MessageMetrics{Total: 10 + n, Sent: 5, Delivered: 4, Read: 2, Failed: 1, Replied: 1, Inbound: 3, Outbound: 7 + n}
	m.Conversations.ResponseCount, m.Conversations.ResponseTimeMs = 2, 7000
	m.Conversations.Histogram[0], m.Conversations.Histogram[1] = 1, 1
	m.Derive()
	return m
}

// TestUpsertSnapshots writes team-wide and per-account snapshots, replaces
// them, and reads them back, under a session time zone far from UTC.
func TestUpsertSnapshots(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{{ID: "T", AccountIDs: []string{"A"}}, {ID: "U"}}
	clock := analytics.NewFakeClock(time.Date(2024, 5, 10, 3, 4, 5, 678901234, time.UTC))
	e := newEnv(t, teams, nil, envOptions{params: map[string]string{"TimeZone": "Pacific/Kiritimati"},
		cfg: &pgstore.Config{Clock: clock, UpsertBatchSize: 3}})
	ctx := context.Background()
	created := time.Date(2024, 5, 2, 2, 0, 0, 123_000_000, time.UTC)
	var batch []analytics.Snapshot
	for i := range 5 {
		d := analytics.NewDate(2024, 5, 1+i)
		batch = append(batch,
			analytics.Snapshot{ID: fmt.Sprintf("team-%d", i), Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: d,
				Metrics: metricsFor(t, d, int64(i)), CreatedAt: created},
			analytics.Snapshot{Scope: analytics.AccountScope("T", "A"), Type: analytics.Daily, Date: d,
				Metrics: metricsFor(t, d, int64(10+i)), CreatedAt: created.Add(time.Duration(i) * time.Second)})
	}
	// 10 rows in chunks of 3: BEGIN, 4 INSERTs, COMMIT.
	n := e.hook.counting(func() {
		if err := e.store.UpsertSnapshots(ctx, batch); err != nil {
			t.Fatal(err)
		}
	})
	if n != 6 {
		t.Errorf("UpsertSnapshots of 10 rows in chunks of 3 ran %d statements, want 6", n)
	}
	read := func(sc analytics.Scope) []analytics.Snapshot {
		got, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily,
			From: analytics.NewDate(2024, 5, 1), To: analytics.NewDate(2024, 5, 31)})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	teamRows, accRows := read(analytics.TeamScope("T")), read(analytics.AccountScope("T", "A"))
	var wantTeam, wantAcc []analytics.Snapshot
	for i, s := range batch {
		if i%2 == 0 {
			wantTeam = append(wantTeam, s)
		} else {
			if len(accRows) > i/2 {
				if !strings.HasPrefix(accRows[i/2].ID, "snap_") {
					t.Errorf("generated ID %q", accRows[i/2].ID)
				}
				s.ID = accRows[i/2].ID
			}
			wantAcc = append(wantAcc, s)
		}
	}
	if d := cmp.Diff(wantTeam, teamRows); d != "" {
		t.Errorf("team-wide rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantAcc, accRows); d != "" {
		t.Errorf("account rows (-want +got):\n%s", d)
	}
	if got := read(analytics.TeamScope("U")); len(got) != 0 {
		t.Errorf("team U has %d rows", len(got))
	}

	// Replace the team-wide rows: IDs stay, metrics and CreatedAt change;
	// a zero CreatedAt is the clock's now, to the millisecond.
	var again []analytics.Snapshot
	for i, s := range wantTeam {
		s.ID = ""
		s.Metrics = metricsFor(t, s.Date, int64(100+i))
		s.CreatedAt = time.Time{}
		again = append(again, s)
	}
	if err := e.store.UpsertSnapshots(ctx, again); err != nil {
		t.Fatal(err)
	}
	for i := range again {
		again[i].ID = wantTeam[i].ID
		again[i].CreatedAt = clock.Now().Truncate(time.Millisecond)
	}
	if d := cmp.Diff(again, read(analytics.TeamScope("T"))); d != "" {
		t.Errorf("replaced team-wide rows (-want +got):\n%s", d)
	}
	var rows int
	if err := e.db.NewRaw(`SELECT count(*) FROM analytics_snapshots`).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if rows != 10 {
		t.Errorf("%d rows after replacing, want 10", rows)
	}

	// Limit keeps the earliest.
	got, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("T"), Type: analytics.Daily,
		From: analytics.NewDate(2024, 5, 2), To: analytics.NewDate(2024, 5, 31), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Date != analytics.NewDate(2024, 5, 2) || got[1].Date != analytics.NewDate(2024, 5, 3) {
		t.Errorf("Limit 2 from 05-02 gave %v", got)
	}
}

// TestUpsertSnapshotsAllOrNothing checks that a batch failing in the
// database, in its last chunk, leaves nothing of its earlier chunks, and
// that invalid batches fail before any statement runs.
func TestUpsertSnapshotsAllOrNothing(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{{ID: "T", AccountIDs: []string{"A"}}}
	e := newEnv(t, teams, nil, envOptions{cfg: &pgstore.Config{UpsertBatchSize: 2}})
	ctx := context.Background()
	snapOf := func(team, id string, day int) analytics.Snapshot {
		d := analytics.NewDate(2024, 5, day)
		return analytics.Snapshot{ID: id, Scope: analytics.TeamScope(team), Type: analytics.Daily, Date: d,
			Metrics: metricsFor(t, d, 0), CreatedAt: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
	}
	if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{snapOf("T", "existing", 20)}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := e.db.NewRaw(`SELECT count(*) FROM analytics_snapshots`).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dbErrors := []struct {
		name string
		last analytics.Snapshot
		want error
	}{
		{"unknown team", snapOf("no-such-team", "", 9), analytics.ErrNotFound},
		{"ID of a row with another key", snapOf("T", "existing", 9), analytics.ErrInvalidArgument},
	}
	for _, tt := range dbErrors {
		batch := []analytics.Snapshot{snapOf("T", "", 1), snapOf("T", "", 2), snapOf("T", "", 3), snapOf("T", "", 4), tt.last}
		err := e.store.UpsertSnapshots(ctx, batch)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if n := count(); n != 1 {
			t.Errorf("%s: %d rows after the failed batch, want 1", tt.name, n)
		}
	}

	long := strings.Repeat("x", 1025)
	dup := snapOf("T", "", 1)
	invalid := []struct {
		name string
		bad  analytics.Snapshot
	}{
		{"duplicate key", dup},
		{"duplicate key with another ID", func() analytics.Snapshot { s := dup; s.ID = "other"; return s }()},
		{"zero type", func() analytics.Snapshot { s := snapOf("T", "", 5); s.Type = 0; return s }()},
		{"zero date", func() analytics.Snapshot { s := snapOf("T", "", 5); s.Date = analytics.Date{}; return s }()},
		{"long ID", snapOf("T", long, 5)},
		{"long team", snapOf(long, "", 5)},
		{"NUL in account", func() analytics.Snapshot { s := snapOf("T", "", 5); s.Scope.AccountID = "a\x00"; return s }()},
	}
	for _, tt := range invalid {
		var err error
		n := e.hook.counting(func() { err = e.store.UpsertSnapshots(ctx, []analytics.Snapshot{dup, snapOf("T", "", 2), tt.bad}) })
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.name, err)
		}
		if n != 0 {
			t.Errorf("%s: %d statements ran", tt.name, n)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("%d rows after the invalid batches, want 1", n)
	}
}

// TestSnapshotsCorrupt checks that a row whose metrics cannot be decoded
// gives ErrCorrupt naming it.
func TestSnapshotsCorrupt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{})
	ctx := context.Background()
	d := analytics.NewDate(2024, 5, 1)
	good := analytics.Snapshot{ID: "good", Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: d, Metrics: metricsFor(t, d, 0)}
	if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{good}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, metrics string }{
		{"empty object", `{}`},
		{"a string", `"metrics"`},
		{"negative count", strings.Replace(mustJSON(t, good.Metrics), `"total":10`, `"total":-10`, 1)},
		{"histogram of 3 buckets", `{"period":{"start":"2024-05-01T00:00:00Z","end":"2024-05-02T00:00:00Z"},"conversations":{"responseHistogram":[1,2,3]}}`},
	}
	for i, tt := range tests {
		id := fmt.Sprintf("bad-'%d\"", i)
		day := analytics.NewDate(2024, 5, 2+i)
		if _, err := e.db.ExecContext(ctx, `INSERT INTO analytics_snapshots (id, team_id, date, snapshot_type, metrics) VALUES (?, 'T', ?::date, 'Daily', ?::jsonb)`,
			id, day.String(), tt.metrics); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: good.Scope, Type: analytics.Daily, From: d, To: day})
		if !errors.Is(err, analytics.ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("%q", id)) {
			t.Errorf("%s: err = %v, want ErrCorrupt naming %q", tt.name, err, id)
		}
		if _, err := e.db.ExecContext(ctx, `DELETE FROM analytics_snapshots WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: good.Scope, Type: analytics.Daily, From: d, To: d})
	if err != nil || len(got) != 1 {
		t.Errorf("the good row alone: %v, %v", got, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRollupColumns checks the columns roll-ups read beside the metrics
// document (migration 3): SnapshotsOfTeams returns what was upserted from
// metrics_compact and active_sketch; a writer that replaces the metrics
// alone (an earlier version's upsert, or the original system) makes the
// trigger clear both, so the roll-up reads the new JSON and no stale
// sketch; a write that leaves the metrics as they were keeps them; and
// corrupt ones give ErrCorrupt naming the row.
func TestRollupColumns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T"}}, nil, envOptions{})
	ctx := context.Background()
	d := analytics.NewDate(2024, 5, 1)
	sn := analytics.Snapshot{ID: "s1", Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: d, Metrics: metricsFor(t, d, 0),
		CreatedAt: time.Date(2024, 5, 3, 2, 0, 0, 0, time.UTC)}
	sn.Metrics.ActiveSketch = analytics.SketchOf("c1", "c2")
	sn.Metrics.Contacts.Active = 2
	read := func() analytics.Snapshot {
		t.Helper()
		got, err := e.store.SnapshotsOfTeams(ctx, []string{"T"}, analytics.Daily, d, d)
		if err != nil || len(got) != 1 {
			t.Fatalf("SnapshotsOfTeams: %v, %v", got, err)
		}
		return got[0]
	}
	filled := func() (sketch, compact bool) {
		t.Helper()
		if err := e.db.NewRaw(`SELECT active_sketch IS NOT NULL, metrics_compact IS NOT NULL FROM analytics_snapshots WHERE id = 's1'`).
			Scan(ctx, &sketch, &compact); err != nil {
			t.Fatal(err)
		}
		return sketch, compact
	}
	if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{sn}); err != nil {
		t.Fatal(err)
	}
	if sk, c := filled(); !sk || !c {
		t.Fatalf("after UpsertSnapshots: active_sketch set %v, metrics_compact set %v; want both", sk, c)
	}
	if d := cmp.Diff(sn, read()); d != "" {
		t.Errorf("SnapshotsOfTeams (-upserted +read):\n%s", d)
	}

	// A write that does not touch the metrics keeps the columns.
	if _, err := e.db.ExecContext(ctx, `UPDATE analytics_snapshots SET created_at = created_at + interval '1 hour' WHERE id = 's1'`); err != nil {
		t.Fatal(err)
	}
	if sk, c := filled(); !sk || !c {
		t.Errorf("an update of created_at alone cleared the roll-up columns (sketch %v, compact %v)", sk, c)
	}

	// An earlier version's upsert replaces metrics and created_at only.
	old := sn.Metrics
	old.Messages.Total, old.Messages.Outbound = 99, 96
	old.Contacts.Active = 5
	old.ActiveSketch = nil
	old.Derive()
	if _, err := e.db.ExecContext(ctx, `INSERT INTO analytics_snapshots (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at)
		VALUES ('other', 'T', NULL, ?::date, 'Daily', ?::jsonb, '2024-05-04 02:00:00')
		ON CONFLICT (team_id, whatsapp_account_id, date, snapshot_type)
		DO UPDATE SET metrics = EXCLUDED.metrics, created_at = EXCLUDED.created_at`, d.String(), mustJSON(t, old)); err != nil {
		t.Fatal(err)
	}
	if sk, c := filled(); sk || c {
		t.Errorf("after an earlier version's upsert: active_sketch set %v, metrics_compact set %v; want both cleared", sk, c)
	}
	got := read()
	if got.Metrics.ActiveSketch != nil || got.Metrics.Messages.Total != 99 || got.Metrics.Contacts.Active != 5 {
		t.Errorf("SnapshotsOfTeams after an earlier version's upsert: total %d, active %d, sketch %v; want the new JSON's 99 and 5, no sketch",
			got.Metrics.Messages.Total, got.Metrics.Contacts.Active, got.Metrics.ActiveSketch)
	}

	// This version writes them again, also when only the counts change
	// and the sketch stays the same.
	for i, total := range []int64{10, 11} {
		next := sn
		next.Metrics.Messages.Total, next.Metrics.Messages.Outbound = total, total-3
		next.Metrics.Derive()
		next.CreatedAt = sn.CreatedAt.Add(time.Duration(i+2) * 24 * time.Hour)
		if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{next}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(next, read()); d != "" {
			t.Errorf("SnapshotsOfTeams after re-upsert %d (-upserted +read):\n%s", i, d)
		}
	}

	for _, bad := range []struct{ column, value string }{
		{"active_sketch", `\x0200`},
		{"metrics_compact", `\x01`},
	} {
		if _, err := e.db.ExecContext(ctx, `UPDATE analytics_snapshots SET `+bad.column+` = ?::bytea WHERE id = 's1'`, bad.value); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.SnapshotsOfTeams(ctx, []string{"T"}, analytics.Daily, d, d)
		if !errors.Is(err, analytics.ErrCorrupt) || !strings.Contains(err.Error(), `"s1"`) {
			t.Errorf("corrupt %s: %v, want ErrCorrupt naming s1", bad.column, err)
		}
		if err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{sn}); err != nil {
			t.Fatal(err)
		}
	}
}
