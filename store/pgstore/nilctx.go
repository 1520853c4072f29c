package pgstore

import (
	"context"

	"github.com/msgstats/analytics/store"
)

// checkCtx returns an error wrapping analytics.ErrInvalidArgument, naming
// "ctx", for a nil ctx (store.CheckContext). New, ProposeSource and
// every method of Store that takes a context call it first: a nil context
// reaching database/sql panics while the pool's lock is held, and the
// *sql.DB then blocks every later call.
func checkCtx(ctx context.Context) error { return store.CheckContext(ctx) }
