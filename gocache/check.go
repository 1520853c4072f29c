package gocache

import (
	"context"

	"github.com/msgstats/analytics/store"
)

// checkContext rejects a nil or typed-nil ctx with an error wrapping
// analytics.ErrInvalidArgument, before any I/O.
func checkContext(ctx context.Context) error { return store.CheckContext(ctx) }
