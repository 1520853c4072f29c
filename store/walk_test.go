package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// conv is a conversation created at start with messages msgs, sorted by
// store.CompareMessages.
type conv struct {
	start time.Time
	msgs  []store.Message
}

func (c *conv) Len() int                       { return len(c.msgs) }
func (c *conv) Inbound(i int) bool             { return c.msgs[i].Inbound }
func (c *conv) Since(i, j int) time.Duration   { return c.msgs[i].CreatedAt.Sub(c.msgs[j].CreatedAt) }
func (c *conv) SinceStart(i int) time.Duration { return c.msgs[i].CreatedAt.Sub(c.start) }
func (c *conv) At(i int) time.Time             { return c.msgs[i].CreatedAt }

var (
	walkStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	walkW     = 10 * time.Minute
)

// in and out are an inbound and an outbound message d after walkStart.
func in(id string, d time.Duration) store.Message {
	return store.Message{ID: id, Inbound: true, CreatedAt: walkStart.Add(d)}
}

func out(id string, d time.Duration) store.Message {
	return store.Message{ID: id, CreatedAt: walkStart.Add(d)}
}

// newConv sorts msgs as a store orders a conversation's messages.
func newConv(msgs ...store.Message) *conv {
	msgs = slices.Clone(msgs)
	slices.SortFunc(msgs, store.CompareMessages)
	return &conv{start: walkStart, msgs: msgs}
}

// walkAll returns the steps of c's messages [lo, hi) under walkW, with
// each step's message ID.
func walkAll(c *conv, lo, hi int) []step {
	var got []step
	store.Walk(c, lo, hi, walkW, nil, func(s store.Step) {
		got = append(got, step{c.msgs[s.Index].ID, s})
	})
	return got
}

type step struct {
	ID   string
	Step store.Step
}

func TestWalk(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	answered := func(i int, d time.Duration) store.Step {
		return store.Step{Index: i, Turn: true, Answered: true, Response: d}
	}
	for _, tt := range []struct {
		name   string
		c      *conv
		lo, hi int // hi 0: all
		want   []step
	}{{
		name: "reply at exactly the window",
		c:    newConv(out("a", 0), in("b", walkW)),
		want: []step{{"a", store.Step{Index: 0, Replied: true}}, {"b", store.Step{Index: 1, Turn: true}}},
	}, {
		name: "reply just after the window",
		c:    newConv(out("a", 0), in("b", walkW+time.Nanosecond)),
		want: []step{{"a", store.Step{Index: 0}}, {"b", store.Step{Index: 1, Turn: true}}},
	}, {
		name: "response at exactly the window",
		c:    newConv(in("a", 0), out("b", walkW)),
		want: []step{{"a", answered(0, walkW)}, {"b", store.Step{Index: 1}}},
	}, {
		name: "response just after the window",
		c:    newConv(in("a", 0), out("b", walkW+ms)),
		want: []step{{"a", store.Step{Index: 0, Turn: true}}, {"b", store.Step{Index: 1}}},
	}, {
		name: "response truncated to whole milliseconds",
		c:    newConv(in("a", 0), out("b", 2*ms-time.Nanosecond)),
		want: []step{{"a", answered(0, ms)}, {"b", store.Step{Index: 1}}},
	}, {
		// b, c and d share an instant and follow each other by ID: b is
		// replied by c, and c is answered by d in 0 ms.
		name: "equal timestamps ordered by ID",
		c:    newConv(out("d", time.Minute), in("c", time.Minute), out("b", time.Minute), in("a", 0)),
		want: []step{
			{"a", answered(0, time.Minute)},
			{"b", store.Step{Index: 1, Replied: true}},
			{"c", answered(2, 0)},
			{"d", store.Step{Index: 3}},
		},
	}, {
		name: "inbound first, consecutive inbound in one turn",
		c:    newConv(in("a", 0), in("b", time.Minute), out("c", 3*time.Minute), in("d", 4*time.Minute)),
		want: []step{
			{"a", answered(0, 3*time.Minute)},
			{"b", store.Step{Index: 1}},
			{"c", store.Step{Index: 2, Replied: true}},
			{"d", store.Step{Index: 3, Turn: true}},
		},
	}, {
		// b comes more than W after a, so it starts a turn of its own;
		// a's next outbound message is beyond W of a.
		name: "consecutive inbound beyond the window",
		c:    newConv(in("a", 0), in("b", walkW+time.Second), out("c", walkW+3*time.Second)),
		want: []step{
			{"a", store.Step{Index: 0, Turn: true}},
			{"b", answered(1, 2*time.Second)},
			{"c", store.Step{Index: 2}},
		},
	}, {
		// b comes exactly W after a: it continues a's turn.
		name: "consecutive inbound at exactly the window",
		c:    newConv(in("a", 0), in("b", walkW), out("c", walkW+time.Minute)),
		want: []step{
			{"a", store.Step{Index: 0, Turn: true}},
			{"b", store.Step{Index: 1}},
			{"c", store.Step{Index: 2}},
		},
	}, {
		name: "no outbound",
		c:    newConv(in("a", 0), in("b", time.Minute), in("c", walkW+2*time.Minute)),
		want: []step{
			{"a", store.Step{Index: 0, Turn: true}},
			{"b", store.Step{Index: 1}},
			{"c", store.Step{Index: 2, Turn: true}},
		},
	}, {
		name: "no inbound",
		c:    newConv(out("a", 0), out("b", time.Minute)),
		want: []step{{"a", store.Step{Index: 0}}, {"b", store.Step{Index: 1}}},
	}, {
		// Only [1, 3) is visited; a before and d after are read as
		// context: b continues a's turn, c is answered by d.
		name: "a range reads its neighbours",
		c:    newConv(in("a", 0), in("b", time.Minute), in("c", walkW+5*time.Minute), out("d", walkW+6*time.Minute)),
		lo:   1, hi: 3,
		want: []step{
			{"b", store.Step{Index: 1}},
			{"c", answered(2, time.Minute)},
		},
	}} {
		hi := tt.hi
		if hi == 0 {
			hi = tt.c.Len()
		}
		if d := cmp.Diff(tt.want, walkAll(tt.c, tt.lo, hi)); d != "" {
			t.Errorf("%s: steps (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestFirstResponse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		c    *conv
		d    time.Duration
		ok   bool
	}{
		{"answered", newConv(out("a", 0), in("b", time.Minute), out("c", 3*time.Minute)), 2 * time.Minute, true},
		{"inbound before the creation is skipped", newConv(in("a", -time.Minute), in("b", 0), out("c", time.Minute)), time.Minute, true},
		{"first inbound unanswered", newConv(in("a", 0), out("b", walkW+time.Millisecond), in("c", walkW+2*time.Millisecond), out("d", walkW+3*time.Millisecond)), 0, false},
		{"first inbound at exactly the window", newConv(in("a", walkW), out("b", walkW+time.Second)), 0, false},
		{"first inbound just inside the window", newConv(in("a", walkW-time.Millisecond), out("b", walkW)), time.Millisecond, true},
		{"no inbound", newConv(out("a", 0)), 0, false},
		{"no messages", newConv(), 0, false},
	} {
		r, ok := store.FirstResponse(tt.c, walkW, nil)
		if d := r.Time; d != tt.d || ok != tt.ok || r.Measured {
			t.Errorf("%s: FirstResponse = %v, %v; want %v, %v", tt.name, d, ok, tt.d, tt.ok)
		}
	}
}

func TestStepAddTo(t *testing.T) {
	t.Parallel()
	var m analytics.Metrics
	for _, s := range []store.Step{
		{Replied: true},
		{Turn: true, Answered: true, Response: 1500 * time.Millisecond},
		{Turn: true, Answered: true, Response: 2 * time.Second},
		{Turn: true},
		{},
	} {
		s.AddTo(&m)
	}
	var want analytics.Metrics
	want.Messages.Replied = 1
	want.Conversations.ResponseCount = 2
	want.Conversations.ResponseTimeMs = 3500
	want.Conversations.Unanswered = 1
	want.Conversations.Histogram.Observe(1500 * time.Millisecond)
	want.Conversations.Histogram.Observe(2 * time.Second)
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("AddTo (-want +got):\n%s", d)
	}
}
