package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// indexState reports whether the index name on table exists and is valid,
// and how many of the table's partitions (at any depth) have no index
// attached to it.
func indexState(t *testing.T, db *bun.DB, table, name string) (valid bool, missing int) {
	t.Helper()
	err := db.NewRaw(`
SELECT COALESCE((SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = ?0::regclass AND c.relname = ?1), false),
	(SELECT count(*) FROM pg_partition_tree(?0::regclass) WHERE level > 0)::int
	- COALESCE((SELECT count(*) FROM pg_partition_tree((SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = ?0::regclass AND c.relname = ?1)) WHERE level > 0), 0)::int`, table, name).
		Scan(context.Background(), &valid, &missing)
	if err != nil {
		t.Fatal(err)
	}
	return valid, missing
}

// planIndex returns the index of st's IndexPlan on table (quoted).
func planIndex(t *testing.T, st *pgstore.Store, table string) pgstore.Index {
	t.Helper()
	plan, err := st.IndexPlan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range plan {
		if ix.Table == table {
			return ix
		}
	}
	t.Fatalf("IndexPlan has no index on %s", table)
	return pgstore.Index{}
}

// execEach runs each statement on its own, outside any transaction block.
func execEach(t *testing.T, db *bun.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestPartitionedIndexStatements: on the partitioned schema, with a
// partition that is itself partitioned (by halves of May), Index.Concurrently is
// refused by Postgres, and the Statements(true) of IndexPlan's index build
// it without blocking writes: ON ONLY the parent, CONCURRENTLY on each
// partition, attached one by one. Run in part (as an interrupted run
// leaves it), the index is not valid and IndexPlan lists only the
// partitions left; their Statements make it valid; a failed concurrent build's INVALID index is dropped
// and built again, and an equivalent index of the host's on a partition
// is attached rather than duplicated. A partition created afterwards gets
// the index from Postgres.
func TestPartitionedIndexStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	teams := []analytics.Team{{ID: "t1"}}
	act := &store.Activity{Messages: []store.Message{
		{ID: "m1", TeamID: "t1", Status: store.StatusSent, CreatedAt: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)},
		{ID: "m2", TeamID: "t1", Status: store.StatusSent, CreatedAt: time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)},
	}}
	e := newEnv(t, teams, act, envOptions{schema: partitionedSchema(t)})
	execEach(t, e.db, `CREATE TABLE messages_2026_05 PARTITION OF messages FOR VALUES FROM ('2026-05-01') TO ('2026-06-01') PARTITION BY RANGE (created_at)`,
		`CREATE TABLE messages_2026_05a PARTITION OF messages_2026_05 FOR VALUES FROM ('2026-05-01') TO ('2026-05-16')`,
		`CREATE TABLE messages_2026_05b PARTITION OF messages_2026_05 FOR VALUES FROM ('2026-05-16') TO ('2026-06-01')`)
	st, err := pgstore.New(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	const name = "analytics_messages_team_created_idx"
	for _, ix := range st.RecommendedIndexes() {
		want := ix.Table == `"messages"` || ix.Table == `"conversations"`
		if ix.Partitioned != want {
			t.Errorf("%s: Partitioned %v, want %v", ix.Table, ix.Partitioned, want)
		}
	}

	ix := planIndex(t, st, `"messages"`)
	if _, err := e.db.ExecContext(ctx, ix.Concurrently()); err == nil || !strings.Contains(err.Error(), "concurrently") {
		t.Errorf("Concurrently on a partitioned table: %v, want Postgres's refusal", err)
	}
	// 12 months, the default partition, May, and May's two halves.
	if len(ix.Partitions) != 16 {
		t.Fatalf("%d partitions to index, want 16: %+v", len(ix.Partitions), ix.Partitions)
	}
	stmts := ix.Statements(true)
	if !strings.HasPrefix(stmts[0], `CREATE INDEX IF NOT EXISTS "`+name+`" ON ONLY "messages" (`) {
		t.Errorf("first statement %q, want CREATE INDEX … ON ONLY the parent", stmts[0])
	}
	var may pgstore.PartitionIndex
	for _, p := range ix.Partitions {
		if strings.HasSuffix(p.Table, `."messages_2026_05a"`) {
			may = p
		}
	}
	if may.Name != "analytics_messages_2026_05a_team_created_idx" || !strings.HasSuffix(may.Parent, `."analytics_messages_2026_05_team_created_idx"`) || may.Partitioned {
		t.Errorf("May's first half: %+v, want its own index attached to May's", may)
	}
	joined := strings.Join(stmts, "\n")
	for _, s := range []string{
		`CREATE INDEX CONCURRENTLY IF NOT EXISTS "analytics_messages_2026_03_team_created_idx" ON `,
		`CREATE INDEX IF NOT EXISTS "analytics_messages_2026_05_team_created_idx" ON ONLY `,
		`."` + name + `" ATTACH PARTITION `,
	} {
		if !strings.Contains(joined, s) {
			t.Errorf("statements lack %q:\n%s", s, joined)
		}
	}

	// Interrupted after the parent and two partitions.
	execEach(t, e.db, stmts[:5]...)
	if valid, missing := indexState(t, e.db, "messages", name); valid || missing != 14 {
		t.Fatalf("after a partial run: valid %v, %d partitions missing; want invalid, 14", valid, missing)
	}
	// A failed concurrent build on March, and the host's own index on
	// February.
	if _, err := e.db.ExecContext(ctx, `CREATE UNIQUE INDEX CONCURRENTLY analytics_messages_2026_03_team_created_idx ON messages_2026_03 (status)`); err == nil {
		t.Fatal("a unique index on duplicate statuses was built")
	}
	execEach(t, e.db, `CREATE INDEX host_feb ON messages_2026_02 (team_id, created_at)`)
	ix = planIndex(t, st, `"messages"`)
	if len(ix.Partitions) != 14 {
		t.Fatalf("%d partitions to index after a partial run, want 14", len(ix.Partitions))
	}
	for _, p := range ix.Partitions {
		switch {
		case strings.HasSuffix(p.Table, `."messages_2026_03"`) && !p.Drop:
			t.Errorf("March's invalid index is not dropped: %+v", p)
		case strings.HasSuffix(p.Table, `."messages_2026_02"`) && (!p.Exists || p.Name != "host_feb"):
			t.Errorf("February's own index is not attached: %+v", p)
		}
	}
	// The rest without CONCURRENTLY: each concurrent build waits for every
	// older transaction of the database, those of other tests too.
	execEach(t, e.db, ix.Statements(false)...)
	if valid, missing := indexState(t, e.db, "messages", name); !valid || missing != 0 {
		t.Fatalf("after Statements: valid %v, %d partitions missing", valid, missing)
	}
	if ix := planIndex(t, st, `"messages"`); len(ix.Partitions) != 0 {
		t.Errorf("IndexPlan after the build still lists %d partitions", len(ix.Partitions))
	}
	var n int
	if err := e.db.NewRaw(`SELECT count(*) FROM pg_index WHERE indrelid = 'messages_2026_02'::regclass`).Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 2 { // the primary key's and host_feb
		t.Errorf("February has %d indexes, want 2 (host_feb attached, none built beside it)", n)
	}

	// A partition created later gets the index.
	execEach(t, e.db, `CREATE TABLE messages_2026_06 PARTITION OF messages FOR VALUES FROM ('2026-06-01') TO ('2026-07-01')`)
	if valid, missing := indexState(t, e.db, "messages", name); !valid || missing != 0 {
		t.Errorf("after a new partition: valid %v, %d partitions missing", valid, missing)
	}
}

// TestCreateRecommendedIndexesPartitioned: CreateRecommendedIndexes makes
// valid indexes on partitioned tables, completes one left invalid, and
// does nothing the second time.
func TestCreateRecommendedIndexesPartitioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{schema: partitionedSchema(t)})
	// Left by an interrupted run: the parent's index alone.
	execEach(t, e.db, `CREATE INDEX analytics_conversations_team_created_idx ON ONLY conversations (team_id, created_at)`)
	for range 2 {
		if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tbl := range []string{"messages", "conversations"} {
			if valid, missing := indexState(t, e.db, tbl, "analytics_"+tbl+"_team_created_idx"); !valid || missing != 0 {
				t.Errorf("%s: valid %v, %d partitions missing", tbl, valid, missing)
			}
		}
	}
}
