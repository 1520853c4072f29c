package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// cuttableProxy forwards TCP connections to a Redis until cut; from then
// on it forwards nothing and answers nothing, as a Redis that hangs.
type cuttableProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	cut      bool
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newCuttableProxy(t *testing.T, upstream string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{ln: ln, upstream: upstream}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *cuttableProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		cut := p.cut
		p.mu.Unlock()
		if cut {
			continue // held open, never answered
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(up, c) }()
		go func() { defer p.wg.Done(); io.Copy(c, up) }()
	}
}

// hang stops all forwarding: the upstream connections close, the clients'
// stay open and unanswered.
func (p *cuttableProxy) hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok && tc.RemoteAddr().String() == p.upstream {
			c.Close()
		}
	}
}

func (p *cuttableProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestRunCleanupBounded: when Redis hangs at shutdown, the cleanup gives
// up at -shutdown-timeout and run returns its error.
func TestRunCleanupBounded(t *testing.T) {
	t.Parallel()
	rurl := requireEnv(t, "TEST_REDIS_URL")
	opts, err := redis.ParseURL(rurl)
	if err != nil {
		t.Fatal(err)
	}
	p := newCuttableProxy(t, opts.Addr)
	proxied := strings.Replace(rurl, opts.Addr, p.ln.Addr().String(), 1)
	s := start(t, "-redis", proxied, "-shutdown-timeout", "300ms")
	prefix := strings.Split(strings.Split(s.banner, `key prefix "`)[1], `"`)[0]
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	t.Cleanup(func() { deletePrefix(context.Background(), rdb, prefix) })

	c := curlLine.FindStringSubmatch(s.banner)
	req, _ := http.NewRequest(http.MethodGet, c[3], nil)
	req.Header.Set("Authorization", "Bearer "+c[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()

	p.hang()
	type result struct {
		rest string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		rest, err := s.stop()
		done <- result{rest, err}
	}()
	select {
	case r := <-done:
		if r.err == nil || !strings.Contains(r.err.Error(), "deleting the run's Redis keys") {
			t.Errorf("run returned %v; want the failed deletion's error\n%s", r.err, r.rest)
		}
	case <-time.After(guard):
		t.Fatal("the cleanup is still waiting for a Redis that hangs")
	}
}

// TestRedisLogger: go-redis's log lines become structured Warn records.
func TestRedisLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := redisLogger{slog.New(slog.NewJSONHandler(&buf, nil))}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v", 5, "refused")
	l.Printf(nil, "no context") //nolint:staticcheck // go-redis may pass none
	want := []string{
		`"level":"WARN","msg":"go-redis","detail":"redis: connection pool: failed to dial after 5 attempts: refused"}`,
		`"level":"WARN","msg":"go-redis","detail":"no context"}`,
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, w := range want {
		if !strings.HasSuffix(lines[i], w) {
			t.Errorf("line %d: %s\nwant it to end %s", i, lines[i], w)
		}
	}
}
