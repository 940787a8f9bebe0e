// Package diffusion holds GLIDE's Gaussian diffusion process: the beta
// schedules, timestep respacing, every float64 table the reference
// precomputes, the per-step float32 coefficients of the ancestral (p_sample)
// and DDIM samplers, and the sampling loop that drives an nn.Device.
//
// Ported from glide-text2im glide_text2im/gaussian_diffusion.py and
// respace.py @69b530740eb6cef69442d6180579ef5ba9ef063e (themselves simplified
// from improved-diffusion / guided-diffusion). The scheduler math stays in
// float64 on the host, in the reference's order of operations so that the
// tables match it bit for bit or within an ulp; the device only applies the
// per-step coefficients (rounded to float32, as _extract_into_tensor does).
//
// Notation used in the comments:
//
//	K            number of steps of the (respaced) process; k = K−1 … 0
//	t            timestep_map[k], the original 0…N−1 timestep the model sees
//	β_k, α_k     respaced beta and 1 − β_k
//	ᾱ_k          ∏_{j≤k} α_j (alphas_cumprod); ᾱ_{−1} = 1
//	x0           the model's prediction of the clean image (pred_xstart)
//	ε            the model's noise prediction, v its variance channels
package diffusion

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is wrapped by every error about an unknown or invalid schedule
// name, step count or respacing spec.
var ErrInvalid = errors.New("invalid diffusion configuration")

// Schedule names understood by BetaSchedule.
const (
	// ScheduleCosine is improved-DDPM's cosine schedule (base models).
	ScheduleCosine = "squaredcos_cap_v2"
	// ScheduleLinear is the DDPM linear schedule (upsamplers).
	ScheduleLinear = "linear"
)

// BetaSchedule returns the n float64 betas of a named schedule
// (get_named_beta_schedule): "squaredcos_cap_v2" or "linear".
func BetaSchedule(name string, n int) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("diffusion: %d diffusion steps: %w", n, ErrInvalid)
	}
	switch name {
	case ScheduleLinear:
		// Ho et al.'s schedule, stretched so that any n covers the same range.
		scale := 1000 / float64(n)
		return linspace(scale*0.0001, scale*0.02, n), nil
	case ScheduleCosine:
		// improved-DDPM eq. 17: ᾱ(u) = cos²(((u + s)/(1 + s))·π/2), s = 0.008.
		return betasForAlphaBar(n, cosineAlphaBar, 0.999), nil
	}
	return nil, fmt.Errorf("diffusion: unknown beta schedule %q (want %q or %q): %w", name, ScheduleCosine, ScheduleLinear, ErrInvalid)
}

// cosineAlphaBar is ᾱ(u), evaluated in the reference's order:
// cos((u + 0.008)/1.008·π/2)**2.
//
// The cosine is correctly rounded (cosRounded) rather than Go's math.Cos:
// β = 1 − ᾱ(t2)/ᾱ(t1) cancels about 4 decimal digits at the start of the
// schedule, so math.Cos's occasional 1-ulp difference from glibc's cos (which
// the reference used through Python's math.cos) grew to 5e-12 relative in β.
func cosineAlphaBar(u float64) float64 {
	c := cosRounded((u + 0.008) / 1.008 * math.Pi / 2)
	return c * c
}

// cosRounded returns cos(x) correctly rounded to float64 (but for inputs
// within about 2⁻¹⁰⁰ of a rounding boundary, none of which the schedules
// meet: TestCosRounded checks every input they use against 192-bit
// arithmetic), for |x| ≤ 4, by summing the Taylor series in double-double
// arithmetic (about 106 bits). Not math/big: it would add 20 KB (brotli) to
// the worker wasm.
func cosRounded(x float64) float64 {
	if math.Abs(x) > 4 {
		return math.Cos(x)
	}
	x2 := ddMul(dd{x, 0}, dd{x, 0})
	sum, term := dd{1, 0}, dd{1, 0}
	for n := 1; n < 60; n++ {
		// term_n = −term_{n−1}·x²/((2n−1)·2n)
		term = ddMul(term, x2)
		term = ddDiv(term, float64((2*n-1)*(2*n)))
		term = dd{-term.hi, -term.lo}
		sum = ddAdd(sum, term)
		if math.Abs(term.hi) < 0x1p-110 {
			break
		}
	}
	return sum.hi + sum.lo
}

// dd is a double-double number hi + lo, |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

// twoSum returns a + b exactly as s + e.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = twoSum(s, e)
	e += f
	s, e = twoSum(s, e)
	return dd{s, e}
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	s, f := twoSum(p, e)
	return dd{s, f}
}

// ddDiv divides by a float64 d: one long-division step on the quotient's
// head, its remainder computed exactly with FMA.
func ddDiv(a dd, d float64) dd {
	q1 := a.hi / d
	r := math.FMA(-q1, d, a.hi) + a.lo // a − q1·d, exact but for a.lo's rounding
	q2 := r / d
	s, e := twoSum(q1, q2)
	return dd{s, e}
}

// betasForAlphaBar discretises a continuous ᾱ(u), u ∈ [0, 1]:
// β_i = min(1 − ᾱ((i+1)/n)/ᾱ(i/n), maxBeta).
func betasForAlphaBar(n int, alphaBar func(float64) float64, maxBeta float64) []float64 {
	// ᾱ(i/n) for i = 0…n, each evaluated once: step i's t2 = (i+1)/n is
	// the same float64 as step i+1's t1.
	ab := make([]float64, n+1)
	for i := range ab {
		ab[i] = alphaBar(float64(i) / float64(n))
	}
	betas := make([]float64, n)
	for i := range betas {
		betas[i] = min(1-ab[i+1]/ab[i], maxBeta)
	}
	return betas
}

// linspace is numpy.linspace(start, end, n) for float64: step = (end −
// start)/(n − 1), y_i = i·step + start (two roundings, never fused), and the
// last element set exactly to end.
func linspace(start, end float64, n int) []float64 {
	y := make([]float64, n)
	if n == 1 {
		y[0] = start
		return y
	}
	step := (end - start) / float64(n-1)
	for i := range y {
		// The explicit conversion keeps the compiler from fusing this into
		// an FMA, which NumPy does not do.
		y[i] = float64(float64(i)*step) + start
	}
	y[n-1] = end
	return y
}
