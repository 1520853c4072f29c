package analytics

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// HistogramBounds are the upper bounds, in seconds, of the response-time
// histogram's buckets. Bucket i holds durations d with
// HistogramBounds[i-1] ≤ d < HistogramBounds[i] (bucket 0 starts at 0); the
// last bucket is unbounded. The bounds are part of the stored format: never
// change them, append a new format instead.
var HistogramBounds = [HistogramBuckets - 1]float64{
	5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400,
}

// HistogramBuckets is the number of buckets of a Histogram.
const HistogramBuckets = 16

// Histogram counts response times in the fixed buckets of HistogramBounds.
// Histograms add bucket by bucket, so the quantiles of a week read from the
// sum of seven daily histograms equal those of the week's own histogram.
// In JSON it is an array of exactly HistogramBuckets counts.
type Histogram [HistogramBuckets]int64

// Bucket returns the index of the bucket that holds d. Negative d counts as 0.
func Bucket(d time.Duration) int {
	s := d.Seconds()
	for i, b := range HistogramBounds {
		if s < b {
			return i
		}
	}
	return HistogramBuckets - 1
}

// Observe adds one duration.
func (h *Histogram) Observe(d time.Duration) { h[Bucket(d)]++ }

// Add adds o into h, bucket by bucket.
func (h *Histogram) Add(o Histogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// Count returns the number of observations.
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
			lo = HistogramBounds[i-1]
		}
		if i == HistogramBuckets-1 {
			return lo
		}
		// The bounds are whole seconds: the estimate in hundredths is
		// 100·lo + 100·(hi−lo)·(rank−seen)/c, rounded once in integers.
		width := uint64(HistogramBounds[i]-lo) * 100
		return centi(int64(lo)*100 + int64(mulDivRound(width, uint64(rank-seen), uint64(c))))
	}
	return 0
}

// UnmarshalJSON accepts exactly HistogramBuckets non-negative counts.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var raw []int64
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: histogram: %v", ErrCorrupt, err)
	}
	if raw == nil {
		*h = Histogram{}
		return nil
	}
	if len(raw) != HistogramBuckets {
		return fmt.Errorf("%w: histogram has %d buckets, want %d", ErrCorrupt, len(raw), HistogramBuckets)
	}
	for i, c := range raw {
		if c < 0 {
			return fmt.Errorf("%w: histogram bucket %d is negative", ErrCorrupt, i)
		}
		h[i] = c
	}
	return nil
}
