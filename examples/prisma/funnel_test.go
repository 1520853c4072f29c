package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// refFunnel counts the funnel of campaign c from the dataset's rows, by
// the rules of the package doc's "Campaign funnels" with a 24 h reply
// window: the team's messages carrying c's ID, counted by status, and the
// outbound ones whose next message of their conversation, in (createdAt,
// id) order, is inbound and at most 24 h later.
func refFunnel(ds dataset, c campaignRow) (messages, sent, delivered, read, failed, replied int64) {
	for _, m := range ds.messages {
		if m.teamID != c.teamID || m.campaignID == nil || *m.campaignID != c.id {
			continue
		}
		messages++
		switch m.status {
		case "READ":
			read++
			fallthrough
		case "DELIVERED":
			delivered++
			fallthrough
		case "SENT":
			sent++
		case "FAILED":
			failed++
		}
		if m.senderType == "CONTACT" || m.conversationID == nil {
			continue
		}
		var next *messageRow
		for i := range ds.messages {
			n := &ds.messages[i]
			if n.teamID != m.teamID || n.conversationID == nil || *n.conversationID != *m.conversationID || !later(n, &m) {
				continue
			}
			if next == nil || later(next, n) {
				next = n
			}
		}
		if next != nil && next.senderType == "CONTACT" && next.created.Sub(m.created) <= 24*time.Hour {
			replied++
		}
	}
	return messages, sent, delivered, read, failed, replied
}

// later reports whether a comes after b in (created, id) order.
func later(a, b *messageRow) bool {
	if !a.created.Equal(b.created) {
		return a.created.After(b.created)
	}
	return a.id > b.id
}

// checkCampaignFunnel checks the funnel line of runExample's output s
// against refFunnel over the rows runExample generated.
func checkCampaignFunnel(t *testing.T, s string) {
	t.Helper()
	ds := generate(1, testNow.Truncate(24*time.Hour).AddDate(0, 0, -44), testNow)
	c, ok := funnelCampaign(ds)
	if !ok {
		t.Fatal("no message of the data carries a campaign reference")
	}
	msgs, sent, delivered, read, failed, replied := refFunnel(ds, c)
	// Checked by hand on the rows of seed 1 at testNow: "Campaign Oct 19"
	// (255 recipients) has 13 messages: 10 READ, 1 DELIVERED, 1 SENT, 1
	// FAILED; 12 are agents' replies in conversations, of which 5 are
	// followed by the contact's next message within minutes, and 1 a
	// broadcast.
	hand := [7]int64{255, 13, 12, 11, 10, 1, 5}
	if got := [7]int64{int64(c.recipients), msgs, sent, delivered, read, failed, replied}; c.name != "Campaign Oct 19" || got != hand {
		t.Errorf("reference funnel of %q = %v (recipients, messages, sent, delivered, read, failed, replied), want %q %v",
			c.name, got, "Campaign Oct 19", hand)
	}
	if sent == 0 || replied == 0 || sent == replied {
		t.Fatalf("campaign %s: %d sent, %d replied: the data cannot show the funnel's counts", c.id, sent, replied)
	}
	prefix := fmt.Sprintf(campaignFormat, "", c.name, "", "", c.recipients, msgs, sent, delivered, read, failed, replied, 0.0)
	_, prefix, _ = strings.Cut(prefix, "): ")
	prefix, _, _ = strings.Cut(prefix, "; score")
	if !strings.Contains(s, fmt.Sprintf("%q (", c.name)) || !strings.Contains(s, "): "+prefix+"; score ") {
		t.Errorf("output lacks the funnel of campaign %q: %s; score …:\n%s", c.name, prefix, s)
	}
	t.Logf("campaign %s %q (%s): %s", c.id, c.name, c.status, prefix)
}
