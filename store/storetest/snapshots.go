package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

var snapshotTests = []subtest{
	{"Insert", testUpsertInsert},
	{"ReplaceKeepsID", testUpsertReplace},
	{"Idempotent", testUpsertIdempotent},
	{"ConcurrentOneKey", testUpsertConcurrent},
	{"DuplicateKeyInBatch", testUpsertDuplicateKey},
	{"AllOrNothing", testUpsertAllOrNothing},
	{"Query", testSnapshotsQuery},
	{"InvalidQuery", testSnapshotsInvalidQuery},
	{"Sketches", testSnapshotSketches},
	{"OfTeamsManyScopes", testSnapshotsOfTeamsManyScopes},
}

func snapTeams() Dataset {
	return Dataset{Teams: []analytics.Team{
		{ID: "snap", TimeZone: "UTC", AccountIDs: []string{"snap-acc-1", "snap-acc-2"}},
		{ID: "snap-other", TimeZone: "Asia/Kolkata", AccountIDs: []string{"other-acc"}},
	}}
}

// sampleMetrics returns consistent metrics for p whose counts carry n, so
// that snapshots with different n differ in many fields.
func sampleMetrics(p analytics.Period, n int64) analytics.Metrics {
	m := analytics.Metrics{
		Range:       rangeOf(p),
		GeneratedAt: p.End.Add(2*time.Hour + 123*time.Millisecond),
		Messages: analytics.MessageMetrics{Total: 10 + n, Sent: 8, Delivered: 6, Read: 3, Failed: 1,
			Replied: 2, Inbound: 4, Outbound: 6 + n},
		Campaigns: analytics.CampaignMetrics{Total: 3, Active: 1, Completed: 1, Failed: 1,
			TotalRecipients: 300 + n, MessagesSent: 250, MessagesDelivered: 200, MessagesRead: 99},
		Contacts: analytics.ContactMetrics{Total: 50 + n, New: 5, Active: 7, Blocked: 2,
			EngagementScoreCenti: 123456 + n},
		Conversations: analytics.ConversationMetrics{Total: 9, Open: 4, Closed: 3,
			ResponseCount: 3, ResponseTimeMs: 9000 + n, Unanswered: 2,
			Histogram:          analytics.Histogram{0: 1, 3: 1, 15: 1},
			FirstResponseCount: 2, FirstResponseTimeMs: 4000 + n},
	}
	m.Derive()
	return m
}

// snap returns a snapshot of scope for the period of type typ starting on
// day in zone, with sampleMetrics(…, n).
func snap(scope analytics.Scope, typ analytics.SnapshotType, day, zone string, n int64, id string, created time.Time) analytics.Snapshot {
	p := period(typ, day, zone)
	return analytics.Snapshot{ID: id, Scope: scope, Type: typ, Date: p.Date, Metrics: sampleMetrics(p, n), CreatedAt: created}
}

func upsert(t *testing.T, s analytics.Store, snaps ...analytics.Snapshot) {
	t.Helper()
	if err := s.UpsertSnapshots(context.Background(), snaps); err != nil {
		t.Fatalf("UpsertSnapshots: %v", err)
	}
}

// readOne returns the stored snapshot with key k, if there is one.
func readOne(t *testing.T, s analytics.Store, k analytics.SnapshotKey) (analytics.Snapshot, bool) {
	t.Helper()
	got, err := s.Snapshots(context.Background(), analytics.SnapshotQuery{Scope: k.Scope, Type: k.Type, From: k.Date, To: k.Date})
	if err != nil {
		t.Fatalf("Snapshots(%s %s %s): %v", k.Scope, k.Type, k.Date, err)
	}
	switch len(got) {
	case 0:
		return analytics.Snapshot{}, false
	case 1:
		return got[0], true
	}
	t.Fatalf("Snapshots(%s %s %s) returned %d rows for one key", k.Scope, k.Type, k.Date, len(got))
	return analytics.Snapshot{}, false
}

// readAll returns every stored snapshot of scope and typ in 2026.
func readAll(t *testing.T, s analytics.Store, scope analytics.Scope, typ analytics.SnapshotType) []analytics.Snapshot {
	t.Helper()
	got, err := s.Snapshots(context.Background(), analytics.SnapshotQuery{Scope: scope, Type: typ,
		From: date("2026-01-01"), To: date("2026-12-31")})
	if err != nil {
		t.Fatalf("Snapshots(%s %s): %v", scope, typ, err)
	}
	return got
}

func keyString(k analytics.SnapshotKey) string {
	return fmt.Sprintf("%s %s %s", k.Scope, k.Type, k.Date)
}

func testUpsertInsert(t *testing.T, open Open) {
	s := open(t, snapTeams())
	created := ts("2026-03-11T02:00:00.123Z")
	snaps := []analytics.Snapshot{
		snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "snap-fixed-id", created),
		snap(analytics.AccountScope("snap", "snap-acc-1"), analytics.Daily, "2026-03-10", "UTC", 2, "", created.Add(time.Second)),
		snap(analytics.TeamScope("snap"), analytics.Weekly, "2026-03-09", "UTC", 3, "", time.Time{}),
		snap(analytics.TeamScope("snap-other"), analytics.Monthly, "2026-03-01", "Asia/Kolkata", 4, "", created),
	}
	upsert(t, s, snaps...)
	ids := map[string]bool{}
	for _, want := range snaps {
		got, ok := readOne(t, s, want.Key())
		if !ok {
			t.Errorf("snapshot %s was not stored", keyString(want.Key()))
			continue
		}
		if want.ID == "" {
			if got.ID == "" {
				t.Errorf("snapshot %s has no ID; the store should generate one", keyString(want.Key()))
			}
			want.ID = got.ID
		}
		if want.CreatedAt.IsZero() {
			if got.CreatedAt.IsZero() {
				t.Errorf("snapshot %s stored with a zero CreatedAt has none; the store's now was due", keyString(want.Key()))
			}
			want.CreatedAt = got.CreatedAt
		}
		if ids[got.ID] {
			t.Errorf("ID %q is used twice", got.ID)
		}
		ids[got.ID] = true
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("snapshot %s read back (-want +got):\n%s", keyString(want.Key()), d)
		}
	}
}

func testUpsertReplace(t *testing.T, open Open) {
	s := open(t, snapTeams())
	first := ts("2026-03-11T02:00:00.000Z")
	second := ts("2026-03-12T02:00:00.500Z")
	a1 := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "first-id", first)
	b1 := snap(analytics.AccountScope("snap", "snap-acc-2"), analytics.Weekly, "2026-03-09", "UTC", 1, "", first)
	upsert(t, s, a1, b1)
	b1got, ok := readOne(t, s, b1.Key())
	if !ok {
		t.Fatalf("snapshot %s was not stored", keyString(b1.Key()))
	}

	// Same keys, new metrics and CreatedAt, another ID (or none).
	a2 := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 2, "second-id", second)
	b2 := snap(analytics.AccountScope("snap", "snap-acc-2"), analytics.Weekly, "2026-03-09", "UTC", 2, "", second)
	upsert(t, s, a2, b2)
	for _, tt := range []struct {
		new analytics.Snapshot
		id  string
	}{{a2, "first-id"}, {b2, b1got.ID}} {
		want := tt.new
		want.ID = tt.id // the row keeps its ID
		got, ok := readOne(t, s, want.Key())
		if !ok {
			t.Errorf("snapshot %s is gone after a re-upsert", keyString(want.Key()))
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("snapshot %s after a re-upsert (-want +got):\n%s", keyString(want.Key()), d)
		}
		if n := len(readAll(t, s, want.Scope, want.Type)); n != 1 {
			t.Errorf("%s %s has %d rows after a re-upsert of one key, want 1", want.Scope, want.Type, n)
		}
	}

	// A zero CreatedAt is the store's now, not the old value.
	a3 := a2
	a3.CreatedAt = time.Time{}
	upsert(t, s, a3)
	got, _ := readOne(t, s, a3.Key())
	if got.CreatedAt.IsZero() || got.CreatedAt.Equal(second) {
		t.Errorf("re-upsert with a zero CreatedAt left CreatedAt %v; want the store's now", got.CreatedAt)
	}
}

func testUpsertIdempotent(t *testing.T, open Open) {
	s := open(t, snapTeams())
	created := ts("2026-03-11T02:00:00.000Z")
	batch := []analytics.Snapshot{
		snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-09", "UTC", 1, "", created),
		snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 2, "", created),
		snap(analytics.AccountScope("snap", "snap-acc-1"), analytics.Daily, "2026-03-10", "UTC", 3, "", created),
		snap(analytics.AccountScope("snap", "snap-acc-2"), analytics.Daily, "2026-03-10", "UTC", 4, "", created),
		snap(analytics.TeamScope("snap"), analytics.Weekly, "2026-03-09", "UTC", 5, "", created),
	}
	read := func() []analytics.Snapshot {
		var all []analytics.Snapshot
		for _, sc := range []analytics.Scope{analytics.TeamScope("snap"), analytics.AccountScope("snap", "snap-acc-1"), analytics.AccountScope("snap", "snap-acc-2")} {
			for _, typ := range analytics.SnapshotTypes() {
				all = append(all, readAll(t, s, sc, typ)...)
			}
		}
		return all
	}
	upsert(t, s, batch...)
	once := read()
	if len(once) != len(batch) {
		t.Fatalf("after one upsert of %d snapshots, %d rows", len(batch), len(once))
	}
	upsert(t, s, batch...)
	if d := cmp.Diff(once, read()); d != "" {
		t.Errorf("upserting the same batch again changed the rows (-once +twice):\n%s", d)
	}
}

func testUpsertConcurrent(t *testing.T, open Open) {
	s := open(t, snapTeams())
	const n = 16
	created := ts("2026-03-11T02:00:00.000Z")
	variant := func(i int) analytics.Snapshot {
		return snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", int64(i),
			fmt.Sprintf("conc-%02d", i), created.Add(time.Duration(i)*time.Millisecond))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	startGate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-startGate
			errs[i] = s.UpsertSnapshots(context.Background(), []analytics.Snapshot{variant(i)})
		})
	}
	close(startGate)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("upsert %d of %d concurrent upserts of one key: %v", i, n, err)
		}
	}
	rows := readAll(t, s, analytics.TeamScope("snap"), analytics.Daily)
	if len(rows) != 1 {
		t.Fatalf("%d concurrent upserts of one key left %d rows, want 1", n, len(rows))
	}
	got := rows[0]
	i := int(got.Metrics.Messages.Total - 10)
	if i < 0 || i >= n {
		t.Fatalf("the row holds metrics that no upsert wrote: %+v", got.Metrics.Messages)
	}
	want := variant(i) // metrics and CreatedAt come from one upsert
	if !strings.HasPrefix(got.ID, "conc-") {
		t.Errorf("row ID %q is none of the upserted IDs", got.ID)
	}
	want.ID = got.ID // the first upsert's, whichever that was
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the surviving row is not one upsert's snapshot (-want +got):\n%s", d)
	}
}

func testUpsertDuplicateKey(t *testing.T, open Open) {
	s := open(t, snapTeams())
	created := ts("2026-03-11T02:00:00.000Z")
	x := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "", created)
	y := snap(analytics.AccountScope("snap", "snap-acc-1"), analytics.Daily, "2026-03-10", "UTC", 2, "", created)
	z := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 3, "", created.Add(time.Second))
	err := s.UpsertSnapshots(context.Background(), []analytics.Snapshot{x, y, z})
	wantErr(t, "UpsertSnapshots with two team-wide snapshots of one key", err, analytics.ErrInvalidArgument)
	for _, k := range []analytics.SnapshotKey{x.Key(), y.Key()} {
		if got, ok := readOne(t, s, k); ok {
			t.Errorf("the failed batch wrote %s (ID %q)", keyString(k), got.ID)
		}
	}
}

func testUpsertAllOrNothing(t *testing.T, open Open) {
	s := open(t, snapTeams())
	created := ts("2026-03-11T02:00:00.000Z")
	v1 := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "v1", created)
	upsert(t, s, v1)
	long := strings.Repeat("x", maxIDLength+1)
	bad := func(f func(*analytics.Snapshot)) analytics.Snapshot {
		b := snap(analytics.AccountScope("snap", "snap-acc-2"), analytics.Daily, "2026-03-11", "UTC", 9, "", created)
		f(&b)
		return b
	}
	tests := []struct {
		name string
		bad  analytics.Snapshot
	}{
		{"unknown type", bad(func(b *analytics.Snapshot) { b.Type = 0 })},
		{"type out of range", bad(func(b *analytics.Snapshot) { b.Type = analytics.Monthly + 1 })},
		{"empty team", bad(func(b *analytics.Snapshot) { b.Scope.TeamID = "" })},
		{"zero date", bad(func(b *analytics.Snapshot) { b.Date = analytics.Date{} })},
		{"team ID of 1025 bytes", bad(func(b *analytics.Snapshot) { b.Scope.TeamID = long })},
		{"account ID of 1025 bytes", bad(func(b *analytics.Snapshot) { b.Scope.AccountID = long })},
	}
	for _, tt := range tests {
		v1b := snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 2, "", created.Add(time.Hour))
		v2 := snap(analytics.AccountScope("snap", "snap-acc-1"), analytics.Daily, "2026-03-10", "UTC", 3, "", created)
		err := s.UpsertSnapshots(context.Background(), []analytics.Snapshot{v1b, v2, tt.bad})
		wantErr(t, "UpsertSnapshots with "+tt.name, err, analytics.ErrInvalidArgument)
		if got, _ := readOne(t, s, v1.Key()); !cmp.Equal(v1, got) {
			t.Errorf("a batch with %s changed %s (-want +got):\n%s", tt.name, keyString(v1.Key()), cmp.Diff(v1, got))
		}
		if _, ok := readOne(t, s, v2.Key()); ok {
			t.Errorf("a batch with %s wrote %s", tt.name, keyString(v2.Key()))
		}
	}
}

func testSnapshotsQuery(t *testing.T, open Open) {
	s := open(t, snapTeams())
	created := ts("2026-03-11T02:00:00.000Z")
	team := analytics.TeamScope("snap")
	acc1 := analytics.AccountScope("snap", "snap-acc-1")
	other := analytics.TeamScope("snap-other")
	var batch []analytics.Snapshot
	// Team-wide days 03-01…03-10 written out of order: 7, 4, 1, 8, 5, 2, 9, 6, 3, 10.
	for i := range 10 {
		day := 1 + (i*3+6)%10
		batch = append(batch, snap(team, analytics.Daily, fmt.Sprintf("2026-03-%02d", day), "UTC", int64(day), "", created))
	}
	for _, day := range []int{5, 3, 4} {
		batch = append(batch, snap(acc1, analytics.Daily, fmt.Sprintf("2026-03-%02d", day), "UTC", 100+int64(day), "", created))
	}
	batch = append(batch,
		snap(team, analytics.Weekly, "2026-03-09", "UTC", 200, "", created),
		snap(team, analytics.Weekly, "2026-03-02", "UTC", 201, "", created),
		snap(team, analytics.Monthly, "2026-03-01", "UTC", 300, "", created),
		snap(other, analytics.Daily, "2026-03-04", "Asia/Kolkata", 400, "", created),
		snap(other, analytics.Daily, "2026-03-05", "Asia/Kolkata", 401, "", created),
	)
	upsert(t, s, batch...)

	// n is the tag sampleMetrics folds into Messages.Total.
	type row struct {
		Date string
		N    int64
	}
	tests := []struct {
		name string
		q    analytics.SnapshotQuery
		want []row
	}{
		{"inclusive range in date order", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: date("2026-03-03"), To: date("2026-03-06")},
			[]row{{"2026-03-03", 3}, {"2026-03-04", 4}, {"2026-03-05", 5}, {"2026-03-06", 6}}},
		{"limit keeps the earliest", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: date("2026-03-03"), To: date("2026-03-06"), Limit: 2},
			[]row{{"2026-03-03", 3}, {"2026-03-04", 4}}},
		{"limit above the count", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: date("2026-03-09"), To: date("2026-03-31"), Limit: 5},
			[]row{{"2026-03-09", 9}, {"2026-03-10", 10}}},
		{"one day", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: date("2026-03-05"), To: date("2026-03-05")},
			[]row{{"2026-03-05", 5}}},
		{"account rows only", analytics.SnapshotQuery{Scope: acc1, Type: analytics.Daily, From: date("2026-03-01"), To: date("2026-03-31")},
			[]row{{"2026-03-03", 103}, {"2026-03-04", 104}, {"2026-03-05", 105}}},
		{"account without rows", analytics.SnapshotQuery{Scope: analytics.AccountScope("snap", "snap-acc-2"), Type: analytics.Daily, From: date("2026-03-01"), To: date("2026-03-31")},
			nil},
		{"weekly only", analytics.SnapshotQuery{Scope: team, Type: analytics.Weekly, From: date("2026-03-01"), To: date("2026-03-31")},
			[]row{{"2026-03-02", 201}, {"2026-03-09", 200}}},
		{"monthly only", analytics.SnapshotQuery{Scope: team, Type: analytics.Monthly, From: date("2026-03-01"), To: date("2026-03-01")},
			[]row{{"2026-03-01", 300}}},
		{"no rows in range", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: date("2026-02-01"), To: date("2026-02-28")},
			nil},
		{"other team", analytics.SnapshotQuery{Scope: other, Type: analytics.Daily, From: date("2026-03-01"), To: date("2026-03-31")},
			[]row{{"2026-03-04", 400}, {"2026-03-05", 401}}},
	}
	for _, tt := range tests {
		got, err := s.Snapshots(context.Background(), tt.q)
		if err != nil {
			t.Errorf("Snapshots %s: %v", tt.name, err)
			continue
		}
		var rows []row
		for _, g := range got {
			if g.Scope != tt.q.Scope || g.Type != tt.q.Type {
				t.Errorf("Snapshots %s returned a row of %s %s", tt.name, g.Scope, g.Type)
			}
			rows = append(rows, row{g.Date.String(), g.Metrics.Messages.Total - 10})
		}
		if d := cmp.Diff(tt.want, rows); d != "" {
			t.Errorf("Snapshots %s (-want +got):\n%s", tt.name, d)
		}
	}
}

func testSnapshotsInvalidQuery(t *testing.T, open Open) {
	s := open(t, snapTeams())
	team := analytics.TeamScope("snap")
	from, to := date("2026-03-01"), date("2026-03-31")
	tests := []struct {
		name string
		q    analytics.SnapshotQuery
	}{
		{"From after To", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: to, To: from}},
		{"negative Limit", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, From: from, To: to, Limit: -1}},
		{"unknown type", analytics.SnapshotQuery{Scope: team, From: from, To: to}},
		{"empty team", analytics.SnapshotQuery{Type: analytics.Daily, From: from, To: to}},
		{"zero From", analytics.SnapshotQuery{Scope: team, Type: analytics.Daily, To: to}},
		{"team ID of 1025 bytes", analytics.SnapshotQuery{Scope: analytics.TeamScope(strings.Repeat("é", 512) + "x"), Type: analytics.Daily, From: from, To: to}},
	}
	for _, tt := range tests {
		_, err := s.Snapshots(context.Background(), tt.q)
		wantErr(t, "Snapshots with "+tt.name, err, analytics.ErrInvalidArgument)
	}
}

// testSnapshotSketches checks that a snapshot's sketch of active contacts
// is stored with it: SnapshotsOfTeams (analytics.SnapshotRangeReader, if
// the store has it) returns the sketch that was upserted, of every size,
// and none for a snapshot upserted without one, even over a row that had
// one; Snapshots leaves it out. A store without SnapshotRangeReader only
// has to accept sketches: roll-ups then count active contacts without them.
func testSnapshotSketches(t *testing.T, open Open) {
	s := open(t, snapTeams())
	ctx := context.Background()
	created := ts("2026-03-11T02:00:00.000Z")
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s-%d", prefix, i)
		}
		return out
	}
	withSketch := func(sn analytics.Snapshot, contacts []string) analytics.Snapshot {
		sn.Metrics.ActiveSketch = analytics.SketchOf(contacts...)
		sn.Metrics.Contacts.Active = sn.Metrics.ActiveSketch.Count()
		sn.Metrics.Derive()
		return sn
	}
	snaps := []analytics.Snapshot{
		withSketch(snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-10", "UTC", 1, "sk-1", created), ids("c", 7)),
		withSketch(snap(analytics.AccountScope("snap", "snap-acc-1"), analytics.Daily, "2026-03-10", "UTC", 2, "sk-2", created), nil),
		withSketch(snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-11", "UTC", 3, "sk-3", created), ids("big", analytics.SketchK+10)),
		withSketch(snap(analytics.TeamScope("snap-other"), analytics.Daily, "2026-03-10", "Asia/Kolkata", 4, "sk-4", created), ids("o", 3)),
		snap(analytics.AccountScope("snap", "snap-acc-2"), analytics.Daily, "2026-03-10", "UTC", 5, "sk-5", created), // none
	}
	if snaps[2].Metrics.ActiveSketch.Exact() {
		t.Fatal("the large sketch should be an estimate")
	}
	upsert(t, s, snaps...)
	for _, sn := range snaps {
		got, ok := readOne(t, s, sn.Key())
		if !ok || got.Metrics.ActiveSketch != nil {
			t.Errorf("Snapshots %s: found %v, sketch %v; want the snapshot without its sketch", keyString(sn.Key()), ok, got.Metrics.ActiveSketch)
		}
	}
	r, ok := s.(analytics.SnapshotRangeReader)
	if !ok {
		return
	}
	read := func() map[analytics.SnapshotKey]analytics.Snapshot {
		t.Helper()
		got, err := r.SnapshotsOfTeams(ctx, []string{"snap", "snap-other"}, analytics.Daily, date("2026-03-01"), date("2026-03-31"))
		if err != nil {
			t.Fatalf("SnapshotsOfTeams: %v", err)
		}
		out := map[analytics.SnapshotKey]analytics.Snapshot{}
		for _, sn := range got {
			out[sn.Key()] = sn
		}
		return out
	}
	got := read()
	if len(got) != len(snaps) {
		t.Errorf("SnapshotsOfTeams returned %d snapshots, want %d", len(got), len(snaps))
	}
	for _, sn := range snaps {
		if d := diff(sn, got[sn.Key()]); d != "" {
			t.Errorf("SnapshotsOfTeams %s (-upserted +read):\n%s", keyString(sn.Key()), d)
		}
	}
	// Replacing a row: the new sketch, or none, replaces the old.
	again := []analytics.Snapshot{
		withSketch(snaps[0], ids("d", 2)),
		snap(analytics.TeamScope("snap"), analytics.Daily, "2026-03-11", "UTC", 6, "", created), // none now
		withSketch(snaps[4], ids("e", 1)),
	}
	upsert(t, s, again...)
	got = read()
	for _, sn := range again {
		if sn.ID == "" {
			sn.ID = "sk-3"
		}
		if d := diff(sn, got[sn.Key()]); d != "" {
			t.Errorf("SnapshotsOfTeams %s after a re-upsert (-upserted +read):\n%s", keyString(sn.Key()), d)
		}
	}
}

// testSnapshotsOfTeamsManyScopes checks that SnapshotsOfTeams (if the store
// has it) returns every snapshot of a range exactly once, however many
// scopes a team has (pgstore sizes its result for four per team and day),
// and none outside the range, the type or the teams.
func testSnapshotsOfTeamsManyScopes(t *testing.T, open Open) {
	s := open(t, snapTeams())
	r, ok := s.(analytics.SnapshotRangeReader)
	if !ok {
		t.Skip("the store has no SnapshotRangeReader")
	}
	created := ts("2026-03-14T02:00:00.000Z")
	var want []analytics.Snapshot
	var n int64
	add := func(scope analytics.Scope, typ analytics.SnapshotType, day, zone string) analytics.Snapshot {
		n++
		return snap(scope, typ, day, zone, n, fmt.Sprintf("many-%d", n), created)
	}
	var all []analytics.Snapshot
	for _, day := range []string{"2026-03-12", "2026-03-13"} {
		scopes := []analytics.Scope{analytics.TeamScope("snap")}
		for i := range 9 {
			scopes = append(scopes, analytics.AccountScope("snap", fmt.Sprintf("many-acc-%d", i)))
		}
		for _, sc := range scopes {
			sn := add(sc, analytics.Daily, day, "UTC")
			all = append(all, sn)
			want = append(want, sn)
		}
		all = append(all, add(analytics.TeamScope("snap-other"), analytics.Daily, day, "Asia/Kolkata")) // another team
	}
	all = append(all,
		add(analytics.TeamScope("snap"), analytics.Daily, "2026-03-14", "UTC"),  // after the range
		add(analytics.TeamScope("snap"), analytics.Weekly, "2026-03-09", "UTC"), // another type
	)
	upsert(t, s, all...)
	got, err := r.SnapshotsOfTeams(context.Background(), []string{"snap"}, analytics.Daily, date("2026-03-12"), date("2026-03-13"))
	if err != nil {
		t.Fatalf("SnapshotsOfTeams: %v", err)
	}
	if len(got) != len(want) {
		t.Errorf("SnapshotsOfTeams returned %d snapshots, want %d", len(got), len(want))
	}
	byKey := map[analytics.SnapshotKey]analytics.Snapshot{}
	for _, sn := range got {
		if _, dup := byKey[sn.Key()]; dup {
			t.Errorf("SnapshotsOfTeams returned %s twice", keyString(sn.Key()))
		}
		byKey[sn.Key()] = sn
	}
	for _, sn := range want {
		if d := diff(sn, byKey[sn.Key()]); d != "" {
			t.Errorf("SnapshotsOfTeams %s (-upserted +read):\n%s", keyString(sn.Key()), d)
		}
	}
}
