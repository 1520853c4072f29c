package analytics

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the library returns wraps one of these (or a
// context error), so callers test with errors.Is. Messages are prefixed
// "analytics: ".
var (
	// ErrInvalidArgument reports bad input: an empty team ID, an unknown
	// snapshot type, a period that has not ended, an unknown time zone
	// in a team the caller adds to a store, a nil dependency, typed nil
	// included. The error message names the offending field. It always
	// concerns what the caller passed, never data read from a store.
	ErrInvalidArgument = errors.New("analytics: invalid argument")

	// ErrNotFound reports that a team, snapshot or job does not exist.
	ErrNotFound = errors.New("analytics: not found")

	// ErrCorrupt reports stored data that cannot be decoded or used, such
	// as a snapshot whose metrics JSON is malformed or a team whose stored
	// time zone does not load (Team.Location). It concerns that one record,
	// and is a server-side fault: a handler must not answer it as a bad
	// request.
	ErrCorrupt = errors.New("analytics: corrupt data")

	// ErrClosed reports use of a component after Close or Stop.
	ErrClosed = errors.New("analytics: closed")
)

// FieldError is an ErrInvalidArgument that names the field at fault.
// errors.Is(err, ErrInvalidArgument) is true for every *FieldError.
type FieldError struct {
	// Field is the name of the argument or struct field, e.g. "TeamID" or
	// "Config.Snapshotter.BatchSize".
	Field string
	// Reason says what is wrong with it, in lower case.
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("analytics: invalid argument: %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidArgument) hold.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidArgument }

// invalid returns a *FieldError for field, with a formatted reason.
func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func fmtIndex(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }
