package nntest

import (
	"math"
	"math/rand/v2"
)

// gen draws deterministic test inputs (PCG with a fixed seed per test).
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 0x676c696465))} }

// uniform returns n values in [lo, hi).
func (g *gen) uniform(n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*g.r.Float64())
	}
	return v
}

// normal returns n values from N(mean, std²).
func (g *gen) normal(n int, mean, std float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(mean + std*g.r.NormFloat64())
	}
	return v
}

// weights returns n values uniform in ±1/√fanIn, PyTorch's default init
// scale, so that layer outputs stay O(1).
func (g *gen) weights(n, fanIn int) []float32 {
	b := 1 / math.Sqrt(float64(fanIn))
	return g.uniform(n, -b, b)
}

// sample returns k distinct indices in [0, n) in increasing order, always
// including the ones in must (edges and corners are where bugs live).
func (g *gen) sample(n, k int, must ...int) []int {
	if k >= n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	seen := make(map[int]bool, k)
	var out []int
	for _, m := range must {
		if m >= 0 && m < n && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for len(out) < k {
		i := g.r.IntN(n)
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	sortInts(out)
	return out
}

func sortInts(v []int) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
