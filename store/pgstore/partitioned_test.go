package pgstore_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
	"github.com/msgstats/analytics/store/storetest"
)

// partitionedSchema returns testdata/partitioned.sql: the reference schema
// with messages and conversations partitioned by month of created_at
// (April 2025 to March 2026, and a DEFAULT partition).
func partitionedSchema(t *testing.T) string {
	t.Helper()
	ddl, err := os.ReadFile("testdata/partitioned.sql")
	if err != nil {
		t.Fatal(err)
	}
	return string(ddl)
}

// partitionRows returns the number of rows in each partition of table
// (unquoted), by the partition's name, that holds any.
func partitionRows(t *testing.T, db *bun.DB, table string) map[string]int {
	t.Helper()
	rows, err := db.QueryContext(context.Background(),
		`SELECT c.relname::text, count(*)::int FROM `+testenv.QuoteIdent(table)+` t JOIN pg_class c ON c.oid = t.tableoid GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSpread fails t unless the rows of table in db lie in at least two
// monthly partitions and in the default partition.
func checkSpread(t *testing.T, db *bun.DB, table string) {
	t.Helper()
	parts := partitionRows(t, db, table)
	monthly := 0
	for name := range parts {
		if name != table+"_default" {
			monthly++
		}
	}
	if monthly < 2 || parts[table+"_default"] == 0 {
		t.Fatalf("%s rows by partition %v: want rows in two monthly partitions or more and in the default one", table, parts)
	}
	t.Logf("%s rows by partition: %v", table, parts)
}

// TestConformancePartitioned runs the Store conformance suite on the
// partitioned schema (testdata/partitioned.sql). The suite's datasets run
// from January to April and from October to December 2026, so their rows
// land in the February and March partitions and in the default one; the
// test checks that they did.
func TestConformancePartitioned(t *testing.T) {
	t.Parallel()
	ddl := partitionedSchema(t)
	var mu sync.Mutex
	spread := map[string]map[string]bool{"messages": {}, "conversations": {}}
	t.Cleanup(func() {
		for table, parts := range spread {
			monthly := 0
			for p := range parts {
				if !strings.HasSuffix(p, "_default") {
					monthly++
				}
			}
			if monthly < 2 || !parts[table+"_default"] {
				t.Errorf("the suite's %s were in partitions %v: want two monthly partitions or more and the default one", table, parts)
			}
		}
	})
	storetest.Run(t, func(t *testing.T, d storetest.Dataset) analytics.Store {
		e := newEnv(t, d.Teams, &d.Activity, envOptions{schema: ddl, cfg: campaignConfig()})
		for table := range spread {
			parts := partitionRows(t, e.db, table)
			mu.Lock()
			for p := range parts {
				spread[table][p] = true
			}
			mu.Unlock()
		}
		return e.store
	})
}

// TestCrossCheckWithMemstorePartitioned is TestCrossCheckWithMemstore on
// the partitioned schema, with six weeks from 2026-02-23 at a quarter of the
// messages a day: its messages and conversations lie in the February and
// March partitions and, from April on, in the default one.
func TestCrossCheckWithMemstorePartitioned(t *testing.T) {
	t.Parallel()
	db := crossCheckWithMemstore(t, envOptions{schema: partitionedSchema(t)}, func(c *synth.Config) {
		c.Start, c.Days, c.MessagesPerDay = analytics.NewDate(2026, 2, 23), 42, 1500
	})
	checkSpread(t, db, "messages")
	checkSpread(t, db, "conversations")
}

// TestProposeSourcePartitioned: ProposeSource on the partitioned schema
// proposes the partitioned parents, not their partitions, and New accepts
// the proposal.
func TestProposeSourcePartitioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{schema: partitionedSchema(t), noMig: true})
	src, notes, err := pgstore.ProposeSource(ctx, e.db, "")
	if err != nil {
		t.Fatal(err)
	}
	if src.Messages.Table != "messages" || src.Conversations.Table != "conversations" {
		t.Errorf("proposed messages %q and conversations %q, want the partitioned parents; notes:\n%s",
			src.Messages.Table, src.Conversations.Table, strings.Join(notes, "\n"))
	}
	if _, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New rejects the proposal: %v", err)
	}
}

// TestPrismaPartitioned: on the Prisma-shaped schema with "Message" and
// "Conversation" partitioned by month (testdata/prisma_partitioned.sql),
// holding six weeks from 2024-03-25 (the March and April partitions and,
// from May on, the default one), IndexPlan finds the indexes Prisma made
// on the partitioned parents, and aggregating through ProposeSource's
// mapping gives what ComputeMetrics gives over the same activity.
func TestPrismaPartitioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from := time.Date(2024, 3, 25, 0, 0, 0, 0, time.UTC)
	const days = 42
	teams, act := genDataset(12, from, days, false, analytics.DefaultReplyWindow)
	db := prismaDBFrom(t, "testdata/prisma_partitioned.sql", teams, act)
	checkSpread(t, db, "Message")
	checkSpread(t, db, "Conversation")

	src, _, err := pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, db, &pgstore.Config{Source: src})
	if err != nil {
		t.Fatalf("New rejects the proposal: %v", err)
	}
	plan, err := st.IndexPlan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, idx := range map[string]string{`"Message"`: `"Message_teamId_createdAt_idx"`, `"Conversation"`: `"Conversation_teamId_createdAt_idx"`} {
		i := slices.IndexFunc(plan, func(ix pgstore.Index) bool { return ix.Table == table })
		if i < 0 || !plan[i].Partitioned || !strings.Contains(plan[i].Skip, idx) {
			t.Errorf("IndexPlan on %s: %+v, want Partitioned and skipped for %s", table, plan, idx)
		}
	}
	if err := st.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}

	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	matchComputeMetrics(t, st, act, analytics.AggregateRequest{Items: items})
}
