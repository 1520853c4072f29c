package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
	"github.com/msgstats/analytics/store/storetest"
)

// replicaEnv is one test's schema on the primary and its standby, holding
// the reference source tables, with a migrated Store that reads on the
// standby, and a hook on each pool counting its statements.
type replicaEnv struct {
	primary, replica *bun.DB
	store            *pgstore.Store
	ph, rh           *countHook
}

// newReplicaEnv loads teams and a on the primary and opens a Store on it
// with the standby as Config.Replica (cfg's other fields as given); delay,
// when positive, makes the standby lag that much (testenv.LaggingReplica).
func newReplicaEnv(t *testing.T, teams []analytics.Team, a *store.Activity, cfg *pgstore.Config, delay time.Duration) *replicaEnv {
	t.Helper()
	ctx := context.Background()
	var primary, replica *bun.DB
	if delay > 0 {
		primary, replica = testenv.LaggingReplica(t, delay)
	} else {
		primary, replica = testenv.Replica(t)
	}
	if _, err := primary.ExecContext(ctx, synth.SchemaSQL); err != nil {
		t.Fatalf("creating the source schema: %v", err)
	}
	if err := synth.InsertRows(ctx, primary, teams, a); err != nil {
		t.Fatalf("loading rows: %v", err)
	}
	if err := testenv.WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatal(err)
	}
	c := pgstore.Config{}
	if cfg != nil {
		c = *cfg
	}
	c.Replica = replica
	st, err := pgstore.New(ctx, primary, &c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	e := &replicaEnv{primary: primary, replica: replica, store: st, ph: &countHook{}, rh: &countHook{}}
	primary.AddQueryHook(e.ph)
	replica.AddQueryHook(e.rh)
	return e
}

// on runs f and returns the statements it ran on the primary and on the
// replica, leaving out the wait's questions to the replica.
func (e *replicaEnv) on(f func()) (primary, replica int) {
	replica = e.rh.counting(func() { primary = e.ph.counting(f) })
	e.rh.mu.Lock()
	defer e.rh.mu.Unlock()
	for _, q := range e.rh.sql {
		if strings.Contains(q, "pg_last_wal_replay_lsn") {
			replica--
		}
	}
	return primary, replica
}

// replicaData is a small dataset: two days of a few teams.
func replicaData(t *testing.T) ([]analytics.Team, store.Activity) {
	t.Helper()
	teams, act, err := synth.Build(synth.Config{Teams: 3, MessagesPerDay: 200, Days: 2,
		Start: analytics.NewDate(2024, 5, 1), TimeZones: []string{"UTC"}})
	if err != nil {
		t.Fatal(err)
	}
	return teams, act
}

// TestReplicaRouting checks, by the statements each pool runs, that reads
// go to the replica and writes, migrations and job runs to the primary.
func TestReplicaRouting(t *testing.T) {
	t.Parallel()
	teams, act := replicaData(t)
	e := newReplicaEnv(t, teams, &act, nil, 0)
	ctx := context.Background()
	team := teams[0].ID
	d := analytics.NewDate(2024, 5, 1)
	day, _ := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope(team), Period: day}}}
	snap := analytics.Snapshot{Scope: analytics.TeamScope(team), Type: analytics.Daily, Date: d, Metrics: metricsFor(t, d, 0)}
	claim := scheduler.JobClaim{Job: "daily", Period: d, Owner: "o", Now: time.Now(), StaleAfter: time.Minute}
	reads := map[string]func() error{
		"Aggregate":      func() error { _, err := e.store.Aggregate(ctx, req); return err },
		"ActiveContacts": func() error { _, err := e.store.ActiveContacts(ctx, req); return err },
		"Snapshots": func() error {
			_, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: snap.Scope, Type: analytics.Daily, From: d, To: d})
			return err
		},
		"SnapshotsOfTeams": func() error {
			_, err := e.store.SnapshotsOfTeams(ctx, []string{team}, analytics.Daily, d, d)
			return err
		},
		"StreamSnapshotsOfTeams": func() error {
			return e.store.StreamSnapshotsOfTeams(ctx, []string{team}, analytics.Daily, d, d, func(*analytics.Snapshot) error { return nil })
		},
		"TeamSnapshotDates": func() error {
			_, err := e.store.TeamSnapshotDates(ctx, []string{team}, analytics.Daily, d, d)
			return err
		},
		"Teams":       func() error { _, err := e.store.Teams(ctx, "", 10); return err },
		"Team":        func() error { _, err := e.store.Team(ctx, team); return err },
		"CheckSource": func() error { _, err := e.store.CheckSource(ctx); return err },
	}
	writes := map[string]func() error{
		"UpsertSnapshots": func() error { return e.store.UpsertSnapshots(ctx, []analytics.Snapshot{snap}) },
		"Migrate":         func() error { return e.store.Migrate(ctx) },
		"ClaimJobRun":     func() error { _, _, err := e.store.ClaimJobRun(ctx, claim); return err },
		"JobRuns":         func() error { _, err := e.store.JobRuns(ctx, "daily", d, d); return err },
	}
	for name, f := range reads {
		var err error
		p, r := e.on(func() { err = f() })
		if err != nil || p != 0 || r == 0 {
			t.Errorf("%s: %d statements on the primary, %d on the replica, err %v; want all on the replica", name, p, r, err)
		}
	}
	for name, f := range writes {
		var err error
		p, r := e.on(func() { err = f() })
		if err != nil || p == 0 || r != 0 {
			t.Errorf("%s: %d statements on the primary, %d on the replica besides the wait, err %v; want all on the primary", name, p, r, err)
		}
	}
	if s := e.store.ReplicaStats(); s.Caught < 2 || s.TimedOut+s.Canceled+s.PrimaryReads != 0 || s.Behind {
		t.Errorf("ReplicaStats = %+v, want the two writes caught and nothing else", s)
	}
}

// TestReplicaLag checks, on a standby that applies commits 2 s late, that
// snapshots read right after UpsertSnapshots returns are the new ones:
// through the wait when Config.ReplicaWait outlasts the lag, and from the
// primary when it does not, until the replica has caught up.
func TestReplicaLag(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, nil, nil, 2*time.Second)
	ctx := context.Background()
	d := analytics.NewDate(2024, 5, 1)
	q := analytics.SnapshotQuery{Scope: analytics.TeamScope("T"), Type: analytics.Daily, From: d, To: d.AddDays(9)}
	upsertRead := func(st *pgstore.Store, days int) (p, r int) {
		t.Helper()
		var snaps []analytics.Snapshot
		for i := range days {
			snaps = append(snaps, analytics.Snapshot{Scope: q.Scope, Type: analytics.Daily, Date: d.AddDays(i), Metrics: metricsFor(t, d.AddDays(i), int64(days))})
		}
		if err := st.UpsertSnapshots(ctx, snaps); err != nil {
			t.Fatal(err)
		}
		var got []analytics.Snapshot
		var err error
		p, r = e.on(func() { got, err = st.Snapshots(ctx, q) })
		if err != nil || len(got) != days || got[days-1].Metrics.Messages.Total != 10+int64(days) {
			t.Fatalf("Snapshots right after UpsertSnapshots of %d days: %d snapshots, err %v; want the new ones", days, len(got), err)
		}
		return p, r
	}

	// The wait: the default bound (5 s) outlasts the lag.
	if p, r := upsertRead(e.store, 1); p != 0 || r == 0 {
		t.Errorf("read after a wait: %d statements on the primary, %d on the replica; want the replica", p, r)
	}
	if s := e.store.ReplicaStats(); s.TimedOut != 0 || s.Behind {
		t.Errorf("ReplicaStats = %+v after a wait within the bound", s)
	}

	// The fallback: a bound shorter than the lag.
	cfg := e.store.Config()
	cfg.ReplicaWait = 100 * time.Millisecond
	short, err := pgstore.New(ctx, e.primary, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p, r := upsertRead(short, 2); p == 0 || r != 0 {
		t.Errorf("read past the bound: %d statements on the primary, %d on the replica; want the primary", p, r)
	}
	if s := short.ReplicaStats(); s.TimedOut != 1 || !s.Behind || s.PrimaryReads == 0 {
		t.Errorf("ReplicaStats = %+v past the bound, want one timeout and reads on the primary", s)
	}
	// Once the replica has replayed the write, reads go back to it, within
	// pgstore.ReplicaRecheck.
	if err := testenv.WaitReplayed(ctx, e.primary, e.replica); err != nil {
		t.Fatal(err)
	}
	back := false
	for i := 0; i < 100 && !back; i++ {
		time.Sleep(pgstore.ReplicaRecheck / 5)
		p, r := e.on(func() { _, err = short.Snapshots(ctx, q) })
		back = err == nil && p == 0 && r > 0
	}
	if !back || short.ReplicaStats().Behind {
		t.Errorf("reads did not go back to the replica once it caught up: %+v", short.ReplicaStats())
	}
}

// TestReplicaWaitCanceled checks that a context ending during the wait
// ends it with the context's error, the write committed, and later reads
// of the store seeing it (from the primary).
func TestReplicaWaitCanceled(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, nil, nil, 2*time.Second)
	d := analytics.NewDate(2024, 5, 1)
	snap := analytics.Snapshot{Scope: analytics.TeamScope("T"), Type: analytics.Daily, Date: d, Metrics: metricsFor(t, d, 0)}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := e.store.UpsertSnapshots(ctx, []analytics.Snapshot{snap})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "committed") {
		t.Fatalf("UpsertSnapshots = %v, want the context's error saying the write is committed", err)
	}
	got, err := e.store.Snapshots(context.Background(), analytics.SnapshotQuery{Scope: snap.Scope, Type: analytics.Daily, From: d, To: d})
	if err != nil || len(got) != 1 {
		t.Errorf("Snapshots after the canceled wait = %v, %v; want the snapshot", got, err)
	}
	if s := e.store.ReplicaStats(); s.Canceled != 1 || s.PrimaryReads == 0 {
		t.Errorf("ReplicaStats = %+v, want one canceled wait and the read on the primary", s)
	}
}

// TestReplicaConformance runs the Store conformance suite on a Store that
// reads on the standby: it writes and reads back at once.
func TestReplicaConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d storetest.Dataset) analytics.Store {
		cfg := campaignConfig()
		cfg.WorkingHours = hoursCallback(d.Teams)
		return newReplicaEnv(t, d.Teams, &d.Activity, cfg, 0).store
	})
}

// TestNewReplicaErrors checks New's errors for a replica that is not a
// standby, one that cannot be reached, one that does not see the source
// tables, and a negative ReplicaWait.
func TestNewReplicaErrors(t *testing.T) {
	t.Parallel()
	primary, replica := testenv.Replica(t)
	ctx := context.Background()
	if _, err := primary.ExecContext(ctx, synth.SchemaSQL); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.New(ctx, primary, &pgstore.Config{Replica: replica}); err != nil {
		t.Fatalf("New with the standby: %v", err)
	}
	tests := []struct {
		name    string
		replica *bun.DB
		cfg     pgstore.Config
		want    []string
		invalid bool
	}{
		{"the primary", primary, pgstore.Config{}, []string{"Config.Replica", "not a physical standby", "pg_is_in_recovery() is false"}, true},
		{"unreachable", openURL(t, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", ""), pgstore.Config{},
			[]string{"Config.Replica", "cannot be reached"}, false},
		{"another search_path", openURL(t, testenv.Require(t, "TEST_REPLICA_URL"), "no_such_schema"), pgstore.Config{},
			[]string{"Config.Replica", "on the replica", "Config.Source.Messages.Table", "does not exist"}, true},
		{"negative wait", replica, pgstore.Config{ReplicaWait: -time.Second}, []string{"Config.ReplicaWait", "must not be negative"}, true},
	}
	for _, tt := range tests {
		cfg := tt.cfg
		cfg.Replica = tt.replica
		_, err := pgstore.New(ctx, primary, &cfg)
		if err == nil {
			t.Errorf("%s: New succeeded", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tt.name, err, w)
			}
		}
		if errors.Is(err, analytics.ErrInvalidArgument) != tt.invalid {
			t.Errorf("%s: errors.Is(%v, ErrInvalidArgument) = %v, want %v", tt.name, err, !tt.invalid, tt.invalid)
		}
	}
}

// openURL opens a pool on url, with search_path schema unless it is
// empty, closed when the test ends.
func openURL(t *testing.T, url, schema string) *bun.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if schema != "" {
		cfg.RuntimeParams["search_path"] = schema
	}
	db := bun.NewDB(sql.OpenDB(stdlib.GetConnector(*cfg)), pgdialect.New())
	t.Cleanup(func() { db.Close() })
	return db
}
