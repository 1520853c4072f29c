package main

import (
	"container/list"
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults of RateLimit.
const (
	// DefaultRatePerSecond is the default sustained rate of each token, in
	// requests per second.
	DefaultRatePerSecond = 20
	// DefaultBurst is the default bucket size of each token, in requests.
	DefaultBurst = 10
	// DefaultMaxKeys is the default number of buckets kept.
	DefaultMaxKeys = 10000
	// DefaultMaxDelay is the default delay of a refusal.
	DefaultMaxDelay = time.Second
	// maxDelayed is how many refusals may be delayed at once; past it they
	// are answered at once.
	maxDelayed = 1024
)

// RateLimit configures the per-token rate limit of NewAPI: a token bucket
// per bearer token (per client address for requests without a valid
// token). Each request takes one token from its bucket; a request that
// finds it empty gets a 429 with Retry-After.
//
// The 429 is sent after a delay of MaxDelay: a client that ignores
// Retry-After and asks again at once thus still sends at most one request
// per MaxDelay on each connection, so that its refusals do not take the
// CPU that other tokens' requests need. At most 1,024 refusals wait at
// once (a goroutine and a connection each); past that they are answered at
// once. (A client with more connections than that is for a proxy or the
// network in front of the server to stop.)
type RateLimit struct {
	// PerSecond is the sustained rate, in requests per second: how fast an
	// empty bucket refills. 0 turns the limit off; it must not be
	// negative.
	PerSecond float64
	// Burst is the size of a bucket, in requests: how many requests a key
	// that has been idle may make at once. Defaults to DefaultBurst (10)
	// when 0.
	Burst int
	// MaxKeys bounds the buckets kept in memory; past it the least recently
	// used bucket is dropped (its key starts again with a full bucket).
	// Defaults to DefaultMaxKeys (10,000) when 0.
	MaxKeys int
	// MaxDelay is the delay of a refusal. Defaults to DefaultMaxDelay
	// (1 s) when 0; negative: refusals are sent at once.
	MaxDelay time.Duration
}

// DefaultRateLimit is the rate limit NewAPI applies when given none: 20
// requests per second per token, bursts of 100.
var DefaultRateLimit = RateLimit{PerSecond: DefaultRatePerSecond, Burst: DefaultBurst, MaxKeys: DefaultMaxKeys, MaxDelay: DefaultMaxDelay}

// limiter holds a token bucket per key, at most max of them, least
// recently used first out.
type limiter struct {
	rate  float64 // tokens per second, > 0
	burst float64 // bucket size, ≥ 1
	max   int
	now   func() time.Time
	// maxDelay bounds a refusal's delay (0: none); delayed holds a slot
	// per refusal being delayed.
	maxDelay time.Duration
	delayed  chan struct{}

	mu    sync.Mutex
	order *list.List               // of *bucket, most recently used first
	byKey map[string]*list.Element // key -> its element of order
}

// bucket is one key's bucket: tokens as of at.
type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// newLimiter returns the limiter of rl, or nil when rl turns limiting off.
// now (nil: time.Now) tells the time.
func newLimiter(rl RateLimit, now func() time.Time) *limiter {
	if rl.PerSecond <= 0 {
		return nil
	}
	if rl.Burst <= 0 {
		rl.Burst = DefaultBurst
	}
	if rl.MaxKeys <= 0 {
		rl.MaxKeys = DefaultMaxKeys
	}
	switch {
	case rl.MaxDelay == 0:
		rl.MaxDelay = DefaultMaxDelay
	case rl.MaxDelay < 0:
		rl.MaxDelay = 0
	}
	if now == nil {
		now = time.Now
	}
	return &limiter{rate: rl.PerSecond, burst: float64(rl.Burst), max: rl.MaxKeys, now: now,
		maxDelay: rl.MaxDelay, delayed: make(chan struct{}, maxDelayed),
		order: list.New(), byKey: map[string]*list.Element{}}
}

// verdict is the outcome of one request against its bucket.
type verdict struct {
	ok        bool
	limit     int           // the bucket size
	remaining int           // whole tokens left after this request
	reset     time.Duration // until the bucket is full again
	retry     time.Duration // until the next token, when !ok
}

// take takes a token from key's bucket, if it has one.
func (l *limiter) take(key string) verdict {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.at = now
	v := verdict{limit: int(l.burst)}
	if b.tokens >= 1 {
		b.tokens--
		v.ok = true
	} else {
		v.retry = l.seconds(1 - b.tokens)
	}
	v.remaining = int(b.tokens)
	v.reset = l.seconds(l.burst - b.tokens)
	return v
}

// bucket returns key's bucket, made full if new, and marks it the most
// recently used; it drops the least recently used past l.max.
func (l *limiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.byKey[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*bucket)
	}
	b := &bucket{key: key, tokens: l.burst, at: now}
	l.byKey[key] = l.order.PushFront(b)
	for l.order.Len() > l.max {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.byKey, last.Value.(*bucket).key)
	}
	return b
}

// delayRefusal waits the limiter's maxDelay before a refusal is sent, but
// not once ctx is done, nor at all when maxDelayed refusals are already
// waiting. sleep (tests) replaces the wait when not nil.
func (l *limiter) delayRefusal(ctx context.Context, sleep func(time.Duration)) {
	d := l.maxDelay
	if d <= 0 {
		return
	}
	select {
	case l.delayed <- struct{}{}:
		defer func() { <-l.delayed }()
	default:
		return
	}
	if sleep != nil {
		sleep(d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// size returns the number of buckets held.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byKey)
}

// seconds returns how long the bucket takes to gain tokens.
func (l *limiter) seconds(tokens float64) time.Duration {
	return time.Duration(tokens / l.rate * float64(time.Second))
}

// setHeaders sets the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers (draft-ietf-httpapi-ratelimit-headers: the
// bucket size, the whole requests left, and the seconds until the bucket
// is full), and Retry-After (seconds, at least 1) when v refused the
// request.
func (v verdict) setHeaders(h http.Header) {
	h.Set("RateLimit-Limit", strconv.Itoa(v.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(v.reset)))
	if !v.ok {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(v.retry))))
	}
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// clientKey returns the rate-limit key of a request without a valid token:
// its client's IP address, an IPv6 one cut to its /64 (what one host
// usually holds).
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.To4() == nil {
		ip = ip.Mask(net.CIDRMask(64, 128))
		host = ip.String()
	}
	return "addr:" + host
}
