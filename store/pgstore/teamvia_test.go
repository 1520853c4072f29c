package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// keepActivity returns the records of a that reach a team in the given
// shape: with messages through their account, the messages that have one;
// through their conversation, those whose conversation exists and reaches
// a team; conversations and campaigns through their account, those that
// have one. Contacts reach theirs through an account in every shape (see
// toViaShape), so teams have accounts.
func keepActivity(a store.Activity, msgVia pgstore.TeamVia, convViaAccount bool) store.Activity {
	var out store.Activity
	out.Contacts = a.Contacts
	convs := map[string]bool{}
	for _, c := range a.Conversations {
		if convViaAccount && c.AccountID == "" {
			continue
		}
		convs[c.ID] = true
		out.Conversations = append(out.Conversations, c)
	}
	for _, m := range a.Messages {
		switch {
		case msgVia == pgstore.TeamViaAccount && m.AccountID == "":
			continue
		case msgVia == pgstore.TeamViaConversation && !convs[m.ConversationID]:
			continue
		}
		out.Messages = append(out.Messages, m)
	}
	for _, c := range a.Campaigns {
		if c.AccountID != "" {
			out.Campaigns = append(out.Campaigns, c)
		}
	}
	return out
}

// toViaShape turns the loaded reference schema into one without team
// columns on messages, conversations, contacts and campaigns: contacts get
// an account (the first of their team's), and conversation IDs become the
// conversations' key.
const toViaShape = `
ALTER TABLE contacts ADD COLUMN account_id TEXT;
UPDATE contacts k SET account_id = (SELECT min(a.id COLLATE "C") FROM whatsapp_accounts a WHERE a.team_id = k.team_id);
ALTER TABLE messages DROP COLUMN team_id;
ALTER TABLE conversations DROP COLUMN team_id;
CREATE UNIQUE INDEX conversations_id_key ON conversations (id);
ALTER TABLE contacts DROP COLUMN team_id;
ALTER TABLE campaigns DROP COLUMN team_id;
`

// TestTeamVia loads the same dataset into the reference shape (a team
// column on every table) and into a shape with no team column on
// messages, conversations, contacts and campaigns, whose rows reach their
// team through their account or conversation, and requires Aggregate and
// ActiveContacts to give identical results in both, equal to memstore's
// (store.ComputeMetrics), with a number of statements independent of
// the number of teams.
func TestTeamVia(t *testing.T) {
	t.Parallel()
	cfg := synth.Config{Seed: 5, Teams: 8, AccountsPerTeam: 2, Start: analytics.NewDate(2026, 3, 23), Days: 10, MessagesPerDay: 400}
	teams, act0, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		msgVia         pgstore.TeamVia
		convViaAccount bool
	}{
		{"messages via account", pgstore.TeamViaAccount, true},
		{"messages via conversation via account", pgstore.TeamViaConversation, true},
		{"messages via conversation", pgstore.TeamViaConversation, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			act := keepActivity(act0, tt.msgVia, tt.convViaAccount)
			direct := newEnv(t, teams, &act, envOptions{})

			viaCfg := &pgstore.Config{Source: pgstore.Source{
				Messages:  pgstore.MessagesTable{TeamVia: tt.msgVia},
				Contacts:  pgstore.ContactsTable{TeamID: "-", TeamVia: pgstore.TeamViaAccount},
				Campaigns: pgstore.CampaignsTable{TeamVia: pgstore.TeamViaAccount},
			}}
			ddl := toViaShape
			if tt.convViaAccount {
				viaCfg.Source.Conversations.TeamVia = pgstore.TeamViaAccount
			} else {
				ddl = strings.Replace(ddl, "ALTER TABLE conversations DROP COLUMN team_id;", "", 1)
			}
			via := newEnv(t, teams, &act, envOptions{noMig: true})
			if _, err := via.db.ExecContext(ctx, ddl); err != nil {
				t.Fatal(err)
			}
			st, err := pgstore.New(ctx, via.db, viaCfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateRecommendedIndexes(ctx); err != nil {
				t.Fatal(err)
			}

			mem := memOf(t, teams, act)
			items, err := allItems(teams, cfg.Start.In(time.UTC), cfg.Days)
			if err != nil {
				t.Fatal(err)
			}
			req := analytics.AggregateRequest{Items: items, Sketches: true}
			want, err := direct.store.Aggregate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Aggregate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("team column (-) vs team through %s (+):\n%s", tt.msgVia, d)
			}
			ref, err := mem.Aggregate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			compareMetrics(t, items, ref, got, int64(len(act.Messages)))
			var blocked, campaigns, responses int64
			for i, it := range items {
				if it.Scope.TeamWide() && it.Period.Type == analytics.Monthly {
					blocked += got[i].Contacts.Blocked
					campaigns += got[i].Campaigns.Total
					responses += got[i].Conversations.ResponseCount
				}
			}
			if blocked == 0 || campaigns == 0 || responses == 0 {
				t.Fatalf("the data counts no blocked contact (%d), campaign (%d) or response (%d)", blocked, campaigns, responses)
			}
			active, err := st.ActiveContacts(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for i := range items {
				if active[i] != ref[i].Contacts.Active {
					t.Fatalf("%s %s: ActiveContacts %d, want %d", items[i].Scope, items[i].Period, active[i], ref[i].Contacts.Active)
				}
			}

			// Set-based: one team or all of them, the same statements.
			day := analytics.NewDate(2026, 3, 25).In(time.UTC)
			p, err := analytics.PeriodOf(analytics.Daily, day, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var one, all []analytics.ScopePeriod
			for i, tm := range teams {
				for _, sc := range tm.Scopes() {
					if i == 0 {
						one = append(one, analytics.ScopePeriod{Scope: sc, Period: p})
					}
					all = append(all, analytics.ScopePeriod{Scope: sc, Period: p})
				}
			}
			hook := &countHook{}
			via.db.AddQueryHook(hook)
			count := func(items []analytics.ScopePeriod) int {
				return hook.counting(func() {
					if _, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: items}); err != nil {
						t.Fatal(err)
					}
				})
			}
			if n1, n := count(one), count(all); n1 != n {
				t.Errorf("Aggregate ran %d statements for one team, %d for %d teams", n1, n, len(teams))
			}

			// Messages reached through their account are read by the
			// accounts of the group's teams, through the recommended
			// (account_id, created_at) index.
			if tt.msgVia == pgstore.TeamViaAccount {
				via.store = st
				plan := explainScan(t, via, []string{teams[0].ID, teams[1].ID}, p)
				if !strings.Contains(plan, "Index Cond: ((account_id = ANY") {
					t.Errorf("the scan does not look messages up by account through an index:\n%s", plan)
				}
			}
		})
	}
}

// TestTeamViaConfig checks the TeamVia settings at New.
func TestTeamViaConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil, envOptions{noMig: true})
	ctx := context.Background()
	tests := []struct {
		name string
		src  pgstore.Source
		want []string
	}{
		{"no column without TeamVia", pgstore.Source{Messages: pgstore.MessagesTable{TeamID: "-"}},
			[]string{"Config.Source.Messages.TeamID", "TeamVia"}},
		{"unknown TeamVia", pgstore.Source{Contacts: pgstore.ContactsTable{TeamVia: "conversation"}},
			[]string{"Config.Source.Contacts.TeamVia", `"conversation"`}},
		{"TeamVia and TeamID", pgstore.Source{Campaigns: pgstore.CampaignsTable{TeamID: "team_id", TeamVia: pgstore.TeamViaAccount}},
			[]string{"Config.Source.Campaigns.TeamID", "leave it empty"}},
		{"contacts without an account column", pgstore.Source{Contacts: pgstore.ContactsTable{TeamVia: pgstore.TeamViaAccount}},
			[]string{"Config.Source.Contacts.AccountID", `"account_id"`}},
		{"account column not an identifier", pgstore.Source{Contacts: pgstore.ContactsTable{TeamVia: pgstore.TeamViaAccount, AccountID: "a b"}},
			[]string{"Config.Source.Contacts.AccountID", "not an identifier"}},
	}
	for _, tt := range tests {
		_, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: tt.src})
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", tt.name, err, w)
			}
		}
	}
	// A table with a TeamVia reads no team column, and its recommended
	// index is on its account and creation time.
	if _, err := e.db.ExecContext(ctx, `ALTER TABLE campaigns DROP COLUMN team_id`); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: pgstore.Source{Campaigns: pgstore.CampaignsTable{TeamVia: pgstore.TeamViaAccount}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Config().Source.Campaigns.TeamID; got != "-" {
		t.Errorf("Config().Source.Campaigns.TeamID = %q, want \"-\"", got)
	}
	i := slices.IndexFunc(st.RecommendedIndexes(), func(ix pgstore.Index) bool { return ix.Table == `"campaigns"` })
	if ix := st.RecommendedIndexes()[i]; ix.Columns != `"account_id", "created_at"` || ix.Name != "analytics_campaigns_account_created_idx" {
		t.Errorf("campaigns index %s on %s, want analytics_campaigns_account_created_idx on \"account_id\", \"created_at\"", ix.Name, ix.Columns)
	}
	if err := st.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}
}
