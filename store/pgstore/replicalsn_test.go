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

// A position just past a WAL page's header moves back to the page's
// start; any other stays.
func TestPageBoundary(t *testing.T) {
	t.Parallel()
	const block, segment = 8192, 16 << 20
	for _, tt := range []struct{ in, want uint64 }{
		{3*block + 24, 3 * block}, {segment + 40, segment}, {2*segment + 24, 2*segment + 24},
		{3*block + 40, 3*block + 40}, {3*block + 32, 3*block + 32}, {3 * block, 3 * block}, {12345, 12345},
	} {
		if got := pageBoundary(tt.in, block, segment); got != tt.want {
			t.Errorf("pageBoundary(%X) = %X, want %X", tt.in, got, tt.want)
		}
	}
}
