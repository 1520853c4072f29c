//go:build !linux

package latencyproxy

import (
	"net"
	"sync"
	"time"
)

// waiter sleeps until an instant with a time.Timer, to the platform's
// timer granularity.
type waiter struct {
	t    *time.Timer
	stop chan struct{}
	once sync.Once
}

func newWaiter() (*waiter, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{t: t, stop: make(chan struct{})}, nil
}

// waitUntil returns at instant t (at once if it has passed), or with an
// error once close has been called.
func (w *waiter) waitUntil(t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	w.t.Reset(d)
	select {
	case <-w.t.C:
		return nil
	case <-w.stop:
		w.t.Stop()
		return net.ErrClosed
	}
}

// close ends a wait in progress and every later one; it is idempotent.
func (w *waiter) close() { w.once.Do(func() { close(w.stop) }) }
