package bench

import (
	"context"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"sync"
	"time"
)

// Sample is one measured quantity: the durations of its repetitions.
type Sample struct {
	Runs []time.Duration
}

// Median returns the median run, or 0 with no runs.
func (s Sample) Median() time.Duration {
	if len(s.Runs) == 0 {
		return 0
	}
	r := slices.Clone(s.Runs)
	slices.Sort(r)
	return r[len(r)/2]
}

// Min returns the fastest run, or 0 with no runs.
func (s Sample) Min() time.Duration {
	if len(s.Runs) == 0 {
		return 0
	}
	return slices.Min(s.Runs)
}

// Repeat runs f warmup times unmeasured, then reps times measured.
func Repeat(warmup, reps int, f func() error) (Sample, error) {
	for range warmup {
		if err := f(); err != nil {
			return Sample{}, err
		}
	}
	var s Sample
	for range reps {
		start := time.Now()
		if err := f(); err != nil {
			return s, err
		}
		s.Runs = append(s.Runs, time.Since(start))
	}
	return s, nil
}

// Quantile returns the q-quantile (0–1) of ds by the nearest-rank method.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// heapObjects is the runtime metric of the bytes of heap objects, live or
// not yet swept: what the heap holds at the instant it is read.
const heapObjects = "/memory/classes/heap/objects:bytes"

// HeapPeak samples the heap every interval while it runs and reports the
// largest value seen. It reads runtime/metrics, which does not stop the
// world.
type HeapPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

// StartHeapPeak collects garbage (so that earlier work does not count) and
// starts sampling.
func StartHeapPeak(interval time.Duration) *HeapPeak {
	runtime.GC()
	h := &HeapPeak{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: heapObjects}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > h.peak {
			h.peak = v
		}
	}
	read()
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the peak in bytes.
func (h *HeapPeak) Stop() uint64 {
	close(h.stop)
	h.done.Wait()
	return h.peak
}

// Latencies calls f n times in sequence and returns each call's duration.
func Latencies(ctx context.Context, n int, f func(ctx context.Context) error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := f(ctx); err != nil {
			return out, err
		}
		out = append(out, time.Since(start))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}
