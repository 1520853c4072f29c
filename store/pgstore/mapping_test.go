package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// prismaDB returns a database whose search_path holds only the Prisma-shaped
// schema of testdata/prisma.sql, loaded with teams and act (which may be
// nil): statuses in capitals, sender types CONTACT and AGENT.
func prismaDB(t *testing.T, teams []analytics.Team, act *store.Activity) *bun.DB {
	t.Helper()
	return prismaDBFrom(t, "testdata/prisma.sql", teams, act)
}

// prismaDBFrom is prismaDB with the Prisma-shaped schema of file.
func prismaDBFrom(t *testing.T, file string, teams []analytics.Team, act *store.Activity) *bun.DB {
	t.Helper()
	ctx := context.Background()
	ref := newEnv(t, teams, act, envOptions{noMig: true})
	var refSchema string
	if err := ref.db.NewRaw(`SELECT current_schema()::text`).Scan(ctx, &refSchema); err != nil {
		t.Fatal(err)
	}
	ddl, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.DB(t)
	if _, err := db.ExecContext(ctx, string(ddl)); err != nil {
		t.Fatalf("loading %s: %v", file, err)
	}
	r := testenv.QuoteIdent(refSchema)
	if _, err := db.ExecContext(ctx, `
INSERT INTO "Team" ("id", "timeZone") SELECT id, timezone FROM `+r+`.teams;
INSERT INTO "WhatsappAccount" ("id", "teamId") SELECT id, team_id FROM `+r+`.whatsapp_accounts;
INSERT INTO "Contact" ("id", "teamId", "isBlocked", "engagementScore", "lastContactedAt", "createdAt")
	SELECT id, team_id, is_blocked, engagement_score, last_contacted_at, created_at FROM `+r+`.contacts;
INSERT INTO "Conversation" ("id", "teamId", "whatsappAccountId", "contactId", "status", "createdAt")
	SELECT id, team_id, account_id, contact_id, upper(status)::"ConversationStatus", created_at FROM `+r+`.conversations;
INSERT INTO "Message" ("id", "teamId", "whatsappAccountId", "conversationId", "status", "senderType", "createdAt", "campaignId")
	SELECT id, team_id, account_id, conversation_id, upper(status)::"MessageStatus",
		(CASE sender_type WHEN 'contact' THEN 'CONTACT' ELSE 'AGENT' END)::"SenderType", created_at, campaign_id FROM `+r+`.messages;
INSERT INTO "Campaign" ("id", "teamId", "whatsappAccountId", "status", "totalRecipients", "messagesSent",
		"messagesDelivered", "messagesRead", "createdAt")
	SELECT id, team_id, account_id, upper(status)::"CampaignStatus", total_recipients, messages_sent,
		messages_delivered, messages_read, created_at FROM `+r+`.campaigns;`); err != nil {
		t.Fatalf("copying the rows into the Prisma schema: %v", err)
	}
	return db
}

// prismaTables maps the Prisma schema's tables and columns, but none of
// its values: the statuses and sender types keep their lower-case
// defaults.
func prismaTables() pgstore.Source {
	return pgstore.Source{
		Teams:    pgstore.TeamsTable{Table: "Team", ID: "id", TimeZone: "timeZone"},
		Accounts: pgstore.AccountsTable{Table: "WhatsappAccount", ID: "id", TeamID: "teamId"},
		Messages: pgstore.MessagesTable{Table: "Message", ID: "id", TeamID: "teamId", AccountID: "whatsappAccountId",
			ConversationID: "conversationId", Status: "status", SenderType: "senderType", CreatedAt: "createdAt",
			CampaignID: "campaignId"},
		Conversations: pgstore.ConversationsTable{Table: "Conversation", ID: "id", TeamID: "teamId",
			AccountID: "whatsappAccountId", ContactID: "contactId", Status: "status", CreatedAt: "createdAt"},
		Contacts: pgstore.ContactsTable{Table: "Contact", ID: "id", TeamID: "teamId", CreatedAt: "createdAt",
			Blocked: "isBlocked", EngagementScore: "engagementScore"},
		Campaigns: pgstore.CampaignsTable{Table: "Campaign", TeamID: "teamId", AccountID: "whatsappAccountId",
			Status: "status", TotalRecipients: "totalRecipients", MessagesSent: "messagesSent",
			MessagesDelivered: "messagesDelivered", MessagesRead: "messagesRead", CreatedAt: "createdAt"},
	}
}

// sourceProblems returns the problems of New's error, which must be a
// *pgstore.SourceError wrapping ErrInvalidArgument.
func sourceProblems(t *testing.T, err error) []string {
	t.Helper()
	if !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Fatalf("New: %v, want ErrInvalidArgument", err)
	}
	var se *pgstore.SourceError
	if !errors.As(err, &se) {
		t.Fatalf("New: %T %v, want a *pgstore.SourceError", err, err)
	}
	out := make([]string, len(se.Problems))
	for i, p := range se.Problems {
		out[i] = p.Error()
	}
	return out
}

// TestNewChecksEnumLabels: the tables and columns of the Prisma schema
// mapped but the values left at their lower-case defaults fails New, with
// one problem per value naming the value, the column, the labels and the
// near match, all in one error.
func TestNewChecksEnumLabels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaDB(t, nil, nil)
	_, err := pgstore.New(ctx, db, &pgstore.Config{Source: prismaTables()})
	probs := sourceProblems(t, err)
	want := []struct{ field, value, hint, labels string }{
		{"Messages.SentStatuses[0]", "'sent'", "did you mean 'SENT'?", "PENDING, SENT, DELIVERED, READ, FAILED"},
		{"Messages.DeliveredStatuses[0]", "'delivered'", "did you mean 'DELIVERED'?", "PENDING, SENT, DELIVERED, READ, FAILED"},
		{"Messages.ReadStatuses[0]", "'read'", "did you mean 'READ'?", "PENDING, SENT, DELIVERED, READ, FAILED"},
		{"Messages.FailedStatuses[0]", "'failed'", "did you mean 'FAILED'?", "PENDING, SENT, DELIVERED, READ, FAILED"},
		{"Messages.InboundSenderTypes[0]", "'contact'", "did you mean 'CONTACT'?", "CONTACT, AGENT, BOT, SYSTEM"},
		{"Conversations.OpenStatuses[0]", "'open'", "did you mean 'OPEN'?", "OPEN, PENDING, CLOSED"},
		{"Conversations.ClosedStatuses[0]", "'closed'", "did you mean 'CLOSED'?", "OPEN, PENDING, CLOSED"},
		{"Campaigns.RunningStatuses[0]", "'Running'", "did you mean 'RUNNING'?", "DRAFT, SCHEDULED, RUNNING, COMPLETED, FAILED, CANCELLED"},
		{"Campaigns.CompletedStatuses[0]", "'Completed'", "did you mean 'COMPLETED'?", "DRAFT, SCHEDULED, RUNNING, COMPLETED, FAILED, CANCELLED"},
		{"Campaigns.FailedStatuses[0]", "'Failed'", "did you mean 'FAILED'?", "DRAFT, SCHEDULED, RUNNING, COMPLETED, FAILED, CANCELLED"},
	}
	if len(probs) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(probs), len(want), strings.Join(probs, "\n"))
	}
	for i, w := range want {
		for _, s := range []string{"Config.Source." + w.field, w.value, w.hint, "whose labels are " + w.labels, `."status"`} {
			if w.field == "Messages.InboundSenderTypes[0]" && s == `."status"` {
				s = `"Message"."senderType"`
			}
			if !strings.Contains(probs[i], s) {
				t.Errorf("problem %d %q does not say %s", i, probs[i], s)
			}
		}
	}
	if !strings.Contains(err.Error(), "10 problems") {
		t.Errorf("error does not count its problems: %v", err)
	}

	// IgnoredStatuses is checked when it is set, not when it defaults.
	src := prismaTables()
	m := &src.Messages
	m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses, m.FailedStatuses = []string{"SENT"}, []string{"DELIVERED"}, []string{"READ"}, []string{"FAILED"}
	m.InboundSenderTypes, m.OutboundSenderTypes = []string{"CONTACT"}, []string{"AGENT", "bot"}
	m.IgnoredStatuses = []string{"queued"}
	src.Conversations.OpenStatuses, src.Conversations.ClosedStatuses = []string{"OPEN"}, []string{"CLOSED"}
	src.Campaigns.RunningStatuses, src.Campaigns.CompletedStatuses, src.Campaigns.FailedStatuses = []string{"RUNNING"}, []string{"COMPLETED"}, []string{"FAILED"}
	_, err = pgstore.New(ctx, db, &pgstore.Config{Source: src})
	probs = sourceProblems(t, err)
	if len(probs) != 2 || !strings.Contains(probs[0], "Config.Source.Messages.IgnoredStatuses[0]: 'queued' is not a label") ||
		strings.Contains(probs[0], "did you mean") ||
		!strings.Contains(probs[1], "Config.Source.Messages.OutboundSenderTypes[1]: 'bot'") || !strings.Contains(probs[1], "did you mean 'BOT'?") {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}
	m.IgnoredStatuses, m.OutboundSenderTypes = nil, []string{"AGENT", "BOT"}
	if _, err := pgstore.New(ctx, db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New with the labels: %v", err)
	}
}

// TestNewReportsAllProblems: missing tables and columns and bad values come
// in one error, each missing name with its near match.
func TestNewReportsAllProblems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaDB(t, nil, nil)

	// The defaults: every table is missing, each with its Prisma twin.
	probs := sourceProblems(t, func() error { _, err := pgstore.New(ctx, db, nil); return err }())
	want := []string{
		`Config.Source.Teams.Table: table "teams" does not exist in the search_path; did you mean "Team"?`,
		`Config.Source.Accounts.Table: table "whatsapp_accounts" does not exist in the search_path; did you mean "WhatsappAccount"?`,
		`Config.Source.Messages.Table: table "messages" does not exist in the search_path; did you mean "Message"?`,
		`Config.Source.Conversations.Table: table "conversations" does not exist in the search_path; did you mean "Conversation"?`,
		`Config.Source.Contacts.Table: table "contacts" does not exist in the search_path; did you mean "Contact"?`,
		`Config.Source.Campaigns.Table: table "campaigns" does not exist in the search_path; did you mean "Campaign"?`,
	}
	if len(probs) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(probs), len(want), strings.Join(probs, "\n"))
	}
	for i, w := range want {
		if !strings.HasSuffix(probs[i], w) {
			t.Errorf("problem %d = %q, want it to end in %q", i, probs[i], w)
		}
	}

	// The original system's mix: senderType with snake_case team_id,
	// account_id and conversation_id, a bad type, and default values.
	src := prismaTables()
	src.Messages.TeamID, src.Messages.AccountID, src.Messages.ConversationID = "team_id", "account_id", "conversation_id"
	src.Conversations.CreatedAt = "created_at"
	src.Contacts.EngagementScore = "createdAt" // a timestamp, not a number
	src.Messages.InboundSenderTypes = []string{"Contact"}
	_, err := pgstore.New(ctx, db, &pgstore.Config{Source: src})
	probs = sourceProblems(t, err)
	all := strings.Join(probs, "\n")
	for _, w := range []string{
		`Config.Source.Messages.TeamID: table `, `.Message has no column "team_id" (or it is not readable); did you mean "teamId"?`,
		`.Message has no column "conversation_id" (or it is not readable); did you mean "conversationId"?`,
		`.Conversation has no column "created_at" (or it is not readable); did you mean "createdAt"?`,
		`Config.Source.Contacts.EngagementScore: column "createdAt"`,
		`Config.Source.Messages.InboundSenderTypes[0]: 'Contact' is not a label`,
		`did you mean 'CONTACT'?`,
		`Config.Source.Messages.SentStatuses[0]: 'sent' is not a label`,
		`Config.Source.Campaigns.FailedStatuses[0]: 'Failed' is not a label`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("the problems do not include %q:\n%s", w, all)
		}
	}
	// account_id has no near match ("whatsappAccountId" is another name).
	for _, p := range probs {
		if strings.Contains(p, `"account_id"`) && strings.Contains(p, "did you mean") {
			t.Errorf("account_id got a suggestion: %s", p)
		}
	}
	if !strings.Contains(all, `no column "account_id"`) {
		t.Errorf("account_id is not reported:\n%s", all)
	}
	if len(probs) != 5+10 {
		t.Errorf("%d problems, want 5 columns and 10 values:\n%s", len(probs), all)
	}
}

// TestCheckSource reports the values of text columns that no list covers
// (with their row counts, most first, at most CheckSourceLimit) and the
// configured values no row has.
func TestCheckSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{noMig: true, cfg: &pgstore.Config{Source: pgstore.Source{
		Messages: pgstore.MessagesTable{InboundSenderTypes: []string{"CUSTOMER"}},
	}}})
	if _, err := e.db.ExecContext(ctx, `
INSERT INTO teams (id) VALUES ('t1');
INSERT INTO messages (id, team_id, status, sender_type, created_at)
SELECT 'm' || i, 't1', s, CASE WHEN i % 2 = 0 THEN 'contact' ELSE 'agent' END, '2026-03-10 10:00'
FROM unnest(ARRAY['sent', 'sent', 'delivered', 'pending', 'SENT', 'SENT', 'SENT', 'bogus', 'queued']) WITH ORDINALITY AS u(s, i);
INSERT INTO conversations (id, team_id, status, created_at) VALUES ('c1', 't1', 'open', now()), ('c2', 't1', 'Closed', now());
INSERT INTO campaigns (id, team_id, status, created_at) VALUES ('p1', 't1', 'Running', now()), ('p2', 't1', 'Draft', now());`); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.CheckSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []pgstore.ColumnCheck{
		{Field: "Config.Source.Messages.Status", Table: "messages", Column: "status",
			Uncovered: []pgstore.ValueCount{{Value: "SENT", Rows: 3, NearMatch: "sent"}, {Value: "bogus", Rows: 1}},
			Unused:    []string{"read", "failed"}},
		{Field: "Config.Source.Messages.SenderType", Table: "messages", Column: "sender_type", Unused: []string{"CUSTOMER"}},
		{Field: "Config.Source.Conversations.Status", Table: "conversations", Column: "status",
			Uncovered: []pgstore.ValueCount{{Value: "Closed", Rows: 1, NearMatch: "closed"}}, Unused: []string{"closed"}},
		{Field: "Config.Source.Campaigns.Status", Table: "campaigns", Column: "status",
			Uncovered: []pgstore.ValueCount{{Value: "Draft", Rows: 1}}, Unused: []string{"Completed", "Failed"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CheckSource (-want +got):\n%s", d)
	}
	if s := got[0].Uncovered[0].String(); s != "'SENT' (3 rows; did you mean 'sent'?)" {
		t.Errorf("String of an uncovered value with a near match: %s", s)
	}
	if s := (pgstore.ValueCount{Null: true, Rows: 1}).String(); s != "NULL (1 row)" {
		t.Errorf("String of NULL: %s", s)
	}

	// More uncovered values than the limit: the most frequent ones, and More.
	if _, err := e.db.ExecContext(ctx, `
INSERT INTO messages (id, team_id, status, sender_type, created_at)
SELECT 'x' || i || '-' || j, 't1', 'odd' || i, 'agent', '2026-03-10 10:00'
FROM generate_series(1, 30) i, generate_series(1, i) j`); err != nil {
		t.Fatal(err)
	}
	got, err = e.store.CheckSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := got[0].Uncovered
	if len(u) != pgstore.CheckSourceLimit || !got[0].More || u[0] != (pgstore.ValueCount{Value: "odd30", Rows: 30}) ||
		u[len(u)-1] != (pgstore.ValueCount{Value: "odd11", Rows: 11}) {
		t.Errorf("CheckSource over 32 uncovered values: %+v, more %v", u, got[0].More)
	}
}

// TestUnmappedCounted: messages whose status is in no list (IgnoredStatuses
// aside) or whose sender type is in neither InboundSenderTypes nor a set
// OutboundSenderTypes count in Messages.Unmapped, per scope; a run's Report
// adds them up over team-wide snapshots and logs a warning.
func TestUnmappedCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := &pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{OutboundSenderTypes: []string{"agent"}}}}
	e := newEnv(t, nil, nil, envOptions{cfg: cfg})
	if _, err := e.db.ExecContext(ctx, `
INSERT INTO teams (id) VALUES ('t1');
INSERT INTO whatsapp_accounts (id, team_id) VALUES ('a1', 't1'), ('a2', 't1');
INSERT INTO messages (id, team_id, account_id, status, sender_type, created_at) VALUES
	('m1', 't1', 'a1', 'sent', 'contact', '2026-03-10 10:00'),
	('m2', 't1', 'a1', 'bogus', 'agent', '2026-03-10 10:01'),   -- status unmapped
	('m3', 't1', 'a2', 'read', 'robot', '2026-03-10 10:02'),    -- sender type unmapped
	('m4', 't1', 'a2', 'pending', 'agent', '2026-03-10 10:03'), -- ignored: mapped
	('m5', 't1', NULL, 'SENT', 'CONTACT', '2026-03-10 10:04'),  -- both (once), outbound
	('m6', 't1', 'a1', 'bogus', 'agent', '2026-03-11 10:00');   -- another day`); err != nil {
		t.Fatal(err)
	}
	day, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 10), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	scopes := []analytics.Scope{{TeamID: "t1"}, {TeamID: "t1", AccountID: "a1"}, {TeamID: "t1", AccountID: "a2"}}
	var req analytics.AggregateRequest
	for _, sc := range scopes {
		req.Items = append(req.Items, analytics.ScopePeriod{Scope: sc, Period: day})
	}
	got, err := e.store.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []analytics.MessageMetrics{
		{Total: 5, Inbound: 1, Outbound: 4, Unmapped: 3}, // m5's CONTACT is not "contact"
		{Total: 2, Inbound: 1, Outbound: 1, Unmapped: 1},
		{Total: 2, Inbound: 0, Outbound: 2, Unmapped: 1},
	} {
		g := got[i].Messages
		if g.Total != w.Total || g.Inbound != w.Inbound || g.Outbound != w.Outbound || g.Unmapped != w.Unmapped {
			t.Errorf("%s: total %d inbound %d outbound %d unmapped %d; want %d %d %d %d", scopes[i],
				g.Total, g.Inbound, g.Outbound, g.Unmapped, w.Total, w.Inbound, w.Outbound, w.Unmapped)
		}
	}

	var logs bytes.Buffer
	clock := analytics.NewFakeClock(time.Date(2026, 3, 12, 6, 0, 0, 0, time.UTC))
	sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: clock,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sn.GenerateAll(ctx, analytics.Daily, clock.Now())
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	if rep.UnmappedMessages != 1 { // 11 March: m6
		t.Errorf("Report.UnmappedMessages = %d, want 1", rep.UnmappedMessages)
	}
	rep, err = sn.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		a, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 10), loc)
		b, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 11), loc)
		return []analytics.Period{a, b}, nil
	})
	if err != nil || rep.Err() != nil {
		t.Fatal(err, rep.Err())
	}
	if rep.UnmappedMessages != 4 {
		t.Errorf("Report.UnmappedMessages over two days = %d, want 4", rep.UnmappedMessages)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "unmapped=4") {
		t.Errorf("no warning with the count in the log:\n%s", logs.String())
	}
	// The stored snapshot keeps the count, in JSON and the compact form
	// roll-ups read.
	week, err := analytics.PeriodForDate(analytics.Weekly, analytics.NewDate(2026, 3, 9), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(week.End.Add(time.Hour))
	if _, err := sn.Run(ctx, analytics.Daily, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
		var ps []analytics.Period
		for d := range 7 {
			p, _ := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(2026, 3, 9).AddDays(d), loc)
			ps = append(ps, p)
		}
		return ps, nil
	}); err != nil {
		t.Fatal(err)
	}
	w, err := sn.Generate(ctx, analytics.Scope{TeamID: "t1"}, week)
	if err != nil {
		t.Fatal(err)
	}
	if w.Metrics.Messages.Unmapped != 4 {
		t.Errorf("weekly roll-up: Unmapped %d, want 4", w.Metrics.Messages.Unmapped)
	}
}

// TestProposeSource proposes the mapping of the Prisma schema from its
// catalog; New accepts it, its GoString is a Go literal of the same
// Source, and aggregating through it gives what ComputeMetrics gives over
// the same activity, with every status and sender type counted.
func TestProposeSource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	from := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	const days = 8
	teams, act := genDataset(11, from, days, false, analytics.DefaultReplyWindow)
	db := prismaDB(t, teams, act)

	src, notes, err := pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	want := prismaTables()
	m := &want.Messages
	m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses, m.FailedStatuses = []string{"SENT"}, []string{"DELIVERED"}, []string{"READ"}, []string{"FAILED"}
	m.IgnoredStatuses = []string{"PENDING"}
	m.InboundSenderTypes, m.OutboundSenderTypes = []string{"CONTACT"}, []string{"AGENT", "BOT", "SYSTEM"}
	want.Conversations.OpenStatuses, want.Conversations.ClosedStatuses = []string{"OPEN"}, []string{"CLOSED"}
	want.Campaigns.RunningStatuses, want.Campaigns.CompletedStatuses, want.Campaigns.FailedStatuses = []string{"RUNNING"}, []string{"COMPLETED"}, []string{"FAILED"}
	if d := cmp.Diff(want, src); d != "" {
		t.Errorf("ProposeSource (-want +got):\n%s", d)
	}
	for _, n := range []string{`Conversations.Status: label 'PENDING' is in no list`, `Campaigns.Status: label 'DRAFT' is in no list`,
		`Campaigns.Status: label 'CANCELLED' is in no list`} {
		if !strings.Contains(strings.Join(notes, "\n"), n) {
			t.Errorf("notes lack %q:\n%s", n, strings.Join(notes, "\n"))
		}
	}

	// Printed, it is Go source for the same Source.
	lit := fmt.Sprintf("%#v", src)
	back, err := evalSource(lit)
	if err != nil {
		t.Fatalf("GoString is not a Source literal: %v\n%s", err, lit)
	}
	if d := cmp.Diff(src, back); d != "" {
		t.Errorf("GoString round trip (-proposed +parsed):\n%s\n%s", d, lit)
	}

	st, err := pgstore.New(ctx, db, &pgstore.Config{Source: src})
	if err != nil {
		t.Fatalf("New rejects the proposal: %v", err)
	}
	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items}
	wantM, err := store.ComputeMetrics(act, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantM, got); d != "" {
		t.Errorf("Aggregate through the proposal differs from ComputeMetrics (-want +got):\n%s", d)
	}
	var sum analytics.MessageMetrics
	var open, closed, running int64
	for i, it := range items {
		if it.Scope.TeamWide() && it.Period.Type == analytics.Daily {
			g := got[i]
			sum.Sent, sum.Delivered, sum.Read, sum.Failed, sum.Inbound, sum.Unmapped =
				sum.Sent+g.Messages.Sent, sum.Delivered+g.Messages.Delivered, sum.Read+g.Messages.Read,
				sum.Failed+g.Messages.Failed, sum.Inbound+g.Messages.Inbound, sum.Unmapped+g.Messages.Unmapped
			open, closed, running = open+g.Conversations.Open, closed+g.Conversations.Closed, running+g.Campaigns.Active
		}
	}
	if sum.Sent == 0 || sum.Delivered == 0 || sum.Read == 0 || sum.Failed == 0 || sum.Inbound == 0 || open == 0 || closed == 0 || running == 0 {
		t.Errorf("zero counts through the proposal: %+v, open %d closed %d running %d", sum, open, closed, running)
	}
	if sum.Unmapped != 0 {
		t.Errorf("Unmapped %d through the proposal, want 0", sum.Unmapped)
	}
	t.Logf("proposal:\n%s\nnotes:\n%s", lit, strings.Join(notes, "\n"))
}

// evalSource evaluates a pgstore.Source composite literal of string and
// []string fields, as a host's compiler would.
func evalSource(src string) (pgstore.Source, error) {
	expr, err := parser.ParseExpr(src)
	if err != nil {
		return pgstore.Source{}, err
	}
	var out pgstore.Source
	err = evalLit(expr, reflect.ValueOf(&out).Elem())
	return out, err
}

func evalLit(e ast.Expr, v reflect.Value) error {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		consts := map[string]pgstore.TeamVia{"TeamViaColumn": pgstore.TeamViaColumn,
			"TeamViaAccount": pgstore.TeamViaAccount, "TeamViaConversation": pgstore.TeamViaConversation}
		c, ok := consts[x.Sel.Name]
		if id, isID := x.X.(*ast.Ident); !ok || !isID || id.Name != "pgstore" || v.Type() != reflect.TypeFor[pgstore.TeamVia]() {
			return fmt.Errorf("unexpected constant %s", x.Sel.Name)
		}
		v.SetString(string(c))
		return nil
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return fmt.Errorf("literal %s is not a string", x.Value)
		}
		s, err := strconv.Unquote(x.Value)
		if err != nil {
			return err
		}
		v.SetString(s)
		return nil
	case *ast.CompositeLit:
		switch v.Kind() {
		case reflect.Struct:
			sel, ok := x.Type.(*ast.SelectorExpr)
			if !ok || sel.X.(*ast.Ident).Name != "pgstore" || sel.Sel.Name != v.Type().Name() {
				return fmt.Errorf("type %v, want pgstore.%s", x.Type, v.Type().Name())
			}
			for _, el := range x.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					return fmt.Errorf("unkeyed field")
				}
				f := v.FieldByName(kv.Key.(*ast.Ident).Name)
				if !f.IsValid() {
					return fmt.Errorf("no field %s", kv.Key.(*ast.Ident).Name)
				}
				if err := evalLit(kv.Value, f); err != nil {
					return err
				}
			}
			return nil
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), len(x.Elts), len(x.Elts))
			for i, el := range x.Elts {
				if err := evalLit(el, s.Index(i)); err != nil {
					return err
				}
			}
			v.Set(s)
			return nil
		}
	}
	return fmt.Errorf("unexpected %T", e)
}

// TestProposeSourceReference proposes the mapping of the reference schema
// (snake_case tables and text columns): the proposal names what the
// defaults name, with the optional campaign column mapped, and notes that
// the values of its text columns are left to their defaults.
func TestProposeSourceReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil, nil, envOptions{cfg: campaignConfig()})
	src, notes, err := pgstore.ProposeSource(ctx, e.db, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(ctx, e.db, &pgstore.Config{Source: src})
	if err != nil {
		t.Fatalf("New rejects the proposal: %v", err)
	}
	if d := cmp.Diff(e.store.Config().Source, st.Config().Source); d != "" {
		t.Errorf("the proposal for the reference schema differs from the defaults (-defaults +proposal):\n%s", d)
	}
	all := strings.Join(notes, "\n")
	for _, n := range []string{`Messages.Status: column "messages"."status" is not an enum`, `Messages.SenderType: column "messages"."sender_type" is not an enum`} {
		if !strings.Contains(all, n) {
			t.Errorf("notes lack %q:\n%s", n, all)
		}
	}
}
