package scheduler

import (
	"reflect"

	"github.com/msgstats/analytics/store"
)

// checkDep returns an error wrapping analytics.ErrInvalidArgument naming
// field when v is nil or a typed nil (a nil pointer, map, slice, channel or
// function in an interface), which compares unequal to nil but panics on
// first use; nil otherwise.
func checkDep(field string, v any) error {
	if v == nil {
		return store.InvalidArgument(field, "must not be nil")
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		if rv.IsNil() {
			return store.InvalidArgument(field, "is a nil %T; build it first", v)
		}
	}
	return nil
}
