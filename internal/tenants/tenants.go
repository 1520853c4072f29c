// Package tenants builds random multi-tenant datasets whose record IDs
// collide across teams, and checks the tenant-isolation property of a
// Store over them: every metric of a team equals the metric computed from
// that team's records alone (store.ComputeMetrics over them), whatever
// the other teams hold.
package tenants

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
)

// TeamIDs are the team IDs of a dataset, in the order teams are built.
// They are chosen to trip a store that matches teams loosely: SQL
// metacharacters, LIKE wildcards that would match their neighbours, a
// prefix of another ID, a cache key separator, non-ASCII letters and
// trailing white space.
var TeamIDs = []string{
	"acme",
	"acme'; DELETE FROM messages; --",
	"a_me",
	"a%",
	"acme:all",
	"Äcme ☃ ",
}

// zones are the time zones teams draw from: whole, half and quarter hour
// offsets, with and without daylight saving.
var zones = []string{"UTC", "Asia/Kolkata", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "Europe/London"}

// Start is the first local day of every dataset, and Days its length.
var (
	Start = analytics.NewDate(2026, 3, 6) // spans the US change to summer time
	Days  = 4
)

// Build returns a dataset of len(TeamIDs) teams drawn from seed: each team
// has two accounts and its own time zone, and the IDs of its messages,
// conversations, contacts and campaigns are "-m-1", "-cv-1", "-ct-1",
// "-cp-1", … — the same IDs in every team, so that only the team tells
// records apart. References (a message's conversation, a conversation's
// contact) stay within the team.
func Build(seed uint64) ([]analytics.Team, store.Activity, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	tz := make([]string, len(TeamIDs))
	for i := range tz {
		tz[i] = zones[rng.IntN(len(zones))]
	}
	teams, act, err := synth.Build(synth.Config{
		Seed: seed, Teams: len(TeamIDs), AccountsPerTeam: 2, Start: Start, Days: Days,
		MessagesPerDay: 60 * len(TeamIDs), ContactsPerTeam: 25, CampaignsPerDay: float64(len(TeamIDs)),
		TimeZones: tz,
	})
	if err != nil {
		return nil, store.Activity{}, err
	}
	rename := map[string]string{}
	for i := range teams {
		rename[teams[i].ID] = TeamIDs[i]
	}
	team := func(id string) string {
		if n, ok := rename[id]; ok {
			return n
		}
		panic(fmt.Sprintf("tenants: unknown team %q", id))
	}
	// strip removes the team prefix of a record ID ("team-0002-m-7" →
	// "-m-7"); account turns the prefix into the new team ID.
	strip := func(old, id string) string { return strings.TrimPrefix(id, old) }
	account := func(old, id string) string {
		if id == "" {
			return ""
		}
		return team(old) + strings.TrimPrefix(id, old)
	}
	for i := range teams {
		old := teams[i].ID
		teams[i].ID = team(old)
		for j, a := range teams[i].AccountIDs {
			teams[i].AccountIDs[j] = account(old, a)
		}
		slices.Sort(teams[i].AccountIDs)
	}
	for i := range act.Messages {
		m := &act.Messages[i]
		old := m.TeamID
		m.ID, m.ConversationID, m.AccountID, m.TeamID = strip(old, m.ID), strip(old, m.ConversationID), account(old, m.AccountID), team(old)
	}
	for i := range act.Conversations {
		c := &act.Conversations[i]
		old := c.TeamID
		c.ID, c.ContactID, c.AccountID, c.TeamID = strip(old, c.ID), strip(old, c.ContactID), account(old, c.AccountID), team(old)
	}
	for i := range act.Contacts {
		c := &act.Contacts[i]
		old := c.TeamID
		c.ID, c.TeamID = strip(old, c.ID), team(old)
	}
	for i := range act.Campaigns {
		c := &act.Campaigns[i]
		old := c.TeamID
		c.ID, c.AccountID, c.TeamID = strip(old, c.ID), account(old, c.AccountID), team(old)
	}
	slices.SortFunc(teams, func(a, b analytics.Team) int { return strings.Compare(a.ID, b.ID) })
	return teams, act, nil
}

// Only returns the records of a that belong to team.
func Only(a *store.Activity, team string) *store.Activity {
	out := &store.Activity{}
	for _, m := range a.Messages {
		if m.TeamID == team {
			out.Messages = append(out.Messages, m)
		}
	}
	for _, c := range a.Conversations {
		if c.TeamID == team {
			out.Conversations = append(out.Conversations, c)
		}
	}
	for _, c := range a.Contacts {
		if c.TeamID == team {
			out.Contacts = append(out.Contacts, c)
		}
	}
	for _, c := range a.Campaigns {
		if c.TeamID == team {
			out.Campaigns = append(out.Campaigns, c)
		}
	}
	return out
}

// SharedIDs returns how many message IDs occur in more than one team: the
// premise of the property (a dataset without collisions proves little).
func SharedIDs(a *store.Activity) int {
	teams := map[string]map[string]bool{}
	for _, m := range a.Messages {
		if teams[m.ID] == nil {
			teams[m.ID] = map[string]bool{}
		}
		teams[m.ID][m.TeamID] = true
	}
	n := 0
	for _, ts := range teams {
		if len(ts) > 1 {
			n++
		}
	}
	return n
}

// Items returns, for team, every scope over each local day of the dataset,
// over the whole span, and over one random span with millisecond bounds
// drawn from rng.
func Items(team analytics.Team, rng *rand.Rand) ([]analytics.ScopePeriod, error) {
	loc, err := team.Location()
	if err != nil {
		return nil, err
	}
	var periods []analytics.Period
	for d := Start; d.Before(Start.AddDays(Days)); d = d.AddDays(1) {
		p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
		if err != nil {
			return nil, err
		}
		periods = append(periods, p)
	}
	whole := periods[0]
	whole.End = periods[len(periods)-1].End
	periods = append(periods, whole)
	span := whole.End.Sub(whole.Start).Milliseconds()
	a, b := rng.Int64N(span), rng.Int64N(span)
	if a > b {
		a, b = b, a
	}
	odd := whole
	odd.Start, odd.End = whole.Start.Add(time.Duration(a)*time.Millisecond), whole.Start.Add(time.Duration(b+1)*time.Millisecond)
	periods = append(periods, odd)
	var items []analytics.ScopePeriod
	for _, p := range periods {
		for _, sc := range team.Scopes() {
			items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
		}
	}
	return items, nil
}

// CheckAggregate checks the isolation property of st, which must hold
// teams and act: one Aggregate call mixing every item (see Items) of every
// team, and one call per team, both give for each item of team A exactly
// ComputeMetrics over A's records alone. It also checks that the reference
// itself is isolated (ComputeMetrics over all records gives the same) and
// that the data is not trivial.
func CheckAggregate(t testing.TB, st analytics.ActivityReader, teams []analytics.Team, act *store.Activity, seed uint64) {
	t.Helper()
	ctx := context.Background()
	if n := SharedIDs(act); n == 0 {
		t.Fatal("no message ID is shared between teams: the dataset does not test isolation")
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var all []analytics.ScopePeriod
	var want []analytics.Metrics
	perTeam := map[string][]analytics.ScopePeriod{}
	var messages int64
	for _, tm := range teams {
		items, err := Items(tm, rng)
		if err != nil {
			t.Fatal(err)
		}
		req := analytics.AggregateRequest{Items: items}
		ref, err := store.ComputeMetrics(Only(act, tm.ID), req)
		if err != nil {
			t.Fatalf("ComputeMetrics over team %q alone: %v", tm.ID, err)
		}
		mixed, err := store.ComputeMetrics(act, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ref, mixed); diff != "" {
			t.Errorf("team %q: ComputeMetrics over every team's records differs from over its own (-own +all):\n%s", tm.ID, diff)
		}
		messages += ref[0].Messages.Total
		perTeam[tm.ID] = items
		all = append(all, items...)
		want = append(want, ref...)

		got, err := st.Aggregate(ctx, req)
		if err != nil {
			t.Fatalf("Aggregate of team %q: %v", tm.ID, err)
		}
		if diff := cmp.Diff(ref, got); diff != "" {
			t.Errorf("team %q alone: Aggregate differs from ComputeMetrics over its own records (-want +got):\n%s", tm.ID, diff)
		}
	}
	if messages == 0 {
		t.Fatal("the dataset has no messages on its first day")
	}
	// Shuffle the mixed request, so that a store that leaks between
	// neighbouring items shows it whatever their order.
	perm := rng.Perm(len(all))
	shuffled := make([]analytics.ScopePeriod, len(all))
	wantShuffled := make([]analytics.Metrics, len(all))
	for i, j := range perm {
		shuffled[i], wantShuffled[i] = all[j], want[j]
	}
	got, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: shuffled})
	if err != nil {
		t.Fatalf("Aggregate of every team at once: %v", err)
	}
	if len(got) != len(shuffled) {
		t.Fatalf("Aggregate returned %d metrics for %d items", len(got), len(shuffled))
	}
	for i := range got {
		if diff := cmp.Diff(wantShuffled[i], got[i]); diff != "" {
			t.Errorf("mixed request, item %d (%s over %s): Aggregate differs from ComputeMetrics over the team's own records (-want +got):\n%s",
				i, shuffled[i].Scope, shuffled[i].Period, diff)
		}
	}
}

// CheckSnapshots generates daily snapshots of every team of st with a
// Snapshotter in small batches (so that teams share batches), then reads
// each scope's snapshots back: every row is the scope's own and its metrics
// are ComputeMetrics over the team's records alone.
func CheckSnapshots(t testing.TB, st analytics.Store, teams []analytics.Team, act *store.Activity) {
	t.Helper()
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	snap, err := analytics.NewSnapshotter(st, &analytics.SnapshotterConfig{Clock: clock, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := snap.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := Start; d.Before(Start.AddDays(Days)); d = d.AddDays(1) {
			p, err := analytics.PeriodForDate(analytics.Daily, d, loc)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, nil
	})
	if err != nil || rep.Failed != 0 || rep.Succeeded != len(teams)*3*Days {
		t.Fatalf("generating snapshots: %+v, %v", rep, err)
	}
	for _, tm := range teams {
		own := Only(act, tm.ID)
		loc, err := tm.Location()
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range tm.Scopes() {
			got, err := st.Snapshots(ctx, analytics.SnapshotQuery{Scope: sc, Type: analytics.Daily, From: Start, To: Start.AddDays(Days - 1)})
			if err != nil {
				t.Fatalf("Snapshots of %s: %v", sc, err)
			}
			if len(got) != Days {
				t.Fatalf("Snapshots of %s: %d rows, want %d", sc, len(got), Days)
			}
			for i, s := range got {
				p, err := analytics.PeriodForDate(analytics.Daily, Start.AddDays(i), loc)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := store.ComputeMetrics(own, analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: sc, Period: p}}})
				if err != nil {
					t.Fatal(err)
				}
				ref[0].GeneratedAt = clock.Now()
				if s.Scope != sc {
					t.Errorf("Snapshots of %s returned a row of %s", sc, s.Scope)
				}
				if diff := cmp.Diff(ref[0], s.Metrics); diff != "" {
					t.Errorf("snapshot of %s on %s differs from ComputeMetrics over the team's own records (-want +got):\n%s", sc, s.Date, diff)
				}
			}
		}
	}
}
