package pgstore_test

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// rewriteIDs returns copies of teams and a with every ID (of teams,
// accounts, contacts, conversations, messages, campaigns and their
// references) replaced by f's; empty references stay empty.
func rewriteIDs(teams []analytics.Team, a store.Activity, f func(string) string) ([]analytics.Team, store.Activity) {
	g := func(s string) string {
		if s == "" {
			return ""
		}
		return f(s)
	}
	var ts []analytics.Team
	for _, t := range teams {
		t.ID = g(t.ID)
		var accts []string
		for _, id := range t.AccountIDs {
			accts = append(accts, g(id))
		}
		t.AccountIDs = accts
		ts = append(ts, t)
	}
	var out store.Activity
	for _, x := range a.Contacts {
		x.ID, x.TeamID = g(x.ID), g(x.TeamID)
		out.Contacts = append(out.Contacts, x)
	}
	for _, x := range a.Conversations {
		x.ID, x.TeamID, x.AccountID, x.ContactID = g(x.ID), g(x.TeamID), g(x.AccountID), g(x.ContactID)
		out.Conversations = append(out.Conversations, x)
	}
	for _, x := range a.Messages {
		x.ID, x.TeamID, x.AccountID, x.ConversationID = g(x.ID), g(x.TeamID), g(x.AccountID), g(x.ConversationID)
		out.Messages = append(out.Messages, x)
	}
	for _, x := range a.Campaigns {
		x.ID, x.TeamID, x.AccountID = g(x.ID), g(x.TeamID), g(x.AccountID)
		out.Campaigns = append(out.Campaigns, x)
	}
	return ts, out
}

// uuidOf is a uuid in canonical form derived from s.
func uuidOf(s string) string {
	h := fmt.Sprintf("%x", md5.Sum([]byte(s)))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// bigintOf numbers the strings it sees, beyond the range of integer.
func bigintOf() func(string) string {
	seen := map[string]string{}
	return func(s string) string {
		if v, ok := seen[s]; ok {
			return v
		}
		v := strconv.FormatInt(9_000_000_000+int64(len(seen)), 10)
		seen[s] = v
		return v
	}
}

// typedSchema is the reference schema with every ID column of type typ.
func typedSchema(typ string) string {
	re := regexp.MustCompile(`(?m)^(\s+(?:id|team_id|account_id|contact_id|conversation_id)\s+)TEXT`)
	return re.ReplaceAllString(synth.SchemaSQL, "${1}"+strings.ToUpper(typ))
}

// TestIDTypes loads one dataset into a schema whose ID columns are uuid,
// and one whose ID columns are bigint, and requires Aggregate and
// ActiveContacts to equal memstore's over the same IDs as strings, Teams
// and Team to read them back, the statements to compare the team columns
// through their index, and an ID that is not of the column's type (or not
// in its canonical form) to give ErrInvalidArgument.
func TestIDTypes(t *testing.T) {
	t.Parallel()
	cfg := synth.Config{Seed: 11, Teams: 6, AccountsPerTeam: 2, Start: analytics.NewDate(2026, 3, 2), Days: 9, MessagesPerDay: 400}
	teams0, act0, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ string
		f   func(string) string
		bad []string // team IDs the column's type cannot hold in that form
	}{
		{"uuid", uuidOf, []string{"team-1", strings.ToUpper(uuidOf("x")), "{" + uuidOf("x") + "}", strings.ReplaceAll(uuidOf("x"), "-", "")}},
		{"bigint", bigintOf(), []string{"team-1", "007", "+7", "9223372036854775808", "1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			teams, act := rewriteIDs(teams0, act0, tt.f)
			e := newEnv(t, teams, &act, envOptions{schema: typedSchema(tt.typ)})
			if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
				t.Fatal(err)
			}
			mem := memOf(t, teams, act)
			items, err := allItems(teams, cfg.Start.In(time.UTC), cfg.Days)
			if err != nil {
				t.Fatal(err)
			}
			req := analytics.AggregateRequest{Items: items, Sketches: true}
			want, err := mem.Aggregate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.store.Aggregate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			compareMetrics(t, items, want, got, int64(len(act.Messages)))
			active, err := e.store.ActiveContacts(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for i := range items {
				if active[i] != want[i].Contacts.Active {
					t.Fatalf("%s %s: ActiveContacts %d, want %d", items[i].Scope, items[i].Period, active[i], want[i].Contacts.Active)
				}
			}

			// Teams and Team read the IDs back as the strings they were.
			wantTeams := slices.Clone(teams)
			for i := range wantTeams {
				wantTeams[i].AccountIDs = slices.Clone(wantTeams[i].AccountIDs)
				slices.Sort(wantTeams[i].AccountIDs)
			}
			slices.SortFunc(wantTeams, func(a, b analytics.Team) int { return strings.Compare(a.ID, b.ID) })
			gotTeams, err := e.store.Teams(ctx, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(wantTeams, gotTeams, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Teams (-want +got):\n%s", d)
			}
			one, err := e.store.Team(ctx, teams[2].ID)
			if err != nil || one.ID != teams[2].ID {
				t.Errorf("Team(%q) = %v, %v", teams[2].ID, one.ID, err)
			}
			if _, err := e.store.Team(ctx, tt.f("no such team")); !errors.Is(err, analytics.ErrNotFound) {
				t.Errorf("Team(unknown) = %v, want ErrNotFound", err)
			}

			// An ID the column cannot hold, or not in the form Postgres
			// gives back, is an invalid argument, not a Postgres error.
			p := items[0].Period
			for _, bad := range tt.bad {
				if _, err := e.store.Team(ctx, bad); !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.typ) {
					t.Errorf("Team(%q) = %v, want ErrInvalidArgument naming %s", bad, err, tt.typ)
				}
				r := analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope(bad), Period: p}}}
				if _, err := e.store.Aggregate(ctx, r); !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), "Items[0].Scope.TeamID") {
					t.Errorf("Aggregate(team %q) = %v, want ErrInvalidArgument naming Items[0].Scope.TeamID", bad, err)
				}
				if _, err := e.store.ActiveContacts(ctx, r); !errors.Is(err, analytics.ErrInvalidArgument) {
					t.Errorf("ActiveContacts(team %q) = %v, want ErrInvalidArgument", bad, err)
				}
				r.Items[0].Scope = analytics.AccountScope(teams[0].ID, bad)
				if _, err := e.store.Aggregate(ctx, r); !errors.Is(err, analytics.ErrInvalidArgument) || !strings.Contains(err.Error(), "Items[0].Scope.AccountID") {
					t.Errorf("Aggregate(account %q) = %v, want ErrInvalidArgument naming Items[0].Scope.AccountID", bad, err)
				}
			}

			// The scan compares messages.team_id as the column's type, so
			// the (team_id, created_at) index serves it.
			plan := explainScan(t, e, []string{teams[0].ID, teams[1].ID}, p)
			if !regexp.MustCompile(`Index Cond: \(\(team_id = ANY`).MatchString(plan) {
				t.Errorf("the scan does not look messages up by team through an index:\n%s", plan)
			}
		})
	}
}

// compareMetrics requires got to equal want item by item, and the daily
// team-wide items to count most of the messages.
func compareMetrics(t *testing.T, items []analytics.ScopePeriod, want, got []analytics.Metrics, messages int64) {
	t.Helper()
	diffs := 0
	var counted int64
	for i, it := range items {
		if it.Scope.TeamWide() && it.Period.Type == analytics.Daily {
			counted += want[i].Messages.Total
		}
		if d := cmp.Diff(want[i], got[i]); d != "" {
			diffs++
			if diffs <= 3 {
				t.Errorf("%s %s (-want +got):\n%s", it.Scope, it.Period, d)
			}
		}
	}
	if diffs > 0 {
		t.Fatalf("%d of %d items differ", diffs, len(items))
	}
	if counted < messages*8/10 {
		t.Fatalf("daily team-wide items count %d of %d messages", counted, messages)
	}
}

// explainScan returns the plan of the scan statement for teams and p, with
// sequential scans discouraged so that a usable index shows.
func explainScan(t *testing.T, e *env, teams []string, p analytics.Period) string {
	t.Helper()
	ctx := context.Background()
	q, args := pgstore.ScanStatement(e.store, teams, p.Start, p.End, analytics.DefaultReplyWindow)
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatalf("explaining the scan: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
