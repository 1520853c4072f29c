package scheduler

import (
	"time"

	"github.com/msgstats/analytics"
)

// AfterClock is a Clock that can also wait: After returns a channel that
// receives the clock's time once d has passed on the clock, at once for a
// d ≤ 0. *analytics.FakeClock and analytics.SystemClock() are
// AfterClocks. When Config.Clock is one, the Scheduler waits on it for the
// next tick, heartbeats and retry backoff, so a fake clock moved by a test
// drives them; any other Clock is used for Now only, and the Scheduler
// waits on real timers (time.After).
type AfterClock interface {
	analytics.Clock
	After(d time.Duration) <-chan time.Time
}

var _ AfterClock = (*analytics.FakeClock)(nil)

// afterFunc returns c's After when c is an AfterClock, else time.After.
func afterFunc(c analytics.Clock) func(time.Duration) <-chan time.Time {
	if a, ok := c.(AfterClock); ok {
		return a.After
	}
	return time.After
}
