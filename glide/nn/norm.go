package nn

import (
	"fmt"
	"math"
)

// GroupNorm implements Device.GroupNorm. For each sample n and group g the
// mean μ and biased variance σ² of its C/groups channels × all positions are
// accumulated in float64 in one pass (sums of x − k and (x − k)², k the
// group's first value, so the variance does not cancel) and rounded to
// float32; then, in float32, one pass per channel applies, as PyTorch's
// kernel and the reference's separate ops do,
//
//	y = x·a + b,   a = rstd·gamma[c], b = beta[c] − μ·a
//	y = y·(1 + scale[n,c]) + shift[n,c]   (o.ScaleShift != nil)
//	y = y·sigmoid(y)                      (o.SiLU)
//
// A group is one task when there are enough groups for the goroutines;
// otherwise every group is cut into chunks for both the statistics and the
// normalisation.
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
	glen := cpg * spatial // values per group
	xd, gd, bd := cpuData(x), cpuData(gamma), cpuData(beta)
	y := c.alloc(x.Shape...)
	yd := cpuData(y)
	groups := b * o.Groups
	if groups == 0 || glen == 0 {
		return y
	}

	// apply normalises values [lo, hi) of group task (offsets in the group).
	apply := func(task int, mean, rstd float32, lo, hi int) {
		n, g := task/o.Groups, task%o.Groups
		base := task * glen
		for lo < hi {
			kk := lo / spatial // channel inside the group
			end := min(hi, (kk+1)*spatial)
			k := g*cpg + kk
			a := rstd * gd[k]
			bb := bd[k] - float32(mean*a)
			scale1, shift := float32(1), float32(0)
			if ss != nil {
				scale1, shift = 1+ss[n*2*ch+k], ss[n*2*ch+ch+k]
			}
			affineSilu(yd[base+lo:base+end], xd[base+lo:base+end], a, bb, scale1, shift, o.SiLU)
			lo = end
		}
	}
	// stats turns the sums about k into μ and 1/√(σ² + eps).
	stats := func(s, q float64, k float32) (mean, rstd float32) {
		return shiftedMeanRstd(s, q, glen, k, o.Eps)
	}

	parts := 1
	if groups < 2*c.threads {
		// Few groups: cut each into parts ≥ 16 Ki values.
		parts = max(1, min(tiles(2*c.threads, groups), glen/(1<<14)))
	}
	if parts == 1 {
		c.parallelTasks(groups, func(_, task int) {
			v := xd[task*glen : (task+1)*glen]
			k := v[0]
			s, q := sumSquares(v, k)
			mean, rstd := stats(s, q, k)
			apply(task, mean, rstd, 0, glen)
		})
		return y
	}
	type partial struct{ s, q float64 }
	sums := make([]partial, groups*parts)
	c.parallelTasks(groups*parts, func(_, t int) {
		task, p := t/parts, t%parts
		lo, hi := glen*p/parts, glen*(p+1)/parts
		k := xd[task*glen]
		s, q := sumSquares(xd[task*glen+lo:task*glen+hi], k)
		sums[t] = partial{s, q}
	})
	c.parallelTasks(groups*parts, func(_, t int) {
		task, p := t/parts, t%parts
		var s, q float64
		for _, ps := range sums[task*parts : (task+1)*parts] {
			s, q = s+ps.s, q+ps.q
		}
		mean, rstd := stats(s, q, xd[task*glen])
		apply(task, mean, rstd, glen*p/parts, glen*(p+1)/parts)
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
// in float64 in one pass (see sumSquares) and rounded to float32.
func meanRstd(v []float32, eps float32) (mean, rstd float32) {
	s, q := sumSquares(v, v[0])
	return shiftedMeanRstd(s, q, len(v), v[0], eps)
}

// shiftedMeanRstd turns s = Σ(x − k) and q = Σ(x − k)² over n values into
// the mean and 1/√(biased variance + eps), rounded to float32.
func shiftedMeanRstd(s, q float64, n int, k, eps float32) (mean, rstd float32) {
	m := s / float64(n)
	variance := float32(max(q/float64(n)-m*m, 0))
	return float32(float64(k) + m), float32(1 / math.Sqrt(float64(variance+eps)))
}
