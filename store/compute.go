package store

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/msgstats/analytics"
)

// ComputeMetrics computes the metrics of every item of req from the raw
// activity a, returned in the order of req.Items. It is the reference
// definition of every metric (see the analytics package documentation): a
// Store's Aggregate must return exactly what it returns for the same
// activity. a may hold many teams; each item sees only its own team's
// records.
// GeneratedAt is left zero. It does no I/O. It is IndexActivity(a) followed
// by Compute; to aggregate the same activity repeatedly, keep the index.
func ComputeMetrics(a *Activity, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
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
func (x *ActivityIndex) Compute(req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	w := req.Window()
	out := make([]analytics.Metrics, len(req.Items))
	empty := &teamActivity{}
	for i, it := range req.Items {
		t := x.teams[it.Scope.TeamID]
		if t == nil {
			t = empty
		}
		h := LocalHours(req.WorkingHours[it.Scope.TeamID], it.Period.Start.Location())
		out[i] = t.metrics(it, w, h, req.Sketches)
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

// thread is one conversation's messages in (created_at, id) order. It is
// the conversation's Thread.
type thread struct {
	msgs    []Message
	conv    Conversation
	hasConv bool
}

func (th *thread) Len() int           { return len(th.msgs) }
func (th *thread) Inbound(i int) bool { return th.msgs[i].Inbound }
func (th *thread) Since(i, j int) time.Duration {
	return th.msgs[i].CreatedAt.Sub(th.msgs[j].CreatedAt)
}
func (th *thread) SinceStart(i int) time.Duration { return th.msgs[i].CreatedAt.Sub(th.conv.CreatedAt) }
func (th *thread) At(i int) time.Time             { return th.msgs[i].CreatedAt }

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

// messageTime returns when x was created.
func messageTime(x Message) time.Time { return x.CreatedAt }

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

// metrics computes the metrics of one item: the scope sp.Scope of the team
// over sp.Period, under the reply window w, with business times measured
// against h (none when nil), with the sketch of active contacts when
// sketch is set.
func (t *teamActivity) metrics(sp analytics.ScopePeriod, w time.Duration, h Hours, sketch bool) analytics.Metrics {
	m := analytics.Metrics{Range: analytics.Range{Start: sp.Period.Start, End: sp.Period.End}}
	active := t.countMessages(&m, sp, w, h)
	t.countConversations(&m, sp, w, h)
	t.countContacts(&m, sp, active, sketch)
	t.countCampaigns(&m, sp)
	m.Traffic = t.traffic(sp)
	m.Derive()
	return m
}

// inScope reports whether a record of account acct belongs to scope s.
func inScope(s analytics.Scope, acct string) bool {
	return s.TeamWide() || acct == s.AccountID
}

// countMessages adds the message metrics and the customer turns and
// response times (business times against h) of the messages of the item's
// period to m, and returns the contacts of their conversations
// (contacts.active).
func (t *teamActivity) countMessages(m *analytics.Metrics, sp analytics.ScopePeriod, w time.Duration, h Hours) map[string]struct{} {
	start, end := sp.Period.Start, sp.Period.End
	active := map[string]struct{}{}
	lo, hi := span(t.messages, messageTime, start, end)
	for k := lo; k < hi; k++ {
		x := &t.messages[k]
		th, j := t.threads[k], t.positions[k]
		if th != nil && (j == 0 || th.msgs[j-1].CreatedAt.Before(start)) {
			// The conversation's first message of the period: walk the
			// conversation's messages of the period.
			n := j + 1
			for n < len(th.msgs) && th.msgs[n].CreatedAt.Before(end) {
				n++
			}
			walk(m, sp.Scope, th, j, n, w, h)
		}
		if !inScope(sp.Scope, x.AccountID) {
			continue
		}
		countMessage(&m.Messages, x)
		if th != nil && th.hasConv && th.conv.ContactID != "" {
			active[th.conv.ContactID] = struct{}{}
		}
	}
	return active
}

// walk adds the replies, customer turns and response times (business
// times against h) of the messages of th at positions [lo, hi) that are in
// scope s to m.
func walk(m *analytics.Metrics, s analytics.Scope, th *thread, lo, hi int, w time.Duration, h Hours) {
	Walk(th, lo, hi, w, h, func(st Step) {
		if inScope(s, th.msgs[st.Index].AccountID) {
			st.AddTo(m)
		}
	})
}

// countMessage adds message x to the plain counts of msg.
func countMessage(msg *analytics.MessageMetrics, x *Message) {
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

// countConversations adds the conversations created in the item's period,
// with their first responses (business times against h), to m.
func (t *teamActivity) countConversations(m *analytics.Metrics, sp analytics.ScopePeriod, w time.Duration, h Hours) {
	cv := &m.Conversations
	lo, hi := span(t.conversations, func(c Conversation) time.Time { return c.CreatedAt }, sp.Period.Start, sp.Period.End)
	for i := lo; i < hi; i++ {
		c := &t.conversations[i]
		if !inScope(sp.Scope, c.AccountID) {
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
		if r, ok := FirstResponse(th, w, h); ok {
			r.AddFirstTo(m)
		}
	}
}

// countContacts adds the contacts of the item's scope as of its period's
// end to m, with active, the contacts of the period's conversations, and
// their sketch when sketch is set.
func (t *teamActivity) countContacts(m *analytics.Metrics, sp analytics.ScopePeriod, active map[string]struct{}, sketch bool) {
	start, end := sp.Period.Start, sp.Period.End
	// joined returns when contact c joined the scope: its creation for a
	// team-wide scope; for an account scope, the later of its creation and
	// its first conversation on the account (false: it has none). A contact
	// is the scope's as of the end when it joined before the end, and new
	// when it joined in the period, so the new contacts of the days of a
	// week add up to those of the week.
	joined := func(c *Contact) (time.Time, bool) { return c.CreatedAt, true }
	if !sp.Scope.TeamWide() {
		firstConv := t.firstConv[sp.Scope.AccountID]
		joined = func(c *Contact) (time.Time, bool) {
			f, ok := firstConv[c.ID]
			if f.After(c.CreatedAt) {
				return f, ok
			}
			return c.CreatedAt, ok
		}
	}
	ct := &m.Contacts
	ct.Active = int64(len(active))
	if sketch {
		ids := make([]string, 0, len(active))
		for id := range active {
			ids = append(ids, id)
		}
		m.ActiveSketch = analytics.SketchOf(ids...)
	}
	for i := range t.contacts {
		c := &t.contacts[i]
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
}

// countCampaigns adds the campaigns created in the item's period to m.
func (t *teamActivity) countCampaigns(m *analytics.Metrics, sp analytics.ScopePeriod) {
	cp := &m.Campaigns
	lo, hi := span(t.campaigns, func(c Campaign) time.Time { return c.CreatedAt }, sp.Period.Start, sp.Period.End)
	for i := lo; i < hi; i++ {
		c := &t.campaigns[i]
		if !inScope(sp.Scope, c.AccountID) {
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
