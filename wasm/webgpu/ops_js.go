package webgpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

// wg1 is the workgroup size of the 1-D elementwise kernels.
const wg1 = 256

// elementwise returns the dispatch grid of n elements.
func elementwise(n int) (x, y int) { return grid((n + wg1 - 1) / wg1) }

// Upload implements nn.Device. On the f16 path the values are rounded to
// binary16 on the host (the data is a host slice already).
func (d *Device) Upload(data []float32, shape ...int) *nn.Tensor {
	if len(data) != nn.Numel(shape) {
		panic(fmt.Sprintf("webgpu: Upload of %d values into shape %s", len(data), nn.ShapeString(shape)))
	}
	t := d.alloc("upload", shape...)
	p := d.buf("Upload", t)
	if p == nil {
		return t
	}
	var b []byte
	if d.f16 {
		b = make([]byte, 0, 2*len(data)+2)
		for _, v := range data {
			b = binary.LittleEndian.AppendUint16(b, nn.F32ToF16(v))
		}
	} else {
		b = make([]byte, 0, 4*len(data))
		for _, v := range data {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	d.write(p, 0, b)
	return t
}

// UploadF16 implements nn.Device. On the f16 path the bits are stored as
// they are; on the f32 path they go to a scratch buffer and the
// expand_f16 kernel widens them on the GPU.
func (d *Device) UploadF16(bits []uint16, shape ...int) *nn.Tensor {
	if len(bits) != nn.Numel(shape) {
		panic(fmt.Sprintf("webgpu: UploadF16 of %d values into shape %s", len(bits), nn.ShapeString(shape)))
	}
	b := make([]byte, 0, 2*len(bits)+2)
	for _, h := range bits {
		b = binary.LittleEndian.AppendUint16(b, h)
	}
	t := d.alloc("upload-f16", shape...)
	p := d.buf("UploadF16", t)
	if p == nil {
		return t
	}
	if d.f16 {
		d.write(p, 0, b)
		return t
	}
	tmp := d.getBuf((len(b)+3)&^3, "f16-staging")
	if tmp == nil {
		return t
	}
	d.write(tmp, 0, b)
	x, y := elementwise(len(bits))
	d.dispatch(d.pipelineFor(kExpandF16, wg1), t.Label, []uint32{uint32(len(bits))}, []*pbuf{tmp, p}, x, y, 1)
	d.putBuf(tmp) // later users are ordered after this dispatch on the GPU
	return t
}

func dims4(op string, x *nn.Tensor) (b, c, h, w int) {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("webgpu: %s wants (B, C, H, W), got %s", op, nn.ShapeString(x.Shape)))
	}
	return x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
}

func mustShape(op string, t *nn.Tensor, shape ...int) {
	if !nn.SameShape(t.Shape, shape) {
		panic(fmt.Sprintf("webgpu: %s: tensor %s, want shape %s", op, nn.ShapeString(t.Shape), nn.ShapeString(shape)))
	}
}

// opt returns t's buffer, or the dummy buffer when t is nil.
func (d *Device) opt(op string, t *nn.Tensor) *pbuf {
	if t == nil {
		return d.dummy
	}
	return d.buf(op, t)
}

// Conv2D implements nn.Device (conv2d.wgsl).
func (d *Device) Conv2D(x, w, b, residual *nn.Tensor, pad int) *nn.Tensor {
	n, ci, h, wd := dims4("Conv2D", x)
	if len(w.Shape) != 4 || w.Shape[1] != ci || w.Shape[2] != w.Shape[3] {
		panic(fmt.Sprintf("webgpu: Conv2D of %s with weights %s", nn.ShapeString(x.Shape), nn.ShapeString(w.Shape)))
	}
	co, ks := w.Shape[0], w.Shape[2]
	oh, ow := h+2*pad-ks+1, wd+2*pad-ks+1
	var flags uint32
	if b != nil {
		mustShape("Conv2D bias", b, co)
		flags |= 1
	}
	if residual != nil {
		mustShape("Conv2D residual", residual, n, co, oh, ow)
		flags |= 2
	}
	y := d.alloc("conv2d", n, co, oh, ow)
	if d.prof != nil {
		d.describe(2*float64(n*co*oh*ow*ci*ks*ks), "%d×%d %d→%d %d×%d b%d", ks, ks, ci, co, oh, ow, n)
	}
	if d.direct { // conv2d_direct.wgsl: 4 channels × 4 pixels per invocation
		params := []uint32{uint32(ci), uint32(h), uint32(wd), uint32(co), uint32(ks), uint32(int32(pad)), uint32(oh), uint32(ow), flags}
		d.dispatch(d.pipelineFor(kConv2DDirect, uint32(ks)), x.Label, params,
			[]*pbuf{d.buf("Conv2D", x), d.buf("Conv2D", w), d.opt("Conv2D", b), d.opt("Conv2D", residual), d.buf("Conv2D", y)},
			(oh*ow+255)/256, (co+3)/4, n)
		return y
	}
	// conv2d.wgsl: 64 channels × 64·PX pixels per workgroup, specialised
	// on ks and PX; the reduction split in S slices where the grid is small.
	px := d.convPX
	if px == 0 {
		px = 1
		if oh*ow >= 4096 && (oh*ow+127)/128*((co+63)/64)*n >= d.splitTarget {
			px = 2 // large images: the wider tile, and still enough workgroups
		}
	}
	gx, gy := (oh*ow+64*px-1)/(64*px), (co+63)/64
	split, chunk := splitK(gx*gy*n, ci*ks*ks, d.splitTarget)
	params := []uint32{uint32(ci), uint32(h), uint32(wd), uint32(co), uint32(ks), uint32(int32(pad)), uint32(oh), uint32(ow), flags,
		uint32(split), uint32(chunk)}
	xb, wb, bb, rb, yb := d.buf("Conv2D", x), d.buf("Conv2D", w), d.opt("Conv2D", b), d.opt("Conv2D", residual), d.buf("Conv2D", y)
	pipe := d.pipelineFor(kConv2D, uint32(ks), uint32(px))
	if split == 1 {
		d.dispatch(pipe, x.Label, params, []*pbuf{xb, wb, bb, rb, yb, d.dummyW}, gx, gy, n)
		return y
	}
	outs := n * co * oh * ow
	part := d.getBuf(4*split*outs, "conv2d-partials")
	if part == nil {
		return y
	}
	d.dispatch(pipe, x.Label, params, []*pbuf{xb, wb, d.dummy, d.dummy, d.dummyW, part}, gx, gy, n*split)
	if d.prof != nil {
		d.describe(0, "%d slices of %d→%d %d×%d b%d", split, ci, co, oh, ow, n)
	}
	sx, sy := elementwise(outs)
	d.dispatch(d.pipelineFor(kSplitKSum, wg1), x.Label, []uint32{uint32(outs), uint32(split), uint32(co), uint32(oh * ow), flags},
		[]*pbuf{part, bb, rb, yb}, sx, sy, 1)
	d.putBuf(part) // later users are ordered after these dispatches on the GPU
	return y
}

// splitTarget is the workgroup count a convolution should reach on a GPU
// before its reduction is split: a couple of waves on a large GPU (an
// H100 has 132 multiprocessors).
const splitTarget = 256

// splitK picks the slices S of a convolution's reduction of k terms whose
// grid has wgs workgroups: enough to reach target workgroups, each slice
// at least 8 steps of 16 and a multiple of 16 long. It returns S and the
// slice length (k rounded up to 16 when S = 1).
func splitK(wgs, k, target int) (slices, chunk int) {
	return splitReduction(wgs, k, target, 16, 8, 16)
}

// splitReduction cuts a reduction of k terms, done by a grid of wgs
// workgroups, into slices of whole steps (at least minSteps each, at
// most maxSlices of them) until the grid reaches target workgroups; it
// returns the slice count and length (k rounded up to a step when 1).
func splitReduction(wgs, k, target, step, minSteps, maxSlices int) (slices, chunk int) {
	s := 1
	if wgs < target {
		s = min((target+wgs-1)/wgs, maxSlices, k/(step*minSteps))
	}
	if s <= 1 {
		return 1, (k + step - 1) / step * step
	}
	chunk = ((k+s-1)/s + step - 1) / step * step
	return (k + chunk - 1) / chunk, chunk
}

// GroupNorm implements nn.Device (group_norm.wgsl).
func (d *Device) GroupNorm(x, gamma, beta *nn.Tensor, o nn.GroupNormOpts) *nn.Tensor {
	if len(x.Shape) < 2 || o.Groups <= 0 || x.Shape[1]%o.Groups != 0 {
		panic(fmt.Sprintf("webgpu: GroupNorm of %s with %d groups", nn.ShapeString(x.Shape), o.Groups))
	}
	n, c := x.Shape[0], x.Shape[1]
	s := nn.Numel(x.Shape[2:])
	mustShape("GroupNorm gamma", gamma, c)
	mustShape("GroupNorm beta", beta, c)
	var flags uint32
	if o.ScaleShift != nil {
		mustShape("GroupNorm scale-shift", o.ScaleShift, n, 2*c)
		flags |= 1
	}
	if o.SiLU {
		flags |= 2
	}
	y := d.alloc("group_norm", x.Shape...)
	cnt := c / o.Groups * s
	splits := max(1, min((cnt+gnChunk-1)/gnChunk, maxDispatchDim))
	chunk := (cnt + splits - 1) / splits
	part := d.getBuf(8*splits*o.Groups*n, "group-norm-stats")
	if part == nil {
		return y
	}
	params := []uint32{uint32(c), uint32(s), uint32(c / o.Groups), f32w(o.Eps), flags, uint32(splits), uint32(chunk)}
	bufs := []*pbuf{d.buf("GroupNorm", x), d.buf("GroupNorm", gamma), d.buf("GroupNorm", beta), d.opt("GroupNorm", o.ScaleShift), part, d.buf("GroupNorm", y)}
	if d.prof != nil {
		d.describe(0, "%d ch × %d b%d", c, s, n)
	}
	d.dispatch(d.pipelineFor(kGroupNormStats, wg1), x.Label, params, bufs, splits, o.Groups, n)
	if d.prof != nil {
		d.describe(0, "%d ch × %d b%d", c, s, n)
	}
	d.dispatch(d.pipelineFor(kGroupNorm, wg1), x.Label, params, bufs, splits, o.Groups, n)
	d.putBuf(part) // later users are ordered after these dispatches on the GPU
	return y
}

// gnChunk is the number of values one GroupNorm workgroup reduces and
// normalises (8 per invocation): a 64×64 base group (6 channels) is
// spread over 12 workgroups, a 256×256 upsampler group over 192.
const gnChunk = 2048

// LayerNorm implements nn.Device (layer_norm.wgsl).
func (d *Device) LayerNorm(x, gamma, beta *nn.Tensor, eps float32) *nn.Tensor {
	dm := x.Dim(-1)
	rows := x.Numel() / dm
	mustShape("LayerNorm gamma", gamma, dm)
	mustShape("LayerNorm beta", beta, dm)
	y := d.alloc("layer_norm", x.Shape...)
	gx, gy := grid(rows)
	bufs := []*pbuf{d.buf("LayerNorm", x), d.buf("LayerNorm", gamma), d.buf("LayerNorm", beta), d.buf("LayerNorm", y)}
	d.dispatch(d.pipelineFor(kLayerNorm, wg1), x.Label, []uint32{uint32(dm), uint32(rows), f32w(eps)}, bufs, gx, gy, 1)
	return y
}

// Linear implements nn.Device (linear.wgsl).
func (d *Device) Linear(x, w, b *nn.Tensor) *nn.Tensor {
	in := x.Dim(-1)
	if len(w.Shape) != 2 || w.Shape[1] != in {
		panic(fmt.Sprintf("webgpu: Linear of %s with weights %s", nn.ShapeString(x.Shape), nn.ShapeString(w.Shape)))
	}
	out := w.Shape[0]
	rows := x.Numel() / in
	var flags uint32
	if b != nil {
		mustShape("Linear bias", b, out)
		flags = 1
	}
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), out)
	y := d.alloc("linear", shape...)
	bufs := []*pbuf{d.buf("Linear", x), d.buf("Linear", w), d.opt("Linear", b), d.buf("Linear", y)}
	if d.prof != nil {
		d.describe(2*float64(rows*in*out), "%d→%d × %d rows", in, out, rows)
	}
	params := []uint32{uint32(rows), uint32(in), uint32(out), flags}
	if rows <= 8 { // linear_rows.wgsl: 16 outputs per workgroup, all rows
		d.dispatch(d.pipelineFor(kLinearRows), x.Label, params, bufs, (out+15)/16, 1, 1)
		return y
	}
	d.dispatch(d.pipelineFor(kLinear), x.Label, params, bufs, (out+31)/32, (rows+31)/32, 1)
	return y
}

func (d *Device) unary(op string, code int, x *nn.Tensor) *nn.Tensor {
	y := d.alloc(op, x.Shape...)
	n := x.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kUnary, wg1, uint32(code)), x.Label,
		[]uint32{uint32(n)}, []*pbuf{d.buf(op, x), d.buf(op, y)}, gx, gy, 1)
	return y
}

// GELU implements nn.Device (unary.wgsl, op 0).
func (d *Device) GELU(x *nn.Tensor) *nn.Tensor { return d.unary("gelu", 0, x) }

// SiLU implements nn.Device (unary.wgsl, op 1).
func (d *Device) SiLU(x *nn.Tensor) *nn.Tensor { return d.unary("silu", 1, x) }

// Add implements nn.Device (add.wgsl).
func (d *Device) Add(a, b *nn.Tensor) *nn.Tensor {
	if a.Numel() != b.Numel() {
		panic(fmt.Sprintf("webgpu: Add of %s and %s", nn.ShapeString(a.Shape), nn.ShapeString(b.Shape)))
	}
	y := d.alloc("add", a.Shape...)
	n := a.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kAdd, wg1), a.Label, []uint32{uint32(n)},
		[]*pbuf{d.buf("Add", a), d.buf("Add", b), d.buf("Add", y)}, gx, gy, 1)
	return y
}

// Attention implements nn.Device (attention.wgsl; at most 64 channels per head).
func (d *Device) Attention(qkv, encKV *nn.Tensor, heads int) *nn.Tensor {
	if len(qkv.Shape) < 3 || heads <= 0 || qkv.Shape[1]%(3*heads) != 0 {
		panic(fmt.Sprintf("webgpu: Attention of %s with %d heads", nn.ShapeString(qkv.Shape), heads))
	}
	b, width := qkv.Shape[0], qkv.Shape[1]/3
	ch := width / heads
	t := nn.Numel(qkv.Shape[2:])
	l := 0
	if encKV != nil {
		if len(encKV.Shape) != 3 || encKV.Shape[0] != b || encKV.Shape[1] != 2*width {
			panic(fmt.Sprintf("webgpu: Attention of %s with encoder keys %s", nn.ShapeString(qkv.Shape), nn.ShapeString(encKV.Shape)))
		}
		l = encKV.Shape[2]
	}
	y := d.alloc("attention", append([]int{b, width}, qkv.Shape[2:]...)...)
	if ch > 64 {
		d.fail(kindErr(glide.Unsupported, "attention with %d channels per head (the kernel handles up to 64)", ch))
		return y
	}
	scale2 := float32(1 / math.Sqrt(float64(ch)))
	qb, eb, yb := d.buf("Attention", qkv), d.opt("Attention", encKV), d.buf("Attention", y)
	if d.prof != nil {
		// Q·Kᵀ and P·V over T queries and L+T keys, per head.
		d.describe(4*float64(b*heads*t*(l+t)*ch), "%d heads × %d ch, %d queries, %d+%d keys b%d", heads, ch, t, l, t, b)
	}
	// attention.wgsl: 64 queries per workgroup; the keys split in S
	// slices where the grid is small.
	gx := (t + 63) / 64
	split, chunk := splitKeys(gx*heads*b, l+t, d.splitTarget)
	params := []uint32{uint32(t), uint32(l), uint32(width), uint32(ch), f32w(scale2), uint32(split), uint32(chunk)}
	if split == 1 {
		d.dispatch(d.pipelineFor(kAttention, uint32((ch+3)/4)), qkv.Label, params, []*pbuf{qb, eb, yb, d.dummyW, d.dummyW2}, gx, heads, b)
		return y
	}
	outs := b * width * t
	part := d.getBuf(4*split*outs, "attention-partials")
	ml := d.getBuf(4*2*split*b*heads*t, "attention-max-sum")
	if part == nil || ml == nil {
		return y
	}
	d.dispatch(d.pipelineFor(kAttention, uint32((ch+3)/4)), qkv.Label, params, []*pbuf{qb, eb, d.dummyW, part, ml}, gx, heads, b*split)
	if d.prof != nil {
		d.describe(0, "%d slices of %d heads × %d ch, %d queries b%d", split, heads, ch, t, b)
	}
	mx, my := elementwise(outs)
	d.dispatch(d.pipelineFor(kAttentionMerge, wg1), qkv.Label,
		[]uint32{uint32(t), uint32(width), uint32(ch), uint32(split), uint32(outs), uint32(b)},
		[]*pbuf{part, ml, yb}, mx, my, 1)
	d.putBuf(part)
	d.putBuf(ml)
	return y
}

// splitKeys picks the key slices S of an attention of k keys whose grid
// has wgs workgroups (of 64 invocations: twice splitTarget of them make
// the same occupancy as a convolution's): each slice at least one step of
// 32 keys. It returns S and the slice length.
func splitKeys(wgs, k, target int) (slices, chunk int) {
	return splitReduction(wgs, k, 2*target, 32, 1, k)
}

// Upsample2x implements nn.Device (upsample2x.wgsl).
func (d *Device) Upsample2x(x *nn.Tensor) *nn.Tensor {
	b, c, h, w := dims4("Upsample2x", x)
	y := d.alloc("upsample2x", b, c, 2*h, 2*w)
	n := y.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kUpsample2x, wg1), x.Label, []uint32{uint32(n), uint32(h), uint32(w)},
		[]*pbuf{d.buf("Upsample2x", x), d.buf("Upsample2x", y)}, gx, gy, 1)
	return y
}

// AvgPool2x implements nn.Device (avg_pool2x.wgsl).
func (d *Device) AvgPool2x(x *nn.Tensor) *nn.Tensor {
	b, c, h, w := dims4("AvgPool2x", x)
	y := d.alloc("avg_pool2x", b, c, h/2, w/2)
	n := y.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kAvgPool2x, wg1), x.Label, []uint32{uint32(n), uint32(h), uint32(w)},
		[]*pbuf{d.buf("AvgPool2x", x), d.buf("AvgPool2x", y)}, gx, gy, 1)
	return y
}

// BilinearResize implements nn.Device (bilinear_resize.wgsl).
func (d *Device) BilinearResize(x *nn.Tensor, oh, ow int) *nn.Tensor {
	b, c, h, w := dims4("BilinearResize", x)
	y := d.alloc("bilinear_resize", b, c, oh, ow)
	n := y.Numel()
	gx, gy := elementwise(n)
	params := []uint32{uint32(n), uint32(h), uint32(w), uint32(oh), uint32(ow),
		f32w(float32(h) / float32(oh)), f32w(float32(w) / float32(ow))}
	d.dispatch(d.pipelineFor(kBilinearResize, wg1), x.Label, params,
		[]*pbuf{d.buf("BilinearResize", x), d.buf("BilinearResize", y)}, gx, gy, 1)
	return y
}

// copyBlock records y[doff + o·dstride + i] = x[soff + o·sstride + i].
func (d *Device) copyBlock(label string, x, y *pbuf, outer, inner, sstride, soff, dstride, doff int) {
	n := outer * inner
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kCopyBlock, wg1), label,
		[]uint32{uint32(n), uint32(inner), uint32(sstride), uint32(soff), uint32(dstride), uint32(doff)},
		[]*pbuf{x, y}, gx, gy, 1)
}

func normAxis(axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		panic(fmt.Sprintf("webgpu: axis %d of a rank-%d tensor", axis, rank))
	}
	return axis
}

// Concat implements nn.Device (copy_block.wgsl, once per input).
func (d *Device) Concat(axis int, ts ...*nn.Tensor) *nn.Tensor {
	if len(ts) == 0 {
		panic("webgpu: Concat of nothing")
	}
	axis = normAxis(axis, len(ts[0].Shape))
	shape := append([]int(nil), ts[0].Shape...)
	shape[axis] = 0
	for _, t := range ts {
		for i := range shape {
			if i != axis && (len(t.Shape) != len(shape) || t.Shape[i] != shape[i]) {
				panic(fmt.Sprintf("webgpu: Concat of %s and %s on axis %d", nn.ShapeString(ts[0].Shape), nn.ShapeString(t.Shape), axis))
			}
		}
		shape[axis] += t.Shape[axis]
	}
	y := d.alloc("concat", shape...)
	outer := nn.Numel(shape[:axis])
	dstride := nn.Numel(shape[axis:])
	off := 0
	yb := d.buf("Concat", y)
	for _, t := range ts {
		inner := nn.Numel(t.Shape[axis:])
		d.copyBlock(t.Label, d.buf("Concat", t), yb, outer, inner, inner, 0, dstride, off)
		off += inner
	}
	return y
}

// Slice implements nn.Device (copy_block.wgsl).
func (d *Device) Slice(x *nn.Tensor, axis, start, end int) *nn.Tensor {
	axis = normAxis(axis, len(x.Shape))
	if start < 0 || end > x.Shape[axis] || start > end {
		panic(fmt.Sprintf("webgpu: Slice %d:%d of axis %d of %s", start, end, axis, nn.ShapeString(x.Shape)))
	}
	shape := append([]int(nil), x.Shape...)
	shape[axis] = end - start
	y := d.alloc("slice", shape...)
	rest := nn.Numel(x.Shape[axis+1:])
	outer := nn.Numel(x.Shape[:axis])
	inner := (end - start) * rest
	d.copyBlock(x.Label, d.buf("Slice", x), d.buf("Slice", y), outer, inner, x.Shape[axis]*rest, start*rest, inner, 0)
	return y
}

// Transpose implements nn.Device (transpose.wgsl).
func (d *Device) Transpose(x *nn.Tensor) *nn.Tensor {
	if len(x.Shape) < 2 {
		panic(fmt.Sprintf("webgpu: Transpose of %s", nn.ShapeString(x.Shape)))
	}
	r := len(x.Shape)
	m, k := x.Shape[r-2], x.Shape[r-1]
	shape := append([]int(nil), x.Shape...)
	shape[r-2], shape[r-1] = k, m
	y := d.alloc("transpose", shape...)
	n := x.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kTranspose, wg1), x.Label, []uint32{uint32(n), uint32(m), uint32(k)},
		[]*pbuf{d.buf("Transpose", x), d.buf("Transpose", y)}, gx, gy, 1)
	return y
}

// TimestepEmbedding implements nn.Device. The table is a few KB computed
// from host data, so it is made on the host exactly as the CPU twin does
// (GPU cos/sin of arguments up to ~1000 would be far less accurate) and
// uploaded.
func (d *Device) TimestepEmbedding(t []float32, dim int) *nn.Tensor {
	half := dim / 2
	negLog := float32(-math.Log(10000))
	y := make([]float32, len(t)*dim)
	for i := range half {
		f := float32(math.Exp(float64(float32(i) * negLog / float32(half))))
		for b, tb := range t {
			arg := float64(tb * f)
			y[b*dim+i] = float32(math.Cos(arg))
			y[b*dim+half+i] = float32(math.Sin(arg))
		}
	}
	out := d.Upload(y, len(t), dim)
	out.Label = "timestep_embedding"
	return out
}

// TokenEmbedding implements nn.Device (token_embedding.wgsl).
func (d *Device) TokenEmbedding(table, pos, pad *nn.Tensor, tokens []int32, mask []bool) *nn.Tensor {
	if len(table.Shape) != 2 || len(pos.Shape) != 2 || pos.Shape[1] != table.Shape[1] {
		panic(fmt.Sprintf("webgpu: TokenEmbedding table %s pos %s", nn.ShapeString(table.Shape), nn.ShapeString(pos.Shape)))
	}
	v, dm := table.Shape[0], table.Shape[1]
	l := pos.Shape[0]
	if pad != nil {
		mustShape("TokenEmbedding pad", pad, l, dm)
	}
	if len(tokens)%l != 0 || len(mask) != len(tokens) {
		panic(fmt.Sprintf("webgpu: TokenEmbedding of %d tokens and %d mask values with context %d", len(tokens), len(mask), l))
	}
	ids := make([]byte, 0, 4*len(tokens))
	for r, tok := range tokens {
		id := tok
		if pad != nil && !mask[r] {
			id = -1
		} else if tok < 0 || int(tok) >= v {
			panic(fmt.Sprintf("webgpu: TokenEmbedding token %d outside vocabulary %d", tok, v))
		}
		ids = binary.LittleEndian.AppendUint32(ids, uint32(id))
	}
	y := d.alloc("token_embedding", len(tokens)/l, l, dm)
	idb := d.getBuf(len(ids), "token-ids")
	if idb == nil {
		return y
	}
	d.write(idb, 0, ids)
	n := y.Numel()
	gx, gy := elementwise(n)
	bufs := []*pbuf{idb, d.buf("TokenEmbedding", table), d.buf("TokenEmbedding", pos), d.opt("TokenEmbedding", pad), d.buf("TokenEmbedding", y)}
	d.dispatch(d.pipelineFor(kTokenEmbedding, wg1), table.Label, []uint32{uint32(n), uint32(l), uint32(dm)}, bufs, gx, gy, 1)
	d.putBuf(idb)
	return y
}

// Guidance implements nn.Device (guidance.wgsl).
func (d *Device) Guidance(out *nn.Tensor, scale float32) *nn.Tensor {
	b2, c, h, w := dims4("Guidance", out)
	if b2%2 != 0 {
		panic(fmt.Sprintf("webgpu: Guidance of odd batch %s", nn.ShapeString(out.Shape)))
	}
	y := d.alloc("guidance", b2/2, c, h, w)
	n := y.Numel()
	gx, gy := elementwise(n)
	d.dispatch(d.pipelineFor(kGuidance, wg1), out.Label, []uint32{uint32(n), uint32(c * h * w), uint32(c / 2 * h * w), f32w(scale)},
		[]*pbuf{d.buf("Guidance", out), d.buf("Guidance", y)}, gx, gy, 1)
	return y
}

// SamplerStep implements nn.Device (sampler_step.wgsl).
func (d *Device) SamplerStep(x, out, noise *nn.Tensor, k nn.StepCoefs, known *nn.Known) (next, x0 *nn.Tensor) {
	b, ch, h, w := dims4("SamplerStep", x)
	mustShape("SamplerStep out", out, b, 2*ch, h, w)
	needNoise := (k.DDIM && k.Sigma != 0) || (!k.DDIM && k.NoiseScale != 0)
	var flags uint32
	if k.DDIM {
		flags |= 1
	}
	if k.Clip {
		flags |= 2
	}
	if noise != nil {
		mustShape("SamplerStep noise", noise, b, ch, h, w)
		flags |= 4
	} else if needNoise {
		panic("webgpu: SamplerStep needs noise")
	}
	img, msk := d.dummy, d.dummy
	if known != nil {
		mustShape("SamplerStep known image", known.Image, b, ch, h, w)
		mustShape("SamplerStep known mask", known.Mask, b, 1, h, w)
		img, msk = d.buf("SamplerStep", known.Image), d.buf("SamplerStep", known.Mask)
		flags |= 8
	}
	next, x0 = d.alloc("sampler_next", b, ch, h, w), d.alloc("sampler_x0", b, ch, h, w)
	n := x.Numel()
	gx, gy := elementwise(n)
	params := []uint32{uint32(n), uint32(ch * h * w), uint32(h * w), flags,
		f32w(k.SqrtRecipAlphaBar), f32w(k.SqrtRecipM1AlphaBar), f32w(k.PostCoef1), f32w(k.PostCoef2),
		f32w(k.MinLog), f32w(k.MaxLog), f32w(k.NoiseScale), f32w(k.SqrtAlphaBarPrev), f32w(k.DirCoef), f32w(k.Sigma)}
	bufs := []*pbuf{d.buf("SamplerStep", x), d.buf("SamplerStep", out), d.opt("SamplerStep", noise), img, msk,
		d.buf("SamplerStep", next), d.buf("SamplerStep", x0)}
	d.dispatch(d.pipelineFor(kSamplerStep, wg1), x.Label, params, bufs, gx, gy, 1)
	return next, x0
}
