package synth

import (
	"strings"
	"testing"
)

// TestCampaignReferences checks the campaign references of a generated
// dataset: only outbound messages carry them, of no conversation or first
// in their conversation; all but about one in 50 name a campaign of the
// message's team.
func TestCampaignReferences(t *testing.T) {
	t.Parallel()
	_, a := build(t, small)
	campaigns := map[[2]string]bool{}
	for _, c := range a.Campaigns {
		campaigns[[2]string{c.TeamID, c.ID}] = true
	}
	first := map[string]bool{} // conversations whose first message has been seen
	var refs, unknown, outboundAlone int
	for _, m := range a.Messages { // in generation order: a conversation's first message first
		isFirst := m.ConversationID != "" && !first[m.ConversationID]
		if m.ConversationID != "" {
			first[m.ConversationID] = true
		}
		if !m.Inbound && m.ConversationID == "" {
			outboundAlone++
		}
		if m.CampaignID == "" {
			continue
		}
		refs++
		if m.Inbound || (m.ConversationID != "" && !isFirst) {
			t.Fatalf("message %+v carries a campaign reference: only outbound messages of no conversation or first in theirs may", m)
		}
		if !strings.HasPrefix(m.CampaignID, m.TeamID+"-cp-") {
			t.Fatalf("message %s of team %s refers to campaign %s of another team", m.ID, m.TeamID, m.CampaignID)
		}
		if !campaigns[[2]string{m.TeamID, m.CampaignID}] {
			unknown++
		}
	}
	if refs < outboundAlone/2 || unknown == 0 || unknown > refs/10 {
		t.Errorf("%d references (%d outbound messages of no conversation), %d to unknown campaigns: want most of those messages referenced, a few unknown", refs, outboundAlone, unknown)
	}
}
