package gocache

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// checkContext rejects a nil or typed-nil ctx with an error wrapping
// analytics.ErrInvalidArgument, before any I/O.
func checkContext(ctx context.Context) error { return store.CheckContext(ctx) }

// prepareCall checks the arguments of a Get, Set or Load before any I/O:
// ctx and key must be valid, and, when wantTTL, ttl must not be negative;
// a zero ttl becomes the TTL tier of key.Kind in ttls, an error if it has
// none. A closed cache gives ErrClosed, an ended ctx its error.
func prepareCall(ctx context.Context, key analytics.CacheKey, ttl time.Duration, wantTTL bool, ttls analytics.CacheTTLs, closed *atomic.Bool) (time.Duration, error) {
	if err := checkContext(ctx); err != nil {
		return 0, err
	}
	if err := key.Validate(); err != nil {
		return 0, err
	}
	if wantTTL {
		if ttl < 0 {
			return 0, invalid("ttl", "is negative (%v)", ttl)
		}
		if ttl == 0 {
			if ttl = ttls.For(key.Kind); ttl == 0 {
				return 0, invalid("ttl", "is 0 and kind %q has no TTL tier", key.Kind)
			}
		}
	}
	if closed.Load() {
		return 0, fmt.Errorf("analytics: cache: %w", analytics.ErrClosed)
	}
	return ttl, ctx.Err()
}
