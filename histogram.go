package analytics

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// histogramBounds are the upper bounds, in seconds, of the response-time
// histogram's buckets. Bucket i holds durations d with
// histogramBounds[i-1] ≤ d < histogramBounds[i] (bucket 0 starts at 0); the
// last bucket is unbounded. The bounds are part of the stored format: never
// change them, append a new format instead.
var histogramBounds = [histogramBuckets - 1]float64{
	5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400,
}

// histogramBuckets is the number of buckets of a Histogram.
const histogramBuckets = len(Histogram{})

// Histogram counts response times in 16 fixed buckets, by seconds:
// [0, 5), [5, 10), [10, 30), [30, 60), [60, 120), [120, 300), [300, 600),
// [600, 900), [900, 1800), [1800, 3600), [3600, 7200), [7200, 14400),
// [14400, 28800), [28800, 43200), [43200, 86400) and [86400, ∞), in that
// order; a negative duration counts in the first. The bounds are part of
// the stored format and never change. Histograms add bucket by bucket, so
// the quantiles of a week read from the sum of seven daily histograms
// equal those of the week's own histogram. The zero Histogram is empty.
// In JSON it is an array of exactly 16 counts; null reads as empty.
type Histogram [16]int64

// bucketOf returns the index of the bucket that holds d. Negative d counts
// as 0.
func bucketOf(d time.Duration) int {
	s := d.Seconds()
	for i, b := range histogramBounds {
		if s < b {
			return i
		}
	}
	return histogramBuckets - 1
}

// Observe counts d, a duration of any sign, in the bucket that holds it (a
// negative d in the first).
func (h *Histogram) Observe(d time.Duration) { h[bucketOf(d)]++ }

// Add adds o's counts into h, bucket by bucket; o is unchanged.
func (h *Histogram) Add(o Histogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// Count returns the number of observations: the sum of the buckets, 0 for
// an empty histogram.
func (h Histogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile estimates the q-quantile (0 < q ≤ 1; 0.5 is the median) in
// seconds, rounded half away from zero to 2 decimals. It finds the bucket holding the
// observation of rank ceil(q·count) and interpolates linearly inside it, so
// the estimate lies in the same bucket as the true value. The unbounded last
// bucket reports its lower bound. An empty histogram, or q outside (0, 1],
// gives 0.
func (h Histogram) Quantile(q float64) float64 {
	n := h.Count()
	if n <= 0 || !(q > 0 && q <= 1) {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i, c := range h {
		if c <= 0 || seen+c < rank {
			seen += max(c, 0)
			continue
		}
		lo := 0.0
		if i > 0 {
			lo = histogramBounds[i-1]
		}
		if i == histogramBuckets-1 {
			return lo
		}
		// The bounds are whole seconds: the estimate in hundredths is
		// 100·lo + 100·(hi−lo)·(rank−seen)/c, rounded once in integers.
		width := uint64(histogramBounds[i]-lo) * 100
		return centi(int64(lo)*100 + int64(mulDivRound(width, uint64(rank-seen), uint64(c))))
	}
	return 0
}

// UnmarshalJSON implements json.Unmarshaler: it accepts an array of exactly
// 16 non-negative counts, or null for an empty histogram. Anything else
// gives an error wrapping ErrCorrupt and leaves h unchanged.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var raw []int64
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: histogram: %v", ErrCorrupt, err)
	}
	if raw == nil {
		*h = Histogram{}
		return nil
	}
	if len(raw) != histogramBuckets {
		return fmt.Errorf("%w: histogram has %d buckets, want %d", ErrCorrupt, len(raw), histogramBuckets)
	}
	for i, c := range raw {
		if c < 0 {
			return fmt.Errorf("%w: histogram bucket %d is negative", ErrCorrupt, i)
		}
	}
	copy(h[:], raw)
	return nil
}
