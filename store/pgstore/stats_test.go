package pgstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/msgstats/analytics/store/pgstore"
)

// TestNewChecksStatistics: on text status and sender-type columns, New
// reads the planner's statistics once the table has been analyzed: a
// sender type that matches none of the values, or a value whose near
// match is there, fails it; a list that merely matches nothing (no
// failure yet) does not, nor does a table never analyzed.
func TestNewChecksStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	if _, err := e.db.ExecContext(ctx, `
ALTER TABLE messages SET (autovacuum_enabled = false);
INSERT INTO teams (id) VALUES ('t1');
INSERT INTO messages (id, team_id, status, sender_type, created_at)
SELECT 'm' || i, 't1', (ARRAY['sent', 'delivered', 'read', 'pending'])[1 + i % 4],
	CASE WHEN i % 3 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END, '2026-03-10 10:00'
FROM generate_series(1, 300) i;`); err != nil {
		t.Fatal(err)
	}

	// Never analyzed: no statistics, nothing to check.
	if _, err := pgstore.New(ctx, e.db, nil); err != nil {
		t.Fatalf("New before ANALYZE: %v", err)
	}
	if _, err := e.db.ExecContext(ctx, `ANALYZE messages`); err != nil {
		t.Fatal(err)
	}
	_, err := pgstore.New(ctx, e.db, nil)
	probs := sourceProblems(t, err)
	if len(probs) != 1 {
		t.Fatalf("%d problems, want 1:\n%s", len(probs), strings.Join(probs, "\n"))
	}
	for _, s := range []string{"Config.Source.Messages.InboundSenderTypes: matches none of the values of column", `"messages"."sender_type"`,
		"'OUTBOUND' (66.7%), 'INBOUND' (33.3%)", "pg_stats"} {
		if !strings.Contains(probs[0], s) {
			t.Errorf("problem %q does not say %s", probs[0], s)
		}
	}

	// The sender types mapped; no message has failed: no problem.
	cfg := &pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{InboundSenderTypes: []string{"INBOUND"}}}}
	if _, err := pgstore.New(ctx, e.db, cfg); err != nil {
		t.Fatalf("New with the sender types mapped and no failed message: %v", err)
	}

	// 'sent' in capitals on the text column, the default lower case
	// configured: the near match is suggested.
	if _, err := e.db.ExecContext(ctx, `UPDATE messages SET status = 'SENT' WHERE status = 'sent'; ANALYZE messages`); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.New(ctx, e.db, cfg)
	probs = sourceProblems(t, err)
	if len(probs) != 1 || !strings.Contains(probs[0], "Config.Source.Messages.SentStatuses[0]: 'sent' is not among the values of column") ||
		!strings.Contains(probs[0], "did you mean 'SENT'?") {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}

	// None of the sent statuses there at all.
	if _, err := e.db.ExecContext(ctx, `UPDATE messages SET status = 'OK' WHERE status <> 'pending'; ANALYZE messages`); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.New(ctx, e.db, cfg)
	probs = sourceProblems(t, err)
	if len(probs) != 1 || !strings.Contains(probs[0], "SentStatuses, DeliveredStatuses and ReadStatuses together match none") ||
		!strings.Contains(probs[0], "'OK' (75.0%), 'pending' (25.0%)") {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}
}
