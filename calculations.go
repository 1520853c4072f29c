package analytics

import (
	"math"
	"math/big"
	"time"
)

// The functions in this file are pure: they never fail, never panic and
// never return NaN or ±Inf, whatever their inputs. Percentages are in
// percent (0–100, not 0–1) and are rounded half away from zero to 2
// decimal places, once, from the exact quotient (see rounding.go): a
// result that lies exactly on a half hundredth always rounds away from
// zero.

// DeliveryRate returns the share of sent messages that were delivered, in
// percent (0–100) rounded to 2 decimals: DeliveryRate(85, 90) == 94.44.
// A negative count counts as 0, so sent ≤ 0 gives 0. The result is clamped
// to [0, 100]: delivered > sent gives 100.
func DeliveryRate(delivered, sent int64) float64 { return percent(delivered, sent) }

// ReadRate returns the share of delivered messages that were read, in
// percent (0–100) rounded to 2 decimals. A negative count counts as 0, so
// delivered ≤ 0 gives 0. The result is clamped to [0, 100]: read >
// delivered gives 100.
func ReadRate(read, delivered int64) float64 { return percent(read, delivered) }

// EngagementRate returns the share of delivered messages that were engaged
// with, in percent (0–100) rounded to 2 decimals. A negative count counts
// as 0, so delivered ≤ 0 gives 0. The result is clamped to [0, 100]:
// engaged > delivered gives 100.
func EngagementRate(engaged, delivered int64) float64 { return percent(engaged, delivered) }

// ReplyRate returns the share of sent messages that got a reply, in percent
// (0–100) rounded to 2 decimals. A negative count counts as 0, so sent ≤ 0
// gives 0. The result is clamped to [0, 100]: replied > sent gives 100.
func ReplyRate(replied, sent int64) float64 { return percent(replied, sent) }

// FailureRate returns the share of messages that failed, in percent (0–100)
// rounded to 2 decimals. A negative count counts as 0, so total ≤ 0 gives
// 0. The result is clamped to [0, 100]: failed > total gives 100.
func FailureRate(failed, total int64) float64 { return percent(failed, total) }

// ConversionRate returns the share of total that converted, in percent
// (0–100) rounded to 2 decimals. A negative count counts as 0, so total ≤ 0
// gives 0. The result is clamped to [0, 100]: conversions > total gives
// 100.
func ConversionRate(conversions, total int64) float64 { return percent(conversions, total) }

// AverageResponseTime returns total/count, the mean response time over
// count responses, truncated toward zero to a whole nanosecond. It returns
// 0 when count ≤ 0 or total < 0, so the result is never negative.
func AverageResponseTime(total time.Duration, count int64) time.Duration {
	if count <= 0 || total < 0 {
		return 0
	}
	return total / time.Duration(count)
}

// GrowthRate returns the change from previous to current in percent of
// previous, (current−previous)/|previous|·100, rounded half away from zero
// to 2 decimals: GrowthRate(150, 100) == 50 and GrowthRate(100, 150) ==
// -33.33. The result is not bounded by 100 and may be negative.
//
// current and previous are read as the decimals they print as (the
// shortest that read back as them, so 139.55 is 13955/100, not the binary
// fraction nearest it), and the percentage is computed from them exactly
// and rounded once: GrowthRate(100.5, 100) == 0.5 and
// GrowthRate(100.005, 100) == 0.01.
//
// The divisor is |previous|, so the sign of the result always gives the
// direction of the change even when previous is negative: going from -100
// to -50 is +50, from -100 to -150 is -50.
//
// When previous is 0 there is no base to compare with: the result is 100
// if current > 0 and 0 otherwise (including current < 0). When current or
// previous is NaN or ±Inf the result is 0. When the percentage is too
// large to represent as a finite float64 (for example current 1e308,
// previous 1e-10) the result is 0 as well: GrowthRate never returns NaN or
// ±Inf. A result beyond 2^53 hundredths is the float64 nearest the
// rounded value.
func GrowthRate(current, previous float64) float64 {
	if !finite(current) || !finite(previous) {
		return 0
	}
	if previous == 0 {
		if current > 0 {
			return 100
		}
		return 0
	}
	base := decimalRat(previous)
	base.Abs(base)
	g := new(big.Rat).Sub(decimalRat(current), decimalRat(previous))
	g.Mul(g, big.NewRat(100, 1))
	g.Quo(g, base)
	r := roundRatCenti(g)
	if !finite(r) {
		return 0
	}
	return r
}

// CampaignRates are a campaign's rates, each in percent (0–100), as
// returned by DeliveryRate, ReadRate, ReplyRate and FailureRate.
type CampaignRates struct {
	// DeliveryRate is the percent of sent messages delivered.
	DeliveryRate float64
	// ReadRate is the percent of delivered messages read.
	ReadRate float64
	// ReplyRate is the percent of sent messages replied to.
	ReplyRate float64
	// FailureRate is the percent of messages that failed.
	FailureRate float64
}

// CampaignScore rates a campaign from 0 to 100:
// 0.3·DeliveryRate + 0.3·ReadRate + 0.3·ReplyRate − 0.1·FailureRate,
// clamped to [0, 100] and rounded half away from zero to 2 decimals. Each
// rate is first clamped to [0, 100] (so -Inf counts as 0 and +Inf as 100);
// a NaN rate counts as 0. Rates are read as the decimals they print as (see
// GrowthRate) and the score is computed from them exactly, so rates of
// (1.05, 0, 0, 0) score 0.32. A perfect campaign (100, 100, 100, 0) scores
// 90.
func CampaignScore(r CampaignRates) float64 {
	s := new(big.Rat)
	for _, p := range []struct {
		rate   float64
		weight int64
	}{{r.DeliveryRate, 3}, {r.ReadRate, 3}, {r.ReplyRate, 3}, {r.FailureRate, -1}} {
		s.Add(s, new(big.Rat).Mul(decimalRat(clampPercent(p.rate)), big.NewRat(p.weight, 10)))
	}
	switch {
	case s.Sign() <= 0:
		return 0
	case s.Cmp(big.NewRat(100, 1)) >= 0:
		return 100
	}
	return roundRatCenti(s)
}

// ContactActivity is what ContactEngagementScore needs to know about a
// contact. Negative counts read as 0. The zero ContactActivity is a
// contact messaged today with no messages or campaigns counted: it scores
// 20, for recency alone.
type ContactActivity struct {
	// TotalMessages is the number of messages exchanged with the contact.
	TotalMessages int64
	// RepliedMessages is how many of them the contact replied to.
	RepliedMessages int64
	// CampaignsReceived is the number of campaigns sent to the contact.
	CampaignsReceived int64
	// CampaignsEngaged is how many of them the contact engaged with.
	CampaignsEngaged int64
	// DaysSinceLastMessage is the age of the latest message in days
	// (fractions allowed). A negative value means the contact was never
	// messaged.
	DaysSinceLastMessage float64
}

// ContactEngagementScore rates a contact from 0 to 100, rounded half away
// from zero to 2 decimals, as the sum of four parts:
//
//   - volume, up to 40: 2 points per message, min(40, 2·TotalMessages);
//   - replies, up to 30: 30·RepliedMessages/TotalMessages, 0 when
//     TotalMessages is 0, with the ratio capped at 1;
//   - recency, up to 20: DaysSinceLastMessage < 7 gives 20, < 30 gives 15,
//     < 90 gives 10, < 180 gives 5, anything older gives 0 (so exactly 7
//     days gives 15);
//   - campaigns, up to 10: 10·CampaignsEngaged/CampaignsReceived, 0 when
//     CampaignsReceived is 0, with the ratio capped at 1.
//
// Negative counts count as 0. A negative DaysSinceLastMessage ("never
// messaged"), NaN or +Inf gives 0 recency points, but 0 means "today", so
// the zero ContactActivity scores 20. The total is capped at 100. The sum
// is computed exactly and rounded once: a reply to 1 of 8 messages (3.75
// points) and 1 of 400 campaigns engaged (0.025) add 3.775 points, which
// rounds to 3.78.
func ContactEngagementScore(a ContactActivity) float64 {
	volume := int64(4000)     // in hundredths of a point
	if a.TotalMessages < 20 { // 2·TotalMessages would overflow for huge counts
		volume = 200 * max(a.TotalMessages, 0)
	}
	parts := volume + 100*recencyPoints(a.DaysSinceLastMessage) +
		repliesCampaignsCenti(a.RepliedMessages, a.TotalMessages, a.CampaignsEngaged, a.CampaignsReceived)
	return centi(min(10000, parts))
}

// repliesCampaignsCenti returns the replies and campaigns parts of
// ContactEngagementScore together, 30·replied/total + 10·engaged/received
// in hundredths of a point, rounded once, half away from zero, from the
// exact sum of the two fractions. Each ratio is clamped to [0, 1] as ratio
// does.
func repliesCampaignsCenti(replied, total, engaged, received int64) int64 {
	n1, d1 := ratio(replied, total)
	n2, d2 := ratio(engaged, received)
	if d1 < 1<<24 && d2 < 1<<24 {
		// 3000·n1·d2 + 1000·n2·d1 < 4000·2^48 < 2^64.
		num := 3000*uint64(n1)*uint64(d2) + 1000*uint64(n2)*uint64(d1)
		return int64(mulDivRound(num, 1, uint64(d1)*uint64(d2)))
	}
	num := new(big.Int).Mul(big.NewInt(n1), big.NewInt(d2))
	num.Mul(num, big.NewInt(3000))
	part := new(big.Int).Mul(big.NewInt(n2), big.NewInt(d1))
	num.Add(num, part.Mul(part, big.NewInt(1000)))
	den := new(big.Int).Mul(big.NewInt(d1), big.NewInt(d2))
	return roundRat(new(big.Rat).SetFrac(num, den)).Int64()
}

// recencyPoints scores how recently a contact was messaged; see
// ContactEngagementScore.
func recencyPoints(days float64) int64 {
	switch {
	case math.IsNaN(days) || days < 0:
		return 0
	case days < 7:
		return 20
	case days < 30:
		return 15
	case days < 90:
		return 10
	case days < 180:
		return 5
	default:
		return 0
	}
}

// percent returns num/den in percent, clamped to [0, 100] and rounded half
// away from zero to 2 decimals, treating negative counts as 0 and a zero
// denominator as 0%. It computes round(num·10000/den) hundredths of a
// percent in 128-bit integers, so every half-hundredth tie (1/800 =
// 0.125%, 201/20000 = 1.005%) rounds up and nothing can overflow.
func percent(num, den int64) float64 {
	if den <= 0 || num <= 0 {
		return 0
	}
	if num >= den {
		return 100
	}
	return centi(int64(mulDivRound(uint64(num), 10000, uint64(den))))
}

// ratio returns num/den clamped to [0, 1] as a fraction n/d with d > 0:
// negative counts count as 0, den ≤ 0 gives 0/1 and num ≥ den gives 1/1.
func ratio(num, den int64) (n, d int64) {
	switch {
	case den <= 0 || num <= 0:
		return 0, 1
	case num >= den:
		return 1, 1
	}
	return num, den
}

// clampPercent clamps x to [0, 100], mapping NaN to 0.
func clampPercent(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return math.Min(100, math.Max(0, x))
}

// round2 rounds x half away from zero to 2 decimal places and turns -0
// into 0. A float64 of magnitude 2^52 or more has no fractional part, so
// such x (and NaN, ±Inf) is returned unchanged; that also keeps x*100 from
// overflowing.
func round2(x float64) float64 {
	if !(math.Abs(x) < 1<<52) {
		return x
	}
	r := math.Round(x*100) / 100
	if r == 0 {
		return 0 // not -0
	}
	return r
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
