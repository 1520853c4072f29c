package gocache_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: Close
// must stop every goroutine a Cache starts. The one exception is gocache's
// ChainCache, which starts a goroutine it has no way to stop; the adapter
// tests build such chains.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/eko/gocache/lib/v4/cache.(*ChainCache[...]).setter"))
}
