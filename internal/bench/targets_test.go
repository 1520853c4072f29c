package bench

import (
	"testing"
	"time"
)

// TestDailyTargets checks the daily rows' targets and whether they are
// met, on hand-made measurements: (b)/(a) against "≥ 15×" at 0.25 ms each
// way only, (a)/(c) against "≤ 4.85×" at every latency, both bounds
// inclusive.
func TestDailyTargets(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		lat                 time.Duration
		sdk, orig, floor    time.Duration
		origTarget, origMet string
		floorMet            string
	}{
		{250 * time.Microsecond, 1 * s, 15 * s, s / 4, "≥ 15×", "yes", "yes"},                 // 15×, 4×
		{250 * time.Microsecond, 1 * s, 14900 * time.Millisecond, s / 5, "≥ 15×", "no", "no"}, // 14.9×, 5×
		{250 * time.Microsecond, 2 * s, 60 * s, 2 * s / 5, "≥ 15×", "yes", "no"},              // 30×, 5×
		{0, 1 * s, 100 * s, s / 4, "", "", "yes"},                                             // no target direct
		{time.Millisecond, 1 * s, 2 * s, s / 4, "", "", "yes"},                                // nor at 1 ms
		{0, 485 * time.Millisecond, 1 * s, 100 * time.Millisecond, "", "", "yes"},             // 4.85× exactly
		{0, 486 * time.Millisecond, 1 * s, 100 * time.Millisecond, "", "", "no"},              // 4.86×
	} {
		r := dailyRun{Latency: tc.lat, Orig: tc.orig, OrigScale: 1, RTT: []time.Duration{time.Millisecond}}
		r.Teams = 10
		r.SDK.Runs = []time.Duration{tc.sdk}
		r.Floor.Runs = []time.Duration{tc.floor}
		r.FloorRange.Runs = []time.Duration{tc.floor + 1}
		ls := r.lines()
		if len(ls) != 4 {
			t.Fatalf("%d lines, want 4", len(ls))
		}
		b, c := ls[2], ls[3]
		if b.Target != tc.origTarget || b.Met != tc.origMet {
			t.Errorf("%s, (a) %s, (b) %s: (b) target %q met %q (%s), want %q %q", tc.lat, tc.sdk, tc.orig, b.Target, b.Met, b.Ratio, tc.origTarget, tc.origMet)
		}
		if c.Target != "≤ 4.85× (half of 9.7×)" || c.Met != tc.floorMet {
			t.Errorf("%s, (a) %s, (c) %s: (c) target %q met %q (%s), want ≤ 4.85× %q", tc.lat, tc.sdk, tc.floor, c.Target, c.Met, c.Ratio, tc.floorMet)
		}
	}
}

// TestReadsTargets checks the uncached reads' targets, strict bounds on
// the p95 of their samples: real-time under 20 ms, dashboard under 50 ms.
func TestReadsTargets(t *testing.T) {
	ms := time.Millisecond
	// samples returns 100 durations whose nearest-rank p95 is p95: 95 at
	// 1 ms less (the 95th of them being p95 itself) and 5 far slower.
	samples := func(p95 time.Duration) []time.Duration {
		out := make([]time.Duration, 0, 100)
		for range 94 {
			out = append(out, p95-ms)
		}
		out = append(out, p95)
		for range 5 {
			out = append(out, 10*p95)
		}
		return out
	}
	lat := make([][]time.Duration, 6)
	for i := range lat {
		lat[i] = []time.Duration{time.Microsecond}
	}
	for _, tc := range []struct {
		rt, dash       time.Duration
		rtMet, dashMet string
	}{
		{19 * ms, 49 * ms, "yes", "yes"},
		{20 * ms, 50 * ms, "no", "no"},
		{20*ms - time.Microsecond, 51 * ms, "yes", "no"},
	} {
		var rep Report
		reportReads(&rep, lat, samples(tc.rt), samples(tc.dash), 100, 10)
		rt, dash := rep.Lines[len(rep.Lines)-2], rep.Lines[len(rep.Lines)-1]
		if rt.Target != "p95 < 20 ms" || rt.Met != tc.rtMet {
			t.Errorf("real-time p95 %s (%s): target %q met %q, want p95 < 20 ms %q", tc.rt, rt.Value, rt.Target, rt.Met, tc.rtMet)
		}
		if dash.Target != "p95 < 50 ms" || dash.Met != tc.dashMet {
			t.Errorf("dashboard p95 %s (%s): target %q met %q, want p95 < 50 ms %q", tc.dash, dash.Value, dash.Target, dash.Met, tc.dashMet)
		}
	}
}
