package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// server is the example API, run as a child process so that its RSS is
// its own.
type server struct {
	cmd    *exec.Cmd
	url    string
	tokens map[string]string // team ID -> token
	teams  []string          // in the order printed
	done   chan error
}

var (
	servingLine = regexp.MustCompile(`^Serving the analytics API on (http://\S+)$`)
	tokenLine   = regexp.MustCompile(`^  "([^"]+)"\s+([0-9a-f]{32})  \(accounts`)
)

// buildServer builds examples/httpapi into dir and returns the binary's
// path.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "httpapi")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/httpapi")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building examples/httpapi (run from the module root): %w", err)
	}
	return bin, nil
}

// startServer runs bin with args on a free loopback port and returns once
// it serves, with its URL and tokens.
func startServer(bin string, args []string) (*server, error) {
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, tokens: map[string]string{}, done: make(chan error, 1)}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if m := servingLine.FindStringSubmatch(line); m != nil {
			s.url = m[1]
		}
		if m := tokenLine.FindStringSubmatch(line); m != nil {
			s.tokens[m[1]] = m[2]
			s.teams = append(s.teams, m[1])
		}
		if line == "Press Ctrl+C to stop." {
			break
		}
	}
	go func() {
		io.Copy(io.Discard, out) // the server's logs
		s.done <- cmd.Wait()
	}()
	if s.url == "" || len(s.teams) < 2 {
		cmd.Process.Kill()
		return nil, errors.New("the server did not print its URL and two teams' tokens")
	}
	return s, nil
}

// stop interrupts the server and waits for it.
func (s *server) stop() error {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("the server did not stop within 30 s of SIGINT")
	}
}

// rss returns the server's resident set size, in bytes, from
// /proc/<pid>/status.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// rssSampler records the server's largest RSS, sampled every 100 ms,
// until stopped.
type rssSampler struct {
	mu   sync.Mutex
	peak int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(s *server) *rssSampler {
	r := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := s.rss(); err == nil {
				r.mu.Lock()
				r.peak = max(r.peak, v)
				r.mu.Unlock()
			}
			select {
			case <-r.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return r
}

// end stops sampling and returns the peak RSS, in bytes.
func (r *rssSampler) end() int64 {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}
