package analytics_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/msgstats/analytics"
)

// ids returns n distinct IDs drawn with r, prefixed so that two calls with
// different prefixes never share one.
func ids(r *rand.Rand, prefix string, n int) []string {
	seen := make(map[uint64]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		v := r.Uint64()
		if seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, prefix+strconv.FormatUint(v, 36))
	}
	return out
}

// seqIDs returns n distinct IDs that differ only in a counter after
// prefix, such as hosts' sequential contact IDs: the hash must spread them.
func seqIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func mustSketch(t testing.TB, k int, xs ...string) *analytics.DistinctSketch {
	t.Helper()
	s, err := analytics.NewDistinctSketch(k, xs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHashIDStable pins HashID, which is part of the stored format: FNV-1a
// 64 (checked against hash/fnv) followed by the splitmix64 finaliser.
func TestHashIDStable(t *testing.T) {
	t.Parallel()
	mix := func(h uint64) uint64 {
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		return h ^ (h >> 31)
	}
	for _, id := range []string{"", "a", "contact-1", "team-0001-contact-000042", "ünïcødé", string(make([]byte, 300))} {
		f := fnv.New64a()
		f.Write([]byte(id))
		if got, want := analytics.HashID(id), mix(f.Sum64()); got != want {
			t.Errorf("HashID(%q) = %#x, want %#x", id, got, want)
		}
	}
	// Golden values: changing them breaks every stored sketch.
	for id, want := range map[string]uint64{"": 0xf52a15e9a9b5e89b, "contact-1": 0x44d89551f946113d} {
		if got := analytics.HashID(id); got != want {
			t.Errorf("HashID(%q) = %#x, want the stored format's %#x", id, got, want)
		}
	}
}

// TestSketchExactUpToK: a sketch of at most k distinct IDs counts them
// exactly, repeats included; one more makes it an estimate of at least k+1.
func TestSketchExactUpToK(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{2, 3, 16, 1000, analytics.SketchK} {
		for _, n := range []int{0, 1, k / 2, k - 1, k, k + 1, 3 * k} {
			xs := ids(r, "c", n)
			withRepeats := append(append([]string(nil), xs...), xs[:n/3]...)
			s := mustSketch(t, k, withRepeats...)
			exact := n <= k
			if s.Exact() != exact {
				t.Errorf("k=%d n=%d: Exact() = %v, want %v", k, n, s.Exact(), exact)
			}
			if exact {
				if s.Count() != int64(n) || s.Estimate() != float64(n) || s.Len() != n || s.RelativeError() != 0 {
					t.Errorf("k=%d n=%d: Count %d, Estimate %v, Len %d, RelativeError %v; want %d exactly",
						k, n, s.Count(), s.Estimate(), s.Len(), s.RelativeError(), n)
				}
				continue
			}
			if s.Count() < int64(k)+1 || s.Len() != k {
				t.Errorf("k=%d n=%d: Count %d, Len %d; want an estimate of at least %d over %d hashes", k, n, s.Count(), s.Len(), k+1, k)
			}
		}
	}
	if _, err := analytics.NewDistinctSketch(1); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("k=1: %v, want ErrInvalidArgument", err)
	}
	if _, err := analytics.NewDistinctSketch(analytics.MaxSketchK + 1); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("k=MaxSketchK+1: %v, want ErrInvalidArgument", err)
	}
	var nilSketch *analytics.DistinctSketch
	if nilSketch.Count() != 0 || nilSketch.Exact() || nilSketch.Union(analytics.SketchOf("a")) != nil || analytics.SketchOf("a").Union(nil) != nil ||
		analytics.UnionAll(analytics.SketchOf("a"), nil) != nil || analytics.UnionAll() != nil {
		t.Errorf("a nil sketch must count 0, be inexact and make unions unknown")
	}
}

// TestSketchUnion checks Union on seeded random sets of IDs that overlap:
// the union of two sketches is the sketch of the union of their sets (same
// k), and Union is commutative, associative and idempotent, with sketches
// of different k too.
func TestSketchUnion(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		ks := []int{2 + r.IntN(5), 8 + r.IntN(60), 100 + r.IntN(200)}
		k := ks[r.IntN(len(ks))]
		pool := ids(r, fmt.Sprint(trial, "-"), 3*k)
		pick := func() []string {
			n := r.IntN(2 * k)
			out := make([]string, n)
			for i := range out {
				out[i] = pool[r.IntN(len(pool))]
			}
			return out
		}
		xa, xb, xc := pick(), pick(), pick()
		a, b, c := mustSketch(t, k, xa...), mustSketch(t, k, xb...), mustSketch(t, k, xc...)
		all := mustSketch(t, k, append(append(append([]string(nil), xa...), xb...), xc...)...)
		if got := a.Union(b).Union(c); !got.Equal(all) {
			t.Fatalf("trial %d: (a∪b)∪c = %v, want the sketch of the union %v", trial, got, all)
		}
		if !a.Union(b).Equal(b.Union(a)) {
			t.Fatalf("trial %d: a∪b != b∪a", trial)
		}
		if !a.Union(b.Union(c)).Equal(a.Union(b).Union(c)) {
			t.Fatalf("trial %d: a∪(b∪c) != (a∪b)∪c", trial)
		}
		if !a.Union(a).Equal(a) || !a.Union(b).Union(b).Equal(a.Union(b)) {
			t.Fatalf("trial %d: union is not idempotent", trial)
		}
		// Different k: the union has the smaller k and stays
		// commutative and associative.
		k2 := ks[r.IntN(len(ks))]
		b2 := mustSketch(t, k2, xb...)
		u := a.Union(b2)
		if u.K() != min(k, k2) || !u.Equal(b2.Union(a)) || !a.Union(b2).Union(c).Equal(a.Union(b2.Union(c))) {
			t.Fatalf("trial %d: unions of k=%d and k=%d differ by order or grouping", trial, k, k2)
		}
		if want := mustSketch(t, min(k, k2), append(append([]string(nil), xa...), xb...)...); !u.Equal(want) {
			t.Fatalf("trial %d: k=%d ∪ k=%d = %v, want %v", trial, k, k2, u, want)
		}
		if got, want := analytics.UnionAll(a, b2, c, a), a.Union(b2).Union(c).Union(a); !got.Equal(want) {
			t.Fatalf("trial %d: UnionAll = %v, folding Union = %v", trial, got, want)
		}
	}
}

// TestSketchEstimateError measures the estimate over many seeded trials
// against the documented error: unbiased, with a variance of
// n(n−k+1)/(k−2), a relative standard error of √((n−k+1)/(n(k−2))), at
// most 1/√(k−2) (what RelativeError reports). Each bound is a few
// standard errors of the measured statistic wide, so a biased or noisier
// estimator fails it.
func TestSketchEstimateError(t *testing.T) {
	t.Parallel()
	const (
		k      = 256
		n      = 2500
		trials = 400
	)
	r := rand.New(rand.NewPCG(5, 6))
	rse := math.Sqrt(float64(n-k+1) / (n * (k - 2)))
	var sum, sumSq float64
	within2 := 0
	for trial := range trials {
		s := mustSketch(t, k, seqIDs(fmt.Sprintf("t%d-%x-", trial, r.Uint32()), n)...)
		if s.Exact() {
			t.Fatalf("a sketch of %d > k=%d IDs is exact", n, k)
		}
		if got, want := s.RelativeError(), 1/math.Sqrt(k-2); got != want {
			t.Fatalf("RelativeError() = %v, want %v", got, want)
		}
		e := (s.Estimate() - n) / n
		sum += e
		sumSq += e * e
		if math.Abs(e) <= 2*rse {
			within2++
		}
	}
	mean := sum / trials
	sd := math.Sqrt(sumSq/trials - mean*mean)
	// The mean of 400 errors has a standard error of rse/20; its sample
	// standard deviation one of about rse/√800.
	if math.Abs(mean) > 4*rse/math.Sqrt(trials) {
		t.Errorf("mean relative error %.4f, want within ±%.4f (unbiased)", mean, 4*rse/math.Sqrt(trials))
	}
	if sd < 0.85*rse || sd > 1.15*rse {
		t.Errorf("standard deviation of the relative error %.4f, want %.4f ± 15%%", sd, rse)
	}
	if frac := float64(within2) / trials; frac < 0.92 {
		t.Errorf("%.1f%% of estimates within 2 standard errors, want about 95%%", 100*frac)
	}
	t.Logf("k=%d n=%d: mean error %+.4f, sd %.4f (documented %.4f), %d/%d within 2 SE", k, n, mean, sd, rse, within2, trials)

	// At the stores' k, a few larger sets: each within 5 standard errors.
	big := 1 / math.Sqrt(analytics.SketchK-2)
	for trial := range 8 {
		const m = 40_000
		s := analytics.SketchOf(seqIDs(fmt.Sprintf("big%d-%x-", trial, r.Uint32()), m)...)
		if e := (float64(s.Count()) - m) / m; math.Abs(e) > 5*big {
			t.Errorf("SketchK, %d IDs: Count %d, error %.4f beyond 5 standard errors (%.4f)", m, s.Count(), e, 5*big)
		}
	}
}

// TestSketchEncoding round-trips sketches through their binary encoding and
// checks that broken encodings give ErrCorrupt.
func TestSketchEncoding(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range []*analytics.DistinctSketch{
		analytics.SketchOf(), analytics.SketchOf("a"), mustSketch(t, 2, "a", "b", "c"),
		mustSketch(t, 300, ids(r, "x", 299)...), mustSketch(t, 300, ids(r, "y", 1000)...),
		analytics.SketchOf(ids(r, "z", analytics.SketchK+5)...),
	} {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 + uvarintLen(s.K()) + uvarintLen(s.Len()) + 8*s.Len(); len(b) != want {
			t.Errorf("%v: %d bytes, want %d", s, len(b), want)
		}
		got, err := analytics.DecodeDistinctSketch(b)
		if err != nil || !got.Equal(s) {
			t.Errorf("%v: decoded %v, %v", s, got, err)
		}
		var u analytics.DistinctSketch
		if err := u.UnmarshalBinary(b); err != nil || !u.Equal(s) {
			t.Errorf("%v: UnmarshalBinary gave %v, %v", s, &u, err)
		}
	}
	if _, err := (*analytics.DistinctSketch)(nil).MarshalBinary(); !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("encoding a nil sketch: %v, want ErrInvalidArgument", err)
	}

	good, _ := mustSketch(t, 4, "a", "b", "c").MarshalBinary()
	hashes := good[4:]
	swapped := append([]byte{1, 0, 4, 3}, hashes[8:16]...)
	swapped = append(append(swapped, hashes[:8]...), hashes[16:]...)
	dup := append([]byte{1, 0, 4, 3}, hashes[:8]...)
	dup = append(append(dup, hashes[:8]...), hashes[16:]...)
	for name, b := range map[string][]byte{
		"empty":               {},
		"one byte":            {1},
		"version 0":           append([]byte{0}, good[1:]...),
		"version 2":           append([]byte{2}, good[1:]...),
		"unknown flag":        append([]byte{1, 2}, good[2:]...),
		"k 0":                 {1, 0, 0, 0},
		"k 1":                 {1, 0, 1, 0},
		"k too large":         binary.AppendUvarint([]byte{1, 0}, analytics.MaxSketchK+1),
		"k unterminated":      {1, 0, 0x80},
		"k overlong":          append([]byte{1, 0, 0x84, 0x00, 3}, hashes...),
		"n overlong":          {1, 0, '0', 0x80, 0x00},
		"n > k":               {1, 0, 2, 3},
		"n unterminated":      {1, 0, 4, 0xff},
		"saturated, n < k":    append([]byte{1, 1, 4, 3}, hashes...),
		"truncated":           good[:len(good)-1],
		"trailing byte":       append(append([]byte(nil), good...), 0),
		"not ascending":       swapped,
		"repeated hash":       dup,
		"huge n, no payload":  binary.AppendUvarint(binary.AppendUvarint([]byte{1, 0}, analytics.MaxSketchK), analytics.MaxSketchK),
		"JSON instead":        []byte(`{"k":8192}`),
		"saturated, too long": append(append([]byte{1, 1, 2, 2}, hashes[:16]...), 1),
	} {
		if s, err := analytics.DecodeDistinctSketch(b); !errors.Is(err, analytics.ErrCorrupt) || s != nil {
			t.Errorf("%s: DecodeDistinctSketch(%x) = %v, %v; want ErrCorrupt", name, b, s, err)
		}
	}
}

func uvarintLen(v int) int { return len(binary.AppendUvarint(nil, uint64(v))) }

// FuzzDecodeDistinctSketch feeds arbitrary bytes to DecodeDistinctSketch,
// the decoder of every stored sketch. It must never panic; it either
// rejects the input with ErrCorrupt or returns a sketch whose encoding is
// the input itself (the encoding is canonical) and that survives a union
// with itself unchanged.
func FuzzDecodeDistinctSketch(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range []*analytics.DistinctSketch{
		analytics.SketchOf(), analytics.SketchOf("a", "b"), mustSketch(f, 3, ids(r, "f", 10)...), mustSketch(f, 40, ids(r, "g", 39)...),
	} {
		b, _ := s.MarshalBinary()
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := analytics.DecodeDistinctSketch(b)
		if err != nil {
			if !errors.Is(err, analytics.ErrCorrupt) || s != nil {
				t.Fatalf("DecodeDistinctSketch(%x) = %v, %v; want nil and ErrCorrupt", b, s, err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("DecodeDistinctSketch(%x) re-encodes as %x, %v", b, again, err)
		}
		if !s.Union(s).Equal(s) || s.Len() > s.K() || (!s.Exact() && s.Count() <= int64(s.K())) {
			t.Fatalf("decoded sketch %v breaks an invariant", s)
		}
	})
}
