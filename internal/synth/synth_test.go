package synth

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// small is a dataset big enough to show every feature and small enough to
// check record by record: 14 teams (each default zone twice), 10 days
// across the United States' change to summer time, ~30k messages.
var small = Config{Seed: 7, Teams: 14, Days: 10, Start: analytics.NewDate(2026, time.March, 3), MessagesPerDay: 3000}

func build(t *testing.T, cfg Config) ([]analytics.Team, store.Activity) {
	t.Helper()
	teams, a, err := Build(cfg)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return teams, a
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	teams1, a1 := build(t, small)
	teams2, a2 := build(t, small)
	if diff := cmp.Diff(teams1, teams2); diff != "" {
		t.Errorf("teams differ between two runs (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(a1, a2); diff != "" {
		t.Errorf("activity differs between two runs (-first +second):\n%s", diff)
	}

	other := small
	other.Seed++
	teams3, a3 := build(t, other)
	if diff := cmp.Diff(teams1, teams3); diff != "" {
		t.Errorf("teams depend on the seed; want only the activity to (-seed 7 +seed 8):\n%s", diff)
	}
	same := 0
	for i := range min(len(a1.Messages), len(a3.Messages)) {
		if a1.Messages[i] == a3.Messages[i] {
			same++
		}
	}
	if same > len(a1.Messages)/100 {
		t.Errorf("seeds 7 and 8 gave %d of %d messages equal; want different datasets", same, len(a1.Messages))
	}
}

// batchSink records the size of every call and the order of kinds.
type batchSink struct {
	collector
	limit    int
	calls    []string
	tooLarge []string
}

func (b *batchSink) note(kind string, n int) {
	b.calls = append(b.calls, kind)
	if n == 0 || n > b.limit {
		b.tooLarge = append(b.tooLarge, kind+" "+strconv.Itoa(n))
	}
}

func (b *batchSink) Teams(x []analytics.Team) error {
	b.note("teams", len(x))
	return b.collector.Teams(x)
}

func (b *batchSink) Contacts(x []store.Contact) error {
	b.note("contacts", len(x))
	return b.collector.Contacts(x)
}

func (b *batchSink) Conversations(x []store.Conversation) error {
	b.note("conversations", len(x))
	return b.collector.Conversations(x)
}

func (b *batchSink) Messages(x []store.Message) error {
	b.note("messages", len(x))
	// Scribble over the batch, as a sink may not keep it: the generator
	// must not read it back.
	defer func() {
		for i := range x {
			x[i] = store.Message{ID: "scribbled"}
		}
	}()
	return b.collector.Messages(x)
}

func (b *batchSink) Campaigns(x []store.Campaign) error {
	b.note("campaigns", len(x))
	return b.collector.Campaigns(x)
}

func TestBatchSizeDoesNotChangeData(t *testing.T) {
	t.Parallel()
	cfg := small
	cfg.Teams, cfg.Days = 5, 3
	wantTeams, want := build(t, cfg)

	for _, size := range []int{1, 7, 1000} {
		cfg.BatchSize = size
		s := &batchSink{limit: size}
		if err := Generate(cfg, s); err != nil {
			t.Fatalf("BatchSize %d: %v", size, err)
		}
		if len(s.tooLarge) > 0 {
			t.Errorf("BatchSize %d: calls with empty or oversized batches: %v", size, s.tooLarge[:min(5, len(s.tooLarge))])
		}
		firstOther := slices.IndexFunc(s.calls, func(k string) bool { return k != "teams" })
		if slices.Contains(s.calls[firstOther:], "teams") {
			t.Errorf("BatchSize %d: Teams called after other kinds: %v", size, s.calls[:min(20, len(s.calls))])
		}
		if diff := cmp.Diff(wantTeams, s.teams); diff != "" {
			t.Errorf("BatchSize %d: teams differ (-default +this):\n%s", size, diff)
		}
		if diff := cmp.Diff(want, s.a); diff != "" {
			t.Errorf("BatchSize %d: activity differs (-default +this):\n%s", size, diff)
		}
	}
}

func TestSinkErrorStopsGenerate(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	s := &failSink{err: boom, after: 2}
	if err := Generate(small, s); !errors.Is(err, boom) {
		t.Fatalf("Generate = %v, want the sink's error", err)
	}
	if s.calls != 3 {
		t.Errorf("sink called %d times for messages; want 3 (it failed on the third, and nothing after)", s.calls)
	}
}

type failSink struct {
	collector
	err   error
	after int
	calls int
}

func (f *failSink) Messages(x []store.Message) error {
	f.calls++
	if f.calls > f.after {
		return f.err
	}
	return nil
}

func TestTeams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   Config
		first analytics.Team
		last  string
	}{
		{
			name:  "defaults",
			cfg:   Config{},
			first: analytics.Team{ID: "team-0001", TimeZone: "UTC", AccountIDs: []string{"team-0001-acc-1", "team-0001-acc-2", "team-0001-acc-3"}},
			last:  "team-0010",
		},
		{
			name: "many teams and accounts sort as strings",
			cfg:  Config{Teams: 12345, AccountsPerTeam: 11, TimeZones: []string{"Asia/Kolkata"}},
			first: analytics.Team{ID: "team-00001", TimeZone: "Asia/Kolkata", AccountIDs: []string{
				"team-00001-acc-1", "team-00001-acc-10", "team-00001-acc-11", "team-00001-acc-2", "team-00001-acc-3",
				"team-00001-acc-4", "team-00001-acc-5", "team-00001-acc-6", "team-00001-acc-7", "team-00001-acc-8", "team-00001-acc-9",
			}},
			last: "team-12345",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			teams, err := Teams(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.first, teams[0]); diff != "" {
				t.Errorf("first team (-want +got):\n%s", diff)
			}
			if got := teams[len(teams)-1].ID; got != tt.last {
				t.Errorf("last team ID = %q, want %q", got, tt.last)
			}
		})
	}

	teams, err := Teams(Config{Teams: 9})
	if err != nil {
		t.Fatal(err)
	}
	var zones []string
	for _, tm := range teams {
		zones = append(zones, tm.TimeZone)
	}
	want := []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati", "America/Sao_Paulo", "Australia/Adelaide", "UTC", "America/New_York"}
	if diff := cmp.Diff(want, zones); diff != "" {
		t.Errorf("zones are not the default list round robin (-want +got):\n%s", diff)
	}
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	got := *(&Config{Teams: 40, ReplyRatio: -1, CampaignsPerDay: -3, TeamSizeSkew: -1}).WithDefaults()
	want := Config{
		Teams:                   40,
		AccountsPerTeam:         3,
		Start:                   analytics.Date{Year: 2026, Month: time.March, Day: 2},
		Days:                    14,
		MessagesPerDay:          8000,
		TeamSizeSkew:            -1,
		MessagesPerConversation: 8,
		StatusMix:               StatusMix{Sent: 0.10, Delivered: 0.25, Read: 0.52, Failed: 0.05, Other: 0.08},
		ReplyRatio:              -1,
		AnswerRatio:             0.9,
		NoConversationRatio:     0.01,
		NoAccountRatio:          0.005,
		ContactsPerTeam:         250,
		PreexistingContactRatio: 0.6,
		BlockedContactRatio:     0.03,
		CampaignsPerDay:         -3,
		TimeZones:               []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati", "America/Sao_Paulo", "Australia/Adelaide"},
		BatchSize:               8192,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WithDefaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(got, *got.WithDefaults()); diff != "" {
		t.Errorf("WithDefaults is not idempotent (-once +twice):\n%s", diff)
	}
	if got := (&Config{Teams: 40}).WithDefaults().CampaignsPerDay; got != 20 {
		t.Errorf("default CampaignsPerDay for 40 teams = %v, want 20", got)
	}
	if got := (&Config{Teams: 1}).WithDefaults().CampaignsPerDay; got != 1 {
		t.Errorf("default CampaignsPerDay for 1 team = %v, want 1", got)
	}
	var nilCfg *Config
	if diff := cmp.Diff(*(&Config{}).WithDefaults(), *nilCfg.WithDefaults()); diff != "" {
		t.Errorf("nil WithDefaults differs from the zero Config's (-zero +nil):\n%s", diff)
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field string
		cfg   Config
	}{
		{"Config.Teams", Config{Teams: -1}},
		{"Config.Teams", Config{Teams: 1_000_000}},
		{"Config.AccountsPerTeam", Config{AccountsPerTeam: -2}},
		{"Config.Days", Config{Days: -1}},
		{"Config.MessagesPerDay", Config{MessagesPerDay: -5}},
		{"Config.Start", Config{Start: analytics.Date{Year: 2026, Month: 2, Day: 30}}},
		{"Config.ReplyRatio", Config{ReplyRatio: 1.5}},
		{"Config.NoAccountRatio", Config{NoAccountRatio: math.NaN()}},
		{"Config.StatusMix", Config{StatusMix: StatusMix{Read: 1, Failed: -0.1}}},
		{"Config.TimeZones", Config{TimeZones: []string{"UTC", "Mars/Olympus_Mons"}}},
		{"Config.CampaignsPerDay", Config{CampaignsPerDay: math.Inf(1)}},
	}
	for _, tt := range tests {
		for name, call := range map[string]func() error{
			"Generate":     func() error { return Generate(tt.cfg, &collector{}) },
			"Teams":        func() error { _, err := Teams(tt.cfg); return err },
			"LoadMemstore": func() error { return LoadMemstore(tt.cfg, &memRecorder{}) },
		} {
			err := call()
			var fe *analytics.FieldError
			if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("%s(%+v) = %v, want an ErrInvalidArgument naming %s", name, tt.cfg, err, tt.field)
			}
		}
	}
}

func TestSenderType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    store.Message
		want string
	}{
		{store.Message{ID: "a", Inbound: true, ConversationID: "c"}, "contact"},
		{store.Message{ID: "a", Inbound: true}, "contact"},
		{store.Message{ID: "a"}, "campaign"},
	}
	for _, tt := range tests {
		if got := SenderType(tt.m); got != tt.want {
			t.Errorf("SenderType(%+v) = %q, want %q", tt.m, got, tt.want)
		}
	}
	n := map[string]int{}
	for i := range 4000 {
		n[SenderType(store.Message{ID: "team-0001-m-" + strconv.Itoa(i), ConversationID: "c"})]++
	}
	if len(n) != 2 || n["bot"] < 800 || n["bot"] > 1200 {
		t.Errorf("outbound conversation messages got sender types %v; want about 1000 bot and 3000 agent", n)
	}
}

// dayOf returns the local date of t in the zone.
func dayOf(t time.Time, loc *time.Location) analytics.Date { return analytics.DateOf(t.In(loc)) }

func TestInvariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"small", small},
		{"even teams, no campaigns, no orphans", Config{Seed: 3, Teams: 4, Days: 3, TeamSizeSkew: -1, CampaignsPerDay: -1, NoAccountRatio: -1, NoConversationRatio: -1}},
		{"one account, long conversations", Config{Seed: 4, Teams: 3, AccountsPerTeam: 1, Days: 5, MessagesPerConversation: 30, MessagesPerDay: 2000}},
		{"more teams than messages", Config{Seed: 5, Teams: 30, Days: 2, MessagesPerDay: 17, ContactsPerTeam: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkInvariants(t, tt.cfg)
		})
	}
}

func checkInvariants(t *testing.T, cfg Config) {
	teams, a := build(t, cfg)
	cfg = cfg.WithDefaults().effective()

	type teamInfo struct {
		team       analytics.Team
		loc        *time.Location
		start, end time.Time
	}
	byTeam := map[string]teamInfo{}
	for i, tm := range teams {
		if want := cfg.TimeZones[i%len(cfg.TimeZones)]; tm.TimeZone != want {
			t.Errorf("team %d %s has zone %q, want %q (round robin)", i, tm.ID, tm.TimeZone, want)
		}
		loc, err := tm.Location()
		if err != nil {
			t.Fatal(err)
		}
		if len(tm.AccountIDs) != cfg.AccountsPerTeam || !slices.IsSorted(tm.AccountIDs) {
			t.Errorf("team %s accounts %v: want %d, sorted", tm.ID, tm.AccountIDs, cfg.AccountsPerTeam)
		}
		byTeam[tm.ID] = teamInfo{tm, loc, cfg.Start.In(loc), cfg.Start.AddDays(cfg.Days).In(loc)}
	}
	if len(byTeam) != cfg.Teams {
		t.Fatalf("%d distinct teams, want %d", len(byTeam), cfg.Teams)
	}

	checkTime := func(what string, ts time.Time) {
		if ts.Location() != time.UTC || ts.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("%s: time %v is not UTC with whole milliseconds", what, ts)
		}
	}
	unique := func(kind string, ids []string) {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s ID %q repeated", kind, id)
			}
			seen[id] = true
		}
	}
	inTeam := func(what, teamID, id string) teamInfo {
		ti, ok := byTeam[teamID]
		if !ok {
			t.Fatalf("%s %s has unknown team %q", what, id, teamID)
		}
		if !strings.HasPrefix(id, teamID+"-") {
			t.Errorf("%s ID %q does not start with its team's", what, id)
		}
		return ti
	}
	okAccount := func(what, id string, ti teamInfo, account string) {
		if account != "" && !ti.team.HasAccount(account) {
			t.Errorf("%s %s has account %q, not one of its team's", what, id, account)
		}
	}

	// Contacts.
	contacts := map[string]store.Contact{}
	var ids []string
	var blocked, before, during, threeDecimals int
	for _, c := range a.Contacts {
		ti := inTeam("contact", c.TeamID, c.ID)
		ids = append(ids, c.ID)
		contacts[c.ID] = c
		checkTime("contact "+c.ID, c.CreatedAt)
		if !c.LastContactedAt.IsZero() {
			checkTime("contact "+c.ID, c.LastContactedAt)
			if c.LastContactedAt.Before(c.CreatedAt) {
				t.Errorf("contact %s last contacted %v before it was created %v", c.ID, c.LastContactedAt, c.CreatedAt)
			}
		}
		if !c.CreatedAt.Before(ti.end) {
			t.Errorf("contact %s created %v, after the data ends", c.ID, c.CreatedAt)
		}
		if c.CreatedAt.Before(ti.start) {
			before++
		} else {
			during++
		}
		if c.Blocked {
			blocked++
		}
		if c.EngagementScore < 0 || c.EngagementScore > 100 {
			t.Errorf("contact %s engagement %v outside 0–100", c.ID, c.EngagementScore)
		}
		if s := strconv.FormatFloat(c.EngagementScore, 'f', -1, 64); len(s) > 3 && s[len(s)-4] == '.' {
			threeDecimals++
		}
	}
	unique("contact", ids)
	if before == 0 || (during == 0 && len(a.Contacts) > 2*cfg.Teams) {
		t.Errorf("contacts created before Start: %d, during the data: %d; want both", before, during)
	}
	if len(a.Contacts) > 1000 && (blocked == 0 || threeDecimals == 0) {
		t.Errorf("of %d contacts %d blocked and %d with three-decimal scores; want some of each", len(a.Contacts), blocked, threeDecimals)
	}

	// Conversations.
	convs := map[string]store.Conversation{}
	ids = ids[:0]
	for _, c := range a.Conversations {
		ti := inTeam("conversation", c.TeamID, c.ID)
		ids = append(ids, c.ID)
		convs[c.ID] = c
		checkTime("conversation "+c.ID, c.CreatedAt)
		okAccount("conversation", c.ID, ti, c.AccountID)
		if c.AccountID == "" {
			t.Errorf("conversation %s has no account", c.ID)
		}
		ct, ok := contacts[c.ContactID]
		switch {
		case !ok || ct.TeamID != c.TeamID:
			t.Errorf("conversation %s has contact %q, not one of its team's", c.ID, c.ContactID)
		case ct.CreatedAt.After(c.CreatedAt):
			t.Errorf("conversation %s at %v with contact %s created later, %v", c.ID, c.CreatedAt, ct.ID, ct.CreatedAt)
		}
		if !slices.Contains([]string{store.ConversationOpen, store.ConversationClosed, ConversationPending}, c.Status) {
			t.Errorf("conversation %s has status %q", c.ID, c.Status)
		}
	}
	unique("conversation", ids)

	// Messages.
	ids = ids[:0]
	byConv := map[string][]store.Message{}
	var noAccount, noConv int
	outStatus := map[string]int{}
	for _, m := range a.Messages {
		ti := inTeam("message", m.TeamID, m.ID)
		ids = append(ids, m.ID)
		checkTime("message "+m.ID, m.CreatedAt)
		okAccount("message", m.ID, ti, m.AccountID)
		if m.CreatedAt.Before(ti.start) || !m.CreatedAt.Before(ti.end) {
			t.Errorf("message %s at %v outside its team's days [%v, %v)", m.ID, m.CreatedAt, ti.start, ti.end)
		}
		if m.AccountID == "" {
			noAccount++
		}
		if !m.Inbound {
			outStatus[m.Status]++
		} else if m.Status != InboundRead && m.Status != InboundReceived {
			t.Errorf("inbound message %s has status %q", m.ID, m.Status)
		}
		if m.ConversationID == "" {
			noConv++
			continue
		}
		c, ok := convs[m.ConversationID]
		if !ok || c.TeamID != m.TeamID {
			t.Errorf("message %s has conversation %q, not one of its team's", m.ID, m.ConversationID)
			continue
		}
		if m.AccountID != "" && m.AccountID != c.AccountID {
			t.Errorf("message %s on account %q, its conversation on %q", m.ID, m.AccountID, c.AccountID)
		}
		byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
	}
	unique("message", ids)
	if want := cfg.MessagesPerDay * cfg.Days; len(a.Messages) != want {
		t.Errorf("%d messages, want MessagesPerDay × Days = %d", len(a.Messages), want)
	}
	if cfg.NoAccountRatio > 0 && cfg.NoConversationRatio > 0 && len(a.Messages) > 10000 && (noAccount == 0 || noConv == 0) {
		t.Errorf("%d messages without account and %d without conversation; want some of each", noAccount, noConv)
	}
	if cfg.NoAccountRatio == 0 && noAccount > 0 || cfg.NoConversationRatio == 0 && noConv > 0 {
		t.Errorf("%d messages without account and %d without conversation; want none", noAccount, noConv)
	}

	// Conversation flow.
	var crossMidnight, lateReply, lateAnswer int
	lastContact := map[string]time.Time{}
	for id, msgs := range byConv {
		c := convs[id]
		slices.SortFunc(msgs, store.CompareMessages)
		if !msgs[0].CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("conversation %s created %v, its first message at %v", id, c.CreatedAt, msgs[0].CreatedAt)
		}
		loc := byTeam[c.TeamID].loc
		if dayOf(msgs[0].CreatedAt, loc) != dayOf(msgs[len(msgs)-1].CreatedAt, loc) {
			crossMidnight++
		}
		if last := msgs[len(msgs)-1].CreatedAt; last.After(lastContact[c.ContactID]) {
			lastContact[c.ContactID] = last
		}
		for j, m := range msgs {
			if j > 0 && msgs[j-1].CreatedAt.Equal(m.CreatedAt) {
				t.Errorf("conversation %s has two messages at %v", id, m.CreatedAt)
			}
			if j > 0 && msgs[j-1].Inbound != m.Inbound && m.CreatedAt.Sub(msgs[j-1].CreatedAt) > 24*time.Hour {
				if m.Inbound {
					lateReply++
				} else {
					lateAnswer++
				}
			}
			if m.Inbound {
				answered := slices.ContainsFunc(msgs[j+1:], func(x store.Message) bool { return !x.Inbound })
				if want := map[bool]string{true: InboundRead, false: InboundReceived}[answered]; m.Status != want {
					t.Errorf("inbound message %s (answered later: %v) has status %q, want %q", m.ID, answered, m.Status, want)
				}
			}
		}
	}
	for id, last := range lastContact {
		if got := contacts[id].LastContactedAt; !got.Equal(last) {
			t.Errorf("contact %s last contacted %v, its last message at %v", id, got, last)
		}
	}
	if len(a.Messages) > 10000 && (crossMidnight == 0 || lateReply == 0 || lateAnswer == 0) {
		t.Errorf("conversations crossing local midnight %d, replies after 24 h %d, answers after 24 h %d; want some of each",
			crossMidnight, lateReply, lateAnswer)
	}

	// The outbound status mix, within 2 points of the configured fractions.
	if out := float64(sumValues(outStatus)); out > 5000 {
		m := cfg.StatusMix
		total := m.Sent + m.Delivered + m.Read + m.Failed + m.Other
		for status, w := range map[string]float64{
			store.StatusSent: m.Sent, store.StatusDelivered: m.Delivered, store.StatusRead: m.Read,
			store.StatusFailed: m.Failed, OtherStatus: m.Other,
		} {
			if got := float64(outStatus[status]) / out; math.Abs(got-w/total) > 0.02 {
				t.Errorf("outbound %q fraction %.3f, configured %.3f", status, got, w/total)
			}
		}
	}

	// Campaigns.
	ids = ids[:0]
	statuses := map[string]int{}
	for _, c := range a.Campaigns {
		ti := inTeam("campaign", c.TeamID, c.ID)
		ids = append(ids, c.ID)
		checkTime("campaign "+c.ID, c.CreatedAt)
		okAccount("campaign", c.ID, ti, c.AccountID)
		if c.CreatedAt.Before(ti.start) || !c.CreatedAt.Before(ti.end) {
			t.Errorf("campaign %s at %v outside its team's days", c.ID, c.CreatedAt)
		}
		statuses[c.Status]++
		if !(0 <= c.MessagesRead && c.MessagesRead <= c.MessagesDelivered && c.MessagesDelivered <= c.MessagesSent &&
			c.MessagesSent <= c.TotalRecipients && c.TotalRecipients > 0) {
			t.Errorf("campaign %s counters inconsistent: %+v", c.ID, c)
		}
		if c.Status == CampaignDraft && c.MessagesSent != 0 {
			t.Errorf("draft campaign %s sent %d messages", c.ID, c.MessagesSent)
		}
	}
	unique("campaign", ids)
	for s := range statuses {
		if !slices.Contains([]string{store.CampaignRunning, store.CampaignCompleted, store.CampaignFailed, CampaignDraft}, s) {
			t.Errorf("campaign status %q", s)
		}
	}
	if len(a.Campaigns) > 100 && len(statuses) != 4 {
		t.Errorf("campaign statuses %v; want all four", statuses)
	}
	if cfg.CampaignsPerDay == 0 && len(a.Campaigns) > 0 {
		t.Errorf("%d campaigns; want none", len(a.Campaigns))
	}
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestMetricsShowTheFeatures computes the reference metrics of the small
// dataset and checks that the features the stores must get right are there
// to be got right.
func TestMetricsShowTheFeatures(t *testing.T) {
	t.Parallel()
	teams, a := build(t, small)
	var req analytics.AggregateRequest
	for _, tm := range teams {
		loc, err := tm.Location()
		if err != nil {
			t.Fatal(err)
		}
		p, err := analytics.PeriodForDate(analytics.Monthly, small.Start, loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tm.Scopes() {
			req.Items = append(req.Items, analytics.ScopePeriod{Scope: s, Period: p})
		}
	}
	ms, err := store.ComputeMetrics(&a, req)
	if err != nil {
		t.Fatal(err)
	}
	// Sum the team-wide metrics of all teams.
	var msg analytics.MessageMetrics
	var cv analytics.ConversationMetrics
	var ct analytics.ContactMetrics
	var cp analytics.CampaignMetrics
	for i, m := range ms {
		if !req.Items[i].Scope.TeamWide() {
			continue
		}
		msg.Total += m.Messages.Total
		msg.Inbound += m.Messages.Inbound
		msg.Outbound += m.Messages.Outbound
		msg.Replied += m.Messages.Replied
		msg.Failed += m.Messages.Failed
		cv.Total += m.Conversations.Total
		cv.Open += m.Conversations.Open
		cv.Closed += m.Conversations.Closed
		cv.ResponseCount += m.Conversations.ResponseCount
		cv.Unanswered += m.Conversations.Unanswered
		cv.FirstResponseCount += m.Conversations.FirstResponseCount
		ct.Total += m.Contacts.Total
		ct.New += m.Contacts.New
		ct.Active += m.Contacts.Active
		ct.Blocked += m.Contacts.Blocked
		cp.Total += m.Campaigns.Total
		cp.Active += m.Campaigns.Active
		cp.Completed += m.Campaigns.Completed
		cp.Failed += m.Campaigns.Failed
	}
	total := struct {
		Messages      analytics.MessageMetrics
		Conversations analytics.ConversationMetrics
		Contacts      analytics.ContactMetrics
		Campaigns     analytics.CampaignMetrics
	}{msg, cv, ct, cp}
	checks := []struct {
		what string
		ok   bool
	}{
		{"every message counted", msg.Total == int64(len(a.Messages))},
		{"inbound and outbound", msg.Inbound > 0 && msg.Outbound > 0},
		{"replied", msg.Replied > 0 && msg.Replied < msg.Outbound},
		{"failed", msg.Failed > 0},
		{"answered and unanswered turns", cv.ResponseCount > 0 && cv.Unanswered > 0},
		{"first responses", cv.FirstResponseCount > 0},
		{"open and closed conversations", cv.Open > 0 && cv.Closed > 0 && cv.Open+cv.Closed < cv.Total},
		{"new and old contacts", ct.New > 0 && ct.New < ct.Total},
		{"active contacts", ct.Active > 0 && ct.Active <= ct.Total},
		{"blocked contacts", ct.Blocked > 0},
		{"campaigns of every kind", cp.Active > 0 && cp.Completed > 0 && cp.Failed > 0 && cp.Active+cp.Completed+cp.Failed < cp.Total},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not shown by the metrics %+v", c.what, total)
		}
	}
}

// memRecorder is a minimal MemSink that keeps what it is given.
type memRecorder struct {
	teams []analytics.Team
	a     store.Activity
	order []string
}

func (m *memRecorder) AddTeams(teams ...analytics.Team) error {
	m.order = append(m.order, "AddTeams")
	m.teams = append(m.teams, teams...)
	return nil
}

func (m *memRecorder) Add(a store.Activity) error {
	m.order = append(m.order, "Add")
	m.a.Messages = append(m.a.Messages, a.Messages...)
	m.a.Conversations = append(m.a.Conversations, a.Conversations...)
	m.a.Contacts = append(m.a.Contacts, a.Contacts...)
	m.a.Campaigns = append(m.a.Campaigns, a.Campaigns...)
	return nil
}

func TestLoadMemstore(t *testing.T) {
	t.Parallel()
	cfg := small
	cfg.Teams, cfg.BatchSize = 6, 500
	wantTeams, want := build(t, cfg)
	var m memRecorder
	if err := LoadMemstore(cfg, &m); err != nil {
		t.Fatal(err)
	}
	if m.order[0] != "AddTeams" || slices.Contains(m.order[1:], "AddTeams") {
		t.Errorf("calls %v; want AddTeams once, first", m.order[:min(10, len(m.order))])
	}
	if diff := cmp.Diff(wantTeams, m.teams); diff != "" {
		t.Errorf("teams (-Build +LoadMemstore):\n%s", diff)
	}
	if diff := cmp.Diff(want, m.a); diff != "" {
		t.Errorf("activity (-Build +LoadMemstore):\n%s", diff)
	}
}
