package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

var idTests = []subtest{
	{"RoundTrip", testIDsRoundTrip},
	{"TooLong", testIDsTooLong},
}

var contextTests = []subtest{
	{"Canceled", testCanceled},
}

// maxIDLength is the longest ID, in bytes, that analytics.ValidateID
// accepts.
const maxIDLength = 1024

// oddIDs are team IDs that break naive SQL: quotes, statement separators,
// LIKE wildcards next to IDs they would match ("pct%" matches "pctX"),
// backslashes, control characters, padding, non-ASCII, and one ID of
// exactly maxIDLength bytes made of two-byte runes.
func oddIDs() []string {
	return []string{
		`it's "quoted"`,
		`semi;colon'); DROP TABLE teams;--`,
		"pct%", "pctX",
		"under_score", "underXscore",
		`back\slash\`, `back\\slash`,
		"équipe-東京-🚀",
		"tab\tand\nnewline",
		" padded ",
		strings.Repeat("é", maxIDLength/2),
	}
}

// oddAccount is the one account of the team oddIDs()[i]; the last is
// maxIDLength bytes long.
func oddAccount(i int) string {
	if i == len(oddIDs())-1 {
		return strings.Repeat("ü", maxIDLength/2-2) + `%_\'`
	}
	return fmt.Sprintf(`acc'%%_\%d "x"`, i)
}

// oddDataset gives each odd team one account, one contact, one
// conversation and an answered turn: an inbound message at 12:00 and an
// outbound one at 12:01 on 2026-03-10 UTC.
func oddDataset() Dataset {
	var d Dataset
	for i, id := range oddIDs() {
		acc := oddAccount(i)
		d.Teams = append(d.Teams, analytics.Team{ID: id, TimeZone: "UTC", AccountIDs: []string{acc}})
		contactID := fmt.Sprintf(`contact'%d%%_\`, i)
		convID := fmt.Sprintf(`conv;%d'%%_"\`, i)
		a := &d.Activity
		a.Contacts = append(a.Contacts, contact(contactID, id, false, 50, "2026-03-01T00:00:00.000Z"))
		a.Conversations = append(a.Conversations, conv(convID, id, acc, contactID, "open", "2026-03-10T12:00:00.000Z"))
		a.Messages = append(a.Messages,
			msg(fmt.Sprintf(`msg'%d"in%%_\`, i), id, acc, convID, in, "read", "2026-03-10T12:00:00.000Z"),
			msg(fmt.Sprintf(`msg'%d"out%%_\`, i), id, acc, convID, out, "read", "2026-03-10T12:01:00.000Z"))
	}
	return d
}

func testIDsRoundTrip(t *testing.T, open Open) {
	d := oddDataset()
	s := open(t, d)
	ctx := context.Background()

	want := slices.Clone(d.Teams)
	slices.SortFunc(want, func(a, b analytics.Team) int { return strings.Compare(a.ID, b.ID) })
	got, err := s.Teams(ctx, "", 100)
	if err != nil {
		t.Fatalf("Teams: %v", err)
	}
	if diff := cmp.Diff(want, got, teamCmp); diff != "" {
		t.Errorf("Teams (-want +got):\n%s", diff)
	}
	for _, team := range d.Teams {
		got, err := s.Team(ctx, team.ID)
		if err != nil {
			t.Errorf("Team(%q): %v", team.ID, err)
			continue
		}
		if diff := cmp.Diff(team, got, teamCmp); diff != "" {
			t.Errorf("Team(%q) (-want +got):\n%s", team.ID, diff)
		}
	}

	// Each scope sees its own two messages, contact and conversation.
	day := period(analytics.Daily, "2026-03-10", "UTC")
	var req analytics.AggregateRequest
	for _, team := range d.Teams {
		for _, sc := range team.Scopes() {
			req.Items = append(req.Items, analytics.ScopePeriod{Scope: sc, Period: day})
		}
	}
	type counts struct {
		Messages                       analytics.MessageMetrics
		Contacts, Active, Convs, Turns int64
	}
	wantCounts := counts{
		Messages: analytics.MessageMetrics{Total: 2, Sent: 2, Delivered: 2, Read: 2, Inbound: 1, Outbound: 1,
			DeliveryRate: 100, ReadRate: 100},
		Contacts: 1, Active: 1, Convs: 1, Turns: 1,
	}
	for i, m := range aggregate(t, s, req) {
		got := counts{m.Messages, m.Contacts.Total, m.Contacts.Active, m.Conversations.Total, m.Conversations.ResponseCount}
		if diff := cmp.Diff(wantCounts, got); diff != "" {
			t.Errorf("Aggregate %s (-want +got):\n%s", describe(req.Items[i]), diff)
		}
	}

	// Snapshots keyed by every odd scope, with odd IDs, come back verbatim
	// and only for their own scope.
	created := ts("2026-03-11T02:00:00.000Z")
	var snaps []analytics.Snapshot
	for i, team := range d.Teams {
		for j, sc := range team.Scopes() {
			id := fmt.Sprintf(`snap'%d;%d%%_\"`, i, j)
			if i == len(d.Teams)-1 && j == 0 {
				id = strings.Repeat("ß", maxIDLength/2)
			}
			snaps = append(snaps, snap(sc, analytics.Daily, "2026-03-10", "UTC", int64(10*i+j), id, created))
		}
	}
	upsert(t, s, snaps...)
	for _, want := range snaps {
		rows := readAll(t, s, want.Scope, want.Type)
		if len(rows) != 1 {
			t.Errorf("Snapshots(%s) returned %d rows, want 1", want.Scope, len(rows))
			continue
		}
		if diff := cmp.Diff(want, rows[0]); diff != "" {
			t.Errorf("Snapshots(%s) (-want +got):\n%s", want.Scope, diff)
		}
	}
}

func testIDsTooLong(t *testing.T, open Open) {
	d := oddDataset()
	s := open(t, d)
	ctx := context.Background()
	long := strings.Repeat("é", maxIDLength/2) + "x" // 1025 bytes
	_, err := s.Team(ctx, long)
	wantErr(t, "Team with a 1025-byte ID", err, analytics.ErrInvalidArgument)

	team := d.Teams[0].ID
	created := ts("2026-03-11T02:00:00.000Z")
	for _, sn := range []analytics.Snapshot{
		snap(analytics.TeamScope(long), analytics.Daily, "2026-03-10", "UTC", 1, "", created),
		snap(analytics.AccountScope(team, long), analytics.Daily, "2026-03-10", "UTC", 1, "", created),
		snap(analytics.TeamScope(team), analytics.Daily, "2026-03-10", "UTC", 1, long, created),
	} {
		err := s.UpsertSnapshots(ctx, []analytics.Snapshot{sn})
		wantErr(t, fmt.Sprintf("UpsertSnapshots with a 1025-byte ID (scope %.20s…, ID %.20s…)", sn.Scope, sn.ID), err, analytics.ErrInvalidArgument)
	}
	if rows := readAll(t, s, analytics.TeamScope(team), analytics.Daily); len(rows) != 0 {
		t.Errorf("rejected upserts wrote %d rows", len(rows))
	}
	_, err = s.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.AccountScope(team, long), Type: analytics.Daily,
		From: date("2026-03-01"), To: date("2026-03-31")})
	wantErr(t, "Snapshots with a 1025-byte account ID", err, analytics.ErrInvalidArgument)
	_, err = s.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope(long), Period: period(analytics.Daily, "2026-03-10", "UTC")}}})
	wantErr(t, "Aggregate with a 1025-byte team ID", err, analytics.ErrInvalidArgument)
}

// testCanceled calls every method with a cancelled context.
func testCanceled(t *testing.T, open Open) {
	s := open(t, snapTeams())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	day := period(analytics.Daily, "2026-03-10", "UTC")
	sn := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "", ts("2026-03-11T02:00:00.000Z"))
	calls := []struct {
		name string
		call func() error
	}{
		{"Teams", func() error { _, err := s.Teams(ctx, "", 10); return err }},
		{"Team", func() error { _, err := s.Team(ctx, "snap"); return err }},
		{"Aggregate", func() error {
			_, err := s.Aggregate(ctx, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("snap"), Period: day}}})
			return err
		}},
		{"UpsertSnapshots", func() error { return s.UpsertSnapshots(ctx, []analytics.Snapshot{sn}) }},
		{"Snapshots", func() error {
			_, err := s.Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("snap"), Type: analytics.Daily, From: day.Date, To: day.Date})
			return err
		}},
	}
	for _, c := range calls {
		wantErr(t, c.name+" with a cancelled context", c.call(), context.Canceled)
	}
	if _, ok := readOne(t, s, sn.Key()); ok {
		t.Errorf("UpsertSnapshots with a cancelled context wrote %s", keyString(sn.Key()))
	}
}
