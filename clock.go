package analytics

import (
	"sync"
	"time"
)

// Clock tells the time. The library never calls time.Now directly: every
// component takes a Clock in its Config, so tests can control time.
type Clock interface {
	// Now returns the current instant.
	Now() time.Time
}

// SystemClock returns the Clock backed by time.Now. It is the default
// wherever a Config has a nil Clock. It also has the method
// After(d time.Duration) <-chan time.Time of time.After, with which the
// scheduler waits (scheduler.AfterClock).
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a settable Clock for tests, safe for concurrent use. Hosts may
// use it in their own tests. The zero value is not usable; call NewFakeClock.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a FakeClock that reads start, in start's location,
// until moved. A zero start is allowed and reads as the zero time.Time.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's current time: start, or the last time Set or
// Advance moved it to.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (forwards or backwards) and fires every channel
// returned by After whose deadline is at or before t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	var keep []fakeWaiter
	var fire []fakeWaiter
	for _, w := range c.waiters {
		if !w.at.After(t) {
			fire = append(fire, w)
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	c.mu.Unlock()
	for _, w := range fire {
		w.ch <- t
	}
}

// Advance moves the clock by d (backwards for a negative d) and fires the
// After channels that are due; see Set.
func (c *FakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// After returns a channel that receives the clock's time once the clock has
// been moved to or past Now()+d. A d ≤ 0 fires immediately. The channel has a
// buffer of one, so an unread firing never blocks Set.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	at := c.now.Add(d)
	if d <= 0 {
		now := c.now
		c.mu.Unlock()
		ch <- now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: at, ch: ch})
	c.mu.Unlock()
	return ch
}

// Waiters returns how many After channels are pending. Tests use it to wait
// until a goroutine is blocked on the clock before advancing it.
func (c *FakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
