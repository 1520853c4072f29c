package analytics_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

// rates holds the result of every percent function for one (num, den) pair.
type rates struct {
	Delivery, Read, Engagement, Reply, Failure, Conversion float64
}

func allRates(num, den int64) rates {
	return rates{
		Delivery:   analytics.DeliveryRate(num, den),
		Read:       analytics.ReadRate(num, den),
		Engagement: analytics.EngagementRate(num, den),
		Reply:      analytics.ReplyRate(num, den),
		Failure:    analytics.FailureRate(num, den),
		Conversion: analytics.ConversionRate(num, den),
	}
}

func same(p float64) rates { return rates{p, p, p, p, p, p} }

// The six percent functions share one rule, so one table covers them all.
func TestRates(t *testing.T) {
	tests := []struct {
		name     string
		num, den int64
		want     float64
	}{
		{"rounds down", 85, 90, 94.44},
		{"one third", 1, 3, 33.33},
		{"two thirds rounds up", 2, 3, 66.67},
		{"half", 1, 2, 50},
		{"exact hundredth", 1, 200, 0.5},
		{"exact half cent rounds away from zero", 1, 800, 0.13},
		{"too small to show", 1, 1_000_000, 0},
		{"just under 100", 99_999, 100_000, 100},
		{"none", 0, 10, 0},
		{"all", 10, 10, 100},
		{"numerator above denominator", 11, 10, 100},
		{"zero denominator", 5, 0, 0},
		{"zero over zero", 0, 0, 0},
		{"negative numerator", -5, 10, 0},
		{"negative denominator", 5, -10, 0},
		{"both negative", -5, -10, 0},
		{"max over max", math.MaxInt64, math.MaxInt64, 100},
		{"max over one", math.MaxInt64, 1, 100},
		{"one over max", 1, math.MaxInt64, 0},
		{"half of max", math.MaxInt64 / 2, math.MaxInt64, 50},
		{"max minus one over max", math.MaxInt64 - 1, math.MaxInt64, 100},
		{"min over max", math.MinInt64, math.MaxInt64, 0},
		{"max over min", math.MaxInt64, math.MinInt64, 0},
		{"min over min", math.MinInt64, math.MinInt64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(same(tt.want), allRates(tt.num, tt.den)); diff != "" {
				t.Errorf("rates(%d, %d) mismatch (-want +got):\n%s", tt.num, tt.den, diff)
			}
		})
	}
}

func TestAverageResponseTime(t *testing.T) {
	tests := []struct {
		name  string
		total time.Duration
		count int64
		want  time.Duration
	}{
		{"even", 10 * time.Second, 5, 2 * time.Second},
		{"fractional", 10 * time.Second, 4, 2500 * time.Millisecond},
		{"truncates to the nanosecond", 10, 3, 3},
		{"below a nanosecond", 1, 2, 0},
		{"single", 90 * time.Second, 1, 90 * time.Second},
		{"zero total", 0, 5, 0},
		{"zero count", 10 * time.Second, 0, 0},
		{"negative count", 10 * time.Second, -1, 0},
		{"negative total", -10 * time.Second, 4, 0},
		{"max total", math.MaxInt64, 1, math.MaxInt64},
		{"max over max", math.MaxInt64, math.MaxInt64, 1},
		{"min total", math.MinInt64, 1, 0},
		{"min count", time.Second, math.MinInt64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := analytics.AverageResponseTime(tt.total, tt.count); got != tt.want {
				t.Errorf("AverageResponseTime(%v, %d) = %v, want %v", tt.total, tt.count, got, tt.want)
			}
		})
	}
}

func TestGrowthRate(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name              string
		current, previous float64
		want              float64
	}{
		{"growth", 150, 100, 50},
		{"decline rounds", 100, 150, -33.33},
		{"flat", 100, 100, 0},
		{"to zero", 0, 100, -100},
		{"triple", 300, 100, 200},
		{"fraction", 9, 8, 12.5},
		{"large decline", 1, 8, -87.5},
		{"rounds up", 2, 3, -33.33},
		{"small growth", 1001, 1000, 0.1},
		{"tiny change rounds to zero", 100, 100.000001, 0},
		{"from zero up", 100, 0, 100},
		{"from zero to zero", 0, 0, 0},
		{"from zero down", -5, 0, 0},
		{"from negative zero", 5, math.Copysign(0, -1), 100},

		// previous < 0: divided by |previous|, so the sign gives the direction.
		{"negative towards zero", -50, -100, 50},
		{"negative further down", -150, -100, -50},
		{"negative to positive", 50, -100, 150},
		{"negative to zero", 0, -100, 100},
		{"positive to negative", -50, 100, -150},

		{"NaN current", nan, 100, 0},
		{"NaN previous", 100, nan, 0},
		{"+Inf current", inf, 100, 0},
		{"-Inf current", -inf, 100, 0},
		{"+Inf previous", 100, inf, 0},
		{"-Inf previous", 100, -inf, 0},
		{"Inf both", inf, inf, 0},

		{"large but finite", 1e300, 1e298, 9900},
		{"huge result kept", 1 << 60, 1, 100 * (1 << 60)},
		{"result overflows", 1e308, 1e-10, 0},
		{"smallest previous", 1, math.SmallestNonzeroFloat64, 0},
		{"difference overflows", math.MaxFloat64, -math.MaxFloat64, 200},
		{"difference overflows down", -math.MaxFloat64, math.MaxFloat64, -200},
		{"max to max", math.MaxFloat64, math.MaxFloat64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := analytics.GrowthRate(tt.current, tt.previous)
			if got != tt.want {
				t.Errorf("GrowthRate(%v, %v) = %v, want %v", tt.current, tt.previous, got, tt.want)
			}
			if got == 0 && math.Signbit(got) {
				t.Errorf("GrowthRate(%v, %v) = -0, want 0", tt.current, tt.previous)
			}
		})
	}
}

func TestCampaignScore(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		in   analytics.CampaignRates
		want float64
	}{
		{"perfect", analytics.CampaignRates{DeliveryRate: 100, ReadRate: 100, ReplyRate: 100}, 90},
		{"zero", analytics.CampaignRates{}, 0},
		{"only failures clamps at zero", analytics.CampaignRates{FailureRate: 100}, 0},
		{"typical", analytics.CampaignRates{DeliveryRate: 90, ReadRate: 50, ReplyRate: 10, FailureRate: 5}, 44.5},
		{"rounds", analytics.CampaignRates{DeliveryRate: 94.44, ReadRate: 80.5, ReplyRate: 12.25, FailureRate: 5.56}, 55.6},
		{"rounds up", analytics.CampaignRates{DeliveryRate: 33.33, ReadRate: 33.33, ReplyRate: 33.33}, 30},
		{"small", analytics.CampaignRates{DeliveryRate: 1}, 0.3},
		{"all failed", analytics.CampaignRates{DeliveryRate: 100, ReadRate: 100, ReplyRate: 100, FailureRate: 100}, 80},
		{"inputs above 100 clamp", analytics.CampaignRates{DeliveryRate: 150, ReadRate: 100, ReplyRate: 100}, 90},
		{"negative inputs clamp", analytics.CampaignRates{DeliveryRate: 100, ReadRate: -20, ReplyRate: 100, FailureRate: -50}, 60},
		{"NaN delivery", analytics.CampaignRates{DeliveryRate: nan, ReadRate: 100, ReplyRate: 100}, 60},
		{"NaN failure", analytics.CampaignRates{DeliveryRate: 100, ReadRate: 100, ReplyRate: 100, FailureRate: nan}, 90},
		{"all NaN", analytics.CampaignRates{DeliveryRate: nan, ReadRate: nan, ReplyRate: nan, FailureRate: nan}, 0},
		{"+Inf counts as 100", analytics.CampaignRates{DeliveryRate: inf}, 30},
		{"-Inf counts as 0", analytics.CampaignRates{DeliveryRate: -inf, ReadRate: 100}, 30},
		{"+Inf failure", analytics.CampaignRates{DeliveryRate: 100, ReadRate: 100, ReplyRate: 100, FailureRate: inf}, 80},
		{"extremes", analytics.CampaignRates{
			DeliveryRate: math.MaxFloat64, ReadRate: math.MaxFloat64,
			ReplyRate: math.MaxFloat64, FailureRate: -math.MaxFloat64,
		}, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := analytics.CampaignScore(tt.in); got != tt.want {
				t.Errorf("CampaignScore(%+v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestContactEngagementScore(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	const old = 1000 // days: no recency points
	tests := []struct {
		name string
		in   analytics.ContactActivity
		want float64
	}{
		{"typical", analytics.ContactActivity{
			TotalMessages: 10, RepliedMessages: 5, CampaignsReceived: 4, CampaignsEngaged: 2, DaysSinceLastMessage: 3,
		}, 60}, // 20 + 15 + 20 + 5
		{"maximum", analytics.ContactActivity{
			TotalMessages: 25, RepliedMessages: 25, CampaignsReceived: 2, CampaignsEngaged: 2,
		}, 100},
		{"ratios above one are capped", analytics.ContactActivity{
			TotalMessages: 20, RepliedMessages: 30, CampaignsReceived: 1, CampaignsEngaged: 5, DaysSinceLastMessage: 1,
		}, 100},
		{"zero value was messaged today", analytics.ContactActivity{}, 20},
		{"never messaged", analytics.ContactActivity{DaysSinceLastMessage: -1}, 0},
		{"never messaged with history", analytics.ContactActivity{
			TotalMessages: 3, RepliedMessages: 1, DaysSinceLastMessage: -1,
		}, 16},
		{"reply ratio rounds", analytics.ContactActivity{
			TotalMessages: 7, RepliedMessages: 1, DaysSinceLastMessage: old,
		}, 18.29}, // 14 + 4.2857
		{"campaign ratio rounds down", analytics.ContactActivity{
			CampaignsReceived: 3, CampaignsEngaged: 1, DaysSinceLastMessage: old,
		}, 3.33},
		{"campaign ratio rounds up", analytics.ContactActivity{
			CampaignsReceived: 3, CampaignsEngaged: 2, DaysSinceLastMessage: old,
		}, 6.67},
		{"engaged without campaigns", analytics.ContactActivity{
			CampaignsEngaged: 5, DaysSinceLastMessage: old,
		}, 0},
		{"replies without messages", analytics.ContactActivity{
			RepliedMessages: 5, DaysSinceLastMessage: old,
		}, 0},

		{"19 messages", analytics.ContactActivity{TotalMessages: 19, DaysSinceLastMessage: old}, 38},
		{"20 messages reach the volume cap", analytics.ContactActivity{TotalMessages: 20, DaysSinceLastMessage: old}, 40},
		{"21 messages", analytics.ContactActivity{TotalMessages: 21, DaysSinceLastMessage: old}, 40},

		{"recency 0", analytics.ContactActivity{DaysSinceLastMessage: 0}, 20},
		{"recency -0", analytics.ContactActivity{DaysSinceLastMessage: math.Copysign(0, -1)}, 20},
		{"recency 6.99", analytics.ContactActivity{DaysSinceLastMessage: 6.99}, 20},
		{"recency 7", analytics.ContactActivity{DaysSinceLastMessage: 7}, 15},
		{"recency 29.99", analytics.ContactActivity{DaysSinceLastMessage: 29.99}, 15},
		{"recency 30", analytics.ContactActivity{DaysSinceLastMessage: 30}, 10},
		{"recency 89.99", analytics.ContactActivity{DaysSinceLastMessage: 89.99}, 10},
		{"recency 90", analytics.ContactActivity{DaysSinceLastMessage: 90}, 5},
		{"recency 179.99", analytics.ContactActivity{DaysSinceLastMessage: 179.99}, 5},
		{"recency 180", analytics.ContactActivity{DaysSinceLastMessage: 180}, 0},
		{"recency tiny negative", analytics.ContactActivity{DaysSinceLastMessage: -math.SmallestNonzeroFloat64}, 0},
		{"recency NaN", analytics.ContactActivity{DaysSinceLastMessage: nan}, 0},
		{"recency +Inf", analytics.ContactActivity{DaysSinceLastMessage: inf}, 0},
		{"recency -Inf", analytics.ContactActivity{DaysSinceLastMessage: -inf}, 0},
		{"recency max", analytics.ContactActivity{DaysSinceLastMessage: math.MaxFloat64}, 0},

		{"negative counts", analytics.ContactActivity{
			TotalMessages: -5, RepliedMessages: -1, CampaignsReceived: -3, CampaignsEngaged: -2, DaysSinceLastMessage: old,
		}, 0},
		{"negative replies", analytics.ContactActivity{
			TotalMessages: 1, RepliedMessages: -1, CampaignsReceived: 1, CampaignsEngaged: -1, DaysSinceLastMessage: old,
		}, 2},
		{"negative totals", analytics.ContactActivity{
			TotalMessages: -1, RepliedMessages: 1, CampaignsReceived: -1, CampaignsEngaged: 1, DaysSinceLastMessage: old,
		}, 0},
		{"max counts", analytics.ContactActivity{
			TotalMessages: math.MaxInt64, RepliedMessages: math.MaxInt64,
			CampaignsReceived: math.MaxInt64, CampaignsEngaged: math.MaxInt64,
		}, 100},
		{"max messages one reply", analytics.ContactActivity{
			TotalMessages: math.MaxInt64, RepliedMessages: 1, DaysSinceLastMessage: old,
		}, 40},
		{"min counts", analytics.ContactActivity{
			TotalMessages: math.MinInt64, RepliedMessages: math.MinInt64,
			CampaignsReceived: math.MinInt64, CampaignsEngaged: math.MinInt64, DaysSinceLastMessage: old,
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := analytics.ContactEngagementScore(tt.in); got != tt.want {
				t.Errorf("ContactEngagementScore(%+v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// isRounded2 reports whether x is rounded to 2 decimals, i.e.
// math.Round(x*100)/100 == x. That identity is exact in float64 only while
// |x| < 2^45; above that the float64 spacing is close to 0.01 and x*100/100
// may itself land one ulp off, so the check allows one ulp. From 2^52 on
// every float64 is an integer, which is all that is checked.
func isRounded2(x float64) bool {
	switch a := math.Abs(x); {
	case a < 1<<45:
		return math.Round(x*100)/100 == x
	case a < 1<<52:
		return math.Abs(math.Round(x*100)/100-x) <= a*0x1p-52
	default:
		return x == math.Trunc(x)
	}
}

func FuzzCalculations(f *testing.F) {
	ints := []int64{0, 1, -1, 7, 30, 90, 180, math.MaxInt64, math.MinInt64}
	floats := []float64{
		0, math.Copysign(0, -1), 1, -1, 7, 30, 90, 180, 100, 150, -100,
		math.NaN(), math.Inf(1), math.Inf(-1),
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
	}
	for i, a := range ints {
		for j, x := range floats {
			b := ints[(i+j+1)%len(ints)]
			y := floats[(i+j+1)%len(floats)]
			f.Add(a, b, ints[(i+2)%len(ints)], ints[(j+3)%len(ints)], x, y, floats[(i+5)%len(floats)], floats[(j+7)%len(floats)])
		}
	}
	f.Add(int64(85), int64(90), int64(4), int64(2), 150.0, 100.0, 94.44, 5.56)

	f.Fuzz(func(t *testing.T, a, b, c, d int64, x, y, z, w float64) {
		checkScore := func(name string, v, lo, hi float64) {
			t.Helper()
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s = %v, want finite", name, v)
			}
			if v < lo || v > hi {
				t.Fatalf("%s = %v, want within [%v, %v]", name, v, lo, hi)
			}
			if !isRounded2(v) {
				t.Fatalf("%s = %v, not rounded to 2 decimals", name, v)
			}
			if v == 0 && math.Signbit(v) {
				t.Fatalf("%s = -0, want 0", name)
			}
		}

		for name, v := range map[string]float64{
			"DeliveryRate":   analytics.DeliveryRate(a, b),
			"ReadRate":       analytics.ReadRate(a, b),
			"EngagementRate": analytics.EngagementRate(a, b),
			"ReplyRate":      analytics.ReplyRate(a, b),
			"FailureRate":    analytics.FailureRate(a, b),
			"ConversionRate": analytics.ConversionRate(c, d),
		} {
			checkScore(name, v, 0, 100)
		}

		total := time.Duration(a)
		avg := analytics.AverageResponseTime(total, b)
		if avg < 0 {
			t.Fatalf("AverageResponseTime(%v, %d) = %v, want ≥ 0", total, b, avg)
		}
		if b > 0 && total >= 0 && (avg > total || total-avg*time.Duration(b) >= time.Duration(b)) {
			t.Fatalf("AverageResponseTime(%v, %d) = %v, not total/count", total, b, avg)
		}

		g := analytics.GrowthRate(x, y)
		checkScore("GrowthRate", g, -math.MaxFloat64, math.MaxFloat64)
		// The divisor is |previous|, so the sign follows the direction.
		if (g > 0 && !(x > y)) || (g < 0 && !(x < y)) {
			t.Fatalf("GrowthRate(%v, %v) = %v, sign does not match the direction", x, y, g)
		}

		checkScore("CampaignScore", analytics.CampaignScore(analytics.CampaignRates{
			DeliveryRate: x, ReadRate: y, ReplyRate: z, FailureRate: w,
		}), 0, 100)

		checkScore("ContactEngagementScore", analytics.ContactEngagementScore(analytics.ContactActivity{
			TotalMessages: a, RepliedMessages: b, CampaignsReceived: c, CampaignsEngaged: d, DaysSinceLastMessage: x,
		}), 0, 100)
	})
}
