package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// stats are the outcomes of a group of clients' requests.
type stats struct {
	mu       sync.Mutex
	lat      []time.Duration // every answered request's latency
	byStatus map[int]int
	errs     int // requests that got no response
}

func newStats() *stats { return &stats{byStatus: map[int]int{}} }

func (s *stats) add(status int, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs++
		return
	}
	s.byStatus[status]++
	s.lat = append(s.lat, d)
}

// summary is what a report prints of stats.
type summary struct {
	n        int // answered requests
	byStatus map[int]int
	errs     int
	p50, p99 time.Duration
}

func (s *stats) summary() summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := slices.Clone(s.lat)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return summary{n: len(lat), byStatus: s.byStatus, errs: s.errs, p50: q(0.50), p99: q(0.99)}
}

// request names one request: its path and query, and its token.
type request struct{ path, token string }

// nextFunc returns client i's next request.
type nextFunc func(i int, rnd *rand.Rand) request

// drive runs n clients against base until ctx is done. A client sends a
// request, reads the whole response, and sends the next one at once
// (every > 0: at most one request every that long, from its start).
func drive(ctx context.Context, c *http.Client, base string, n int, every time.Duration, next nextFunc, st *stats) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				start := time.Now()
				r := next(i, rnd)
				status, err := get(ctx, c, base+r.path, r.token)
				if ctx.Err() != nil {
					return // cut by the end of the run, not the server
				}
				st.add(status, time.Since(start), err)
				if every > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(every - time.Since(start)):
					}
				}
			}
		})
	}
	wg.Wait()
}

func get(ctx context.Context, c *http.Client, url, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// newClient returns an HTTP client keeping up to conns connections alive.
func newClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = conns, conns
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}
