package pgstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/msgstats/analytics/store/pgstore"
)

// TestCheckSourceUnreached: for each table with a TeamVia, CheckSource
// counts the rows that reach no team (no account or conversation, one that
// does not exist, or a conversation that itself reaches none).
func TestCheckSourceUnreached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	if _, err := e.db.ExecContext(ctx, toViaShape+`
INSERT INTO teams (id) VALUES ('t1');
INSERT INTO whatsapp_accounts (id, team_id) VALUES ('a1', 't1');
INSERT INTO conversations (id, account_id, status, created_at) VALUES
	('c1', 'a1', 'open', '2026-03-10 10:00'), ('c2', NULL, 'open', '2026-03-10 10:00'), ('c3', 'gone', 'open', '2026-03-10 10:00');
INSERT INTO messages (id, conversation_id, status, sender_type, created_at) VALUES
	('m1', 'c1', 'sent', 'agent', '2026-03-10 10:00'), ('m2', NULL, 'sent', 'agent', '2026-03-10 10:00'),
	('m3', 'cx', 'sent', 'agent', '2026-03-10 10:00'), ('m4', 'c2', 'sent', 'agent', '2026-03-10 10:00'),
	('m5', 'c1', 'sent', 'agent', '2026-03-10 10:00');
INSERT INTO contacts (id, account_id, created_at) VALUES ('k1', 'a1', '2026-03-10 10:00'), ('k2', NULL, '2026-03-10 10:00');
INSERT INTO campaigns (id, account_id, status, created_at) VALUES
	('p1', 'a1', 'Running', now()), ('p2', 'gone', 'Running', now()), ('p3', NULL, 'Running', now());`); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{
		Messages:      pgstore.MessagesTable{TeamVia: pgstore.TeamViaConversation},
		Conversations: pgstore.ConversationsTable{TeamVia: pgstore.TeamViaAccount},
		Contacts:      pgstore.ContactsTable{TeamID: "-", TeamVia: pgstore.TeamViaAccount},
		Campaigns:     pgstore.CampaignsTable{TeamVia: pgstore.TeamViaAccount},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.CheckSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		table, column string
		rows          int64
	}{
		"Config.Source.Messages.TeamVia":      {"messages", "conversation_id", 3},
		"Config.Source.Conversations.TeamVia": {"conversations", "account_id", 2},
		"Config.Source.Contacts.TeamVia":      {"contacts", "account_id", 1},
		"Config.Source.Campaigns.TeamVia":     {"campaigns", "account_id", 2},
	}
	seen := 0
	for _, c := range got {
		if !strings.HasSuffix(c.Field, ".TeamVia") {
			if c.Unreached != 0 {
				t.Errorf("%s: Unreached %d in a column's finding", c.Field, c.Unreached)
			}
			continue
		}
		seen++
		w, ok := want[c.Field]
		if !ok {
			t.Errorf("unexpected finding %+v", c)
			continue
		}
		if c.Table != w.table || c.Column != w.column || c.Unreached != w.rows {
			t.Errorf("%s: %s.%s, %d rows reach no team; want %s.%s, %d", c.Field, c.Table, c.Column, c.Unreached, w.table, w.column, w.rows)
		}
		if c.OK() {
			t.Errorf("%s: OK with %d rows that reach no team", c.Field, c.Unreached)
		}
	}
	if seen != len(want) {
		t.Errorf("%d TeamVia findings, want %d: %+v", seen, len(want), got)
	}

	// With every row reaching a team, the findings are there and OK.
	if _, err := e.db.ExecContext(ctx, `
DELETE FROM messages WHERE id IN ('m2', 'm3', 'm4');
DELETE FROM conversations WHERE id IN ('c2', 'c3');
DELETE FROM contacts WHERE id = 'k2';
DELETE FROM campaigns WHERE id IN ('p2', 'p3');`); err != nil {
		t.Fatal(err)
	}
	got, err = st.CheckSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if strings.HasSuffix(c.Field, ".TeamVia") && (c.Unreached != 0 || !c.OK()) {
			t.Errorf("%s: %d rows reach no team, OK %v, after the unreached rows were deleted", c.Field, c.Unreached, c.OK())
		}
	}
}
