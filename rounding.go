package analytics

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Every rate, average and score the library derives is rounded half away
// from zero to hundredths exactly: the quotient is computed in integers (or
// exact rationals) up to that one rounding, and only the rounded number of
// hundredths is turned into a float64, as q/100. That float64 is the one
// nearest to the decimal with 2 decimals (139.55 prints as 139.55), exactly
// so while q is below 2^53.

// divRound returns (hi·2^64 + lo) / den rounded half up, for den > 0, and
// whether the quotient fits in a uint64.
func divRound(hi, lo, den uint64) (uint64, bool) {
	if den == 0 || hi >= den {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if r >= den-r { // r/den ≥ 1/2, without computing 2r
		if q == math.MaxUint64 {
			return 0, false
		}
		q++
	}
	return q, true
}

// mulDivRound returns a·b/c rounded half up, for c > 0 and a quotient that
// fits in a uint64 (the callers' quotients are bounded by construction).
func mulDivRound(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, ok := divRound(hi, lo, c)
	if !ok {
		// Unreachable for the callers; keep the result defined all the same.
		return math.MaxUint64
	}
	return q
}

// centi returns q hundredths as a float64: the float64 nearest q/100 while
// |q| < 2^53. Zero is +0.
func centi(q int64) float64 {
	if q == 0 {
		return 0
	}
	if q > -(1<<53) && q < 1<<53 {
		return float64(q) / 100
	}
	f, _ := new(big.Rat).SetFrac(big.NewInt(q), big.NewInt(100)).Float64()
	return f
}

// roundRatCenti rounds r to hundredths, half away from zero, and returns
// the result as a float64 (the nearest one; ±Inf when it is beyond
// float64's range). -0 becomes 0.
func roundRatCenti(r *big.Rat) float64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	q := roundRat(x)
	if q.IsInt64() {
		return centi(q.Int64())
	}
	f, _ := new(big.Rat).SetFrac(q, big.NewInt(100)).Float64()
	return f
}

// roundRat returns r rounded half away from zero to an integer.
func roundRat(r *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(r.Num()), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Lsh(m, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// decimalRat returns the decimal that x prints as (the shortest one that
// reads back as x, strconv.FormatFloat(x, 'g', -1, 64)) as an exact
// rational. x must be finite. Rates and averages are rounded to 2 decimals
// in float64, so a calculation that takes them as inputs reads 139.55 as
// 13955/100, not as the binary fraction nearest it.
func decimalRat(x float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok {
		// FormatFloat of a finite float64 always parses; keep the exact
		// binary value as a fallback all the same.
		return new(big.Rat).SetFloat64(x)
	}
	return r
}
