package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// started is a run of the program serving on a free port.
type started struct {
	banner string // everything printed up to "Press Ctrl+C to stop."
	cancel context.CancelFunc
	done   chan error
	mu     sync.Mutex
	rest   strings.Builder // what it printed after the banner
	rested chan struct{}   // closed when the output has ended
}

// start runs the program with args on 127.0.0.1:0 and returns once it
// has printed its banner (it serves from then on).
func start(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &started{cancel: cancel, done: make(chan error, 1), rested: make(chan struct{})}
	go func() {
		err := run(ctx, pw, append([]string{"-addr", "127.0.0.1:0", "-teams", "2", "-days", "10", "-snapshot-days", "8", "-messages-per-day", "400"}, args...))
		pw.Close()
		s.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-s.rested
	})
	sc := bufio.NewScanner(pr)
	var banner strings.Builder
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if sc.Text() == "Press Ctrl+C to stop." {
			break
		}
	}
	s.banner = banner.String()
	go func() {
		defer close(s.rested)
		for sc.Scan() {
			s.mu.Lock()
			s.rest.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	if !strings.HasSuffix(s.banner, "Press Ctrl+C to stop.\n") {
		cancel()
		t.Fatalf("the program ended before serving: %v\n%s", <-s.done, s.banner)
	}
	return s
}

// stop cancels the run's context, as SIGINT does, and returns what run
// returned and what it printed after the banner.
func (s *started) stop() (string, error) {
	s.cancel()
	err := <-s.done
	<-s.rested
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rest.String(), err
}

var curlLine = regexp.MustCompile(`(?m)^  curl (?:-X (\w+) )?-H 'Authorization: Bearer ([0-9a-f]+)' '([^']+)'(?:   # (.*))?$`)

// TestRun starts the program, runs every curl command it prints (each must
// get the status its note announces: 403 where it says so, else 200), and
// stops it as SIGINT would.
func TestRun(t *testing.T) {
	t.Parallel()
	s := start(t)
	for _, want := range []string{"Serving the analytics API on http://127.0.0.1:", "Dashboard page: http://127.0.0.1:", `"acme/eu 50%"`, "admin ", "Cache: memory (64 MiB)."} {
		if !strings.Contains(s.banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, s.banner)
		}
	}
	curls := curlLine.FindAllStringSubmatch(s.banner, -1)
	if len(curls) < 8 {
		t.Fatalf("%d curl commands; want 8:\n%s", len(curls), s.banner)
	}
	var forbidden, triggered bool
	for _, c := range curls {
		method, token, u, note := c[1], c[2], c[3], c[4]
		if method == "" {
			method = http.MethodGet
		}
		want := http.StatusOK
		if strings.HasPrefix(note, "403") {
			want, forbidden = http.StatusForbidden, true
		}
		triggered = triggered || strings.Contains(u, "/trigger")
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s %s: status %d, want %d; body %s", method, u, resp.StatusCode, want, body)
		}
	}
	if !forbidden || !triggered {
		t.Errorf("the commands lack the 403 example (%v) or the job trigger (%v)", forbidden, triggered)
	}
	http.DefaultClient.CloseIdleConnections()
	rest, err := s.stop()
	if err != nil {
		t.Errorf("run: %v", err)
	}
	if !strings.Contains(rest, "job=daily-analytics-snapshot") || !strings.HasSuffix(rest, "Stopped.\n") {
		t.Errorf("after the banner, want the job's log line and a clean stop:\n%s", rest)
	}
}

// TestRunWithRedis runs the program with -redis and checks that it puts
// Redis behind its cache and deletes the run's keys when it stops.
func TestRunWithRedis(t *testing.T) {
	t.Parallel()
	url := requireEnv(t, "TEST_REDIS_URL")
	s := start(t, "-redis", url)
	m := regexp.MustCompile(`Cache: memory \(64 MiB\) in front of Redis .*, key prefix "([^"]+)"\.`).FindStringSubmatch(s.banner)
	if m == nil {
		t.Fatalf("banner does not name the Redis prefix:\n%s", s.banner)
	}
	prefix := m[1]
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	t.Cleanup(func() { deletePrefix(ctx, rdb, prefix) })

	c := curlLine.FindStringSubmatch(s.banner) // the first: a real-time read
	req, _ := http.NewRequest(http.MethodGet, c[3], nil)
	req.Header.Set("Authorization", "Bearer "+c[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", c[3], resp.StatusCode)
	}
	keys, _, err := rdb.Scan(ctx, 0, prefix+":*", 1000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Error("no keys under the run's prefix while it serves: Redis is not behind the cache")
	}
	http.DefaultClient.CloseIdleConnections()
	rest, err := s.stop()
	if err != nil {
		t.Errorf("run: %v", err)
	}
	if !regexp.MustCompile(`Deleted the run's [1-9]\d* Redis keys\.`).MatchString(rest) {
		t.Errorf("no report of deleted keys:\n%s", rest)
	}
	keys, _, err = rdb.Scan(ctx, 0, prefix+":*", 1000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys left under the run's prefix: %q", keys)
	}
}
