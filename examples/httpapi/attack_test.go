package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics"
)

// rssBytes returns this process's resident set size, from
// /proc/self/status; 0 where there is none.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestAttackIsolation is the attack of internal/httpload, bounded: while
// one team's clients request ever-new snapshot ranges, another team reads.
// The attacker is refused past its token's limit, the victim never, and
// the process does not grow without bound. (internal/httpload measures
// the victim's latency; this test asserts no timing.)
func TestAttackIsolation(t *testing.T) {
	t.Parallel()
	const rate, burst = 20, 20
	f := newFixture(t, WithRateLimit(RateLimit{PerSecond: rate, Burst: burst, MaxDelay: 10 * time.Millisecond}))
	before := rssBytes()
	c := f.srv.Client()
	get := func(path, token string) int {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}

	start := time.Now()
	var mu sync.Mutex
	attacker := map[int]int{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 40 {
				// A range no one asked for before: a new cache key.
				from := analytics.NewDate(2026, 3, 1).AddDays(-(i*40 + j))
				q := url.Values{"from": {from.String()}, "to": {"2026-03-10"}, "limit": {fmt.Sprint(1 + j)}}
				status := get(teamURL(teamA, "snapshots", q), tokA)
				mu.Lock()
				attacker[status]++
				mu.Unlock()
			}
		})
	}
	victim := map[int]int{}
	routes := []string{teamURL(teamB, "realtime", nil), teamURL(teamB, "dashboard", url.Values{"days": {"7"}}),
		teamURL(teamB, "snapshots", url.Values{"from": {"2026-03-01"}, "to": {"2026-03-16"}, "limit": {"7"}})}
	for i := range burst - 2 { // within the victim's own limit
		victim[get(routes[i%len(routes)], tokB)]++
	}
	wg.Wait()
	elapsed := time.Since(start)

	if victim[http.StatusOK] != burst-2 {
		t.Errorf("the victim's statuses: %v; want only 200s", victim)
	}
	if attacker[http.StatusTooManyRequests] == 0 {
		t.Errorf("the attacker's statuses: %v; want 429s", attacker)
	}
	// Served: at most the burst and what the bucket refilled meanwhile.
	if most := burst + int(rate*elapsed.Seconds()) + 1; attacker[http.StatusOK] > most {
		t.Errorf("the attacker was served %d requests in %s; the limit allows %d", attacker[http.StatusOK], elapsed, most)
	}
	if before > 0 {
		if grown := rssBytes() - before; grown > 200<<20 {
			t.Errorf("the process grew by %d MiB during the attack", grown>>20)
		}
	}
}
