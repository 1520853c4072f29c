package pgstore

import "testing"

// LSNs round-trip through their text form, and fallBack keeps the latest
// position to wait for, the unknown one above all.
func TestLSN(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0/0", "0/3002CE0", "1A/FF", "FFFFFFFF/FFFFFFFF"} {
		v, err := parseLSN(s)
		if err != nil || formatLSN(v) != s {
			t.Errorf("parseLSN(%q) = %X, %v; formatted back %q", s, v, err, formatLSN(v))
		}
	}
	for _, s := range []string{"", "0", "0/", "/0", "x/0", "100000000/0", "0/-1"} {
		if _, err := parseLSN(s); err == nil {
			t.Errorf("parseLSN(%q) succeeded", s)
		}
	}
	var r replica
	for _, step := range []struct{ in, want uint64 }{{5, 5}, {3, 5}, {9, 9}, {unknownLSN, unknownLSN}, {12, unknownLSN}} {
		r.fallBack(step.in)
		if got := r.behind.Load(); got != step.want {
			t.Errorf("fallBack(%X): behind %X, want %X", step.in, got, step.want)
		}
	}
}
