package analytics

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// ComputeMetrics computes the metrics of every item of req from the raw
// activity a, returned in the order of req.Items. It is the reference
// definition of every metric (see the package documentation): a Store's
// Aggregate must return exactly what it returns for the same activity.
// a may hold many teams; each item sees only its own team's records.
// GeneratedAt is left zero. It does no I/O; cost is O(n log n) in the size
// of a plus O(n) per item.
func ComputeMetrics(a *Activity, req AggregateRequest) ([]Metrics, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if a == nil {
		a = &Activity{}
	}
	idx := indexActivity(a)
	w := req.Window()
	out := make([]Metrics, len(req.Items))
	for i, it := range req.Items {
		t := idx[it.Scope.TeamID]
		if t == nil {
			t = &teamActivity{}
		}
		out[i] = t.metrics(it, w)
	}
	return out, nil
}

// teamActivity is one team's records, indexed for ComputeMetrics.
type teamActivity struct {
	messages      []Message
	byConv        map[string][]Message // conversation ID -> messages in (created_at, id) order
	conversations map[string]Conversation
	contacts      []Contact
	campaigns     []Campaign
}

func indexActivity(a *Activity) map[string]*teamActivity {
	idx := map[string]*teamActivity{}
	team := func(id string) *teamActivity {
		t := idx[id]
		if t == nil {
			t = &teamActivity{byConv: map[string][]Message{}, conversations: map[string]Conversation{}}
			idx[id] = t
		}
		return t
	}
	for _, m := range a.Messages {
		t := team(m.TeamID)
		t.messages = append(t.messages, m)
		if m.ConversationID != "" {
			t.byConv[m.ConversationID] = append(t.byConv[m.ConversationID], m)
		}
	}
	for _, t := range idx {
		for _, msgs := range t.byConv {
			slices.SortFunc(msgs, CompareMessages)
		}
	}
	for _, c := range a.Conversations {
		team(c.TeamID).conversations[c.ID] = c
	}
	for _, c := range a.Contacts {
		t := team(c.TeamID)
		t.contacts = append(t.contacts, c)
	}
	for _, c := range a.Campaigns {
		t := team(c.TeamID)
		t.campaigns = append(t.campaigns, c)
	}
	return idx
}

// CompareMessages orders messages by (CreatedAt, ID), the order in which a
// conversation's messages follow each other.
func CompareMessages(a, b Message) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (t *teamActivity) metrics(sp ScopePeriod, w time.Duration) Metrics {
	start, end := sp.Period.Start, sp.Period.End
	in := func(ts time.Time) bool { return !ts.Before(start) && ts.Before(end) }
	inScope := func(account string) bool { return sp.Scope.TeamWide() || account == sp.Scope.AccountID }

	m := Metrics{Period: Range{Start: start, End: end}}

	msg := &m.Messages
	for _, x := range t.messages {
		if !inScope(x.AccountID) || !in(x.CreatedAt) {
			continue
		}
		msg.Total++
		if x.Inbound {
			msg.Inbound++
		} else {
			msg.Outbound++
		}
		switch x.Status {
		case StatusRead:
			msg.Read++
			msg.Delivered++
			msg.Sent++
		case StatusDelivered:
			msg.Delivered++
			msg.Sent++
		case StatusSent:
			msg.Sent++
		case StatusFailed:
			msg.Failed++
		}
	}

	cv := &m.Conversations
	active := map[string]struct{}{}
	for convID, msgs := range t.byConv {
		conv, hasConv := t.conversations[convID]
		nextOut := nextOutbound(msgs)
		for j, x := range msgs {
			if !inScope(x.AccountID) || !in(x.CreatedAt) {
				continue
			}
			if hasConv && conv.ContactID != "" {
				active[conv.ContactID] = struct{}{}
			}
			if !x.Inbound {
				if j+1 < len(msgs) && msgs[j+1].Inbound && msgs[j+1].CreatedAt.Sub(x.CreatedAt) <= w {
					msg.Replied++
				}
				continue
			}
			if j > 0 && msgs[j-1].Inbound && x.CreatedAt.Sub(msgs[j-1].CreatedAt) <= w {
				continue // same customer turn as the previous inbound message
			}
			if d, ok := responseTime(msgs, nextOut, j, w); ok {
				cv.ResponseCount++
				cv.ResponseTimeMs += d.Milliseconds()
				cv.Histogram.Observe(d)
			} else {
				cv.Unanswered++
			}
		}
	}

	// joined returns when contact c joined the scope: its creation for a
	// team-wide scope; for an account scope, the later of its creation and
	// its first conversation on the account (false: it has none). A contact
	// is the scope's as of the end when it joined before the end, and new
	// when it joined in the period, so the new contacts of the days of a
	// week add up to those of the week.
	joined := func(c Contact) (time.Time, bool) { return c.CreatedAt, true }
	if !sp.Scope.TeamWide() {
		firstConv := map[string]time.Time{}
		for _, c := range t.conversations {
			if c.AccountID != sp.Scope.AccountID || c.ContactID == "" {
				continue
			}
			if f, ok := firstConv[c.ContactID]; !ok || c.CreatedAt.Before(f) {
				firstConv[c.ContactID] = c.CreatedAt
			}
		}
		joined = func(c Contact) (time.Time, bool) {
			f, ok := firstConv[c.ID]
			return maxTime(c.CreatedAt, f), ok
		}
	}
	for _, c := range t.conversations {
		if !inScope(c.AccountID) || !in(c.CreatedAt) {
			continue
		}
		cv.Total++
		switch c.Status {
		case ConversationOpen:
			cv.Open++
		case ConversationClosed:
			cv.Closed++
		}
		msgs := t.byConv[c.ID]
		for j, x := range msgs {
			if x.CreatedAt.Before(c.CreatedAt) || !x.Inbound {
				continue
			}
			if x.CreatedAt.Sub(c.CreatedAt) >= w {
				break
			}
			if d, ok := responseTime(msgs, nextOutbound(msgs), j, w); ok {
				cv.FirstResponseCount++
				cv.FirstResponseTimeMs += d.Milliseconds()
			}
			break
		}
	}

	ct := &m.Contacts
	ct.Active = int64(len(active))
	for _, c := range t.contacts {
		at, ok := joined(c)
		if !ok || !at.Before(end) {
			continue
		}
		ct.Total++
		if !at.Before(start) {
			ct.New++
		}
		if c.Blocked {
			ct.Blocked++
		}
		ct.EngagementScoreCenti += ScoreCenti(c.EngagementScore)
	}

	cp := &m.Campaigns
	for _, c := range t.campaigns {
		if !inScope(c.AccountID) || !in(c.CreatedAt) {
			continue
		}
		cp.Total++
		switch c.Status {
		case CampaignRunning:
			cp.Active++
		case CampaignCompleted:
			cp.Completed++
		case CampaignFailed:
			cp.Failed++
		}
		cp.TotalRecipients += c.TotalRecipients
		cp.MessagesSent += c.MessagesSent
		cp.MessagesDelivered += c.MessagesDelivered
		cp.MessagesRead += c.MessagesRead
	}

	m.Derive()
	return m
}

// nextOutbound returns, for each position j, the index of the first outbound
// message after j, or -1.
func nextOutbound(msgs []Message) []int {
	next := make([]int, len(msgs))
	n := -1
	for j := len(msgs) - 1; j >= 0; j-- {
		next[j] = n
		if !msgs[j].Inbound {
			n = j
		}
	}
	return next
}

// responseTime is the time from msgs[j] to the next outbound message, if it
// comes within w.
func responseTime(msgs []Message, nextOut []int, j int, w time.Duration) (time.Duration, bool) {
	k := nextOut[j]
	if k < 0 {
		return 0, false
	}
	d := msgs[k].CreatedAt.Sub(msgs[j].CreatedAt)
	if d > w {
		return 0, false
	}
	return d.Truncate(time.Millisecond), true
}

// ScoreCenti converts an engagement score to whole hundredths of a point,
// the unit ContactMetrics sums: the score is clamped to [0, 100] (NaN counts
// as 0), multiplied by 100, read to 15 significant digits and rounded half
// away from zero, which is what Postgres does with
// round((score*100)::numeric) on a double precision column.
func ScoreCenti(score float64) int64 {
	switch {
	case math.IsNaN(score) || score <= 0:
		return 0
	case score >= 100:
		return 10000
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(score*100, 'e', 14, 64), 64)
	return int64(math.Round(v))
}
