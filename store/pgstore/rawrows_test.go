package pgstore_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
)

// TestAggregateHooksSeeStatements checks that the host's Bun query hooks
// see the statements whose rows Aggregate reads on the pgx connection
// beneath Bun: the message scan and the contact lookup, each declared as
// a cursor through Bun.
func TestAggregateHooksSeeStatements(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	teams, act := genDataset(7, from, 3, false)
	e := newEnv(t, teams, act, envOptions{})
	items, err := allItems(teams, from, 3)
	if err != nil {
		t.Fatal(err)
	}
	e.hook.counting(func() {
		if _, err := e.store.Aggregate(context.Background(), analytics.AggregateRequest{Items: items}); err != nil {
			t.Fatal(err)
		}
	})
	for _, want := range []struct{ cursor, table string }{
		{"DECLARE analytics_scan ", `FROM "messages" m`},
		{"DECLARE analytics_lookup ", `FROM "conversations" c`},
	} {
		found := false
		for _, q := range e.hook.sql {
			found = found || (strings.HasPrefix(q, want.cursor) && strings.Contains(q, want.table))
		}
		if !found {
			t.Errorf("no hooked statement starts with %q and reads %s; hooked:\n%s", want.cursor, want.table, strings.Join(e.hook.sql, "\n---\n"))
		}
	}
}

// TestAggregateMixedTimestampKinds runs the aggregation where one of the
// messages and conversations tables has timestamptz columns and the other
// timestamp without time zone, under a session zone far from UTC: the
// message scan reads both tables' times in one column, which must give
// both the same scale.
func TestAggregateMixedTimestampKinds(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 5
	for _, table := range []string{"messages", "conversations"} {
		t.Run(table+" timestamptz", func(t *testing.T) {
			t.Parallel()
			teams, act := genDataset(8, from, days, false, analytics.DefaultReplyWindow)
			e := newEnv(t, teams, act, envOptions{params: map[string]string{"TimeZone": "Asia/Kathmandu"},
				schema: withTimestamptz(t, synth.SchemaSQL, table)})
			items, err := allItems(teams, from, days)
			if err != nil {
				t.Fatal(err)
			}
			matchComputeMetrics(t, e.store, act, analytics.AggregateRequest{Items: items})
		})
	}
}

// withTimestamptz returns ddl with the created_at column of table made
// timestamptz.
func withTimestamptz(t *testing.T, ddl, table string) string {
	t.Helper()
	i := strings.Index(ddl, "CREATE TABLE IF NOT EXISTS "+table+" ")
	if i < 0 {
		t.Fatalf("no table %s in the schema", table)
	}
	j := i + strings.Index(ddl[i:], ");")
	body := regexp.MustCompile(`(created_at\s+)TIMESTAMP\(3\)`).ReplaceAllString(ddl[i:j], "${1}TIMESTAMPTZ")
	if body == ddl[i:j] {
		t.Fatalf("no created_at TIMESTAMP(3) column in table %s", table)
	}
	return ddl[:i] + body + ddl[j:]
}
