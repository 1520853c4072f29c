package analytics

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// SketchK is the k of the DistinctSketch a Snapshotter keeps of each daily
// snapshot's active contacts (Metrics.ActiveSketch).
//
// A scope-period with at most SketchK distinct active contacts is counted
// exactly; beyond that, the count is an estimate with a relative standard
// error of 1/√(SketchK−2) ≈ 1.1%. A sketch stores 8 bytes per kept hash:
// 8n bytes for a scope with n ≤ SketchK active contacts in a day, at most
// 64 KiB. 8192 keeps every scope of up to 8192 active contacts in a month
// exact (the synthetic benchmark's largest team has 4516) while bounding
// what a daily snapshot stores and a roll-up reads of it; halving it would
// halve the worst case and raise the error to 1.6%, doubling it would lower
// the error to 0.8% for 128 KiB.
const SketchK = 8192

// maxSketchK is the largest k a DistinctSketch accepts (from
// newDistinctSketch or a decoded encoding): 2²⁰.
const maxSketchK = 1 << 20

// DistinctSketch is a mergeable summary of a set of IDs from which the
// number of distinct IDs can be read: a "k minimum values" sketch. Each ID
// is hashed to 64 bits (FNV-1a followed by the splitmix64 finaliser, alike
// in every store, process and version) and the sketch keeps the k smallest
// distinct hashes. SketchOf builds one; UnmarshalBinary reads a stored one.
//
// Exactness. While the set holds at most k distinct hashes, the sketch
// keeps all of them and Count is exact, up to collisions of the 64-bit
// hash: two of n distinct IDs share a hash with probability at most
// n²/2⁶⁵ (about 2·10⁻¹² for n = 8192, 3·10⁻⁸ for a million), and a
// collision can only make the count lower by one.
//
// Estimate. Beyond k, the k-th smallest hash h, read as a fraction
// u = h/2⁶⁴ of the hash space, gives the unbiased estimate (k−1)/u of the
// number of distinct IDs, with a relative standard error of about
// 1/√(k−2) (the estimate's variance is n(n−k+1)/(k−2) for n distinct IDs);
// errors are roughly normal, so 95% of estimates are within 2/√(k−2).
// Count never reports fewer than k+1 for such a sketch, which is known to
// have seen more than k.
//
// Merge. The union of two sketches (Union) is the sketch of the union of
// their sets: k is the smaller of the two, the kept hashes are the k
// smallest of both, and the result is exact when both are and their union
// has at most k distinct hashes. Union is commutative, associative and
// idempotent, so sketches can be merged in any order and grouping: a
// month's sketch is the union of its days'.
//
// A *DistinctSketch is immutable and safe for concurrent use. The nil
// sketch means "unknown" (no sketch was kept), not the empty set: see
// Union. The zero DistinctSketch has k = 0: it counts 0, and its encoding
// does not decode; SketchOf() is the sketch of the empty set.
type DistinctSketch struct {
	k      int
	hashes []uint64 // distinct, ascending; len ≤ k
	// saturated is set when hashes above the kept ones were dropped: the
	// set holds more than k distinct hashes, and len(hashes) == k.
	saturated bool
}

// hashID is the 64-bit hash a DistinctSketch keeps of an ID: FNV-1a (64
// bit) of the ID's bytes, followed by the splitmix64 finaliser so that the
// high bits, which decide which hashes are smallest, depend on every input
// byte. It is part of the stored format: sketches from every store,
// process and version can be merged only because they all hash alike.
func hashID(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is the splitmix64 finaliser: a bijection of 64-bit values.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// newDistinctSketch returns the sketch of ids with parameter k
// (2 ≤ k ≤ maxSketchK, else ErrInvalidArgument). Repeated IDs count once.
func newDistinctSketch(k int, ids ...string) (*DistinctSketch, error) {
	hs := make([]uint64, len(ids))
	for i, id := range ids {
		hs[i] = hashID(id)
	}
	return sketchOfHashes(k, hs)
}

// SketchOf returns the sketch of ids with k = SketchK: the sketch stores
// keep of a scope's active contacts. Repeated IDs count once, and the
// empty string is an ID like any other; no ids give the sketch of the
// empty set (Count 0, Exact), which is not nil.
func SketchOf(ids ...string) *DistinctSketch {
	s, _ := newDistinctSketch(SketchK, ids...) // SketchK is valid
	return s
}

// sketchOfHashes returns the sketch with parameter k (2 ≤ k ≤ maxSketchK,
// else ErrInvalidArgument) of a set of IDs given by their hashes (hashID).
// Repeated hashes count once. It sorts hashes in place and keeps no
// reference to it.
func sketchOfHashes(k int, hashes []uint64) (*DistinctSketch, error) {
	if k < 2 || k > maxSketchK {
		return nil, invalid("k", "must be in 2..%d, got %d", maxSketchK, k)
	}
	slices.Sort(hashes)
	hashes = slices.Compact(hashes)
	s := &DistinctSketch{k: k}
	if len(hashes) > k {
		hashes, s.saturated = hashes[:k], true
	}
	s.hashes = slices.Clone(hashes)
	return s, nil
}

// K returns the sketch's parameter k: how many distinct hashes it keeps at
// most. A nil sketch gives 0.
func (s *DistinctSketch) K() int {
	if s == nil {
		return 0
	}
	return s.k
}

// Len returns the number of hashes kept: the exact count when Exact, else
// K. A nil sketch gives 0.
func (s *DistinctSketch) Len() int {
	if s == nil {
		return 0
	}
	return len(s.hashes)
}

// Exact reports whether Count is exact (up to hash collisions): the set
// has at most K distinct hashes. A nil sketch is not exact.
func (s *DistinctSketch) Exact() bool { return s != nil && !s.saturated }

// Estimate returns the number of distinct IDs: exact (as a float) when
// Exact, else the estimate (K−1)/u described on DistinctSketch. A nil
// sketch gives 0.
func (s *DistinctSketch) Estimate() float64 {
	if s == nil {
		return 0
	}
	if !s.saturated {
		return float64(len(s.hashes))
	}
	u := float64(s.hashes[s.k-1]) / (1 << 64)
	if u <= 0 { // only if k hashes could be below 1/2⁶⁴: never for valid sketches
		return math.Inf(1)
	}
	return float64(s.k-1) / u
}

// Count returns the number of distinct IDs, rounded: exact when Exact,
// else the estimate, and then never less than K+1 nor more than
// math.MaxInt64. A nil sketch gives 0.
func (s *DistinctSketch) Count() int64 {
	if s == nil {
		return 0
	}
	if !s.saturated {
		return int64(len(s.hashes))
	}
	e := math.Round(s.Estimate())
	if e >= math.MaxInt64 {
		return math.MaxInt64
	}
	return max(int64(e), int64(s.k)+1)
}

// RelativeError returns Count's relative standard error: 0 when Exact,
// else 1/√(K−2). A nil sketch gives 0.
func (s *DistinctSketch) RelativeError() float64 {
	if s == nil || !s.saturated {
		return 0
	}
	return 1 / math.Sqrt(float64(s.k-2))
}

// Union returns the sketch of the union of s's and o's sets (see
// DistinctSketch, "Merge"); neither is changed. If either is nil (an
// unknown set), the union is unknown too: nil.
func (s *DistinctSketch) Union(o *DistinctSketch) *DistinctSketch {
	if s == nil || o == nil {
		return nil
	}
	k := min(s.k, o.k)
	hs, over := mergeHashes(make([]uint64, 0, min(k, len(s.hashes)+len(o.hashes))), s.hashes, o.hashes, k)
	// A saturated input may have kept more than k hashes (a larger k):
	// the merge stopped at k and reported the overflow.
	return &DistinctSketch{k: k, hashes: hs, saturated: s.saturated || o.saturated || over}
}

// mergeHashes appends to dst the distinct hashes of the ascending lists a
// and b, in ascending order, at most k of them; over reports whether more
// were left out.
func mergeHashes(dst, a, b []uint64, k int) (out []uint64, over bool) {
	for len(a) > 0 || len(b) > 0 {
		var h uint64
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0] < b[0]):
			h, a = a[0], a[1:]
		case len(a) == 0 || b[0] < a[0]:
			h, b = b[0], b[1:]
		default: // equal
			h, a, b = a[0], a[1:], b[1:]
		}
		if len(dst) == k {
			return dst, true
		}
		dst = append(dst, h)
	}
	return dst, false
}

// unionAll returns the union of sketches, as folding Union over them would:
// nil if any of them is nil or there are none. It merges them pairwise, so
// that n hashes in m sketches cost n·log₂(m) steps.
func unionAll(sketches ...*DistinctSketch) *DistinctSketch {
	if len(sketches) == 0 {
		return nil
	}
	k, saturated := maxSketchK, false
	lists := make([][]uint64, len(sketches))
	for i, s := range sketches {
		if s == nil {
			return nil
		}
		k, saturated = min(k, s.k), saturated || s.saturated
		lists[i] = s.hashes
	}
	if len(sketches) == 1 {
		return sketches[0]
	}
	for len(lists) > 1 {
		next := make([][]uint64, 0, (len(lists)+1)/2)
		for i := 0; i < len(lists); i += 2 {
			if i+1 == len(lists) {
				next = append(next, lists[i])
				continue
			}
			a, b := lists[i], lists[i+1]
			merged, over := mergeHashes(make([]uint64, 0, min(k, len(a)+len(b))), a, b, k)
			saturated = saturated || over
			next = append(next, merged)
		}
		lists = next
	}
	// With two sketches or more, the last list is a merge's: a new slice
	// of at most k hashes.
	return &DistinctSketch{k: k, hashes: lists[0], saturated: saturated}
}

// Equal reports whether s and o are the same sketch: the same k, hashes
// and exactness. Two nil sketches are equal; nil and non-nil are not.
func (s *DistinctSketch) Equal(o *DistinctSketch) bool {
	if s == nil || o == nil {
		return s == o
	}
	return s.k == o.k && s.saturated == o.saturated && slices.Equal(s.hashes, o.hashes)
}

// String describes the sketch, e.g. "12 distinct (exact, k=8192)" or
// "~9000 distinct (±1.10%, k=8192)"; a nil sketch gives "unknown".
func (s *DistinctSketch) String() string {
	if s == nil {
		return "unknown"
	}
	if !s.saturated {
		return fmt.Sprintf("%d distinct (exact, k=%d)", len(s.hashes), s.k)
	}
	return fmt.Sprintf("~%d distinct (±%.2f%%, k=%d)", s.Count(), 100*s.RelativeError(), s.k)
}

// The binary encoding, version 1:
//
//	byte     version (1)
//	byte     flags: bit 0 set when saturated (not exact); other bits 0
//	uvarint  k, 2 ≤ k ≤ maxSketchK
//	uvarint  n, the number of hashes: n ≤ k, and n = k when saturated
//	n × 8    the hashes, little-endian, strictly ascending
//
// 8 bytes per hash plus 3 to 8 bytes of header.
const (
	sketchVersion   = 1
	sketchSaturated = 1 << 0
)

// MarshalBinary implements encoding.BinaryMarshaler with the compact
// versioned encoding that stores keep beside the metrics, read back by
// UnmarshalBinary: 8 bytes per kept hash plus 3 to 8 bytes of header. A
// nil sketch cannot be encoded: it gives ErrInvalidArgument.
func (s *DistinctSketch) MarshalBinary() ([]byte, error) {
	if s == nil {
		return nil, invalid("sketch", "a nil sketch has no encoding")
	}
	return s.AppendBinary(make([]byte, 0, 2+2*binary.MaxVarintLen32+8*len(s.hashes)))
}

// AppendBinary implements encoding.BinaryAppender: it appends
// MarshalBinary's encoding to b (which may be nil) and returns the
// extended slice. A nil sketch gives ErrInvalidArgument.
func (s *DistinctSketch) AppendBinary(b []byte) ([]byte, error) {
	if s == nil {
		return nil, invalid("sketch", "a nil sketch has no encoding")
	}
	var flags byte
	if s.saturated {
		flags |= sketchSaturated
	}
	b = append(b, sketchVersion, flags)
	b = binary.AppendUvarint(b, uint64(s.k))
	b = binary.AppendUvarint(b, uint64(len(s.hashes)))
	for _, h := range s.hashes {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it sets s to the
// sketch MarshalBinary encoded in b. Anything else (an empty or truncated
// b, an unknown version or flag, k outside 2 to 2²⁰, hashes not strictly
// ascending, trailing bytes) gives an error wrapping ErrCorrupt and leaves
// s unchanged; it never panics and allocates at most what len(b) allows.
// A store reads a kept sketch with
//
//	s := new(analytics.DistinctSketch)
//	if err := s.UnmarshalBinary(b); err != nil { … }
func (s *DistinctSketch) UnmarshalBinary(b []byte) error {
	d, err := decodeDistinctSketch(b)
	if err != nil {
		return err
	}
	*s = *d
	return nil
}

// decodeDistinctSketch decodes MarshalBinary's encoding. Anything else (an
// unknown version or flag, k or n out of range or written in more bytes
// than needed, a length that does not match n, hashes not strictly
// ascending, trailing bytes) gives an error
// wrapping ErrCorrupt; it never panics and allocates at most what the
// input's length allows.
func decodeDistinctSketch(b []byte) (*DistinctSketch, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: distinct sketch: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	if len(b) < 2 {
		return nil, corrupt("%d bytes, too short", len(b))
	}
	if b[0] != sketchVersion {
		return nil, corrupt("unknown version %d", b[0])
	}
	flags := b[1]
	if flags&^sketchSaturated != 0 {
		return nil, corrupt("unknown flags %#x", flags)
	}
	rest := b[2:]
	k, w := minimalUvarint(rest)
	if w <= 0 || k < 2 || k > maxSketchK {
		return nil, corrupt("bad k")
	}
	rest = rest[w:]
	n, w := minimalUvarint(rest)
	if w <= 0 || n > k {
		return nil, corrupt("bad length")
	}
	rest = rest[w:]
	saturated := flags&sketchSaturated != 0
	if saturated && n != k {
		return nil, corrupt("saturated with %d of k=%d hashes", n, k)
	}
	if uint64(len(rest)) != 8*n {
		return nil, corrupt("%d bytes for %d hashes", len(rest), n)
	}
	s := &DistinctSketch{k: int(k), saturated: saturated, hashes: make([]uint64, n)}
	for i := range s.hashes {
		s.hashes[i] = binary.LittleEndian.Uint64(rest[8*i:])
		if i > 0 && s.hashes[i] <= s.hashes[i-1] {
			return nil, corrupt("hashes not strictly ascending at %d", i)
		}
	}
	return s, nil
}

// minimalUvarint reads a uvarint as binary.Uvarint does, and refuses (w =
// -1) one written in more bytes than needed, so that every sketch has one
// encoding.
func minimalUvarint(b []byte) (v uint64, w int) {
	v, w = binary.Uvarint(b)
	if w <= 0 {
		return v, w
	}
	need := 1
	for x := v; x >= 0x80; x >>= 7 {
		need++
	}
	if w != need {
		return 0, -1
	}
	return v, w
}
