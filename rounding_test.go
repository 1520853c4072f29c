package analytics_test

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"testing"

	"github.com/msgstats/analytics"
)

// refCenti is the reference rounding of the tests: num/den·scale rounded
// half away from zero to 2 decimals, with big.Rat and nothing of the
// library, as the decimal string a person would write ("139.55").
func refCenti(num, den *big.Int, scale *big.Rat) string {
	x := new(big.Rat).SetFrac(num, den)
	x.Mul(x, scale)
	x.Mul(x, big.NewRat(100, 1))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom()) // floor, x ≥ 0
	s := q.String()
	for len(s) < 3 {
		s = "0" + s
	}
	s = s[:len(s)-2] + "." + s[len(s)-2:]
	if neg && q.Sign() != 0 {
		s = "-" + s
	}
	return s
}

// refFloat is refCenti as the float64 the library is to return: the one
// nearest the decimal.
func refFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("ParseFloat(%q): %v", s, err)
	}
	return f
}

var (
	msToSeconds = big.NewRat(1, 1000)
	asPercent   = big.NewRat(100, 1)
	asIs        = big.NewRat(1, 1)
	centiPoints = big.NewRat(1, 100)
)

// The reference itself, checked against values worked out by hand.
func TestRefCenti(t *testing.T) {
	tests := []struct {
		num, den int64
		scale    *big.Rat
		want     string
	}{
		{139_545, 1, msToSeconds, "139.55"},
		{139_544, 1, msToSeconds, "139.54"},
		{139_545 * 2, 2, msToSeconds, "139.55"},
		{5, 1, msToSeconds, "0.01"},    // 0.005 s
		{4, 1, msToSeconds, "0.00"},    // 0.004 s
		{1, 1, msToSeconds, "0.00"},    // 0.001 s
		{15, 2, msToSeconds, "0.01"},   // 0.0075 s
		{1005, 1, msToSeconds, "1.01"}, // 1.005 s
		{1, 800, asPercent, "0.13"},    // 0.125 %
		{201, 20000, asPercent, "1.01"},
		{1, 3, asPercent, "33.33"},
		{2, 3, asPercent, "66.67"},
		{201, 2, centiPoints, "1.01"}, // 100.5 hundredths
		{-201, 2, centiPoints, "-1.01"},
		{-1, 3, centiPoints, "0.00"},
		{0, 1, asIs, "0.00"},
	}
	for _, tt := range tests {
		if got := refCenti(big.NewInt(tt.num), big.NewInt(tt.den), tt.scale); got != tt.want {
			t.Errorf("refCenti(%d, %d, %s) = %s, want %s", tt.num, tt.den, tt.scale, got, tt.want)
		}
	}
}

// avgOf derives the metrics of hand-set sums and returns the derived
// averages: response time, first response time, engagement score.
func avgOf(sumMs, count, sumCenti, contacts int64) (resp, first, engagement float64) {
	m := analytics.Metrics{}
	m.Conversations.ResponseTimeMs, m.Conversations.ResponseCount = sumMs, count
	m.Conversations.FirstResponseTimeMs, m.Conversations.FirstResponseCount = sumMs, count
	m.Contacts.EngagementScoreCenti, m.Contacts.Total = sumCenti, contacts
	m.Derive()
	return m.Conversations.AvgResponseTime, m.Conversations.AvgFirstResponseTime, m.Contacts.AvgEngagementScore
}

// Every average in seconds lands on a half hundredth when sumMs is
// 5·count·(2k+1): each such tie, and its neighbours, must round as the
// reference does, half away from zero.
func TestDeriveAverageSecondsTies(t *testing.T) {
	counts := []int64{1, 2, 3, 7, 10, 999, 1000, 123_457, 1_000_003, 1 << 40}
	ties := 0
	for _, count := range counts {
		for k := int64(0); k < 3000; k++ {
			tie := 5 * count * (2*k + 1)
			if k >= 300 {
				// Far hundredths too: seconds up to 15,000 per response.
				tie = 5 * count * (2*(k*500+k%7) + 1)
			}
			for _, sum := range []int64{tie - 1, tie, tie + 1} {
				if sum <= 0 {
					continue
				}
				want := refFloat(t, refCenti(big.NewInt(sum), big.NewInt(count), msToSeconds))
				resp, first, _ := avgOf(sum, count, 0, 0)
				if resp != want || first != want {
					t.Fatalf("%d ms over %d responses: avg %v, first %v; want %v", sum, count, resp, first, want)
				}
			}
			ties++
		}
	}
	if resp, _, _ := avgOf(139_545, 1, 0, 0); resp != 139.55 {
		t.Errorf("139,545 ms over one response = %v, want 139.55", resp)
	}
	// The largest sums: no overflow, still exact.
	for _, count := range []int64{1, 3, 1000, math.MaxInt64 / 10, math.MaxInt64 / 5, math.MaxInt64} {
		for _, sum := range []int64{math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 / 2} {
			want := refFloat(t, refCenti(big.NewInt(sum), big.NewInt(count), msToSeconds))
			if resp, _, _ := avgOf(sum, count, 0, 0); resp != want {
				t.Errorf("%d ms over %d responses = %v, want %v", sum, count, resp, want)
			}
		}
	}
	t.Logf("%d ties checked", ties)
}

// The mean engagement score is sumCenti/total hundredths; it is on a half
// hundredth when 2·sumCenti/total is odd.
func TestDeriveEngagementTies(t *testing.T) {
	ties := 0
	for total := int64(1); total <= 150; total++ {
		for k := int64(-20); k <= 10000; k += 1 + (k+20)%13 + total%7 {
			// On the tie when total is even, just off it when odd.
			base := (2*k + 1) * total / 2
			if total%2 == 0 {
				ties++
			}
			for _, sum := range []int64{base - 1, base, base + 1} {
				want := refFloat(t, refCenti(big.NewInt(sum), big.NewInt(total), centiPoints))
				if _, _, got := avgOf(0, 0, sum, total); got != want {
					t.Fatalf("engagement %d hundredths over %d contacts = %v, want %v", sum, total, got, want)
				}
			}
		}
	}
	if ties < 1000 {
		t.Fatalf("only %d ties met", ties)
	}
	t.Logf("%d ties checked", ties)
	if _, _, got := avgOf(0, 0, math.MinInt64, 1); got != refFloat(t, refCenti(big.NewInt(math.MinInt64), big.NewInt(1), centiPoints)) {
		t.Errorf("engagement of MinInt64 hundredths = %v", got)
	}
}

// Every rate of Derive (and the six percent functions) on every pair
// num < den ≤ 2000, ties among them (num·10000/den = k + ½) included.
func TestRatesHalfHundredthTies(t *testing.T) {
	ties := 0
	for den := int64(1); den <= 1000; den++ {
		for num := int64(1); num < den; num++ {
			if 20000*num%den == 0 && (20000*num/den)%2 != 0 {
				ties++
			} else if den > 200 && num%17 != 0 {
				continue // every tie, and a sample of the rest
			}
			want := refFloat(t, refCenti(big.NewInt(num), big.NewInt(den), asPercent))
			if got := allRates(num, den); got != same(want) {
				t.Fatalf("rates(%d, %d) = %+v, want %v", num, den, got, want)
			}
			m := analytics.Metrics{}
			m.Messages = analytics.MessageMetrics{Total: den, Sent: den, Delivered: num, Read: num, Failed: 0, Replied: num, Outbound: den}
			m.Campaigns = analytics.CampaignMetrics{MessagesSent: den, MessagesDelivered: num}
			m.Derive()
			if m.Messages.DeliveryRate != want || m.Messages.ReplyRate != want || m.Campaigns.AvgDeliveryRate != want {
				t.Fatalf("Derive of %d/%d: delivery %v, reply %v, campaign delivery %v; want %v",
					num, den, m.Messages.DeliveryRate, m.Messages.ReplyRate, m.Campaigns.AvgDeliveryRate, want)
			}
		}
	}
	if ties < 1000 {
		t.Fatalf("only %d ties met", ties)
	}
	t.Logf("%d ties checked", ties)
	// 201/20000 is 1.005%, which float64 division puts just below the tie.
	if got := analytics.DeliveryRate(201, 20000); got != 1.01 {
		t.Errorf("DeliveryRate(201, 20000) = %v, want 1.01", got)
	}
	for _, tt := range [][2]int64{{math.MaxInt64 / 2, math.MaxInt64}, {math.MaxInt64 - 1, math.MaxInt64}, {1 << 62, 3 << 61}} {
		want := refFloat(t, refCenti(big.NewInt(tt[0]), big.NewInt(tt[1]), asPercent))
		if got := analytics.DeliveryRate(tt[0], tt[1]); got != want {
			t.Errorf("DeliveryRate(%d, %d) = %v, want %v", tt[0], tt[1], got, want)
		}
	}
}

// The quantiles interpolate inside whole-second buckets; the estimate is
// rounded once, as the reference does.
func TestQuantileTies(t *testing.T) {
	for bucket := 0; bucket < analytics.HistogramBuckets-1; bucket++ {
		lo := int64(0)
		if bucket > 0 {
			lo = int64(analytics.HistogramBounds[bucket-1])
		}
		hi := int64(analytics.HistogramBounds[bucket])
		for c := int64(1); c <= 400; c++ {
			var h analytics.Histogram
			h[bucket] = c
			for _, q := range []float64{0.5, 0.9} {
				rank := int64(math.Ceil(q * float64(c)))
				// lo + (hi−lo)·rank/c seconds.
				num := new(big.Int).SetInt64(lo*c + (hi-lo)*rank)
				want := refFloat(t, refCenti(num, big.NewInt(c), asIs))
				if got := h.Quantile(q); got != want {
					t.Fatalf("bucket %d, %d observations: Quantile(%v) = %v, want %v", bucket, c, q, got, want)
				}
			}
		}
	}
}

// ContactEngagementScore sums two fractions; the reference adds them
// exactly and rounds once.
func TestContactEngagementScoreTies(t *testing.T) {
	ref := func(a analytics.ContactActivity) string {
		clamp := func(n, d int64) *big.Rat {
			switch {
			case d <= 0 || n <= 0:
				return new(big.Rat)
			case n >= d:
				return big.NewRat(1, 1)
			}
			return big.NewRat(n, d)
		}
		s := new(big.Rat).Mul(big.NewRat(30, 1), clamp(a.RepliedMessages, a.TotalMessages))
		s.Add(s, new(big.Rat).Mul(big.NewRat(10, 1), clamp(a.CampaignsEngaged, a.CampaignsReceived)))
		vol := int64(40)
		if a.TotalMessages < 20 {
			vol = 2 * max(a.TotalMessages, 0)
		}
		s.Add(s, big.NewRat(vol+20, 1)) // recency 0 days: 20
		if s.Cmp(big.NewRat(100, 1)) > 0 {
			s.SetInt64(100)
		}
		return refCenti(s.Num(), s.Denom(), asIs)
	}
	ties := 0
	for tot := int64(1); tot <= 40; tot++ {
		for rep := int64(0); rep <= tot; rep++ {
			for rec := int64(1); rec <= 50; rec++ {
				for eng := int64(0); eng <= rec; eng += 1 + rec/8 {
					a := analytics.ContactActivity{TotalMessages: tot, RepliedMessages: rep, CampaignsReceived: rec, CampaignsEngaged: eng}
					want := ref(a)
					if want[len(want)-1] == '5' || want[len(want)-1] == '0' {
						ties++
					}
					if got := analytics.ContactEngagementScore(a); got != refFloat(t, want) {
						t.Fatalf("ContactEngagementScore(%+v) = %v, want %s", a, got, want)
					}
				}
			}
		}
	}
	big1 := analytics.ContactActivity{TotalMessages: math.MaxInt64, RepliedMessages: math.MaxInt64 / 8,
		CampaignsReceived: 1<<40 + 1, CampaignsEngaged: 1 << 38}
	if got, want := analytics.ContactEngagementScore(big1), refFloat(t, ref(big1)); got != want {
		t.Errorf("ContactEngagementScore(%+v) = %v, want %v", big1, got, want)
	}
	a := analytics.ContactActivity{TotalMessages: 8, RepliedMessages: 1, CampaignsReceived: 400, CampaignsEngaged: 1}
	if got := analytics.ContactEngagementScore(a); got != 16+20+3.78 {
		t.Errorf("ContactEngagementScore(%+v) = %v, want %v", a, got, 16+20+3.78)
	}
}

// CampaignScore and GrowthRate take rates that are already decimals; they
// are read as such, and each tie rounds away from zero.
func TestCampaignScoreAndGrowthTies(t *testing.T) {
	dec := func(c int64) float64 { return refFloat(t, fmt.Sprintf("%d.%02d", c/100, c%100)) }
	for d := int64(0); d <= 10000; d += 7 {
		for _, r := range []int64{0, 5, 105, 3333, 10000} {
			rates := analytics.CampaignRates{DeliveryRate: dec(d), ReadRate: dec(r), ReplyRate: dec(r / 5), FailureRate: dec(d / 3)}
			// (3d + 3r + 3r/5 − d/3) hundredths / 10.
			num := 3*d + 3*r + 3*(r/5) - d/3
			want := "0.00"
			if num > 0 {
				want = refCenti(big.NewInt(min(num, 100000)), big.NewInt(1000), asIs)
			}
			if got := analytics.CampaignScore(rates); got != refFloat(t, want) {
				t.Fatalf("CampaignScore(%+v) = %v, want %s", rates, got, want)
			}
		}
	}
	if got := analytics.CampaignScore(analytics.CampaignRates{DeliveryRate: 1.05}); got != 0.32 {
		t.Errorf("CampaignScore(1.05, 0, 0, 0) = %v, want 0.32", got)
	}
	for prev := int64(1); prev <= 400; prev++ {
		for cur := int64(-400); cur <= 800; cur += 1 + prev%7 {
			want := refFloat(t, refCenti(big.NewInt(cur-prev), big.NewInt(prev), asPercent))
			if got := analytics.GrowthRate(float64(cur), float64(prev)); got != want {
				t.Fatalf("GrowthRate(%d, %d) = %v, want %v", cur, prev, got, want)
			}
		}
	}
	// 40,201 over 40,000 is +0.5025%.
	if got := analytics.GrowthRate(40201, 40000); got != 0.5 {
		t.Errorf("GrowthRate(40201, 40000) = %v, want 0.5", got)
	}
	if got := analytics.GrowthRate(100.005, 100); got != 0.01 {
		t.Errorf("GrowthRate(100.005, 100) = %v, want 0.01", got)
	}
}
