package nntest

import (
	"fmt"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// convTwinBudget caps the multiply-adds of one conv case's float64 twin; a
// larger output is checked on a sample of pixels (all output channels).
const convTwinBudget = 100_000_000

func testConv2D(t *testing.T, dev nn.Device, tol Tolerances, o Options) {
	for i, c := range []struct {
		name                 string
		b, ci, co, h, ks, pd int
		bias, residual       bool
		rb, rh               int // batch and size under Options.Reduced
	}{
		{"192to192_64x64_b2", 2, 192, 192, 64, 3, 1, true, true, 2, 16}, // 64×64 ResBlock conv (+ skip)
		{"384to384_32x32", 1, 384, 384, 32, 3, 1, true, false, 1, 8},
		{"768to768_8x8_b2", 2, 768, 768, 8, 3, 1, true, true, 1, 6},
		{"1536to768_1x1_skip", 2, 1536, 768, 8, 1, 0, true, false, 2, 4}, // ResBlock skip conv after a concat
		{"3to192_input", 2, 3, 192, 64, 3, 1, true, false, 2, 17},        // input_blocks.0
		{"192to6_output", 1, 192, 6, 64, 3, 1, true, false, 1, 13},       // out.2
		{"no_bias_5x7", 1, 4, 5, 5, 3, 1, false, false, 1, 5},
	} {
		if o.Reduced {
			c.b, c.h = c.rb, c.rh
			c.name += "_reduced"
		}
		t.Run(c.name, func(t *testing.T) {
			g := newGen(100 + uint64(i))
			x := g.normal(c.b*c.ci*c.h*c.h, 0, 1)
			w := g.weights(c.co*c.ci*c.ks*c.ks, c.ci*c.ks*c.ks)
			var b, res []float32
			var bt, rt *nn.Tensor
			oh := c.h + 2*c.pd - c.ks + 1
			if c.bias {
				b = g.uniform(c.co, -0.5, 0.5)
				bt = upload(dev, b, c.co)
			}
			if c.residual {
				res = g.normal(c.b*c.co*oh*oh, 0, 1)
				rt = upload(dev, res, c.b, c.co, oh, oh)
			}
			xt := upload(dev, x, c.b, c.ci, c.h, c.h)
			wt := upload(dev, w, c.co, c.ci, c.ks, c.ks)
			y := dev.Conv2D(xt, wt, bt, rt, c.pd)
			got := fetch(t, dev, "Conv2D", y, c.b, c.co, oh, oh)

			pixels := c.b * oh * oh
			perPixel := c.co * c.ci * c.ks * c.ks
			last := oh*oh - 1
			pix := g.sample(pixels, max(1, convTwinBudget/perPixel),
				0, oh-1, last-oh+1, last, pixels-1, pixels-oh, pixels-oh*oh) // corners of both samples
			var idx []int
			var ref []float64
			for _, p := range pix {
				n, ij := p/(oh*oh), p%(oh*oh)
				for o := range c.co {
					idx = append(idx, (n*c.co+o)*oh*oh+ij)
					ref = append(ref, refConvAt(x, w, b, res, c.ci, c.h, c.h, c.co, c.ks, c.pd, n, o, ij/oh, ij%oh))
				}
			}
			within(t, fmt.Sprintf("Conv2D %s (%d pixels)", c.name, len(pix)), got, idx, ref, tol.Conv2D)
			release(dev, xt, wt, bt, rt, y)
		})
	}
}

func testLinear(t *testing.T, dev nn.Device, tol Tolerances) {
	for i, c := range []struct {
		name          string
		rows, in, out int
		bias          bool
		shape         []int
	}{
		{"512to1536_qkv", 128, 512, 1536, true, []int{1, 128, 512}}, // text c_qkv
		{"512to768_nobias", 2, 512, 768, false, []int{2, 512}},
		{"768to1536_emb_b1", 1, 768, 1536, true, []int{1, 768}}, // a ResBlock's scale-shift projection
		{"odd_7x13to11", 7, 13, 11, true, []int{7, 13}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGen(200 + uint64(i))
			x := g.normal(c.rows*c.in, 0, 1)
			w := g.weights(c.out*c.in, c.in)
			var b []float32
			var bt *nn.Tensor
			if c.bias {
				b = g.uniform(c.out, -0.5, 0.5)
				bt = upload(dev, b, c.out)
			}
			xt, wt := upload(dev, x, c.shape...), upload(dev, w, c.out, c.in)
			y := dev.Linear(xt, wt, bt)
			oshape := append(append([]int(nil), c.shape[:len(c.shape)-1]...), c.out)
			got := fetch(t, dev, "Linear", y, oshape...)
			within(t, "Linear "+c.name, got, nil, refLinear(x, w, b, c.in, c.out), tol.Linear)
			release(dev, xt, wt, bt, y)
		})
	}
}

// attnTwinQueries is the number of query positions checked per case.
const attnTwinQueries = 48

func testAttention(t *testing.T, dev nn.Device, tol Tolerances, o Options) {
	for i, c := range []struct {
		name            string
		b, width, heads int
		hw              []int // spatial shape, T = Π hw
		l               int   // text tokens, 0 = no encoder keys
		rb              int   // batch under Options.Reduced
		rhw             []int // spatial shape under Options.Reduced
	}{
		{"384_6h_32x32_text", 1, 384, 6, []int{32, 32}, 128, 1, []int{16, 16}}, // reduced: 384 keys, enough to split (attention.wgsl)
		{"768_12h_8x8_text", 2, 768, 12, []int{8, 8}, 128, 1, []int{5, 5}},
		{"768_12h_8x8", 2, 768, 12, []int{8, 8}, 0, 2, []int{4, 4}},
		{"64_1h_T5_L3", 1, 64, 1, []int{5}, 3, 1, []int{5}}, // odd sizes
	} {
		if o.Reduced {
			c.b, c.hw = c.rb, c.rhw
			c.name += "_reduced"
		}
		t.Run(c.name, func(t *testing.T) {
			g := newGen(300 + uint64(i))
			tt := 1
			for _, d := range c.hw {
				tt *= d
			}
			qkv := g.normal(c.b*3*c.width*tt, 0, 1.5)
			qshape := append([]int{c.b, 3 * c.width}, c.hw...)
			qt := upload(dev, qkv, qshape...)
			var enc []float32
			var et *nn.Tensor
			if c.l > 0 {
				enc = g.normal(c.b*2*c.width*c.l, 0, 1.5)
				et = upload(dev, enc, c.b, 2*c.width, c.l)
			}
			y := dev.Attention(qt, et, c.heads)
			got := fetch(t, dev, "Attention", y, append([]int{c.b, c.width}, c.hw...)...)
			ch := c.width / c.heads
			var idx []int
			var ref []float64
			for _, p := range g.sample(c.b*tt, attnTwinQueries, 0, tt-1, c.b*tt-1, 127, 128) {
				n, tq := p/tt, p%tt
				for h := range c.heads {
					for k, v := range refAttentionAt(qkv, enc, c.width, c.heads, tt, c.l, n, h, tq) {
						idx = append(idx, (n*c.width+h*ch+k)*tt+tq)
						ref = append(ref, v)
					}
				}
			}
			within(t, "Attention "+c.name, got, idx, ref, tol.Attention)
			release(dev, qt, et, y)
		})
	}
}

func testGroupNorm(t *testing.T, dev nn.Device, tol Tolerances) {
	for i, c := range []struct {
		name             string
		b, c, h          int
		scaleShift, silu bool
	}{
		{"192_64x64_scaleshift_silu", 2, 192, 64, true, true}, // ResBlock out-norm + SiLU path
		{"192_64x64_silu", 1, 192, 64, false, true},           // in-norm / output head
		{"576_16x16", 2, 576, 16, false, false},               // attention norm
		{"1536_8x8_silu", 2, 1536, 8, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGen(400 + uint64(i))
			s := c.h * c.h
			x := g.normal(c.b*c.c*s, 0.3, 2)
			gamma, beta := g.uniform(c.c, 0.5, 1.5), g.uniform(c.c, -0.5, 0.5)
			xt := upload(dev, x, c.b, c.c, c.h, c.h)
			gt, bt := upload(dev, gamma, c.c), upload(dev, beta, c.c)
			o := nn.GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: c.silu}
			var ss []float32
			if c.scaleShift {
				ss = g.normal(c.b*2*c.c, 0, 0.5)
				o.ScaleShift = upload(dev, ss, c.b, 2*c.c)
			}
			y := dev.GroupNorm(xt, gt, bt, o)
			got := fetch(t, dev, "GroupNorm", y, c.b, c.c, c.h, c.h)
			within(t, "GroupNorm "+c.name, got, nil, refGroupNorm(x, gamma, beta, ss, c.b, c.c, s, 32, 1e-5, c.silu), tol.GroupNorm)
			release(dev, xt, gt, bt, o.ScaleShift, y)
		})
	}
}

func testLayerNorm(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(500)
	x := g.normal(2*128*512, -0.2, 3)
	gamma, beta := g.uniform(512, 0.5, 1.5), g.uniform(512, -0.5, 0.5)
	xt := upload(dev, x, 2, 128, 512)
	gt, bt := upload(dev, gamma, 512), upload(dev, beta, 512)
	y := dev.LayerNorm(xt, gt, bt, 1e-5)
	got := fetch(t, dev, "LayerNorm", y, 2, 128, 512)
	within(t, "LayerNorm 512 wide", got, nil, refLayerNorm(x, gamma, beta, 512, 1e-5), tol.LayerNorm)
	release(dev, xt, gt, bt, y)
}
