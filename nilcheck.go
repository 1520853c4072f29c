package analytics

import "reflect"

// isNil reports whether v is nil or holds a nil pointer, map, slice,
// channel or function: a typed nil, such as a nil *redis.Client stored in
// an interface field, which compares unequal to nil but panics on use.
// Constructors reject both with a FieldError naming the field, so a
// dependency the host failed to build never reaches a method call.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// typedNil returns the error of a constructor given a typed nil v for
// field (see isNil).
func typedNil(field string, v any) error {
	return invalid(field, "is a nil %T; build it first, or leave the field nil", v)
}
