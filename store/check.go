package store

import (
	"context"
	"fmt"
	"reflect"

	"github.com/msgstats/analytics"
)

// InvalidArgument returns an *analytics.FieldError naming field, with the
// reason formatted from format and args as fmt.Sprintf does. The error
// wraps analytics.ErrInvalidArgument, so a store's validation errors read
// and test (errors.Is, errors.As) like the root package's own. An empty
// field is kept as is; the caller names the argument or struct field the
// caller of its method filled in, such as "Scope.TeamID" or
// "Config.BatchSize".
func InvalidArgument(field, format string, args ...any) *analytics.FieldError {
	return &analytics.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// CheckContext returns an error wrapping analytics.ErrInvalidArgument that
// names the field "ctx" when ctx is nil or a typed nil (a nil pointer
// stored in the interface), and nil otherwise. It does not look at
// ctx.Err: a cancelled context passes.
//
// Every method of a store, cache or scheduler that takes a context calls
// it first, before any I/O, so that a nil context is an error and never a
// panic: database/sql panics on a nil context while it holds its pool's
// lock, which leaves the *sql.DB blocking every later call.
func CheckContext(ctx context.Context) error {
	if ctx == nil || isNil(ctx) {
		return InvalidArgument("ctx", "must not be nil; pass context.Background() or a request's context")
	}
	return nil
}

// isNil reports whether v holds a nil pointer, map, slice, channel or
// function (a typed nil, which compares unequal to nil).
func isNil(v any) bool {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// ValidateSnapshotDates checks the arguments of
// analytics.SnapshotDatesReader.TeamSnapshotDates and of
// analytics.SnapshotRangeReader.SnapshotsOfTeams, in this order: typ must
// be a known snapshot type (field "typ"); from and to must both be set,
// with from on or before to, since the range [from, to] includes both
// ends (field "from"); and every team ID must pass analytics.ValidateID
// (field "teams[i]"). No teams (nil or empty) is valid. The error is the
// first problem found, wrapping analytics.ErrInvalidArgument; nil means
// the arguments are valid.
func ValidateSnapshotDates(teams []string, typ analytics.SnapshotType, from, to analytics.Date) error {
	if !typ.Valid() {
		return InvalidArgument("typ", "unknown snapshot type %d", typ)
	}
	if from.IsZero() || to.IsZero() || from.After(to) {
		return InvalidArgument("from", "[%s, %s] is not a range of dates", from, to)
	}
	for i, t := range teams {
		if err := analytics.ValidateID(fmt.Sprintf("teams[%d]", i), t); err != nil {
			return err
		}
	}
	return nil
}
