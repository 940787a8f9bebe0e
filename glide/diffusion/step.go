package diffusion

// Ported from glide-text2im glide_text2im/gaussian_diffusion.py
// (p_mean_variance, p_sample, ddim_sample, _extract_into_tensor).

import (
	"fmt"
	"math"

	"github.com/webglide/webglide/glide/nn"
)

// Sampler selects the reverse process.
type Sampler struct {
	// DDIM selects DDIM sampling (Song et al. 2020, eq. 12) instead of
	// ancestral p_sample.
	DDIM bool
	// Eta is DDIM's η: 0 is the deterministic sampler GLIDE's upsampler
	// uses, 1 matches the ancestral process's variance. Ancestral sampling
	// ignores it.
	Eta float64
}

// Ancestral is p_sample with the model's learned-range variance.
var Ancestral = Sampler{}

// DDIM returns the DDIM sampler with the given η.
func DDIM(eta float64) Sampler { return Sampler{DDIM: true, Eta: eta} }

func (s Sampler) String() string {
	if s.DDIM {
		return fmt.Sprintf("ddim(eta=%g)", s.Eta)
	}
	return "ancestral"
}

// StepCoefs returns the float32 scalars of respaced step k (0 ≤ k < K) for
// nn.Device.SamplerStep. Each is a float64 table entry rounded to float32,
// as the reference's _extract_into_tensor(...).float() does; DDIM's σ and
// direction coefficient are then computed in float32 from the rounded ᾱ
// values, as the reference's tensor arithmetic does. clip clamps the x0
// prediction to [−1, 1] (clip_denoised, on in every GLIDE notebook).
func (d *Diffusion) StepCoefs(k int, s Sampler, clip bool) nn.StepCoefs {
	if k < 0 || k >= d.NumTimesteps {
		panic(fmt.Sprintf("diffusion: step %d outside 0…%d", k, d.NumTimesteps-1))
	}
	c := nn.StepCoefs{
		DDIM: s.DDIM,
		Clip: clip,
		// x0 = √(1/ᾱ_k)·x_k − √(1/ᾱ_k − 1)·ε (DDPM eq. 4 solved for x0)
		SqrtRecipAlphaBar:   float32(d.SqrtRecipAlphasCumprod[k]),
		SqrtRecipM1AlphaBar: float32(d.SqrtRecipM1AlphasCumprod[k]),
	}
	if !s.DDIM {
		// Ancestral p_sample. Mean of q(x_{k−1} | x_k, x0), DDPM eq. 7:
		//   μ = coef1·x0 + coef2·x_k
		c.PostCoef1 = float32(d.PosteriorMeanCoef1[k])
		c.PostCoef2 = float32(d.PosteriorMeanCoef2[k])
		// Learned-range variance, improved-DDPM eq. 15:
		//   log Σ = v'·log β_k + (1 − v')·log σ̃²_k,  v' = (v + 1)/2
		c.MinLog = float32(d.PosteriorLogVarianceClipped[k])
		c.MaxLog = float32(d.logBetas[k])
		// x_{k−1} = μ + √Σ·z, DDPM eq. 11 / Algorithm 2; no noise on the
		// last step (the reference's nonzero_mask, t != 0).
		if k != 0 {
			c.NoiseScale = 1
		}
		return c
	}
	// DDIM eq. 12:
	//   x_{k−1} = √ᾱ_{k−1}·x0 + √(1 − ᾱ_{k−1} − σ²)·ε' + σ·z
	//   σ = η·√((1 − ᾱ_{k−1})/(1 − ᾱ_k))·√(1 − ᾱ_k/ᾱ_{k−1})  (eq. 16)
	// where ε' is re-derived from the (clipped) x0. The reference takes ᾱ_k
	// and ᾱ_{k−1} as float32 tensors and does the rest in float32; so do we.
	// Every product is rounded explicitly so no FMA can change the result.
	ab := float32(d.AlphasCumprod[k])
	abPrev := float32(d.AlphasCumprodPrev[k])
	sigma := float32(float32(s.Eta)*sqrt32((1-abPrev)/(1-ab))) * sqrt32(1-ab/abPrev)
	sigma = float32(sigma)
	c.SqrtAlphaBarPrev = sqrt32(abPrev)
	c.DirCoef = sqrt32(1 - abPrev - float32(sigma*sigma))
	// No noise on the last step (nonzero_mask); there 1 − ᾱ_{−1} = 0 makes
	// σ = 0 anyway.
	if k != 0 {
		c.Sigma = sigma
	}
	return c
}

// sqrt32 is a correctly rounded float32 square root (the float64 root of a
// float32 rounds to the same value as a native float32 sqrt).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// needsNoise reports whether a step with coefficients c reads its noise.
func needsNoise(c nn.StepCoefs) bool {
	if c.DDIM {
		return c.Sigma != 0
	}
	return c.NoiseScale != 0
}
