package testenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis returns a client for TEST_REDIS_URL (see Require) and a key prefix
// of the test's own. At cleanup every key under the prefix is deleted with
// SCAN and DEL (never FLUSHDB: the Redis is shared) and the client closed.
// The client has ContextTimeoutEnabled set, as the cache requires.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := Require(t, "TEST_REDIS_URL")
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("TEST_REDIS_URL is set but Redis cannot be reached: %v", err)
	}
	prefix := UniqueName("test")
	t.Cleanup(func() {
		defer client.Close()
		if err := DeleteRedisPrefix(context.Background(), client, prefix); err != nil {
			t.Errorf("deleting test keys under %s: %v", prefix, err)
		}
	})
	return client, prefix
}

// DeleteRedisPrefix deletes every key that starts with prefix+":", with
// SCAN and DEL. prefix must hold no glob characters.
func DeleteRedisPrefix(ctx context.Context, client redis.UniversalClient, prefix string) error {
	iter := client.Scan(ctx, 0, prefix+":*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := client.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return client.Del(ctx, batch...).Err()
	}
	return nil
}

// RedisServer is a private redis-server child process on a spare loopback
// port, for tests that stop, pause and restart Redis. It keeps nothing on
// disk.
type RedisServer struct {
	t    testing.TB
	port int

	mu      sync.Mutex
	cmd     *exec.Cmd
	drained chan struct{}
}

// StartRedisServer starts redis-server on a free port of 127.0.0.1 and
// stops it at cleanup. It fails t (it never skips) when redis-server is not
// on PATH or does not start.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not on PATH (install the redis-server package): %v", err)
	}
	s := &RedisServer{t: t}
	var lastErr error
	for range 5 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		s.port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

// Addr returns the server's host:port.
func (s *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Client returns a new client of the server with ContextTimeoutEnabled and
// short dial and I/O timeouts, closed at cleanup.
func (s *RedisServer) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:                  s.Addr(),
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		MaxRetries:            -1,
	})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// start runs redis-server on s.port and waits until it accepts connections.
func (s *RedisServer) start() error {
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan struct{})
	drained := make(chan struct{})
	var log strings.Builder
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled {
				log.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), "Ready to accept connections") {
					signalled = true
					close(ready)
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
	case <-drained:
		cmd.Wait()
		return fmt.Errorf("redis-server exited before it was ready:\n%s", log.String())
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
		return fmt.Errorf("redis-server was not ready within 10s")
	}
	s.mu.Lock()
	s.cmd, s.drained = cmd, drained
	s.mu.Unlock()
	return nil
}

// Stop kills the server, as an outage would, and waits for it to exit.
// Stopping a stopped server does nothing.
func (s *RedisServer) Stop() {
	s.mu.Lock()
	cmd, drained := s.cmd, s.drained
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGCONT) // a paused server must run to die
	cmd.Process.Kill()
	<-drained
	cmd.Wait()
}

// Restart starts the server again on the same port, empty.
func (s *RedisServer) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range 50 { // the port may linger for a moment after the kill
		if err = s.start(); err == nil {
			return
		}
	}
	s.t.Fatalf("restarting redis-server on port %d: %v", s.port, err)
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is
// answered, as with a Redis that is hung or overloaded.
func (s *RedisServer) Pause() { s.signal(syscall.SIGSTOP) }

// Resume undoes Pause (SIGCONT).
func (s *RedisServer) Resume() { s.signal(syscall.SIGCONT) }

func (s *RedisServer) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatalf("redis-server is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signalling redis-server: %v", err)
	}
}
