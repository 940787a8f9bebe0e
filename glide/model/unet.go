package model

import (
	"fmt"

	"github.com/webglide/webglide/glide/nn"
)

// Inputs are the extra image inputs of the super-resolution and inpainting
// models (nil for the plain base model).
type Inputs struct {
	// LowRes (B, 3, h, w): the low-resolution image of the upsampler; it is
	// bilinearly resized to x's size inside the forward pass.
	LowRes *nn.Tensor
	// Masked (B, 3, H, W) = inpaint_image·inpaint_mask and Mask (B, 1, H, W)
	// (1 = known pixel) for the inpainting models. InpaintInputs builds them.
	Masked, Mask *nn.Tensor
}

// InpaintInputs uploads image·mask and mask for an inpainting model.
// image is (B, 3, H, W), mask (B, 1, H, W), both row-major host data.
func InpaintInputs(dev nn.Device, image, mask []float32, b, h, w int) (masked, m *nn.Tensor, err error) {
	if len(image) != b*3*h*w || len(mask) != b*h*w {
		return nil, nil, fmt.Errorf("model: inpaint image has %d values and mask %d, want %d and %d", len(image), len(mask), b*3*h*w, b*h*w)
	}
	prod := make([]float32, len(image))
	for n := range b {
		for c := range 3 {
			for i := range h * w {
				prod[(n*3+c)*h*w+i] = image[(n*3+c)*h*w+i] * mask[n*h*w+i]
			}
		}
	}
	return dev.Upload(prod, b, 3, h, w), dev.Upload(mask, b, 1, h, w), nil
}

// Forward runs the UNet: x (B, 3, H, W) noisy images, t (B) original
// timesteps (0..999), text for the same B rows. Returns (B, 6, H, W):
// eps (3 channels) then the variance-interpolation values (3).
//
// Hook names (the reference's named_modules): time_embed, input_blocks.<n>,
// input_blocks.<n>.<k> for attention layers, middle_block,
// output_blocks.<n>, out.
func (m *Model) Forward(x *nn.Tensor, t []float32, text *Text, in Inputs, hook Hook) (*nn.Tensor, error) {
	c, d, w := m.Cfg, m.dev, m.w
	if len(x.Shape) != 4 || x.Shape[1] != 3 {
		return nil, fmt.Errorf("model: Forward: x has shape %v, want (B, 3, H, W)", x.Shape)
	}
	B, H, W := x.Shape[0], x.Shape[2], x.Shape[3]
	if div := 1 << downsamples(m.arch); H%div != 0 || W%div != 0 {
		return nil, fmt.Errorf("model: Forward: image %d×%d is not divisible by %d (the UNet downsamples %d times)", H, W, div, downsamples(m.arch))
	}
	if len(t) != B || text == nil || text.Batch != B {
		return nil, fmt.Errorf("model: Forward: batch %d needs %d timesteps and text for %d rows", B, B, B)
	}
	if c.SuperRes && in.LowRes == nil {
		return nil, fmt.Errorf("model: the %s model needs a low-resolution input", c.Kind())
	}
	if c.Inpaint && (in.Masked == nil || in.Mask == nil) {
		return nil, fmt.Errorf("model: the %s model needs an inpaint image and mask", c.Kind())
	}
	emit := func(name string, t *nn.Tensor) {
		if hook != nil {
			hook(name, t)
		}
	}

	// emb = time_embed(timestep_embedding(t)) + xf_proj   (B, E)
	te := d.TimestepEmbedding(t, c.NumChannels)
	e1 := d.Linear(te, w["time_embed.0.weight"], w["time_embed.0.bias"])
	e2 := d.SiLU(e1)
	temb := d.Linear(e2, w["time_embed.2.weight"], w["time_embed.2.bias"])
	emit("time_embed", temb)
	emb := d.Add(temb, text.XFProj)
	// Every ResBlock applies SiLU to emb before its own Linear: do it once.
	embAct := d.SiLU(emb)
	d.Release(te, e1, e2, temb, emb)

	// The input: [x, image·mask, mask, upsampled low_res] as the class needs.
	parts := []*nn.Tensor{x}
	if c.Inpaint {
		parts = append(parts, in.Masked, in.Mask)
	}
	var up *nn.Tensor
	if c.SuperRes {
		up = d.BilinearResize(in.LowRes, H, W)
		parts = append(parts, up)
	}
	in0 := x
	if len(parts) > 1 {
		in0 = d.Concat(1, parts...)
	}
	h := in0

	// Every input block's output is pushed on the skip stack (block 0 too).
	var stack []*nn.Tensor
	for _, b := range m.arch.Input {
		h = m.runBlock(b, h, embAct, text, emit)
		stack = append(stack, h)
	}
	if len(parts) > 1 {
		d.Release(in0, up) // the concatenated input and the resized low_res
	}
	h = m.runBlock(m.arch.Middle, h, embAct, text, emit)
	for _, b := range m.arch.Output {
		skip := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cat := d.Concat(1, h, skip) // [h, skip]: current h first
		d.Release(h, skip)
		h = m.runBlock(b, cat, embAct, text, emit)
		d.Release(cat)
	}
	d.Release(embAct)

	// out: GroupNorm32 + SiLU, then conv 3×3 to 6 channels.
	n := d.GroupNorm(h, w["out.0.weight"], w["out.0.bias"], nn.GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: true})
	out := d.Conv2D(n, w["out.2.weight"], w["out.2.bias"], nil, 1)
	d.Release(h, n)
	emit("out", out)
	return out, d.Err()
}

func downsamples(a *arch) int {
	n := 0
	for _, b := range a.Input {
		for _, l := range b.Layers {
			if l.Down {
				n++
			}
		}
	}
	return n
}

// runBlock applies a block's layers in order; it never releases its input.
func (m *Model) runBlock(b block, h, embAct *nn.Tensor, text *Text, emit Hook) *nn.Tensor {
	d := m.dev
	cur := h
	for _, l := range b.Layers {
		var next *nn.Tensor
		switch l.Kind {
		case layerConv:
			next = d.Conv2D(cur, m.w[l.Prefix+".weight"], m.w[l.Prefix+".bias"], nil, 1)
		case layerRes:
			next = m.resBlock(l, cur, embAct)
		case layerAttn:
			next = m.attnBlock(l, cur, text)
			emit(l.Prefix, next)
		}
		if cur != h {
			d.Release(cur)
		}
		cur = next
	}
	emit(b.Name, cur)
	return cur
}

// resBlock is the reference's ResBlock with use_scale_shift_norm:
//
//	a = SiLU(GN_in(x)); a, x = resample(a), resample(x)   (up/down blocks)
//	h = conv_in(a)
//	scale, shift = split(Linear(SiLU(emb)))               (scale first)
//	h = conv_out(SiLU(GN_out(h)·(1 + scale) + shift))
//	y = skip(x) + h                                       (skip: identity or 1×1 conv)
func (m *Model) resBlock(l layer, x, embAct *nn.Tensor) *nn.Tensor {
	d, w, p := m.dev, m.w, l.Prefix+"."
	a := d.GroupNorm(x, w[p+"in_layers.0.weight"], w[p+"in_layers.0.bias"], nn.GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: true})
	xs := x
	switch {
	case l.Down:
		a2 := d.AvgPool2x(a)
		d.Release(a)
		a, xs = a2, d.AvgPool2x(x)
	case l.Up:
		a2 := d.Upsample2x(a)
		d.Release(a)
		a, xs = a2, d.Upsample2x(x)
	}
	h := d.Conv2D(a, w[p+"in_layers.2.weight"], w[p+"in_layers.2.bias"], nil, 1)
	d.Release(a)
	ss := d.Linear(embAct, w[p+"emb_layers.1.weight"], w[p+"emb_layers.1.bias"]) // (B, 2·Co)
	hn := d.GroupNorm(h, w[p+"out_layers.0.weight"], w[p+"out_layers.0.bias"], nn.GroupNormOpts{Groups: 32, Eps: 1e-5, ScaleShift: ss, SiLU: true})
	d.Release(h, ss)
	skip := xs
	if l.In != l.Out {
		skip = d.Conv2D(xs, w[p+"skip_connection.weight"], w[p+"skip_connection.bias"], nil, 0)
	}
	y := d.Conv2D(hn, w[p+"out_layers.3.weight"], w[p+"out_layers.3.bias"], skip, 1)
	d.Release(hn)
	if skip != x {
		d.Release(skip)
	}
	if xs != x && xs != skip {
		d.Release(xs)
	}
	return y
}

// attnBlock is the reference's AttentionBlock with text K/V:
//
//	qkv = conv1x1(GN(x))                      (B, 3C, H, W), legacy per-head layout
//	a   = QKVAttention(qkv, encoder_kv(xf))   text keys first
//	y   = x + proj_out(a)
func (m *Model) attnBlock(l layer, x *nn.Tensor, text *Text) *nn.Tensor {
	d, w, p := m.dev, m.w, l.Prefix+"."
	n := d.GroupNorm(x, w[p+"norm.weight"], w[p+"norm.bias"], nn.GroupNormOpts{Groups: 32, Eps: 1e-5})
	qkv := d.Conv2D(n, m.conv1x1(p+"qkv.weight"), w[p+"qkv.bias"], nil, 0)
	a := d.Attention(qkv, text.KV[l.Prefix], l.Heads)
	y := d.Conv2D(a, m.conv1x1(p+"proj_out.weight"), w[p+"proj_out.bias"], x, 0)
	d.Release(n, qkv, a)
	return y
}
