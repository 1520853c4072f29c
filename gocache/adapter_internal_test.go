package gocache

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/eko/gocache/lib/v4/cache"
	bigcachestore "github.com/eko/gocache/store/bigcache/v4"
	"github.com/msgstats/analytics"
)

// TestAdapterLoad: concurrent Loads run the load once; a caller that gives
// up gets its context's error without failing the others; a load that
// began before an InvalidateTeam is returned to its callers but not served
// after it.
func TestAdapterLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	bc, err := bigcache.New(ctx, bigcache.DefaultConfig(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	c, err := Adapt(cache.New[[]byte](bigcachestore.NewBigcache(bc)), &AdapterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := c.(*adapter)
	k := analytics.DashboardKey("team", 7)

	var calls atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	load := func(ctx context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return []byte("loaded"), ctx.Err()
	}
	quitter, quit := context.WithCancel(ctx)
	quitErr := make(chan error, 1)
	go func() {
		_, err := a.Load(quitter, k, 0, load)
		quitErr <- err
	}()
	<-started
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			v, err := a.Load(ctx, k, 0, load)
			if err == nil && string(v) != "loaded" {
				err = errors.New("Load = " + string(v))
			}
			errs <- err
		})
	}
	// Every caller waits for the one load (the quitter included).
	deadline := time.Now().Add(30 * time.Second)
	for a.stats.loadWaiters.Load() != 21 {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait for the load, want 21", a.stats.loadWaiters.Load())
		}
		runtime.Gosched()
	}
	quit()
	if err := <-quitErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v, want context.Canceled", err)
	}
	clock.Advance(time.Millisecond)
	if err := a.InvalidateTeam(ctx, "team"); err != nil {
		t.Fatal(err)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Load: %v", err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("load ran %d times, want 1", n)
	}
	// Computed before the invalidation: not served after it.
	if v, ok, err := a.Get(ctx, k); ok || err != nil {
		t.Errorf("Get after the invalidation = %q, %v, %v; want a miss", v, ok, err)
	}
}
