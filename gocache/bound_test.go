package gocache_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/testenv"
)

// holdingProxy is a loopback TCP proxy in front of Redis that can hold
// Redis's answers back: while held, the first answer to arrive is reported
// on arrived and kept until release.
type holdingProxy struct {
	t       *testing.T
	ln      net.Listener
	target  string
	mu      sync.Mutex
	hold    bool
	arrived chan struct{}
	release chan struct{}
	wg      sync.WaitGroup
}

func newHoldingProxy(t *testing.T, target string) *holdingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdingProxy{t: t, ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *holdingProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Go(func() { io.Copy(s, c); s.Close() })
		p.wg.Go(func() { p.answers(c, s); c.Close() })
	}
}

// answers copies Redis's answers from s to c, holding them as told.
func (p *holdingProxy) answers(c, s net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			held := p.hold
			arrived, release := p.arrived, p.release
			p.hold = false
			p.mu.Unlock()
			if held {
				close(arrived)
				<-release
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// holdNext holds the next answer; it returns a channel closed when that
// answer has arrived from Redis, and a function that lets it through.
func (p *holdingProxy) holdNext() (arrived <-chan struct{}, release func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = true
	p.arrived, p.release = make(chan struct{}), make(chan struct{})
	r := p.release
	return p.arrived, sync.OnceFunc(func() { close(r) })
}

// TestCacheBoundWithLateGenerationAnswer: a replica re-reads a team's
// generation, Redis answers with the old generation, and then, before the
// answer reaches the replica, another replica invalidates the team. The
// late answer must count as of when it was asked for, not when it arrived:
// once InvalidationBound has passed since the invalidation returned, the
// replica must not serve the team's older memory entry.
func TestCacheBoundWithLateGenerationAnswer(t *testing.T) {
	t.Parallel()
	forEachMemory(t, func(t *testing.T, mem memoryStore) {
		ctx := context.Background()
		direct, prefix := testenv.Redis(t)
		proxy := newHoldingProxy(t, direct.Options().Addr)
		opts := *direct.Options()
		opts.Addr = proxy.ln.Addr().String()
		opts.PoolSize = 1 // one connection: the held answer is the generation read
		viaProxy := redis.NewClient(&opts)
		t.Cleanup(func() { viaProxy.Close() })

		clock := analytics.NewFakeClock(t0)
		bound := gocache.DefaultInvalidationBound
		replica := func(client *redis.Client) *gocache.Cache {
			c, err := gocache.New(&gocache.Config{Clock: clock, Redis: client, Prefix: prefix,
				RedisTimeout: 10 * time.Second, Memory: mem.config()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
		invalidator, reader := replica(direct), replica(viaProxy)
		key := analytics.RealTimeKey(analytics.TeamScope("T"))
		if err := reader.Set(ctx, key, []byte("old"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := reader.Get(ctx, key); err != nil || !ok || string(v) != "old" {
			t.Fatalf("Get after Set: %q, %v, %v", v, ok, err)
		}

		// The reader's generation is due for a re-read; the answer is held.
		clock.Advance(bound + time.Millisecond)
		arrived, release := proxy.holdNext()
		defer release()
		done := make(chan error, 1)
		go func() {
			_, _, err := reader.Get(ctx, key) // started before the invalidation: may be served "old"
			done <- err
		}()
		<-arrived
		if err := invalidator.InvalidateTeam(ctx, "T"); err != nil {
			t.Fatal(err)
		}
		invalidated := clock.Now()
		clock.Advance(bound / 2) // the answer is late
		release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		clock.Set(invalidated.Add(bound + time.Millisecond))
		if v, ok, err := reader.Get(ctx, key); err != nil || ok {
			t.Errorf("Get %v after the invalidation returned: %q, %v, %v; want a miss", clock.Now().Sub(invalidated), v, ok, err)
		}
	})
}
