package diffusion

// Ported from glide-text2im glide_text2im/gaussian_diffusion.py
// (GaussianDiffusion.__init__) and respace.py (SpacedDiffusion.__init__).

import (
	"fmt"
	"math"
)

// Diffusion is a (possibly respaced) Gaussian diffusion process with the
// reference's precomputed float64 tables, each of length NumTimesteps and
// indexed by the respaced step k. The field comments give the definitions;
// the code evaluates them in the reference's (NumPy's) order.
type Diffusion struct {
	// NumTimesteps is K, the number of sampling steps.
	NumTimesteps int
	// TimestepMap[k] is the original timestep of respaced step k, the value
	// the model is given (ascending; the identity without respacing).
	TimestepMap []int

	Betas                       []float64 // β_k
	AlphasCumprod               []float64 // ᾱ_k = ∏_{j≤k} (1 − β_j), sequential product
	AlphasCumprodPrev           []float64 // ᾱ_{k−1}, with ᾱ_{−1} = 1
	AlphasCumprodNext           []float64 // ᾱ_{k+1}, with ᾱ_K = 0
	SqrtAlphasCumprod           []float64 // √ᾱ_k
	SqrtOneMinusAlphasCumprod   []float64 // √(1 − ᾱ_k)
	LogOneMinusAlphasCumprod    []float64 // log(1 − ᾱ_k)
	SqrtRecipAlphasCumprod      []float64 // √(1/ᾱ_k)
	SqrtRecipM1AlphasCumprod    []float64 // √(1/ᾱ_k − 1)
	PosteriorVariance           []float64 // σ̃²_k = β_k·(1 − ᾱ_{k−1})/(1 − ᾱ_k) (DDPM eq. 7)
	PosteriorLogVarianceClipped []float64 // log σ̃²_k, with σ̃²_0 (= 0) replaced by σ̃²_1
	PosteriorMeanCoef1          []float64 // β_k·√ᾱ_{k−1}/(1 − ᾱ_k) (DDPM eq. 7, x0 term)
	PosteriorMeanCoef2          []float64 // (1 − ᾱ_{k−1})·√α_k/(1 − ᾱ_k) (DDPM eq. 7, x_t term)

	logBetas []float64 // log β_k, the learned-range variance's upper end
}

// New builds the process GLIDE's create_gaussian_diffusion builds: the named
// beta schedule over steps original timesteps (1000 in GLIDE), respaced by
// spec (see SpaceTimesteps; "" keeps every step). Like the reference, the
// process is always rebuilt from the kept ᾱ values, so even "" gives betas
// that differ from the schedule's in the last bits.
func New(schedule string, steps int, spec string) (*Diffusion, error) {
	betas, err := BetaSchedule(schedule, steps)
	if err != nil {
		return nil, err
	}
	base, err := NewGaussian(betas)
	if err != nil {
		return nil, err
	}
	use, err := SpaceTimesteps(steps, spec)
	if err != nil {
		return nil, err
	}
	return base.Respace(use)
}

// NewGaussian builds an unrespaced process from its betas (GaussianDiffusion).
// Every beta must lie in (0, 1].
func NewGaussian(betas []float64) (*Diffusion, error) {
	n := len(betas)
	if n == 0 {
		return nil, fmt.Errorf("diffusion: no betas: %w", ErrInvalid)
	}
	for i, b := range betas {
		if !(b > 0 && b <= 1) {
			return nil, fmt.Errorf("diffusion: beta[%d] = %v outside (0, 1]: %w", i, b, ErrInvalid)
		}
	}
	d := &Diffusion{NumTimesteps: n, TimestepMap: make([]int, n)}
	for i := range d.TimestepMap {
		d.TimestepMap[i] = i
	}
	d.Betas = append([]float64(nil), betas...)

	alphas := make([]float64, n)
	for i, b := range betas {
		alphas[i] = 1 - b
	}
	// np.cumprod multiplies sequentially.
	d.AlphasCumprod = make([]float64, n)
	acc := 1.0
	for i, a := range alphas {
		if i == 0 {
			acc = a
		} else {
			acc *= a
		}
		d.AlphasCumprod[i] = acc
	}
	ac := d.AlphasCumprod
	d.AlphasCumprodPrev = append([]float64{1}, ac[:n-1]...)
	d.AlphasCumprodNext = append(append([]float64(nil), ac[1:]...), 0)
	acp := d.AlphasCumprodPrev

	d.SqrtAlphasCumprod = apply(n, func(i int) float64 { return math.Sqrt(ac[i]) })
	d.SqrtOneMinusAlphasCumprod = apply(n, func(i int) float64 { return math.Sqrt(1 - ac[i]) })
	d.LogOneMinusAlphasCumprod = apply(n, func(i int) float64 { return math.Log(1 - ac[i]) })
	d.SqrtRecipAlphasCumprod = apply(n, func(i int) float64 { return math.Sqrt(1 / ac[i]) })
	d.SqrtRecipM1AlphasCumprod = apply(n, func(i int) float64 { return math.Sqrt(1/ac[i] - 1) })

	// Posterior q(x_{k−1} | x_k, x0), DDPM eq. 6–7.
	d.PosteriorVariance = apply(n, func(i int) float64 { return betas[i] * (1 - acp[i]) / (1 - ac[i]) })
	// The variance is 0 at k = 0, so the log borrows σ̃²_1 there:
	// log([σ̃²_1, σ̃²_1, σ̃²_2, …]). With a single step σ̃²_1 does not exist
	// (NumPy would raise). The last step adds no noise, so its variance is
	// never used, but it must stay finite: log σ̃²_0 = −Inf made the learned
	// interpolation (1 − v')·MinLog infinite wherever the model's v left
	// [−1, 1], and 0·√Σ·z a NaN pixel. We borrow log β_0 instead.
	pv := d.PosteriorVariance
	d.PosteriorLogVarianceClipped = apply(n, func(i int) float64 {
		switch {
		case i == 0 && n > 1:
			return math.Log(pv[1])
		case i == 0:
			return math.Log(betas[0])
		}
		return math.Log(pv[i])
	})
	d.PosteriorMeanCoef1 = apply(n, func(i int) float64 { return betas[i] * math.Sqrt(acp[i]) / (1 - ac[i]) })
	d.PosteriorMeanCoef2 = apply(n, func(i int) float64 { return (1 - acp[i]) * math.Sqrt(alphas[i]) / (1 - ac[i]) })
	d.logBetas = apply(n, func(i int) float64 { return math.Log(betas[i]) })
	return d, nil
}

// Respace returns the process that keeps only the original timesteps use
// (SpacedDiffusion): walking ᾱ in ascending order with last = 1, each kept
// timestep i gets β = 1 − ᾱ_i/last, then last = ᾱ_i. The new process's
// TimestepMap maps back to d's own timesteps (composed with d's map).
func (d *Diffusion) Respace(use []int) (*Diffusion, error) {
	keep := make(map[int]bool, len(use))
	for _, t := range use {
		if t < 0 || t >= d.NumTimesteps {
			return nil, fmt.Errorf("diffusion: respaced timestep %d outside 0…%d: %w", t, d.NumTimesteps-1, ErrInvalid)
		}
		keep[t] = true
	}
	last := 1.0
	var betas []float64
	var tmap []int
	for i, ac := range d.AlphasCumprod {
		if keep[i] {
			betas = append(betas, 1-ac/last)
			last = ac
			tmap = append(tmap, d.TimestepMap[i])
		}
	}
	r, err := NewGaussian(betas)
	if err != nil {
		return nil, err
	}
	r.TimestepMap = tmap
	return r, nil
}

// Tables returns every float64 table under the reference's attribute name
// (betas, alphas_cumprod, …, posterior_mean_coef2). The slices are shared
// with d.
func (d *Diffusion) Tables() map[string][]float64 {
	return map[string][]float64{
		"betas":                          d.Betas,
		"alphas_cumprod":                 d.AlphasCumprod,
		"alphas_cumprod_prev":            d.AlphasCumprodPrev,
		"alphas_cumprod_next":            d.AlphasCumprodNext,
		"sqrt_alphas_cumprod":            d.SqrtAlphasCumprod,
		"sqrt_one_minus_alphas_cumprod":  d.SqrtOneMinusAlphasCumprod,
		"log_one_minus_alphas_cumprod":   d.LogOneMinusAlphasCumprod,
		"sqrt_recip_alphas_cumprod":      d.SqrtRecipAlphasCumprod,
		"sqrt_recipm1_alphas_cumprod":    d.SqrtRecipM1AlphasCumprod,
		"posterior_variance":             d.PosteriorVariance,
		"posterior_log_variance_clipped": d.PosteriorLogVarianceClipped,
		"posterior_mean_coef1":           d.PosteriorMeanCoef1,
		"posterior_mean_coef2":           d.PosteriorMeanCoef2,
	}
}

func apply(n int, f func(i int) float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = f(i)
	}
	return y
}
