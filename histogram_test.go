package analytics_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

// TestHistogramBounds pins the bucket bounds: they are part of the stored
// snapshot format.
func TestHistogramBounds(t *testing.T) {
	t.Parallel()
	want := []float64{5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400}
	if d := cmp.Diff(want, analytics.HistogramBounds[:]); d != "" {
		t.Errorf("HistogramBounds changed; stored snapshots would be misread (-want +got):\n%s", d)
	}
	if analytics.HistogramBuckets != len(want)+1 {
		t.Errorf("HistogramBuckets = %d, want %d", analytics.HistogramBuckets, len(want)+1)
	}
}

func TestBucket(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		d    time.Duration
		want int
	}{
		{-time.Hour, 0}, // negative counts as 0
		{0, 0},
		{5*time.Second - ms, 0},
		{5 * time.Second, 1}, // a bound opens the next bucket
		{10*time.Second - ms, 1},
		{10 * time.Second, 2},
		{30 * time.Second, 3},
		{time.Minute - ms, 3},
		{time.Minute, 4},
		{2 * time.Minute, 5},
		{5 * time.Minute, 6},
		{10 * time.Minute, 7},
		{15 * time.Minute, 8},
		{30 * time.Minute, 9},
		{time.Hour, 10},
		{2 * time.Hour, 11},
		{4 * time.Hour, 12},
		{8 * time.Hour, 13},
		{12 * time.Hour, 14},
		{24*time.Hour - ms, 14},
		{24 * time.Hour, 15}, // the last bucket is unbounded
		{1000 * time.Hour, 15},
		{math.MaxInt64, 15},
	}
	for _, tt := range tests {
		if got := analytics.Bucket(tt.d); got != tt.want {
			t.Errorf("Bucket(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestHistogramObserveAddCount(t *testing.T) {
	t.Parallel()
	var h analytics.Histogram
	for _, d := range []time.Duration{time.Second, 4 * time.Second, 45 * time.Second, 48 * time.Hour} {
		h.Observe(d)
	}
	if want := (analytics.Histogram{0: 2, 3: 1, 15: 1}); h != want {
		t.Errorf("after four observations: %v, want %v", h, want)
	}
	h.Add(analytics.Histogram{0: 1, 1: 5})
	if want := (analytics.Histogram{0: 3, 1: 5, 3: 1, 15: 1}); h != want {
		t.Errorf("after Add: %v, want %v", h, want)
	}
	if got := h.Count(); got != 10 {
		t.Errorf("Count = %d, want 10", got)
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	// Observations 1 s, 2 s (bucket 0, [0,5)) and 15 s, 20 s (bucket 2, [10,30)).
	four := analytics.Histogram{0: 2, 2: 2}
	tests := []struct {
		name string
		h    analytics.Histogram
		q    float64
		want float64
	}{
		{"empty", analytics.Histogram{}, 0.5, 0},
		{"q = 0", four, 0, 0},
		{"q < 0", four, -0.5, 0},
		{"q > 1", four, 1.5, 0},
		{"q NaN", four, math.NaN(), 0},
		// rank ceil(0.25·4) = 1: first of the two in bucket 0, 0 + 5·1/2.
		{"q1", four, 0.25, 2.5},
		// rank 2: second of bucket 0, its upper bound.
		{"median", four, 0.5, 5},
		// rank 3: first of bucket 2, 10 + 20·1/2.
		{"q3", four, 0.75, 20},
		// rank ceil(3.6) = 4: second of bucket 2.
		{"p90", four, 0.9, 30},
		{"max", four, 1, 30},
		// One observation in [5,10): rank 1 of 1, the upper bound.
		{"single", analytics.Histogram{1: 1}, 0.5, 10},
		// Rank 2 of 3 in [5,10): 5 + 5·2/3 = 8.333…, to 2 decimals.
		{"rounded", analytics.Histogram{1: 3}, 0.5, 8.33},
		// The unbounded last bucket reports its lower bound.
		{"last bucket", analytics.Histogram{15: 3}, 0.5, 86400},
		{"last bucket p90", analytics.Histogram{0: 9, 15: 1}, 0.95, 86400},
		// rank ceil(0.9·10) = 9: the ninth of bucket 0.
		{"just below the tail", analytics.Histogram{0: 9, 15: 1}, 0.9, 5},
		// Empty buckets between observations are skipped.
		{"gap", analytics.Histogram{0: 1, 10: 1}, 1, 7200},
	}
	for _, tt := range tests {
		if got := tt.h.Quantile(tt.q); got != tt.want {
			t.Errorf("%s: Quantile(%v) of %v = %v, want %v", tt.name, tt.q, tt.h, got, tt.want)
		}
	}
}

func TestHistogramJSON(t *testing.T) {
	t.Parallel()
	h := analytics.Histogram{0: 1, 7: 2, 15: 3}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[1,0,0,0,0,0,0,2,0,0,0,0,0,0,0,3]`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var got analytics.Histogram
	if err := json.Unmarshal(b, &got); err != nil || got != h {
		t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, got, err, h)
	}
	got = analytics.Histogram{1: 1}
	if err := json.Unmarshal([]byte(`null`), &got); err != nil || got != (analytics.Histogram{}) {
		t.Errorf("Unmarshal(null) = %v, %v; want the empty histogram", got, err)
	}

	bad := []string{
		`[]`,
		`[1,2,3]`,
		`[` + strings.Repeat("0,", 14) + `0]`, // 15
		`[` + strings.Repeat("0,", 16) + `0]`, // 17
		`[` + strings.Repeat("0,", 15) + `-1]`,
		`[` + strings.Repeat("0,", 15) + `1.5]`,
		`{"0":1}`,
		`"x"`,
	}
	for _, doc := range bad {
		var h analytics.Histogram
		if err := json.Unmarshal([]byte(doc), &h); !errors.Is(err, analytics.ErrCorrupt) {
			t.Errorf("Unmarshal(%s): %v, want ErrCorrupt", doc, err)
		}
	}
}
