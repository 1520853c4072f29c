package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// planScan is what one EXPLAIN (FORMAT JSON) says of a statement: the
// partitions of messages and conversations it scans, and how many
// subplans run-time pruning removed.
type planScan struct {
	parts   map[string][]string // table -> its partitions scanned, sorted
	removed int                 // sum of "Subplans Removed"
}

// explainPartitions runs EXPLAIN (FORMAT JSON, and ANALYZE when analyze
// is set) of query on conn and returns the partitions of messages and
// conversations in the plan; with analyze, only those scanned at least
// once.
func explainPartitions(t *testing.T, conn bun.IConn, query string, analyze bool) planScan {
	t.Helper()
	opts := "FORMAT JSON"
	if analyze {
		opts = "ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON"
	}
	var out string
	if err := conn.QueryRowContext(context.Background(), "EXPLAIN ("+opts+") "+query).Scan(&out); err != nil {
		t.Fatalf("EXPLAIN: %v\n%s", err, query)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil {
		t.Fatal(err)
	}
	ps := planScan{parts: map[string][]string{}}
	var walk func(n planNode)
	walk = func(n planNode) {
		ps.removed += n.SubplansRemoved
		if n.Relation != "" && (!analyze || n.Loops > 0) {
			for _, table := range []string{"messages", "conversations"} {
				if strings.HasPrefix(n.Relation, table+"_") && !slices.Contains(ps.parts[table], n.Relation) {
					ps.parts[table] = append(ps.parts[table], n.Relation)
				}
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	for _, p := range ps.parts {
		slices.Sort(p)
	}
	return ps
}

// planNode is a node of EXPLAIN's JSON.
type planNode struct {
	Relation        string     `json:"Relation Name"`
	Loops           float64    `json:"Actual Loops"`
	SubplansRemoved int        `json:"Subplans Removed"`
	Plans           []planNode `json:"Plans"`
}

// statementName names an aggregation statement by its text.
func statementName(q string) string {
	switch {
	case strings.Contains(q, "AS t(team)\nCROSS JOIN LATERAL"): // contacts, per team
		return "contacts"
	case strings.Contains(q, "CROSS JOIN LATERAL"):
		return "lookup"
	case strings.Contains(q, "GROUPING SETS"):
		return "campaigns"
	case strings.HasPrefix(strings.TrimSpace(q), "WITH k AS"):
		return "contacts"
	case strings.Contains(q, "UNION ALL") && strings.Contains(q, `"messages" m`):
		return "scan"
	}
	return ""
}

// monthPartitions returns the partitions of table for the months from..to
// (inclusive, "2006_01"), then the default partition when def is set.
func monthPartitions(table string, from, to time.Time, def bool) []string {
	var out []string
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, table+"_"+m.Format("2006_01"))
	}
	if def {
		out = append(out, table+"_default")
	}
	return out
}

// TestAggregatePrunesPartitions aggregates one day for a team and its
// account on the partitioned schema (12 monthly partitions and a default
// one for messages and conversations, all holding rows), EXPLAINs each
// statement the store ran, as it ran it, and checks which partitions it
// reads:
//
//   - the scan of messages and conversations reads the day's month only
//     (its range, the day widened by the reply window, lies in it), and
//     not the default partition, which can hold no row of that range;
//   - the contacts statement, for the account scope's as-of totals, reads
//     every conversation created before the day's end: the partitions up
//     to the day's month, and the default one (which holds older rows);
//   - the lookup of the contacts of conversations created outside the scan
//     range finds them by (team_id, id), with no created_at: one index
//     probe in each of the 13 partitions per conversation looked up;
//   - campaigns read no partitioned table.
//
// Without account scopes, the contacts statement reads no conversation;
// the scan of a month's last day also reads the next month's partitions.
//
// The store's driver sends the arguments as literals, so Postgres prunes
// when it plans. The same statements prepared with parameters and run
// with a generic plan (as a driver that binds parameters would) prune the
// same partitions when the executor starts (EXPLAIN ANALYZE's Subplans
// Removed).
func TestAggregatePrunesPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	teams, act := genDataset(21, from, 410, false, analytics.DefaultReplyWindow)
	day := time.Date(2025, 10, 15, 0, 0, 0, 0, time.UTC)
	team := analytics.Team{ID: "explain", TimeZone: "UTC", AccountIDs: []string{"explain-wa"}}
	teams = append(teams, team)
	at := func(d time.Duration) time.Time { return day.Add(d) }
	act.Contacts = append(act.Contacts, store.Contact{ID: "c1", TeamID: "explain", CreatedAt: at(-90 * 24 * time.Hour)})
	act.Conversations = append(act.Conversations,
		store.Conversation{ID: "old", TeamID: "explain", AccountID: "explain-wa", ContactID: "c1", Status: store.ConversationOpen, CreatedAt: at(-25 * 24 * time.Hour)},
		store.Conversation{ID: "new", TeamID: "explain", AccountID: "explain-wa", ContactID: "c1", Status: store.ConversationOpen, CreatedAt: at(9 * time.Hour)})
	act.Messages = append(act.Messages,
		store.Message{ID: "m1", TeamID: "explain", AccountID: "explain-wa", ConversationID: "old", Status: store.StatusRead, Inbound: true, CreatedAt: at(10 * time.Hour)},
		store.Message{ID: "m2", TeamID: "explain", AccountID: "explain-wa", ConversationID: "old", Status: store.StatusRead, CreatedAt: at(10*time.Hour + 5*time.Minute)},
		store.Message{ID: "m3", TeamID: "explain", AccountID: "explain-wa", ConversationID: "new", Status: store.StatusSent, CreatedAt: at(11 * time.Hour)})
	act.Campaigns = append(act.Campaigns, store.Campaign{ID: "cp", TeamID: "explain", AccountID: "explain-wa", Status: store.CampaignRunning, CreatedAt: at(12 * time.Hour)})

	e := newEnv(t, teams, act, envOptions{schema: partitionedSchema(t)})
	checkSpread(t, e.db, "messages")
	if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	execEach(t, e.db, `ANALYZE messages, conversations, contacts, campaigns`)
	var total int
	if err := e.db.NewRaw(`SELECT count(*)::int FROM pg_partition_tree('messages') WHERE isleaf`).Scan(ctx, &total); err != nil {
		t.Fatal(err)
	}

	p, err := analytics.PeriodOf(analytics.Daily, day, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("explain"), Period: p}, {Scope: analytics.AccountScope("explain", "explain-wa"), Period: p},
	}}
	var got []analytics.Metrics
	e.hook.counting(func() { got, err = e.store.Aggregate(ctx, req) })
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Messages.Total != 3 || got[0].Campaigns.Total != 1 {
		t.Fatalf("the day's metrics: %+v, want its 3 messages and 1 campaign", got[0])
	}

	conv := monthPartitions("conversations", from, day, true)
	want := map[string]map[string][]string{
		"scan":      {"messages": {"messages_2025_10"}, "conversations": {"conversations_2025_10"}},
		"lookup":    {"conversations": monthPartitions("conversations", from, from.AddDate(0, 11, 0), true)},
		"contacts":  {"conversations": conv},
		"campaigns": {},
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	seen := map[string]bool{}
	for _, q := range e.hook.sql {
		name := statementName(q)
		if name == "" {
			continue
		}
		seen[name] = true
		ps := explainPartitions(t, conn, q, false)
		if d := cmp.Diff(want[name], ps.parts); d != "" {
			t.Errorf("%s reads partitions (-want +got):\n%s", name, d)
		}
		t.Logf("%s: plan-time pruning; of %d partitions each, reads messages %d, conversations %d", name, total, len(ps.parts["messages"]), len(ps.parts["conversations"]))
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("the aggregation ran no %s statement; ran:\n%s", name, strings.Join(e.hook.sql, "\n\n"))
		}
	}

	// The same statements with parameters, under a generic plan.
	stmts, args := pgstore.GroupStatements(e.store, []string{"explain"}, p.Start, p.End, analytics.DefaultReplyWindow, true)
	exec1 := func(q string) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec1(`SET plan_cache_mode = force_generic_plan`)
	for name, q := range stmts {
		prepared, execute := prepareGeneric(e.db, "agg_"+name, q, args)
		exec1(prepared)
		plan := explainPartitions(t, conn, execute, false)
		run := explainPartitions(t, conn, execute, true)
		if d := cmp.Diff(want[name], run.parts); d != "" {
			t.Errorf("%s under a generic plan reads partitions (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff(run.parts, plan.parts); d != "" {
			t.Errorf("%s: EXPLAIN and EXPLAIN ANALYZE of the generic plan differ (-analyze +explain):\n%s", name, d)
		}
		if name == "scan" && run.removed == 0 {
			t.Errorf("scan under a generic plan: no Subplans Removed")
		}
		t.Logf("%s: generic plan; Subplans Removed %d; reads messages %d, conversations %d", name, run.removed, len(run.parts["messages"]), len(run.parts["conversations"]))
	}

	// Without account scopes the contacts statement reads no conversation;
	// the last day of a month, widened by the reply window, reaches into
	// the next month's partition.
	stmts, args = pgstore.GroupStatements(e.store, []string{"explain"}, p.Start, p.End, analytics.DefaultReplyWindow, false)
	if ps := explainPartitions(t, conn, e.db.QueryGen().FormatQuery(stmts["contacts"], args...), false); len(ps.parts) != 0 {
		t.Errorf("contacts without account scopes reads %v, want none", ps.parts)
	}
	last := time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC)
	stmts, args = pgstore.GroupStatements(e.store, []string{"explain"}, last, last.AddDate(0, 0, 1), analytics.DefaultReplyWindow, true)
	ps := explainPartitions(t, conn, e.db.QueryGen().FormatQuery(stmts["scan"], args...), false)
	wantLast := map[string][]string{"messages": {"messages_2025_10", "messages_2025_11"}, "conversations": {"conversations_2025_10", "conversations_2025_11"}}
	if d := cmp.Diff(wantLast, ps.parts); d != "" {
		t.Errorf("scan of 2025-10-31 reads partitions (-want +got):\n%s", d)
	}
}

var placeholderRE = regexp.MustCompile(`\?([0-9]+)`)

// prepareGeneric returns PREPARE name AS query, its ?N placeholders numbered as
// $1… in order of first use, and the EXECUTE of it with args (formatted
// as Bun formats them).
func prepareGeneric(db *bun.DB, name, query string, args []any) (string, string) {
	num := map[string]int{}
	var vals []string
	body := placeholderRE.ReplaceAllStringFunc(query, func(m string) string {
		if _, ok := num[m]; !ok {
			i, _ := strconv.Atoi(m[1:])
			vals = append(vals, db.QueryGen().FormatQuery("?", args[i]))
			num[m] = len(vals)
		}
		return fmt.Sprintf("$%d", num[m])
	})
	return "PREPARE " + name + " AS " + body, "EXECUTE " + name + "(" + strings.Join(vals, ", ") + ")"
}
