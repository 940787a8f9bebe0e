package nntest

import (
	"math"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

func testElementwise(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(600)
	shape := []int{1, 128, 2048} // text MLP activations
	n := nn.Numel(shape)
	a, b := g.normal(n, 0, 3), g.normal(n, 0, 3)
	at, bt := upload(dev, a, shape...), upload(dev, b, shape...)
	gelu, silu, add := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range a {
		x := float64(a[i])
		gelu[i] = x / 2 * (1 + math.Erf(x/math.Sqrt2))
		silu[i] = x / (1 + math.Exp(-x))
		add[i] = x + float64(b[i])
	}
	y := dev.GELU(at)
	within(t, "GELU", fetch(t, dev, "GELU", y, shape...), nil, gelu, tol.GELU)
	z := dev.SiLU(at)
	within(t, "SiLU", fetch(t, dev, "SiLU", z, shape...), nil, silu, tol.SiLU)
	s := dev.Add(at, bt)
	within(t, "Add", fetch(t, dev, "Add", s, shape...), nil, add, tol.Add)
	release(dev, at, bt, y, z, s)
}

func testResample(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(700)
	{ // Up-ResBlock: 32×32 → 64×64 at 192 channels.
		b, c, h := 2, 192, 32
		x := g.normal(b*c*h*h, 0, 1)
		xt := upload(dev, x, b, c, h, h)
		y := dev.Upsample2x(xt)
		want := make([]float32, b*c*4*h*h)
		for p := range b * c {
			for i := range 2 * h {
				for j := range 2 * h {
					want[(p*2*h+i)*2*h+j] = x[(p*h+i/2)*h+j/2]
				}
			}
		}
		same(t, "Upsample2x", fetch(t, dev, "Upsample2x", y, b, c, 2*h, 2*h), want, tol.Exact)
		release(dev, xt, y)
	}
	{ // Down-ResBlock: 64×64 → 32×32 at 192 channels.
		b, c, h := 2, 192, 64
		x := g.normal(b*c*h*h, 0, 1)
		xt := upload(dev, x, b, c, h, h)
		y := dev.AvgPool2x(xt)
		oh := h / 2
		want := make([]float64, b*c*oh*oh)
		for p := range b * c {
			for i := range oh {
				for j := range oh {
					at := func(r, s int) float64 { return float64(x[(p*h+r)*h+s]) }
					want[(p*oh+i)*oh+j] = (at(2*i, 2*j) + at(2*i, 2*j+1) + at(2*i+1, 2*j) + at(2*i+1, 2*j+1)) / 4
				}
			}
		}
		within(t, "AvgPool2x", fetch(t, dev, "AvgPool2x", y, b, c, oh, oh), nil, want, tol.AvgPool2x)
		release(dev, xt, y)
	}
	for _, c := range []struct {
		name                string
		b, ch, h, w, oh, ow int
	}{
		{"64to256", 1, 3, 64, 64, 256, 256}, // super-res low_res input
		{"odd_up_5x7to9x11", 1, 2, 5, 7, 9, 11},
		{"odd_down_9x6to4x5", 2, 1, 9, 6, 4, 5},
	} {
		x := g.uniform(c.b*c.ch*c.h*c.w, -1, 1)
		xt := upload(dev, x, c.b, c.ch, c.h, c.w)
		y := dev.BilinearResize(xt, c.oh, c.ow)
		got := fetch(t, dev, "BilinearResize", y, c.b, c.ch, c.oh, c.ow)
		within(t, "BilinearResize "+c.name, got, nil, refBilinear(x, c.b*c.ch, c.h, c.w, c.oh, c.ow), tol.BilinearResize)
		release(dev, xt, y)
	}
}

func testLayout(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(800)
	{ // Output block input: concat(h, skip) on channels at 8×8.
		a, b := g.normal(2*768*64, 0, 1), g.normal(2*384*64, 0, 1)
		at, bt := upload(dev, a, 2, 768, 8, 8), upload(dev, b, 2, 384, 8, 8)
		y := dev.Concat(1, at, bt)
		want := make([]float32, 0, len(a)+len(b))
		for n := range 2 {
			want = append(want, a[n*768*64:(n+1)*768*64]...)
			want = append(want, b[n*384*64:(n+1)*384*64]...)
		}
		same(t, "Concat axis 1", fetch(t, dev, "Concat", y, 2, 1152, 8, 8), want, tol.Exact)
		release(dev, at, bt, y)
	}
	{ // Classifier-free guidance batch: concat(cond, uncond) on the batch axis.
		a, b := g.normal(6*64*64, 0, 1), g.normal(6*64*64, 0, 1)
		at, bt := upload(dev, a, 1, 6, 64, 64), upload(dev, b, 1, 6, 64, 64)
		y := dev.Concat(0, at, bt, at)
		want := append(append(append([]float32(nil), a...), b...), a...)
		same(t, "Concat axis 0", fetch(t, dev, "Concat", y, 3, 6, 64, 64), want, tol.Exact)
		release(dev, at, bt, y)
	}
	for _, c := range []struct {
		name             string
		shape            []int
		axis, start, end int
	}{
		{"last token", []int{2, 128, 512}, 1, 127, 128}, // xf_proj input x[:, 127]
		{"eps channels", []int{2, 6, 64, 64}, 1, 0, 3},  // model output split
		{"var channels", []int{2, 6, 64, 64}, -3, 3, 6},
		{"batch", []int{4, 6, 8, 8}, 0, 2, 4},
		{"last axis", []int{3, 5, 7}, 2, 1, 6},
	} {
		x := g.normal(nn.Numel(c.shape), 0, 1)
		xt := upload(dev, x, c.shape...)
		y := dev.Slice(xt, c.axis, c.start, c.end)
		axis := c.axis
		if axis < 0 {
			axis += len(c.shape)
		}
		outer, inner := nn.Numel(c.shape[:axis]), nn.Numel(c.shape[axis+1:])
		var want []float32
		for o := range outer {
			want = append(want, x[(o*c.shape[axis]+c.start)*inner:(o*c.shape[axis]+c.end)*inner]...)
		}
		oshape := append([]int(nil), c.shape...)
		oshape[axis] = c.end - c.start
		same(t, "Slice "+c.name, fetch(t, dev, "Slice", y, oshape...), want, tol.Exact)
		release(dev, xt, y)
	}
	{ // xf_out: (B, 128, 512) → (B, 512, 128).
		x := g.normal(2*128*512, 0, 1)
		xt := upload(dev, x, 2, 128, 512)
		y := dev.Transpose(xt)
		want := make([]float32, len(x))
		for n := range 2 {
			for i := range 128 {
				for j := range 512 {
					want[(n*512+j)*128+i] = x[(n*128+i)*512+j]
				}
			}
		}
		same(t, "Transpose", fetch(t, dev, "Transpose", y, 2, 512, 128), want, tol.Exact)
		release(dev, xt, y)
	}
}

func testEmbedding(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(900)
	const v, l, d, b = 1024, 128, 512, 2 // real context and width; a cut vocabulary
	table, pos, pad := g.normal(v*d, 0, 1), g.normal(l*d, 0, 0.1), g.normal(l*d, 0, 1)
	tt, pt, padt := upload(dev, table, v, d), upload(dev, pos, l, d), upload(dev, pad, l, d)
	tokens := make([]int32, b*l)
	mask := make([]bool, b*l)
	for n, used := range []int{7, 128} {
		for i := range l {
			tokens[n*l+i] = int32(g.r.IntN(v))
			mask[n*l+i] = i < used
		}
	}
	for _, withPad := range []bool{true, false} {
		var p *nn.Tensor
		if withPad {
			p = padt
		}
		y := dev.TokenEmbedding(tt, pt, p, tokens, mask)
		want := make([]float32, b*l*d)
		for r, tok := range tokens {
			for k := range d {
				if withPad && !mask[r] {
					want[r*d+k] = pad[(r%l)*d+k]
				} else {
					want[r*d+k] = table[int(tok)*d+k] + pos[(r%l)*d+k]
				}
			}
		}
		name := "TokenEmbedding"
		if !withPad {
			name += " without padding"
		}
		same(t, name, fetch(t, dev, name, y, b, l, d), want, tol.Exact)
		release(dev, y)
	}
	release(dev, tt, pt, padt)

	ts := []float32{0, 1, 17, 250, 999}
	y := dev.TimestepEmbedding(ts, 192)
	within(t, "TimestepEmbedding", fetch(t, dev, "TimestepEmbedding", y, len(ts), 192), nil, refTimestep(ts, 192), tol.TimestepEmbedding)
	release(dev, y)
}

func testGuidance(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(1000)
	const b, c, h = 2, 6, 64
	out := g.normal(2*b*c*h*h, 0, 1)
	ot := upload(dev, out, 2*b, c, h, h)
	const scale = 3
	y := dev.Guidance(ot, scale)
	want := make([]float64, b*c*h*h)
	for n := range b {
		for k := range c {
			for p := range h * h {
				cond := float64(out[(n*c+k)*h*h+p])
				unc := float64(out[((b+n)*c+k)*h*h+p])
				if k < c/2 {
					want[(n*c+k)*h*h+p] = unc + scale*(cond-unc)
				} else {
					want[(n*c+k)*h*h+p] = cond
				}
			}
		}
	}
	within(t, "Guidance", fetch(t, dev, "Guidance", y, b, c, h, h), nil, want, tol.Guidance)
	release(dev, ot, y)
}
