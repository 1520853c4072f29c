package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeNow is a settable clock for the rate limit; its sleep records the
// delays asked for and returns at once.
type fakeNow struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeNow) sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
}

func (c *fakeNow) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}

func (c *fakeNow) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeNow) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestRateLimit: a token's burst passes, the next request gets a JSON
// 429 with Retry-After and the RateLimit-* headers, another token is not
// affected, and the bucket refills with time. Requests with unknown
// tokens are limited per client address. Each refusal is delayed until
// the next token, at most MaxDelay.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := &fakeNow{t: testNow}
	f := newFixture(t, WithRateLimit(RateLimit{PerSecond: 0.5, Burst: 3}), withClock(clock.now, clock.sleep))
	rt := teamURL(teamA, "realtime", nil)
	for i := range 3 {
		status, h, body := f.do(t, http.MethodGet, rt, tokA)
		if status != http.StatusOK {
			t.Fatalf("request %d: status %d, %s", i+1, status, body)
		}
		if h.Get("RateLimit-Limit") != "3" || h.Get("RateLimit-Remaining") != fmt.Sprint(2-i) || h.Get("RateLimit-Reset") != fmt.Sprint(2*(i+1)) {
			t.Errorf("request %d: RateLimit-Limit %q, -Remaining %q, -Reset %q; want 3, %d, %d", i+1,
				h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), 2-i, 2*(i+1))
		}
	}
	status, h, body := f.do(t, http.MethodGet, rt, tokA)
	if e := decodeError(t, h, body); status != http.StatusTooManyRequests || e.Code != "rate_limited" {
		t.Fatalf("past the burst: status %d, %+v; want 429 rate_limited", status, e)
	}
	if h.Get("Retry-After") != "2" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") != "6" {
		t.Errorf("429: Retry-After %q, RateLimit-Remaining %q, RateLimit-Reset %q; want 2, 0, 6",
			h.Get("Retry-After"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"))
	}
	// Every route shares the token's bucket.
	if status, _, _ := f.do(t, http.MethodGet, teamURL(teamA, "dashboard", nil), tokA); status != http.StatusTooManyRequests {
		t.Errorf("another route: status %d, want 429", status)
	}
	if status, _, _ := f.do(t, http.MethodGet, teamURL(teamB, "realtime", nil), tokB); status != http.StatusOK {
		t.Errorf("team B while A is limited: status %d, want 200", status)
	}
	clock.advance(2 * time.Second)
	if status, _, _ := f.do(t, http.MethodGet, rt, tokA); status != http.StatusOK {
		t.Errorf("a token later: status %d, want 200", status)
	}

	// Guessed tokens, from one address: 401 up to the burst, then 429.
	var got []int
	for i := range 5 {
		status, _, _ := f.do(t, http.MethodGet, rt, fmt.Sprint("guess-", i))
		got = append(got, status)
	}
	if fmt.Sprint(got) != "[401 401 401 429 429]" {
		t.Errorf("guessed tokens: statuses %v, want three 401 then 429", got)
	}
	// Four refusals, each delayed the default 1 s.
	if got := fmt.Sprint(clock.slept()); got != "[1s 1s 1s 1s]" {
		t.Errorf("refusals delayed %s; want [1s 1s 1s 1s]", got)
	}

	// A shorter MaxDelay, and none.
	for _, tc := range []struct {
		max  time.Duration
		want string
	}{{300 * time.Millisecond, "[300ms]"}, {-1, "[]"}} {
		clock := &fakeNow{t: testNow}
		f := newFixture(t, WithRateLimit(RateLimit{PerSecond: 1, Burst: 1, MaxDelay: tc.max}), withClock(clock.now, clock.sleep))
		f.do(t, http.MethodGet, rt, tokA)
		if status, _, _ := f.do(t, http.MethodGet, rt, tokA); status != http.StatusTooManyRequests {
			t.Errorf("MaxDelay %s: status %d, want 429", tc.max, status)
		}
		if got := fmt.Sprint(clock.slept()); got != tc.want {
			t.Errorf("MaxDelay %s: delays %s, want %s", tc.max, got, tc.want)
		}
	}
}

// TestRateLimitOff: a PerSecond of 0 turns the limit and its headers off.
func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithRateLimit(RateLimit{}))
	for range 150 {
		status, h, _ := f.do(t, http.MethodGet, teamURL(teamA, "realtime", nil), tokA)
		if status != http.StatusOK || h.Get("RateLimit-Limit") != "" {
			t.Fatalf("status %d, RateLimit-Limit %q; want 200 and none", status, h.Get("RateLimit-Limit"))
		}
	}
}

// TestLimiterBounded: however many keys come, the limiter holds at most
// MaxKeys buckets, dropping the least recently used; a key in use keeps
// its state.
func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	clock := &fakeNow{t: testNow}
	l := newLimiter(RateLimit{PerSecond: 1, Burst: 2, MaxKeys: 100}, clock.now)
	l.take("busy")
	l.take("busy")
	for i := range 100_000 {
		l.take(fmt.Sprint("key-", i))
		if i%50 == 0 {
			if v := l.take("busy"); v.ok {
				t.Fatalf("after %d other keys, the busy key's empty bucket was forgotten", i)
			}
		}
	}
	if n := l.size(); n != 100 {
		t.Errorf("%d buckets held, want 100", n)
	}
	if len(l.byKey) != l.order.Len() {
		t.Errorf("map %d and list %d disagree", len(l.byKey), l.order.Len())
	}
}
