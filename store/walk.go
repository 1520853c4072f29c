package store

import (
	"time"

	"github.com/msgstats/analytics"
)

// Thread is a read-only view of one conversation's messages, in
// CompareMessages order (created_at, then ID), as Walk and FirstResponse
// read them. An implementation indexes its own slice of messages, so a store
// walks its rows without copying them.
type Thread interface {
	// Len returns the number of messages.
	Len() int
	// Inbound reports whether message i was sent by the contact.
	Inbound(i int) bool
	// Since returns the time from message j's creation to message i's;
	// negative when i was created first.
	Since(i, j int) time.Duration
	// SinceStart returns the time from the conversation's creation to
	// message i's creation; negative when the message is older. Only
	// FirstResponse calls it.
	SinceStart(i int) time.Duration
	// At returns when message i was created. Only walks given Hours call
	// it, for the answered turns.
	At(i int) time.Time
}

// Hours measures business time for Walk and FirstResponse: the working
// hours of the thread's team, in the zone they are read in.
type Hours interface {
	// Between returns how much of [from, to) falls inside the working
	// hours; 0 when to is not after from.
	Between(from, to time.Time) time.Duration
}

// LocalHours returns h read in loc as Hours (h.Between(from, to, loc)),
// what ComputeMetrics measures business time with; nil when h is nil.
func LocalHours(h *analytics.WorkingHours, loc *time.Location) Hours {
	if h == nil {
		return nil
	}
	return localHours{h, loc}
}

type localHours struct {
	h   *analytics.WorkingHours
	loc *time.Location
}

func (l localHours) Between(from, to time.Time) time.Duration { return l.h.Between(from, to, l.loc) }

// Step is what the reply, turn and response rules of the package
// documentation of analytics decide about one message of a conversation.
type Step struct {
	// Index is the message's position in the Thread.
	Index int
	// Replied is true for an outbound message whose next message in the
	// conversation is inbound and arrives within the reply window.
	Replied bool
	// Turn is true for an inbound message that starts a customer turn: its
	// previous message in the conversation is outbound, or does not exist,
	// or arrived more than the reply window before it.
	Turn bool
	// Answered is true for a Turn whose next outbound message arrives
	// within the reply window of it; Response is then that delay, truncated
	// to whole milliseconds. A Turn that is not Answered is unanswered.
	Answered bool
	Response time.Duration
	// Measured is true when the walk was given Hours. Business is then,
	// for an Answered step, the part of the wait inside them: of [the
	// turn's creation, the answer's creation), truncated to whole
	// milliseconds, at most Response.
	Measured bool
	Business time.Duration
}

// Response is how a conversation's first customer turn was answered (see
// FirstResponse).
type Response struct {
	// Time is the response time, truncated to whole milliseconds.
	Time time.Duration
	// Measured is true when FirstResponse was given Hours; Business is then
	// the part of the wait inside them, truncated to whole milliseconds.
	Measured bool
	Business time.Duration
}

// Walk calls visit with the Step of each message of t at positions
// [lo, hi), in order, under the reply window w, measuring the business
// time of answered turns against h when h is not nil. Messages outside
// [lo, hi) are read as context only (the previous message, the reply, the
// next outbound message). It allocates nothing itself; its cost is hi-lo
// plus the messages that follow within w of the last inbound message,
// plus a call of h.Between per answered turn.
func Walk(t Thread, lo, hi int, w time.Duration, h Hours, visit func(Step)) {
	n := t.Len()
	// out is the search position for the next outbound message: every
	// message strictly between the current one and out is inbound.
	out := 0
	for j := lo; j < hi; j++ {
		s := Step{Index: j, Measured: h != nil}
		if !t.Inbound(j) {
			s.Replied = j+1 < n && t.Inbound(j+1) && t.Since(j+1, j) <= w
			visit(s)
			continue
		}
		s.Turn = j == 0 || !t.Inbound(j-1) || t.Since(j, j-1) > w
		if s.Turn {
			out = max(out, j+1)
			s.Response, s.Answered, out = respond(t, j, out, w)
			if s.Answered && h != nil {
				s.Business = business(t, h, j, out)
			}
		}
		visit(s)
	}
}

// FirstResponse returns the first response of the conversation of t: how
// its first inbound message created in [created_at, created_at+w) was
// answered, when it was answered within w, with its business time
// measured against h when h is not nil. ok is false when there is no such
// message or it is unanswered.
func FirstResponse(t Thread, w time.Duration, h Hours) (r Response, ok bool) {
	for j, n := 0, t.Len(); j < n; j++ {
		since := t.SinceStart(j)
		if since < 0 || !t.Inbound(j) {
			continue
		}
		if since >= w {
			return Response{}, false
		}
		d, ok, k := respond(t, j, j+1, w)
		if !ok {
			return Response{}, false
		}
		r = Response{Time: d, Measured: h != nil}
		if h != nil {
			r.Business = business(t, h, j, k)
		}
		return r, true
	}
	return Response{}, false
}

// business returns the part of [message j's creation, message k's) inside
// h, truncated to whole milliseconds.
func business(t Thread, h Hours, j, k int) time.Duration {
	return h.Between(t.At(j), t.At(k)).Truncate(time.Millisecond)
}

// respond returns the time from inbound message j to the next outbound
// message of t, truncated to whole milliseconds, when it arrives within w.
// The search starts at from (> j; every message in (j, from) is inbound)
// and stops at the first outbound message or at the first message more
// than w after j; next is where it stopped, where a search for a later
// message can resume.
func respond(t Thread, j, from int, w time.Duration) (d time.Duration, ok bool, next int) {
	n := t.Len()
	k := from
	for k < n && t.Inbound(k) && t.Since(k, j) <= w {
		k++
	}
	if k == n || t.Inbound(k) {
		return 0, false, k
	}
	d = t.Since(k, j)
	if d > w {
		return 0, false, k
	}
	return d.Truncate(time.Millisecond), true, k
}

// AddTo adds s to m: a reply to Messages.Replied; an answered turn to
// Conversations.ResponseCount, ResponseTimeMs and Histogram, and when
// Measured to BusinessResponseCount, BusinessResponseTimeMs and
// BusinessHistogram; an unanswered turn to Conversations.Unanswered.
// Other steps add nothing.
func (s Step) AddTo(m *analytics.Metrics) {
	switch {
	case s.Replied:
		m.Messages.Replied++
	case s.Answered:
		cv := &m.Conversations
		cv.ResponseCount++
		cv.ResponseTimeMs += s.Response.Milliseconds()
		cv.Histogram.Observe(s.Response)
		if s.Measured {
			cv.BusinessResponseCount++
			cv.BusinessResponseTimeMs += s.Business.Milliseconds()
			cv.BusinessHistogram.Observe(s.Business)
		}
	case s.Turn:
		m.Conversations.Unanswered++
	}
}

// AddFirstTo adds r, a conversation's first response, to m:
// Conversations.FirstResponseCount and FirstResponseTimeMs, and when
// Measured BusinessFirstResponseCount and BusinessFirstResponseTimeMs.
func (r Response) AddFirstTo(m *analytics.Metrics) {
	cv := &m.Conversations
	cv.FirstResponseCount++
	cv.FirstResponseTimeMs += r.Time.Milliseconds()
	if r.Measured {
		cv.BusinessFirstResponseCount++
		cv.BusinessFirstResponseTimeMs += r.Business.Milliseconds()
	}
}
