package scheduler_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// syncBuffer is a bytes.Buffer safe for a slog handler shared by
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// warnings returns the lines of logs at level WARN containing substr.
func warnings(logs string, substr string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// TestLateRunWarns calls the daily job's Run three hours after a UTC
// team's day fell due (02:00 UTC), as a host that runs it on a daily
// schedule of its own would: the result reports the lateness and the run
// warns, pointing at TickSpec. A run on the tick does not warn.
func TestLateRunWarns(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at   time.Time
		late time.Duration
	}{
		{ts("2026-03-11T05:00:00Z"), 3 * time.Hour},
		{ts("2026-03-11T02:00:00Z"), 0},
	} {
		clock := analytics.NewFakeClock(c.at)
		store, runs := memBackend.open(t, clock, twoTeams[:1])
		snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		cfg := oneJob(-1)
		cfg.Clock = clock
		cfg.Daily.Trailing = -1
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		s, err := scheduler.New(snap, runs, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Jobs()[0].Run(context.Background(), c.at)
		if err != nil || res.Succeeded != 2 {
			t.Fatalf("Run at %s: %+v, %v; want the day generated", c.at, res, err)
		}
		if res.Late != c.late {
			t.Errorf("Run at %s: Late %v, want %v", c.at, res.Late, c.late)
		}
		w := warnings(logs.String(), scheduler.TickSpec)
		if c.late > scheduler.LateAfter && len(w) != 1 {
			t.Errorf("Run %v late: warnings %q, want one naming TickSpec", c.late, w)
		}
		if c.late <= scheduler.LateAfter && len(w) != 0 {
			t.Errorf("Run on time warned: %q", w)
		}
	}
}
