package nn

// Device runs GLIDE's tensor ops. Every op allocates and returns its output;
// inputs are never modified. Shapes use the (B, C, H, W) convention of the
// reference; a (B, C, T) sequence is the same as (B, C, 1, T).
//
// Ops do not return errors: a device keeps the first error it meets (a lost
// GPU, an allocation failure) and reports it from Err and Download. Shape
// mismatches are programming errors and panic.
//
// Implementations: the CPU reference in this package (NewCPU) and the WebGPU
// device in wasm/. The model code in glide/model only ever talks to this
// interface.
type Device interface {
	// Name describes the device, e.g. "cpu (2 threads)".
	Name() string

	// Upload copies host float32 data into a new tensor of the given shape.
	Upload(data []float32, shape ...int) *Tensor
	// UploadF16 copies IEEE-754 binary16 bit patterns into a new tensor.
	// Devices may keep the values as f16 or widen them to f32.
	UploadF16(bits []uint16, shape ...int) *Tensor
	// Download copies a tensor back to the host as float32.
	Download(t *Tensor) ([]float32, error)
	// Release frees tensors the caller no longer needs (views included).
	// Releasing is optional on the CPU and important on GPUs.
	Release(ts ...*Tensor)
	// Err returns the first error the device met, or nil.
	Err() error

	// Conv2D: x (B, Ci, H, W), w (Co, Ci, k, k), b (Co) or nil, stride 1,
	// zero padding pad on every side, residual (B, Co, H', W') or nil:
	//   y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−pad,j+v−pad] (+ residual[n,o,i,j])
	Conv2D(x, w, b, residual *Tensor, pad int) *Tensor

	// GroupNorm: x (B, C, ...), gamma/beta (C). Statistics per (sample, group)
	// over C/groups channels and all positions, biased variance, in float32:
	//   y = (x − μ)/√(σ² + eps)·gamma + beta
	//   if o.ScaleShift != nil (B, 2C): y = y·(1 + scale) + shift, scale = first C, shift = last C
	//   if o.SiLU: y = y·sigmoid(y)
	GroupNorm(x, gamma, beta *Tensor, o GroupNormOpts) *Tensor

	// LayerNorm over the last axis: y = (x − μ)/√(σ² + eps)·gamma + beta (biased variance).
	LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor

	// Linear: x (..., in), w (out, in), b (out) or nil → (..., out): y = x·wᵀ + b.
	Linear(x, w, b *Tensor) *Tensor

	// GELU, exact erf form: y = x/2·(1 + erf(x/√2)).
	GELU(x *Tensor) *Tensor
	// SiLU: y = x·sigmoid(x).
	SiLU(x *Tensor) *Tensor
	// Add: elementwise a + b of the same shape.
	Add(a, b *Tensor) *Tensor

	// Attention is the reference's QKVAttention with the legacy head layout.
	// qkv (B, 3·C, T...) where channel j belongs to head j/(3·ch), ch = C/heads,
	// and inside a head rows 0..ch−1 are q, ch..2ch−1 are k, 2ch..3ch−1 are v.
	// encKV (B, 2·C, L) or nil holds per-head [k | v] text keys/values that are
	// prepended to the image keys. q and k are each scaled by ch^(−1/4); the
	// softmax over the L+T keys runs in float32. Returns (B, C, T...), heads
	// merged head-major (channel = head·ch + c).
	Attention(qkv, encKV *Tensor, heads int) *Tensor

	// Upsample2x: nearest neighbour, (B, C, H, W) → (B, C, 2H, 2W), y[i,j] = x[i/2, j/2].
	Upsample2x(x *Tensor) *Tensor
	// AvgPool2x: 2×2 average pool, stride 2, (B, C, H, W) → (B, C, H/2, W/2).
	AvgPool2x(x *Tensor) *Tensor
	// BilinearResize: (B, C, H, W) → (B, C, h, w), PyTorch bilinear with
	// align_corners=False and no antialiasing: src = (d + 0.5)·in/out − 0.5,
	// clamped below at 0; i1 = min(i0 + 1, in − 1).
	BilinearResize(x *Tensor, h, w int) *Tensor
	// Concat joins tensors along axis (all other axes equal).
	Concat(axis int, ts ...*Tensor) *Tensor
	// Transpose swaps the last two axes: (..., M, N) → (..., N, M).
	Transpose(x *Tensor) *Tensor
	// Slice keeps indices start..end−1 of axis: y = x[..., start:end, ...].
	Slice(x *Tensor, axis, start, end int) *Tensor

	// TimestepEmbedding: t (B) → (B, dim), [cos(t·f_i) | sin(t·f_i)],
	// f_i = exp(−ln(10000)·i/half), half = dim/2, computed in float32 as the
	// reference does.
	TimestepEmbedding(t []float32, dim int) *Tensor

	// TokenEmbedding: table (V, D), pos (L, D), pad (L, D) or nil, tokens and
	// mask of length B·L → (B, L, D):
	//   y[b,l] = mask[b,l] ? table[tokens[b,l]] + pos[l] : pad[l]
	// (with pad == nil every position takes the first branch).
	TokenEmbedding(table, pos, pad *Tensor, tokens []int32, mask []bool) *Tensor

	// Guidance: classifier-free guidance. out (2B, C, H, W) holds the
	// conditional rows first and the unconditional rows second. Returns
	// (B, C, H, W): the first C/2 (eps) channels are u + scale·(c − u); the
	// other channels are the conditional row's own (variance) channels.
	Guidance(out *Tensor, scale float32) *Tensor

	// SamplerStep applies one reverse-diffusion step elementwise.
	// x (B, 3, H, W) is x_t, out (B, 6, H, W) the model output (eps | v),
	// noise (B, 3, H, W) or nil when c.NoiseScale == 0 or c.Sigma == 0,
	// known (inpainting) or nil. Returns x_{t−1} and the (clipped) x0
	// prediction. The math is in StepCoefs' documentation.
	SamplerStep(x, out, noise *Tensor, c StepCoefs, known *Known) (next, x0 *Tensor)
}

// Syncer is implemented by devices that queue work asynchronously (GPUs).
// Sync submits the queued work and waits until the device has finished it;
// the pipeline calls it once per sampling step so that progress reports
// and cancellation follow the device rather than the recording of work.
type Syncer interface {
	Sync() error
}

// MemoryStats is implemented by devices that account for the memory their
// tensors take (the WebGPU device: bytes of GPU buffers, its pool's free
// ones included).
type MemoryStats interface {
	// Memory returns the bytes held now and the most held since the
	// device was made or ResetPeak was last called.
	Memory() (held, peak int64)
	ResetPeak()
}

// Trimmer is implemented by devices that keep released tensors' memory
// for reuse: Trim gives it back (before loading another model on a small
// GPU).
type Trimmer interface {
	Trim()
}

// GroupNormOpts are the options of Device.GroupNorm.
type GroupNormOpts struct {
	Groups     int     // 32 in GLIDE
	Eps        float32 // 1e-5 in GLIDE
	ScaleShift *Tensor // (B, 2C) or nil: y·(1 + scale) + shift after the affine
	SiLU       bool    // apply SiLU last
}

// Known is the inpainting known region: x0 ← x0·(1 − Mask) + Image·Mask,
// applied to the x0 prediction before clipping. Image (B, 3, H, W), Mask
// (B, 1, H, W) with 1 = known pixel.
type Known struct {
	Image, Mask *Tensor
}

// StepCoefs are the per-step scalars of one sampler step. glide/diffusion
// computes them in float64 and rounds each to float32, as the reference's
// _extract_into_tensor does; the device applies them in float32.
//
// Common part (p_mean_variance, learned-range variance):
//
//	eps, v   = out[:, :3], out[:, 3:]
//	x0       = SqrtRecipAlphaBar·x_t − SqrtRecipM1AlphaBar·eps
//	x0       = known(x0)                    (if known != nil)
//	x0       = clamp(x0, −1, 1)             (if Clip)
//
// Ancestral (p_sample, DDIM == false), improved-DDPM eq. 15 for the variance:
//
//	frac     = (v + 1)/2
//	logVar   = frac·MaxLog + (1 − frac)·MinLog
//	mean     = PostCoef1·x0 + PostCoef2·x_t
//	x_{t−1}  = mean + NoiseScale·exp(0.5·logVar)·noise
//
// DDIM (DDIM == true), DDIM paper eq. 12:
//
//	eps'     = (SqrtRecipAlphaBar·x_t − x0)/SqrtRecipM1AlphaBar
//	x_{t−1}  = x0·SqrtAlphaBarPrev + DirCoef·eps' + Sigma·noise
type StepCoefs struct {
	DDIM bool
	Clip bool

	SqrtRecipAlphaBar   float32 // √(1/ᾱ_t)
	SqrtRecipM1AlphaBar float32 // √(1/ᾱ_t − 1)

	// Ancestral sampling.
	PostCoef1  float32 // β_t·√ᾱ_{t−1}/(1 − ᾱ_t)
	PostCoef2  float32 // (1 − ᾱ_{t−1})·√α_t/(1 − ᾱ_t)
	MinLog     float32 // log σ̃²_t (posterior_log_variance_clipped)
	MaxLog     float32 // log β_t
	NoiseScale float32 // 1, or 0 on the last step (t = 0)

	// DDIM.
	SqrtAlphaBarPrev float32 // √ᾱ_{t−1}
	DirCoef          float32 // √(1 − ᾱ_{t−1} − σ²)
	Sigma            float32 // η·√((1 − ᾱ_{t−1})/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_{t−1}); 0 on the last step
}
