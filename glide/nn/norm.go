package nn

import (
	"fmt"
	"math"
)

// GroupNorm implements Device.GroupNorm. For each sample n and group g the
// mean μ and biased variance σ² of its C/groups channels × all positions are
// accumulated in float64 and rounded to float32; then, in float32,
//
//	y = (x − μ)·(1/√(σ² + eps))·gamma[c] + beta[c]
//	y = y·(1 + scale[n,c]) + shift[n,c]   (o.ScaleShift != nil)
//	y = y·sigmoid(y)                      (o.SiLU)
func (c *CPU) GroupNorm(x, gamma, beta *Tensor, o GroupNormOpts) *Tensor {
	if len(x.Shape) < 2 {
		panic(fmt.Sprintf("nn: GroupNorm of %s", ShapeString(x.Shape)))
	}
	b, ch := x.Shape[0], x.Shape[1]
	if o.Groups <= 0 || ch%o.Groups != 0 {
		panic(fmt.Sprintf("nn: GroupNorm of %d channels in %d groups", ch, o.Groups))
	}
	mustShape("GroupNorm gamma", gamma, ch)
	mustShape("GroupNorm beta", beta, ch)
	var ss []float32
	if o.ScaleShift != nil {
		mustShape("GroupNorm scale-shift", o.ScaleShift, b, 2*ch)
		ss = cpuData(o.ScaleShift)
	}
	spatial := Numel(x.Shape[2:])
	cpg := ch / o.Groups
	xd, gd, bd := cpuData(x), cpuData(gamma), cpuData(beta)
	y := c.alloc(x.Shape...)
	yd := cpuData(y)
	c.parallelTasks(b*o.Groups, func(_, task int) {
		n, g := task/o.Groups, task%o.Groups
		lo := (n*ch + g*cpg) * spatial
		hi := lo + cpg*spatial
		mean, rstd := meanRstd(xd[lo:hi], o.Eps)
		for k := g * cpg; k < (g+1)*cpg; k++ {
			src := xd[(n*ch+k)*spatial : (n*ch+k+1)*spatial]
			dst := yd[(n*ch+k)*spatial : (n*ch+k+1)*spatial]
			gk, bk := gd[k], bd[k]
			for i, v := range src {
				dst[i] = (v-mean)*rstd*gk + bk
			}
			if ss != nil {
				scale1, shift := 1+ss[n*2*ch+k], ss[n*2*ch+ch+k]
				for i, v := range dst {
					dst[i] = v*scale1 + shift
				}
			}
			if o.SiLU {
				for i, v := range dst {
					dst[i] = silu(v)
				}
			}
		}
	})
	return y
}

// LayerNorm implements Device.LayerNorm over the last axis: per row, μ and
// the biased σ² accumulated in float64 and rounded to float32, then
// y = (x − μ)·(1/√(σ² + eps))·gamma + beta in float32.
func (c *CPU) LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	d := x.Dim(-1)
	mustShape("LayerNorm gamma", gamma, d)
	mustShape("LayerNorm beta", beta, d)
	xd, gd, bd := cpuData(x), cpuData(gamma), cpuData(beta)
	y := c.alloc(x.Shape...)
	yd := cpuData(y)
	rows := x.Numel() / d
	c.parallelRange(rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := xd[r*d:(r+1)*d], yd[r*d:(r+1)*d]
			mean, rstd := meanRstd(src, eps)
			for i, v := range src {
				dst[i] = (v-mean)*rstd*gd[i] + bd[i]
			}
		}
	})
	return y
}

// meanRstd returns the mean and 1/√(biased variance + eps) of v, accumulated
// in float64 (two passes) and rounded to float32.
func meanRstd(v []float32, eps float32) (mean, rstd float32) {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	m := s / float64(len(v))
	var q float64
	for _, x := range v {
		d := float64(x) - m
		q += d * d
	}
	variance := float32(q / float64(len(v)))
	return float32(m), float32(1 / math.Sqrt(float64(variance+eps)))
}
