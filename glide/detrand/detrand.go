// Package detrand implements detweights v1 and detnoise v1: deterministic
// weights for any GLIDE configuration and deterministic standard normals,
// bit-exact to the golden fixtures' generators (testdata/golden/README.md
// §2–3). They exist for tests and smoke runs, never for real images.
package detrand

import (
	"fmt"
	"math"
	"strings"
)

const (
	fnvOffset  = 0xcbf29ce484222325
	fnvPrime   = 0x100000001b3
	indexMix   = 0xd1b54a32d192ed03
	golden64   = 0x9e3779b97f4a7c15
	twoPow52   = 1.0 / (1 << 52)
	twoPow53   = 1.0 / (1 << 53)
	twoPiFloat = 2 * math.Pi // 6.283185307179586, as the generator's float64
)

// FNV1a64 is the 64-bit FNV-1a hash of s's UTF-8 bytes.
func FNV1a64(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// SplitMix64 is one splitmix64 output for state z.
func SplitMix64(z uint64) uint64 {
	z += golden64
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uniform is the detweights u of element i of the tensor with key hash h:
// a float64 in [−1, 1).
func Uniform(h uint64, i int) float64 {
	x := SplitMix64(h ^ (uint64(i) * indexMix))
	return float64(x>>11)*twoPow52 - 1.0
}

// Rule is the detweights rule that applies to a key.
type Rule string

const (
	RuleEmbedding Rule = "embedding" // v = u
	RuleGain      Rule = "gain"      // v = 1 + 0.1·u (1-D .weight)
	RuleBias      Rule = "bias"      // v = 0.1·u (1-D .bias)
	RuleFanIn     Rule = "fan_in"    // v = u·√(3/fan_in) (ndim ≥ 2)
)

// RuleFor returns the first detweights rule that matches key and shape.
func RuleFor(key string, shape []int) (Rule, error) {
	switch {
	case strings.Contains(key, "embedding"):
		return RuleEmbedding, nil
	case len(shape) == 1 && strings.HasSuffix(key, ".weight"):
		return RuleGain, nil
	case len(shape) == 1 && strings.HasSuffix(key, ".bias"):
		return RuleBias, nil
	case len(shape) >= 2:
		return RuleFanIn, nil
	}
	return "", fmt.Errorf("detrand: no detweights rule for %q %v", key, shape)
}

// Weight returns detweights v1 of the state_dict tensor key with shape.
func Weight(key string, shape []int) ([]float32, error) {
	rule, err := RuleFor(key, shape)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	h := FNV1a64(key)
	out := make([]float32, n)
	var scale float64
	if rule == RuleFanIn {
		scale = math.Sqrt(3.0 / float64(n/shape[0]))
	}
	for i := range out {
		u := Uniform(h, i)
		var v float64
		switch rule {
		case RuleEmbedding:
			v = u
		case RuleGain:
			v = 1.0 + 0.1*u
		case RuleBias:
			v = 0.1 * u
		case RuleFanIn:
			v = u * scale
		}
		out[i] = float32(v)
	}
	return out, nil
}

// Noise returns elements 0..n−1 of the detnoise v1 stream named stream.
func Noise(stream string, n int) []float32 {
	out := make([]float32, n)
	NoiseInto(stream, out)
	return out
}

// NoiseInto fills out with elements 0..len(out)−1 of stream.
func NoiseInto(stream string, out []float32) {
	h := FNV1a64(stream)
	for i := range out {
		x1 := SplitMix64(h ^ (uint64(2*i) * indexMix))
		x2 := SplitMix64(h ^ (uint64(2*i+1) * indexMix))
		u1 := float64((x1>>11)+1) * twoPow53
		u2 := float64(x2>>11) * twoPow53
		out[i] = float32(math.Sqrt(-2.0*math.Log(u1)) * math.Cos(twoPiFloat*u2))
	}
}
