package synth

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// rng is a PCG-DXSM generator with the few distributions the generator
// draws from. Every draw is a fixed function of the seed, so a dataset is
// reproducible (on one platform: math.Exp and math.Log may differ in the
// last bit between architectures).
type rng struct{ p rand.PCG }

// newRNG returns a generator for stream b of seed a. Both words are mixed
// with SplitMix64 so that neighbouring streams start far apart.
func newRNG(a, b uint64) *rng {
	r := &rng{}
	r.p.Seed(splitmix(a^0x9e3779b97f4a7c15), splitmix(b+0x632be59bd9b4e019))
	return r
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// float returns a uniform draw from [0, 1).
func (r *rng) float() float64 { return float64(r.p.Uint64()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// intn returns a draw from [0, n); n must be positive. The bias of the
// multiply-shift reduction (below 2^-40 for the sizes used here) does not
// matter for test data.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// between returns a draw from [lo, hi); hi must be above lo.
func (r *rng) between(lo, hi int64) int64 { return lo + int64(r.intn(int(hi-lo))) }

// logUniform returns a draw from [lo, hi) whose logarithm is uniform: as
// many draws between 1 s and 10 s as between 1 h and 10 h. lo must be
// positive.
func (r *rng) logUniform(lo, hi int64) int64 {
	v := int64(float64(lo) * math.Exp(r.float()*math.Log(float64(hi)/float64(lo))))
	return min(max(v, lo), hi-1)
}

// geometric returns a draw from {0, 1, 2, …} with the given mean.
func (r *rng) geometric(mean float64) int {
	if mean <= 0 {
		return 0
	}
	q := mean / (1 + mean) // probability of one more
	return int(math.Log(1-r.float()) / math.Log(q))
}

// normal returns a standard normal draw (Box–Muller).
func (r *rng) normal() float64 {
	u := 1 - r.float() // (0, 1]
	v := r.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// poisson returns a Poisson draw with mean lambda: exact (Knuth) below 30,
// a rounded normal approximation above.
func (r *rng) poisson(lambda float64) int {
	switch {
	case lambda <= 0:
		return 0
	case lambda < 30:
		l := math.Exp(-lambda)
		k, p := 0, r.float()
		for p > l {
			k++
			p *= r.float()
		}
		return k
	}
	return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.normal())))
}
