package diffusion

// Ported from glide-text2im glide_text2im/gaussian_diffusion.py
// (p_sample_loop_progressive, ddim_sample_loop_progressive) and the
// classifier-free guidance model_fn of notebooks/text2im.ipynb.

import (
	"context"
	"fmt"

	"github.com/webglide/webglide/glide/nn"
)

// Model is the denoising network as the sampler sees it: x (B, 3, H, W) at
// the original timesteps t (one per batch row, timestep_map[k]) →
// (B, 6, H, W), the ε prediction in channels 0–2 and the learned-range
// variance values v in channels 3–5. The caller of a Model owns the returned
// tensor (Sample releases it after the step); x and t stay the caller's.
// Text tokens, low-resolution inputs and so on are closed over.
type Model func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error)

// NoiseSource returns the standard normal noise z of sampling step i, with
// the given shape (that of x). i counts the steps in sampling order: 0 is
// the first step, at the largest t. Sample releases the returned tensor.
//
// Sample asks only for the noise a step uses: never for DDIM with η = 0, and
// not for the last ancestral step (k = 0). The reference draws (and masks
// out) noise on every step; a NoiseSource that replays the reference's
// streams must therefore be indexed by i, not by call count.
type NoiseSource func(i int, shape []int) (*nn.Tensor, error)

// Step describes one finished sampling step to SampleOptions.OnStep.
type Step struct {
	Index int // 0 … Total−1 in sampling order
	Total int // number of steps K
	K     int // respaced index, K − 1 − Index
	T     int // original timestep given to the model, timestep_map[K]
	// X is x_{k−1}, the sample after this step, (B, 3, H, W). It stays
	// valid until the next step; after the last step it is Sample's result.
	X *nn.Tensor
	// X0 is the x0 prediction of this step (known region forced in, and
	// clipped), (B, 3, H, W). It is released when OnStep returns.
	X0 *nn.Tensor
}

// SampleOptions configure Sample. The zero value is GLIDE's base sampler:
// ancestral, x0 clipped to [−1, 1], no inpainting, no callback.
type SampleOptions struct {
	// Sampler is Ancestral (p_sample) or DDIM(η).
	Sampler Sampler
	// NoClip turns off clamping the x0 prediction to [−1, 1]
	// (clip_denoised=False).
	NoClip bool
	// Known, if set, forces the known region into every x0 prediction
	// before clipping (the inpainting denoised_fn).
	Known *nn.Known
	// OnStep, if set, is called after every step, for progress or
	// snapshots (Download what you need from it). A non-nil error stops
	// sampling and is returned.
	OnStep func(s Step) error
}

// Sample runs the reverse process from xT (B, 3, H, W) at step K−1 down to
// step 0 and returns the final sample x_{−1}. The model is called once per
// step with timestep_map[k]; noise supplies z where the sampler needs it (it
// may be nil for DDIM with η = 0). ctx is checked between steps; after a
// cancellation Sample returns an error wrapping ctx.Err().
//
// xT stays the caller's; every intermediate tensor is released as soon as it
// is no longer needed.
func (d *Diffusion) Sample(ctx context.Context, dev nn.Device, model Model, xT *nn.Tensor, noise NoiseSource, opts SampleOptions) (*nn.Tensor, error) {
	if len(xT.Shape) != 4 {
		return nil, fmt.Errorf("diffusion: x_T has shape %s, want (B, C, H, W)", nn.ShapeString(xT.Shape))
	}
	b, ch, h, w := xT.Shape[0], xT.Shape[1], xT.Shape[2], xT.Shape[3]
	total := d.NumTimesteps
	x := xT
	// drop releases the current sample unless it is the caller's x_T.
	drop := func() {
		if x != xT {
			dev.Release(x)
		}
	}
	for i := range total {
		if err := ctx.Err(); err != nil {
			drop()
			return nil, fmt.Errorf("diffusion: before step %d of %d: %w", i, total, err)
		}
		k := total - 1 - i
		c := d.StepCoefs(k, opts.Sampler, !opts.NoClip)
		t := d.TimestepMap[k]
		ts := make([]float32, b)
		for j := range ts {
			ts[j] = float32(t)
		}

		out, err := model(ctx, x, ts)
		if err != nil {
			drop()
			return nil, fmt.Errorf("diffusion: model at step %d (t=%d): %w", i, t, err)
		}
		if !nn.SameShape(out.Shape, []int{b, 2 * ch, h, w}) {
			dev.Release(out)
			drop()
			return nil, fmt.Errorf("diffusion: model output %s at step %d, want %s", nn.ShapeString(out.Shape), i, nn.ShapeString([]int{b, 2 * ch, h, w}))
		}

		var z *nn.Tensor
		if needsNoise(c) {
			if noise == nil {
				dev.Release(out)
				drop()
				return nil, fmt.Errorf("diffusion: %v sampling needs noise at step %d, and no NoiseSource was given", opts.Sampler, i)
			}
			z, err = noise(i, []int{b, ch, h, w})
			if err == nil && !nn.SameShape(z.Shape, x.Shape) {
				dev.Release(z)
				err = fmt.Errorf("shape %s, want %s", nn.ShapeString(z.Shape), nn.ShapeString(x.Shape))
			}
			if err != nil {
				dev.Release(out)
				drop()
				return nil, fmt.Errorf("diffusion: noise for step %d: %w", i, err)
			}
		}

		next, x0 := dev.SamplerStep(x, out, z, c, opts.Known)
		dev.Release(out)
		if z != nil {
			dev.Release(z)
		}
		drop()
		x = next
		if err := dev.Err(); err != nil {
			dev.Release(x0)
			drop()
			return nil, fmt.Errorf("diffusion: step %d (t=%d): %w", i, t, err)
		}
		if opts.OnStep != nil {
			err = opts.OnStep(Step{Index: i, Total: total, K: k, T: t, X: x, X0: x0})
		}
		dev.Release(x0)
		if err != nil {
			drop()
			return nil, err
		}
	}
	return x, nil
}

// Guided wraps a model for classifier-free guidance (GLIDE §5.1, the
// text2im notebook's model_fn). The wrapped model runs once on the doubled
// batch [x, x] (2B rows) with the timesteps doubled likewise; it must
// condition rows 0…B−1 on the prompt and rows B…2B−1 on the empty prompt
// (its tokens are the caller's business). The result (B, 6, H, W) is
//
//	ε = ε_u + scale·(ε_c − ε_u),   v = v_c
//
// (dev.Guidance): the guided noise with the conditional rows' variance, which
// is what the reference's sampler effectively uses for the rows it keeps.
func Guided(model Model, dev nn.Device, scale float32) Model {
	return func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		xx := dev.Concat(0, x, x) // (2B, 3, H, W)
		tt := make([]float32, 0, 2*len(t))
		tt = append(append(tt, t...), t...)
		out, err := model(ctx, xx, tt) // (2B, 6, H, W)
		dev.Release(xx)
		if err != nil {
			return nil, err
		}
		g := dev.Guidance(out, scale) // (B, 6, H, W)
		dev.Release(out)
		return g, nil
	}
}
