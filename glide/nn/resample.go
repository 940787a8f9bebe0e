package nn

import (
	"fmt"
	"math"
)

// bchw returns the (B, C, H, W) sizes of a rank-4 tensor.
func bchw(op string, x *Tensor) (b, ch, h, w int) {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("nn: %s wants (B, C, H, W), got %s", op, ShapeString(x.Shape)))
	}
	return x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
}

// Upsample2x implements Device.Upsample2x: nearest neighbour,
// y[n,c,i,j] = x[n,c,i/2,j/2].
func (c *CPU) Upsample2x(x *Tensor) *Tensor {
	b, ch, h, w := bchw("Upsample2x", x)
	xd := cpuData(x)
	y := c.alloc(b, ch, 2*h, 2*w)
	yd := cpuData(y)
	c.parallelRange(b*ch, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*h*w : (p+1)*h*w]
			dst := yd[p*4*h*w : (p+1)*4*h*w]
			for i := range 2 * h {
				row := src[(i/2)*w : (i/2+1)*w]
				out := dst[i*2*w : (i+1)*2*w]
				for j := range out {
					out[j] = row[j/2]
				}
			}
		}
	})
	return y
}

// AvgPool2x implements Device.AvgPool2x: y[n,c,i,j] = (x[2i,2j] + x[2i,2j+1] +
// x[2i+1,2j] + x[2i+1,2j+1])/4, summed in that order in float32. An odd last
// row or column is dropped, as PyTorch's avg_pool2d does.
func (c *CPU) AvgPool2x(x *Tensor) *Tensor {
	b, ch, h, w := bchw("AvgPool2x", x)
	oh, ow := h/2, w/2
	xd := cpuData(x)
	y := c.alloc(b, ch, oh, ow)
	yd := cpuData(y)
	c.parallelRange(b*ch, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*h*w : (p+1)*h*w]
			dst := yd[p*oh*ow : (p+1)*oh*ow]
			for i := range oh {
				r0 := src[2*i*w : 2*i*w+w]
				r1 := src[(2*i+1)*w : (2*i+1)*w+w]
				for j := range ow {
					s := r0[2*j] + r0[2*j+1] + r1[2*j] + r1[2*j+1]
					dst[i*ow+j] = s * 0.25
				}
			}
		}
	})
	return y
}

// bilinearTaps are the source indices and weights of one output coordinate:
// out = (1−l)·in[i0] + l·in[i1].
type bilinearTaps struct {
	i0, i1 int
	l      float32
}

// bilinearAxis computes PyTorch's align_corners=False taps for one axis:
// src = (d + 0.5)·in/out − 0.5 clamped below at 0, i0 = floor(src),
// i1 = min(i0 + 1, in − 1), l = src − i0, all in float32.
func bilinearAxis(in, out int) []bilinearTaps {
	scale := float32(in) / float32(out)
	taps := make([]bilinearTaps, out)
	for d := range taps {
		src := (float32(d)+0.5)*scale - 0.5
		if src < 0 {
			src = 0
		}
		i0 := int(float32(math.Floor(float64(src))))
		if i0 > in-1 {
			i0 = in - 1
		}
		taps[d] = bilinearTaps{i0: i0, i1: min(i0+1, in-1), l: src - float32(i0)}
	}
	return taps
}

// BilinearResize implements Device.BilinearResize (PyTorch bilinear,
// align_corners=False, no antialiasing):
//
//	y[i,j] = (1−ly)·((1−lx)·x[y0,x0] + lx·x[y0,x1]) + ly·((1−lx)·x[y1,x0] + lx·x[y1,x1])
func (c *CPU) BilinearResize(x *Tensor, oh, ow int) *Tensor {
	b, ch, h, w := bchw("BilinearResize", x)
	ty, tx := bilinearAxis(h, oh), bilinearAxis(w, ow)
	xd := cpuData(x)
	y := c.alloc(b, ch, oh, ow)
	yd := cpuData(y)
	c.parallelRange(b*ch, 1, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src := xd[p*h*w : (p+1)*h*w]
			dst := yd[p*oh*ow : (p+1)*oh*ow]
			for i, yt := range ty {
				r0 := src[yt.i0*w : yt.i0*w+w]
				r1 := src[yt.i1*w : yt.i1*w+w]
				for j, xt := range tx {
					top := (1-xt.l)*r0[xt.i0] + xt.l*r0[xt.i1]
					bot := (1-xt.l)*r1[xt.i0] + xt.l*r1[xt.i1]
					dst[i*ow+j] = (1-yt.l)*top + yt.l*bot
				}
			}
		}
	})
	return y
}
