package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/msgstats/analytics"
)

// ComputeCampaignFunnels computes the funnels of the campaigns that q
// selects from the raw activity a, in byte order of their IDs. It is the
// reference definition of a campaign funnel (see "Campaign funnels" in
// the analytics package documentation): a Store's CampaignFunnels must
// return exactly what it returns for the same activity. A campaign's
// messages are the messages of its team whose CampaignID is its ID;
// replies follow the rule of Walk (Step.Replied) under q.Window(). An
// invalid q gives an error wrapping analytics.ErrInvalidArgument. It does
// no I/O; it is IndexActivity(a) followed by ActivityIndex.CampaignFunnels.
// Campaign IDs are expected to be unique within a team, as a primary key
// makes them: a duplicate is a funnel of its own, sharing the messages.
func ComputeCampaignFunnels(a *Activity, q analytics.CampaignQuery) ([]analytics.CampaignFunnel, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return IndexActivity(a).CampaignFunnels(q)
}

// CampaignFunnels is ComputeCampaignFunnels over the indexed activity. Its
// cost is the team's campaigns and messages: it reads every message of the
// team once.
func (x *ActivityIndex) CampaignFunnels(q analytics.CampaignQuery) ([]analytics.CampaignFunnel, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	out := []analytics.CampaignFunnel{}
	t := x.teams[q.TeamID]
	if t == nil {
		return out, nil
	}
	out = t.selectCampaigns(q)
	byID := make(map[string][]int, len(out))
	for i, f := range out {
		byID[f.CampaignID] = append(byID[f.CampaignID], i)
	}
	w := q.Window()
	for k := range t.messages {
		m := &t.messages[k]
		if m.CampaignID == "" {
			continue
		}
		idx, ok := byID[m.CampaignID]
		if !ok {
			continue
		}
		replied := t.replied(k, w)
		for _, i := range idx {
			countFunnelMessage(&out[i], m, replied)
		}
	}
	for i := range out {
		out[i].Derive()
	}
	return out, nil
}

// selectCampaigns returns the funnels, counts zero, of the team's
// campaigns that q selects, in ID order, at most q.Limit of them.
func (t *teamActivity) selectCampaigns(q analytics.CampaignQuery) []analytics.CampaignFunnel {
	out := []analytics.CampaignFunnel{}
	for _, c := range t.campaigns {
		if q.After != "" && c.ID <= q.After {
			continue
		}
		if len(q.CampaignIDs) > 0 && !slices.Contains(q.CampaignIDs, c.ID) {
			continue
		}
		out = append(out, analytics.CampaignFunnel{
			CampaignID: c.ID, TeamID: c.TeamID, AccountID: c.AccountID, Status: c.Status,
			CreatedAt: c.CreatedAt.UTC(), Recipients: max(c.TotalRecipients, 0),
		})
	}
	slices.SortStableFunc(out, func(a, b analytics.CampaignFunnel) int { return cmp.Compare(a.CampaignID, b.CampaignID) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

// replied reports whether the team's message k is replied to under the
// reply window w: Walk's Step.Replied for it in its conversation. A
// message of no conversation is never replied to.
func (t *teamActivity) replied(k int, w time.Duration) bool {
	th := t.threads[k]
	if th == nil {
		return false
	}
	j := t.positions[k]
	replied := false
	Walk(th, j, j+1, w, func(s Step) { replied = s.Replied })
	return replied
}

// countFunnelMessage adds message m of the campaign of f to f's counts.
func countFunnelMessage(f *analytics.CampaignFunnel, m *Message, replied bool) {
	f.Messages++
	switch m.Status {
	case StatusRead:
		f.Read++
		f.Delivered++
		f.Sent++
	case StatusDelivered:
		f.Delivered++
		f.Sent++
	case StatusSent:
		f.Sent++
	case StatusFailed:
		f.Failed++
	}
	if replied {
		f.Replied++
	}
}
