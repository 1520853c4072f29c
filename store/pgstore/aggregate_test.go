package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestAggregateMatchesComputeMetrics is the cross-check: for a random
// dataset over several zones (with half- and quarter-hour offsets and
// daylight-saving changes), every scope of every team, for every daily,
// weekly and monthly period of the range, aggregated in one request, must
// equal store.ComputeMetrics over the same rows. It runs with two reply
// windows, under a session time zone far from UTC, and on a schema whose
// text columns sort linguistically.
func TestAggregateMatchesComputeMetrics(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 36
	short := 90 * time.Minute
	tests := []struct {
		name  string
		seed  uint64
		micro bool
		opts  envOptions
	}{
		{"reference schema", 1, false, envOptions{}},
		{"session zone Pacific/Chatham", 2, false, envOptions{params: map[string]string{"TimeZone": "Pacific/Chatham"}}},
		{"linguistic collation", 3, false, envOptions{collated: true}},
		// timestamptz columns holding microseconds, read under a session
		// zone with a DST change in the range.
		{"timestamptz microseconds", 4, true, envOptions{params: map[string]string{"TimeZone": "America/Sao_Paulo"},
			schema: strings.ReplaceAll(synth.SchemaSQL, "TIMESTAMP(3)", "TIMESTAMPTZ"), precision: time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			teams, act := genDataset(tt.seed, from, days, tt.micro, analytics.DefaultReplyWindow, short)
			e := newEnv(t, teams, act, tt.opts)
			items, err := allItems(teams, from, days)
			if err != nil {
				t.Fatal(err)
			}
			var teamWide []analytics.ScopePeriod // a request with no account scope skips per-account contact work
			for _, it := range items {
				if it.Scope.TeamWide() {
					teamWide = append(teamWide, it)
				}
			}
			for _, c := range []struct {
				w     time.Duration
				items []analytics.ScopePeriod
			}{{0, items}, {short, items}, {0, teamWide}} {
				matchComputeMetrics(t, e.store, act, analytics.AggregateRequest{Items: c.items, ReplyWindow: c.w})
			}
		})
	}
}

// TestAggregateLongScan checks the message scan's times where its range is
// years long, with timestamptz columns holding microseconds: with a reply
// window for which the scans of all periods up to a month are just short
// of the range up to which times are read as float8 (MaxFloatScan), and
// with one far beyond it, where they are read exactly as numeric. Both
// must equal store.ComputeMetrics to the µs (response times are
// truncated to whole ms, so one µs off shows).
func TestAggregateLongScan(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 3
	day := 24 * time.Hour
	// The longest period of the items is a month (at most 31 days).
	float := (pgstore.MaxFloatScan - 31*day) / 3 / day * day // 3W + a month fit
	exact := 90 * 365 * day                                  // 3W > MaxFloatScan, far from it
	if 3*float+31*day > pgstore.MaxFloatScan || 3*float+31*day < pgstore.MaxFloatScan-3*day || 3*exact < pgstore.MaxFloatScan {
		t.Fatalf("windows %v and %v do not straddle %v", float, exact, pgstore.MaxFloatScan)
	}
	teams, act := genDataset(6, from, days, true, float, exact)
	e := newEnv(t, teams, act, envOptions{schema: strings.ReplaceAll(synth.SchemaSQL, "TIMESTAMP(3)", "TIMESTAMPTZ"), precision: time.Microsecond})
	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []time.Duration{float, exact} {
		matchComputeMetrics(t, e.store, act, analytics.AggregateRequest{Items: items, ReplyWindow: w})
	}
}

// TestAggregateReplyAtWindowEnd pins the edge of the message scan after
// the period: for conversations created before the period, messages from
// end+W on are not read, so a reply or an answer exactly W after the
// period's last millisecond must still be found.
func TestAggregateReplyAtWindowEnd(t *testing.T) {
	t.Parallel()
	base := time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)
	end := base.Add(24 * time.Hour)
	day := analytics.Period{Type: analytics.Daily, Start: base, End: end, Date: analytics.NewDate(2024, 6, 10)}
	w := analytics.DefaultReplyWindow
	teams := []analytics.Team{{ID: "T", TimeZone: "UTC", AccountIDs: []string{"A"}}}
	msg := func(id, conv string, in bool, at time.Time) store.Message {
		return store.Message{ID: id, TeamID: "T", AccountID: "A", ConversationID: conv, Inbound: in, CreatedAt: at, Status: "sent"}
	}
	last := end.Add(-time.Millisecond) // the period's last millisecond
	act := &store.Activity{
		Conversations: []store.Conversation{
			{ID: "c1", TeamID: "T", AccountID: "A", ContactID: "k1", Status: "open", CreatedAt: base.Add(-2 * time.Hour)},
			{ID: "c2", TeamID: "T", AccountID: "A", ContactID: "k2", Status: "open", CreatedAt: base.Add(-2 * time.Hour)},
		},
		Messages: []store.Message{
			msg("m1", "c1", false, last), msg("m2", "c1", true, last.Add(w)), // replied exactly W later
			msg("m3", "c2", true, last), msg("m4", "c2", false, last.Add(w)), // answered exactly W later
		},
	}
	e := newEnv(t, teams, act, envOptions{})
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("T"), Period: day},
		{Scope: analytics.AccountScope("T", "A"), Period: day},
	}}
	want, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	if m := want[0]; m.Messages.Replied != 1 || m.Conversations.ResponseCount != 1 {
		t.Fatalf("the reference finds %d replies and %d answered turns, want 1 and 1", m.Messages.Replied, m.Conversations.ResponseCount)
	}
	got, err := e.store.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Aggregate differs from ComputeMetrics (-want +got):\n%s", d)
	}
}

func nonZero(ms []analytics.Metrics) int {
	n := 0
	for _, m := range ms {
		if m.Messages.Total > 0 || m.Conversations.Total > 0 {
			n++
		}
	}
	return n
}

// TestAggregateEdges pins the definitions on hand-made cases whose
// expected values come from reading doc.go, not from either implementation.
func TestAggregateEdges(t *testing.T) {
	t.Parallel()
	base := time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)
	day := analytics.Period{Type: analytics.Daily, Start: base, End: base.Add(24 * time.Hour), Date: analytics.NewDate(2024, 6, 10)}
	teams := []analytics.Team{{ID: "T", TimeZone: "UTC", AccountIDs: []string{"A1", "A2"}}}
	msg := func(id, conv, acc string, in bool, at time.Duration, status string) store.Message {
		return store.Message{ID: id, TeamID: "T", AccountID: acc, ConversationID: conv, Inbound: in, CreatedAt: base.Add(at), Status: status}
	}
	act := &store.Activity{
		Conversations: []store.Conversation{
			{ID: "c1", TeamID: "T", AccountID: "A1", ContactID: "k1", Status: "open", CreatedAt: base.Add(time.Hour)},
			{ID: "c2", TeamID: "T", AccountID: "A2", ContactID: "k2", Status: "closed", CreatedAt: base.Add(-2 * time.Hour)},
		},
		Messages: []store.Message{
			// c1: inbound at 1h, outbound 4.5 s later (bucket 0), replied by an
			// inbound exactly 24 h later (the window is inclusive), itself
			// answered 10 s later, after the period, which still counts as
			// the outbound message's reply but not as a turn of this day.
			msg("m1", "c1", "A1", true, time.Hour, "read"),
			msg("m2", "c1", "A1", false, time.Hour+4500*time.Millisecond, "read"),
			msg("m3", "c1", "A1", true, 25*time.Hour+4500*time.Millisecond, "delivered"),
			msg("m4", "c1", "A1", false, 25*time.Hour+14500*time.Millisecond, "sent"),
			// c2 (created the day before): an outbound at 23 h whose next
			// message is outbound, so not replied; then an inbound after the
			// period.
			msg("m5", "c2", "A2", false, 23*time.Hour, "failed"),
			msg("m6", "c2", "A2", false, 23*time.Hour+time.Minute, "pending"),
			// No conversation: counted, never replied, no turn.
			msg("m7", "", "", true, 2*time.Hour, "read"),
		},
		Contacts: []store.Contact{
			{ID: "k1", TeamID: "T", CreatedAt: base.Add(-time.Hour), EngagementScore: 49.995},
			{ID: "k2", TeamID: "T", CreatedAt: base.Add(3 * time.Hour), Blocked: true, EngagementScore: 120},
		},
	}
	e := newEnv(t, teams, act, envOptions{})
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("T"), Period: day},
		{Scope: analytics.AccountScope("T", "A1"), Period: day},
		{Scope: analytics.AccountScope("T", "A2"), Period: day},
		{Scope: analytics.AccountScope("T", "no-such-account"), Period: day},
		{Scope: analytics.TeamScope("no-such-team"), Period: day},
	}}
	got, err := e.store.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var h0 analytics.Histogram
	h0[0] = 1
	team := analytics.Metrics{Range: analytics.Range{Start: day.Start, End: day.End}}
	team.Messages = analytics.MessageMetrics{Total: 5, Sent: 3, Delivered: 3, Read: 3, Failed: 1, Replied: 1, Inbound: 2, Outbound: 3}
	team.Conversations = analytics.ConversationMetrics{Total: 1, Open: 1, ResponseCount: 1, ResponseTimeMs: 4500,
		Histogram: h0, FirstResponseCount: 1, FirstResponseTimeMs: 4500}
	// k1 rounds 4999.5 up to 5000 centi; k2 is clamped to 100.
	team.Contacts = analytics.ContactMetrics{Total: 2, New: 1, Active: 2, Blocked: 1, EngagementScoreCenti: 15000}
	team.Derive()
	a1 := analytics.Metrics{Range: team.Range}
	a1.Messages = analytics.MessageMetrics{Total: 2, Sent: 2, Delivered: 2, Read: 2, Replied: 1, Inbound: 1, Outbound: 1}
	a1.Conversations = team.Conversations
	// k1, created the day before, joins A1 with c1 during the day: new there.
	a1.Contacts = analytics.ContactMetrics{Total: 1, New: 1, Active: 1, EngagementScoreCenti: 5000}
	a1.Derive()
	a2 := analytics.Metrics{Range: team.Range}
	a2.Messages = analytics.MessageMetrics{Total: 2, Failed: 1, Outbound: 2}
	a2.Contacts = analytics.ContactMetrics{Total: 1, New: 1, Active: 1, Blocked: 1, EngagementScoreCenti: 10000}
	a2.Derive()
	// Traffic, Monday (UTC): m1 in, m2 out and c1 at 01:xx; m7 in at
	// 02:00; m5 and m6 out at 23:xx.
	cells := func(f func(h *analytics.Heatmap)) *analytics.Traffic {
		var h analytics.Heatmap
		f(&h)
		tr, err := analytics.NewTraffic(&h)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	team.Traffic = cells(func(h *analytics.Heatmap) {
		h.Add(time.Monday, 1, analytics.TrafficCell{Inbound: 1, Outbound: 1, Conversations: 1})
		h.Add(time.Monday, 2, analytics.TrafficCell{Inbound: 1})
		h.Add(time.Monday, 23, analytics.TrafficCell{Outbound: 2})
	})
	a1.Traffic = cells(func(h *analytics.Heatmap) {
		h.Add(time.Monday, 1, analytics.TrafficCell{Inbound: 1, Outbound: 1, Conversations: 1})
	})
	a2.Traffic = cells(func(h *analytics.Heatmap) { h.Add(time.Monday, 23, analytics.TrafficCell{Outbound: 2}) })
	zero := analytics.Metrics{Range: team.Range}
	zero.Derive()
	want := []analytics.Metrics{team, a1, a2, zero, zero}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Aggregate (-want +got):\n%s", d)
	}
	// The reference agrees with the hand-made expectation.
	ref, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, ref); d != "" {
		t.Errorf("ComputeMetrics (-want +got):\n%s", d)
	}
}

// TestAggregateStatementCount checks that the number of statements per
// Aggregate call depends on the number of distinct periods, not on the
// number of teams or scopes: per period, one transaction of four
// aggregation statements (BEGIN, set_config, the scan of messages and
// conversations, the lookup of older conversations, contacts, campaigns,
// COMMIT). The lookup runs even when it has nothing to look up, so that
// the count does not depend on the data either.
func TestAggregateStatementCount(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	mk := func(n int, zones ...string) []analytics.Team {
		var ts []analytics.Team
		for i := range n {
			ts = append(ts, analytics.Team{ID: fmt.Sprintf("team-%04d", i), TimeZone: zones[i%len(zones)],
				AccountIDs: []string{fmt.Sprintf("acc-%04d-1", i), fmt.Sprintf("acc-%04d-2", i), fmt.Sprintf("acc-%04d-3", i)}})
		}
		return ts
	}
	all := mk(200, "UTC", "Asia/Kolkata", "America/New_York")
	var act store.Activity
	for i, tm := range all {
		act.Messages = append(act.Messages, store.Message{ID: fmt.Sprintf("m%d", i), TeamID: tm.ID, AccountID: tm.AccountIDs[0],
			ConversationID: "c", Status: "read", CreatedAt: day.Add(time.Duration(i) * time.Minute)})
	}
	e := newEnv(t, all, &act, envOptions{})
	items := func(teams []analytics.Team) []analytics.ScopePeriod {
		var out []analytics.ScopePeriod
		for _, tm := range teams {
			loc, err := tm.Location()
			if err != nil {
				t.Fatal(err)
			}
			p, err := analytics.PeriodForDate(analytics.Daily, analytics.DateOf(day), loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range tm.Scopes() {
				out = append(out, analytics.ScopePeriod{Scope: sc, Period: p})
			}
		}
		return out
	}
	count := func(teams []analytics.Team) int {
		var err error
		n := e.hook.counting(func() {
			_, err = e.store.Aggregate(context.Background(), analytics.AggregateRequest{Items: items(teams)})
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name  string
		teams []analytics.Team
		want  int
	}{
		{"1 team, 1 zone", all[:1], 7},
		{"3 teams, 3 zones", all[:3], 21},
		{"30 teams, 3 zones", all[:30], 21},
		{"200 teams, 3 zones", all, 21},
	}
	for _, tt := range tests {
		if got := count(tt.teams); got != tt.want {
			t.Errorf("%s: %d statements, want %d", tt.name, got, tt.want)
		} else {
			t.Logf("%s (%d scopes): %d statements", tt.name, 4*len(tt.teams), got)
		}
	}
}

// TestAggregateUsesIndexes checks with EXPLAIN that the statements of a
// single team's single day read the source tables through the recommended
// (team_id, created_at) indexes.
func TestAggregateUsesIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T", AccountIDs: []string{"A"}}}, nil, envOptions{})
	ctx := context.Background()
	if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateRecommendedIndexes(ctx); err != nil {
		t.Fatalf("second CreateRecommendedIndexes: %v", err)
	}
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	p := analytics.Period{Type: analytics.Daily, Start: day, End: day.Add(24 * time.Hour), Date: analytics.DateOf(day)}
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{
		{Scope: analytics.TeamScope("T"), Period: p},
		{Scope: analytics.AccountScope("T", "A"), Period: p}, // an account scope: contacts read conversations too
	}}
	e.hook.counting(func() {
		if _, err := e.store.Aggregate(ctx, req); err != nil {
			t.Fatal(err)
		}
	})
	var stmts []string // the aggregation statements, without BEGIN, set_config and COMMIT
	for _, q := range e.hook.sql {
		if q != "BEGIN" && q != "COMMIT" && !strings.Contains(q, "set_config(") {
			stmts = append(stmts, q)
		}
	}
	if len(stmts) != 4 {
		t.Fatalf("got %d aggregation statements, want 4: %q", len(stmts), e.hook.sql)
	}
	// With sequential scans priced out, a plan that still scans a table
	// sequentially has no usable index for it.
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		stmt    int
		indexes []string
	}{
		{0, []string{"analytics_messages_team_created_idx", "analytics_conversations_team_created_idx"}},
		{1, []string{"conversations_pkey"}}, // the (team_id, id) lookups
		{2, []string{"analytics_contacts_team_created_idx", "analytics_conversations_team_created_idx"}},
		{3, []string{"analytics_campaigns_team_created_idx"}},
	}
	for _, w := range want {
		var lines []string
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+stmts[w.stmt])
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, l)
		}
		rows.Close()
		plan := strings.Join(lines, "\n")
		for _, ix := range w.indexes {
			if !strings.Contains(plan, ix) {
				t.Errorf("statement %d does not use %s:\n%s", w.stmt, ix, plan)
			}
		}
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("statement %d scans a table sequentially:\n%s", w.stmt, plan)
		}
	}
}

// TestAggregateValidates checks that a bad request fails before any
// statement runs.
func TestAggregateValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, nil, envOptions{})
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	p := analytics.Period{Type: analytics.Daily, Start: day, End: day.Add(24 * time.Hour), Date: analytics.DateOf(day)}
	tests := []struct {
		name string
		req  analytics.AggregateRequest
	}{
		{"negative window", analytics.AggregateRequest{ReplyWindow: -time.Second, Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("T"), Period: p}}}},
		{"empty team", analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope(""), Period: p}}}},
		{"NUL in account", analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.AccountScope("T", "a\x00b"), Period: p}}}},
		{"empty period", analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("T"), Period: analytics.Period{Start: day, End: day}}}}},
	}
	for _, tt := range tests {
		var err error
		n := e.hook.counting(func() { _, err = e.store.Aggregate(context.Background(), tt.req) })
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", tt.name, err)
		}
		if n != 0 {
			t.Errorf("%s: ran %d statements", tt.name, n)
		}
	}
	// An empty request is fine and costs nothing.
	var got []analytics.Metrics
	var err error
	n := e.hook.counting(func() { got, err = e.store.Aggregate(context.Background(), analytics.AggregateRequest{}) })
	if err != nil || len(got) != 0 || n != 0 {
		t.Errorf("empty request: %v, %d metrics, %d statements", err, len(got), n)
	}
}

// matchComputeMetrics checks that st.Aggregate(req) equals
// store.ComputeMetrics over act (reporting the first three items that
// differ), and that at least a quarter of the items have activity, so
// that the comparison tests something.
func matchComputeMetrics(t *testing.T, st *pgstore.Store, act *store.Activity, req analytics.AggregateRequest) {
	t.Helper()
	w, items := req.ReplyWindow, req.Items
	want, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatalf("Aggregate(window %v): %v", w, err)
	}
	if len(got) != len(want) {
		t.Fatalf("Aggregate returned %d metrics for %d items", len(got), len(want))
	}
	diffs := 0
	for i := range want {
		if d := cmp.Diff(want[i], got[i]); d != "" {
			diffs++
			if diffs <= 3 {
				t.Errorf("window %v, item %d (%s %s): Aggregate differs from ComputeMetrics (-want +got):\n%s",
					w, i, items[i].Scope, items[i].Period, d)
			}
		}
	}
	if diffs > 3 {
		t.Errorf("window %v: %d of %d items differ", w, diffs, len(items))
	}
	if nonZero(want) < len(want)/4 {
		t.Errorf("window %v: only %d of %d items have activity; the dataset tests too little", w, nonZero(want), len(want))
	}
}
