package gocache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/msgstats/analytics"
	"golang.org/x/sync/singleflight"
)

// flightGroup runs one load per key at a time, on a context detached from
// its callers', and lets each caller stop waiting on its own context.
type flightGroup struct {
	g       singleflight.Group
	timeout time.Duration
	stats   *counters

	mu      sync.RWMutex // orders runs.Add with close
	closed  bool
	runs    sync.WaitGroup
	closing context.Context
	cancel  context.CancelFunc
}

func (f *flightGroup) init(timeout time.Duration, stats *counters) {
	f.timeout, f.stats = timeout, stats
	f.closing, f.cancel = context.WithCancel(context.Background())
}

// do returns the result of run for key, joining a run of key in flight.
// run gets a context that keeps ctx's values but not its cancellation,
// ends after the timeout or when the group closes, and is shared by every
// caller of the flight. A caller whose ctx ends first returns ctx.Err();
// the run goes on for the others. Each caller gets its own copy of the
// bytes; an error of run is returned to every caller as is.
func (f *flightGroup) do(ctx context.Context, key string, run func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	ch := f.g.DoChan(key, func() (any, error) {
		return f.run(ctx, run)
	})
	f.stats.loadWaiters.Add(1)
	defer f.stats.loadWaiters.Add(-1)
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return append([]byte(nil), r.Val.([]byte)...), nil
	case <-ctx.Done():
		f.stats.loadsAbandoned.Add(1)
		return nil, ctx.Err()
	}
}

// run is the body of one flight.
func (f *flightGroup) run(ctx context.Context, run func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return nil, fmt.Errorf("analytics: cache: %w", analytics.ErrClosed)
	}
	f.runs.Add(1)
	f.mu.RUnlock()
	defer f.runs.Done()

	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout)
	defer cancel()
	defer context.AfterFunc(f.closing, cancel)()
	return run(lctx)
}

// close cancels the contexts of running flights, waits for them to
// return, and makes later flights fail with analytics.ErrClosed.
func (f *flightGroup) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.runs.Wait()
}

// callLoad runs load, turning a panic into an error so that one bad load
// does not crash the process from singleflight's goroutine.
func callLoad(ctx context.Context, load func(context.Context) ([]byte, error)) (val []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("analytics: cache load panicked: %v", r)
		}
	}()
	return load(ctx)
}
