package pgstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics/store/pgstore"
)

// TestProposeSourceValues: the value lists come from enum labels, and,
// for text status and sender-type columns, from the planner's statistics
// once the table is analyzed, with the same synonyms; each value taken by
// a synonym other than its list's own name (EXPIRED and ERRORED as
// failed, ACCEPTED as sent, CONTACT-like names as inbound or outbound) is
// noted, so is each value in no list and each column read from the
// statistics, and New accepts the proposal as it stands.
func TestProposeSourceValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := prismaUUIDDB(t)
	if _, err := db.ExecContext(ctx, `
ALTER TYPE "MessageStatus" ADD VALUE 'EXPIRED';
ALTER TYPE "MessageStatus" ADD VALUE 'ACCEPTED';
ALTER TYPE "CampaignStatus" ADD VALUE 'ERRORED';`); err != nil {
		t.Fatal(err)
	}
	src, notes, err := pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	m := src.Messages
	if d := cmp.Diff([][]string{{"SENT", "ACCEPTED"}, {"FAILED", "EXPIRED"}, {"FAILED", "ERRORED"}},
		[][]string{m.SentStatuses, m.FailedStatuses, src.Campaigns.FailedStatuses}); d != "" {
		t.Errorf("enum lists (-want +got):\n%s", d)
	}
	wantNotes(t, notes,
		`Messages.FailedStatuses: label 'EXPIRED' is taken as failed, a synonym`,
		`Messages.SentStatuses: label 'ACCEPTED' is taken as sent, a synonym`,
		`Campaigns.FailedStatuses: label 'ERRORED' is taken as failed, a synonym`,
		`Conversations.Status: label 'EXPIRED' is in no list`)
	if _, err := pgstore.New(ctx, db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New rejects the proposal with enums: %v", err)
	}

	// The messages' direction and status as text: before ANALYZE their
	// lists keep their defaults, with a note.
	if _, err := db.ExecContext(ctx, `
ALTER TABLE "Message" SET (autovacuum_enabled = false);
ALTER TABLE "Message" ALTER COLUMN "status" DROP DEFAULT, ALTER COLUMN "status" TYPE text,
	ALTER COLUMN "direction" TYPE text;
INSERT INTO "Team" ("id", "name") VALUES ('11111111-1111-4111-8111-111111111111', 't');
INSERT INTO "WhatsAppAccount" ("id", "teamId", "phoneNumber") VALUES ('a', '11111111-1111-4111-8111-111111111111', '+1');
INSERT INTO "Message" ("id", "whatsAppAccountId", "direction", "status")
SELECT gen_random_uuid(), 'a', (ARRAY['inbound', 'outbound', 'system'])[1 + i % 3],
	(ARRAY['sent', 'delivered', 'read', 'failed', 'expired', 'accepted', 'bounced'])[1 + i % 7]
FROM generate_series(1, 210) i;`); err != nil {
		t.Fatal(err)
	}
	src, notes, err = pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if m := src.Messages; m.InboundSenderTypes != nil || m.SentStatuses != nil {
		t.Errorf("before ANALYZE: InboundSenderTypes %q, SentStatuses %q", m.InboundSenderTypes, m.SentStatuses)
	}
	wantNotes(t, notes, `Messages.SenderType: column "Message"."direction" is not an enum, and the planner's statistics have no most common values for it`)

	if _, err := db.ExecContext(ctx, `ANALYZE "Message"`); err != nil {
		t.Fatal(err)
	}
	src, notes, err = pgstore.ProposeSource(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	sorted := func(l []string) []string { l = append([]string(nil), l...); slices.Sort(l); return l }
	m = src.Messages
	got := map[string][]string{
		"Inbound": sorted(m.InboundSenderTypes), "Outbound": sorted(m.OutboundSenderTypes),
		"Sent": sorted(m.SentStatuses), "Delivered": sorted(m.DeliveredStatuses), "Read": sorted(m.ReadStatuses),
		"Failed": sorted(m.FailedStatuses), "Ignored": sorted(m.IgnoredStatuses),
	}
	want := map[string][]string{
		"Inbound": {"inbound"}, "Outbound": {"outbound", "system"},
		"Sent": {"accepted", "sent"}, "Delivered": {"delivered"}, "Read": {"read"},
		"Failed": {"expired", "failed"}, "Ignored": nil,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("lists from the statistics (-want +got):\n%s", d)
	}
	wantNotes(t, notes,
		`Messages.Status: column "Message"."status" is not an enum; its value lists come from the most common values in the planner's statistics`,
		`Messages.SenderType: column "Message"."direction" is not an enum; its value lists come from the most common values in the planner's statistics`,
		`a sample: check them with Store.CheckSource`,
		`Messages.OutboundSenderTypes: value 'system' is taken as outbound, a synonym`,
		`Messages.FailedStatuses: value 'expired' is taken as failed, a synonym`,
		`Messages.SentStatuses: value 'accepted' is taken as sent, a synonym`,
		`Messages.Status: value 'bounced' is in no list; messages with it count as unmapped`)
	for _, n := range notes {
		if strings.Contains(n, "'inbound' is taken") || strings.Contains(n, "'outbound' is taken") || strings.Contains(n, "'sent' is taken") {
			t.Errorf("a value of its list's own name is noted: %s", n)
		}
	}
	if _, err := pgstore.New(ctx, db, &pgstore.Config{Source: src}); err != nil {
		t.Errorf("New rejects the proposal with text columns: %v", err)
	}
}

// wantNotes reports each of want that no note contains.
func wantNotes(t *testing.T, notes []string, want ...string) {
	t.Helper()
	all := strings.Join(notes, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
}
