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
// GeneratedAt is left zero. It does no I/O. It is IndexActivity(a) followed
// by Compute; to aggregate the same activity repeatedly, keep the index.
func ComputeMetrics(a *Activity, req AggregateRequest) ([]Metrics, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return IndexActivity(a).Compute(req)
}

// ActivityIndex is raw activity indexed for aggregation: building it costs
// O(n log n) in the size of the activity; then each item of a Compute costs
// time in proportion to the activity of the item's period (and the team's
// contacts), not the team's whole history. It is immutable, and safe for
// concurrent use. store/memstore keeps one per team.
type ActivityIndex struct {
	teams map[string]*teamActivity
}

// IndexActivity indexes a. The index keeps its own copies of the records;
// later changes to a do not show in it. A nil a is empty activity.
func IndexActivity(a *Activity) *ActivityIndex {
	if a == nil {
		a = &Activity{}
	}
	return &ActivityIndex{teams: indexActivity(a)}
}

// Compute is ComputeMetrics over the indexed activity.
func (x *ActivityIndex) Compute(req AggregateRequest) ([]Metrics, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	w := req.Window()
	out := make([]Metrics, len(req.Items))
	empty := &teamActivity{}
	for i, it := range req.Items {
		t := x.teams[it.Scope.TeamID]
		if t == nil {
			t = empty
		}
		out[i] = t.metrics(it, w, req.Sketches)
	}
	return out, nil
}

// teamActivity is one team's records, indexed for ComputeMetrics so that an
// item costs time in proportion to the activity of its period, not the
// team's whole history.
type teamActivity struct {
	messages      []Message // in (created_at, id) order
	threads       []*thread // parallel to messages: the message's conversation, nil if none
	positions     []int     // parallel to messages: its index in that thread
	byConv        map[string]*thread
	conversations []Conversation // one per ID (the last given), by created_at
	contacts      []Contact
	campaigns     []Campaign // by created_at
	// firstConv holds, per account, when each contact had its first
	// conversation on it (see metrics).
	firstConv map[string]map[string]time.Time
}

// thread is one conversation's messages in (created_at, id) order.
type thread struct {
	msgs    []Message
	nextOut []int // see nextOutbound
	conv    Conversation
	hasConv bool
}

func indexActivity(a *Activity) map[string]*teamActivity {
	idx := map[string]*teamActivity{}
	team := func(id string) *teamActivity {
		t := idx[id]
		if t == nil {
			t = &teamActivity{byConv: map[string]*thread{}}
			idx[id] = t
		}
		return t
	}
	for _, m := range a.Messages {
		t := team(m.TeamID)
		t.messages = append(t.messages, m)
	}
	convs := map[string]map[string]Conversation{}
	for _, c := range a.Conversations {
		team(c.TeamID)
		if convs[c.TeamID] == nil {
			convs[c.TeamID] = map[string]Conversation{}
		}
		convs[c.TeamID][c.ID] = c
	}
	for _, c := range a.Contacts {
		t := team(c.TeamID)
		t.contacts = append(t.contacts, c)
	}
	for _, c := range a.Campaigns {
		t := team(c.TeamID)
		t.campaigns = append(t.campaigns, c)
	}
	for id, t := range idx {
		slices.SortFunc(t.messages, CompareMessages)
		t.threads = make([]*thread, len(t.messages))
		t.positions = make([]int, len(t.messages))
		for k, m := range t.messages {
			if m.ConversationID == "" {
				continue
			}
			th := t.byConv[m.ConversationID]
			if th == nil {
				th = &thread{}
				th.conv, th.hasConv = convs[id][m.ConversationID]
				t.byConv[m.ConversationID] = th
			}
			t.threads[k], t.positions[k] = th, len(th.msgs)
			th.msgs = append(th.msgs, m) // in order, since t.messages is
		}
		for _, th := range t.byConv {
			th.nextOut = nextOutbound(th.msgs)
		}
		for _, c := range convs[id] {
			t.conversations = append(t.conversations, c)
		}
		slices.SortFunc(t.conversations, func(a, b Conversation) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		slices.SortFunc(t.campaigns, func(a, b Campaign) int { return a.CreatedAt.Compare(b.CreatedAt) })
		t.firstConv = map[string]map[string]time.Time{}
		for _, c := range t.conversations { // by created_at: the first seen is the first
			if c.ContactID == "" {
				continue
			}
			f := t.firstConv[c.AccountID]
			if f == nil {
				f = map[string]time.Time{}
				t.firstConv[c.AccountID] = f
			}
			if _, ok := f[c.ContactID]; !ok {
				f[c.ContactID] = c.CreatedAt
			}
		}
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

// span returns the indexes [lo, hi) of the elements of xs (sorted by time)
// whose time is in [start, end).
func span[T any](xs []T, at func(T) time.Time, start, end time.Time) (int, int) {
	lo, _ := slices.BinarySearchFunc(xs, start, func(x T, t time.Time) int {
		if at(x).Before(t) {
			return -1
		}
		return 1
	})
	hi, _ := slices.BinarySearchFunc(xs, end, func(x T, t time.Time) int {
		if at(x).Before(t) {
			return -1
		}
		return 1
	})
	return lo, hi
}

func (t *teamActivity) metrics(sp ScopePeriod, w time.Duration, sketch bool) Metrics {
	start, end := sp.Period.Start, sp.Period.End
	inScope := func(account string) bool { return sp.Scope.TeamWide() || account == sp.Scope.AccountID }

	m := Metrics{Range: Range{Start: start, End: end}}

	msg, cv := &m.Messages, &m.Conversations
	active := map[string]struct{}{}
	lo, hi := span(t.messages, func(x Message) time.Time { return x.CreatedAt }, start, end)
	for k := lo; k < hi; k++ {
		x := t.messages[k]
		if !inScope(x.AccountID) {
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

		th, j := t.threads[k], t.positions[k]
		if th == nil {
			continue
		}
		msgs := th.msgs
		if th.hasConv && th.conv.ContactID != "" {
			active[th.conv.ContactID] = struct{}{}
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
		if d, ok := responseTime(msgs, th.nextOut, j, w); ok {
			cv.ResponseCount++
			cv.ResponseTimeMs += d.Milliseconds()
			cv.Histogram.Observe(d)
		} else {
			cv.Unanswered++
		}
	}

	lo, hi = span(t.conversations, func(c Conversation) time.Time { return c.CreatedAt }, start, end)
	for _, c := range t.conversations[lo:hi] {
		if !inScope(c.AccountID) {
			continue
		}
		cv.Total++
		switch c.Status {
		case ConversationOpen:
			cv.Open++
		case ConversationClosed:
			cv.Closed++
		}
		th := t.byConv[c.ID]
		if th == nil {
			continue
		}
		for j, x := range th.msgs {
			if x.CreatedAt.Before(c.CreatedAt) || !x.Inbound {
				continue
			}
			if x.CreatedAt.Sub(c.CreatedAt) >= w {
				break
			}
			if d, ok := responseTime(th.msgs, th.nextOut, j, w); ok {
				cv.FirstResponseCount++
				cv.FirstResponseTimeMs += d.Milliseconds()
			}
			break
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
		firstConv := t.firstConv[sp.Scope.AccountID]
		joined = func(c Contact) (time.Time, bool) {
			f, ok := firstConv[c.ID]
			return maxTime(c.CreatedAt, f), ok
		}
	}
	ct := &m.Contacts
	ct.Active = int64(len(active))
	if sketch {
		ids := make([]string, 0, len(active))
		for id := range active {
			ids = append(ids, id)
		}
		m.ActiveSketch = SketchOf(ids...)
	}
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
	lo, hi = span(t.campaigns, func(c Campaign) time.Time { return c.CreatedAt }, start, end)
	for _, c := range t.campaigns[lo:hi] {
		if !inScope(c.AccountID) {
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
