package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// TestTeamsByteOrder pages through teams stored in columns with a
// linguistic collation: pages and account lists follow byte order, as Go
// compares strings, whatever the column's collation.
func TestTeamsByteOrder(t *testing.T) {
	t.Parallel()
	teams := []analytics.Team{
		{ID: "ab", TimeZone: "UTC", AccountIDs: []string{"ab-b", "ab-B", "ab-10", "ab-1", "ab-_"}},
		{ID: "é", TimeZone: "Asia/Kolkata"},
		{ID: "a", TimeZone: "Europe/Berlin", AccountIDs: []string{"a-z"}},
		{ID: "_x", TimeZone: "America/New_York"},
		{ID: "B", TimeZone: ""},
		{ID: "a-1", TimeZone: "Pacific/Kiritimati"},
		{ID: "Zz", TimeZone: "UTC"},
	}
	e := newEnv(t, teams, nil, envOptions{collated: true})
	ctx := context.Background()
	want := slices.Clone(teams)
	for i := range want {
		want[i].AccountIDs = slices.Clone(want[i].AccountIDs)
		slices.Sort(want[i].AccountIDs)
	}
	slices.SortFunc(want, func(a, b analytics.Team) int { return strings.Compare(a.ID, b.ID) })
	opt := cmpopts.EquateEmpty()
	for limit := 1; limit <= len(teams)+1; limit++ {
		var seen []analytics.Team
		after := ""
		for range len(teams) + 2 {
			page, err := e.store.Teams(ctx, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, page...)
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].ID
		}
		if d := cmp.Diff(want, seen, opt); d != "" {
			t.Errorf("paging with limit %d (-want +got):\n%s", limit, d)
		}
	}
	got, err := e.store.Teams(ctx, "Zz", 100)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[2:], got, opt); d != "" { // after "B", "Zz" come "_x", "a", …
		t.Errorf(`Teams after "Zz" (-want +got):\n%s`, d)
	}
	for _, w := range want {
		got, err := e.store.Team(ctx, w.ID)
		if err != nil {
			t.Errorf("Team(%q): %v", w.ID, err)
			continue
		}
		if d := cmp.Diff(w, got, opt); d != "" {
			t.Errorf("Team(%q) (-want +got):\n%s", w.ID, d)
		}
	}
	for _, id := range []string{"A", "a%", "a_", " a"} {
		if _, err := e.store.Team(ctx, id); !errors.Is(err, analytics.ErrNotFound) {
			t.Errorf("Team(%q): %v, want ErrNotFound", id, err)
		}
	}
	for _, limit := range []int{0, -1} {
		if _, err := e.store.Teams(ctx, "", limit); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Teams limit %d: %v, want ErrInvalidArgument", limit, err)
		}
	}
}

// TestOddIDs stores team and account IDs made of quotes, semicolons, LIKE
// and array-literal metacharacters, backslashes, unicode and 1 KB strings,
// and reads them back verbatim through every method.
func TestOddIDs(t *testing.T) {
	t.Parallel()
	ids := append(slices.Clone(awkwardIDs),
		strings.Repeat("é", 512),                // 1024 bytes
		strings.Repeat(`'";%_\`, 1024/6)+"xxxx", // 1024 bytes
		"NULL", "", // "" is dropped below: not a valid ID
	)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var teams []analytics.Team
	act := &store.Activity{}
	for i, id := range ids {
		if id == "" {
			continue
		}
		acc := fmt.Sprintf("%s/acc-%d", truncBytes(id, 1000), i)
		teams = append(teams, analytics.Team{ID: id, TimeZone: "UTC", AccountIDs: []string{acc}})
		conv := fmt.Sprintf("conv-%d", i)
		act.Conversations = append(act.Conversations, store.Conversation{ID: conv, TeamID: id, AccountID: acc,
			ContactID: fmt.Sprintf("k-%d", i), Status: "open", CreatedAt: day.Add(time.Hour)})
		act.Contacts = append(act.Contacts, store.Contact{ID: fmt.Sprintf("k-%d", i), TeamID: id, CreatedAt: day})
		act.Messages = append(act.Messages,
			store.Message{ID: fmt.Sprintf("m-%d-in", i), TeamID: id, AccountID: acc, ConversationID: conv, Inbound: true,
				Status: "read", CreatedAt: day.Add(time.Hour)},
			store.Message{ID: fmt.Sprintf("m-%d-out", i), TeamID: id, AccountID: acc, ConversationID: conv,
				Status: "read", CreatedAt: day.Add(time.Hour + time.Minute)})
	}
	e := newEnv(t, teams, act, envOptions{})
	ctx := context.Background()

	got, err := e.store.Teams(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(teams)
	slices.SortFunc(want, func(a, b analytics.Team) int { return strings.Compare(a.ID, b.ID) })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Teams (-want +got):\n%s", d)
	}
	var req analytics.AggregateRequest
	p := analytics.Period{Type: analytics.Daily, Start: day, End: day.Add(24 * time.Hour), Date: analytics.DateOf(day)}
	for _, tm := range teams {
		got, err := e.store.Team(ctx, tm.ID)
		if err != nil || !cmp.Equal(tm, got) {
			t.Errorf("Team(%.40q) = %v, %v", tm.ID, got, err)
		}
		for _, sc := range tm.Scopes() {
			req.Items = append(req.Items, analytics.ScopePeriod{Scope: sc, Period: p})
		}
	}
	wantM, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	gotM, err := e.store.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantM, gotM); d != "" {
		t.Errorf("Aggregate (-want +got):\n%s", d)
	}
	for i, m := range gotM {
		if m.Messages.Total != 2 || m.Conversations.ResponseCount != 1 || m.Contacts.Total != 1 {
			t.Errorf("%.60s: %+v", req.Items[i].Scope, m.Messages)
		}
	}

	var snaps []analytics.Snapshot
	for i, it := range req.Items {
		snaps = append(snaps, analytics.Snapshot{ID: fmt.Sprintf("%s#%d", truncBytes(it.Scope.TeamID, 1000), i), Scope: it.Scope,
			Type: analytics.Daily, Date: p.Date, Metrics: gotM[i], CreatedAt: day.Add(26 * time.Hour)})
	}
	if err := e.store.UpsertSnapshots(ctx, snaps); err != nil {
		t.Fatal(err)
	}
	for _, sn := range snaps {
		got, err := e.store.Snapshots(ctx, analytics.SnapshotQuery{Scope: sn.Scope, Type: analytics.Daily, From: p.Date, To: p.Date})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]analytics.Snapshot{sn}, got); d != "" {
			t.Errorf("Snapshots(%.60s) (-want +got):\n%s", sn.Scope, d)
		}
	}
	long := strings.Repeat("é", 512) + "x"
	if _, err := e.store.Team(ctx, long); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("Team of 1025 bytes: %v", err)
	}
}

// truncBytes cuts s to at most n bytes, at a rune boundary.
func truncBytes(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
