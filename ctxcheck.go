package analytics

import "context"

// checkContext returns an error wrapping ErrInvalidArgument that names the
// field "ctx" when ctx is nil (a typed nil included), and nil otherwise.
//
// Every exported method of the package that takes a context calls it
// first, before any I/O, so a nil context is an error and never a panic:
// database/sql panics on a nil context while it holds its pool's lock,
// which leaves the *sql.DB blocking every later call. Store
// implementations use store.CheckContext, which does the same.
func checkContext(ctx context.Context) error {
	if ctx == nil || isNil(ctx) {
		return invalid("ctx", "must not be nil; pass context.Background() or a request's context")
	}
	return nil
}
