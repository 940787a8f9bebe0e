package nntest

import "math"

// The float64 twins. Each is the op's definition written as the plainest
// loop; none of them calls a Device. Twins that are costly at GLIDE sizes
// (conv, attention) evaluate single output elements so the suite can check
// a sample of them.

// refConvAt is y[n,o,i,j] of Conv2D for x (B, ci, h, w), w (co, ci, ks, ks).
func refConvAt(x, w, b, res []float32, ci, h, wd, co, ks, pad, n, o, i, j int) float64 {
	oh, ow := h+2*pad-ks+1, wd+2*pad-ks+1
	var s float64
	for c := range ci {
		for u := range ks {
			si := i + u - pad
			if si < 0 || si >= h {
				continue
			}
			for v := range ks {
				sj := j + v - pad
				if sj < 0 || sj >= wd {
					continue
				}
				s += float64(w[((o*ci+c)*ks+u)*ks+v]) * float64(x[((n*ci+c)*h+si)*wd+sj])
			}
		}
	}
	if b != nil {
		s += float64(b[o])
	}
	if res != nil {
		s += float64(res[((n*co+o)*oh+i)*ow+j])
	}
	return s
}

// refGroupNorm is GroupNorm on x (B, C, S) with optional scale-shift (B, 2C)
// and SiLU.
func refGroupNorm(x, gamma, beta, ss []float32, b, c, s, groups int, eps float64, silu bool) []float64 {
	y := make([]float64, len(x))
	cpg := c / groups
	for n := range b {
		for g := range groups {
			lo, hi := (n*c+g*cpg)*s, (n*c+(g+1)*cpg)*s
			mean, variance := meanVar(x[lo:hi])
			rstd := 1 / math.Sqrt(variance+eps)
			for k := g * cpg; k < (g+1)*cpg; k++ {
				for p := range s {
					i := (n*c+k)*s + p
					v := (float64(x[i])-mean)*rstd*float64(gamma[k]) + float64(beta[k])
					if ss != nil {
						v = v*(1+float64(ss[n*2*c+k])) + float64(ss[n*2*c+c+k])
					}
					if silu {
						v = v / (1 + math.Exp(-v))
					}
					y[i] = v
				}
			}
		}
	}
	return y
}

// refLayerNorm normalises each row of x (rows, d).
func refLayerNorm(x, gamma, beta []float32, d int, eps float64) []float64 {
	y := make([]float64, len(x))
	for r := 0; r < len(x)/d; r++ {
		mean, variance := meanVar(x[r*d : (r+1)*d])
		rstd := 1 / math.Sqrt(variance+eps)
		for i := range d {
			y[r*d+i] = (float64(x[r*d+i])-mean)*rstd*float64(gamma[i]) + float64(beta[i])
		}
	}
	return y
}

// meanVar is the mean and biased variance of v.
func meanVar(v []float32) (mean, variance float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		d := float64(x) - mean
		variance += d * d
	}
	return mean, variance / float64(len(v))
}

// refLinear is y = x·wᵀ + b for x (rows, in), w (out, in).
func refLinear(x, w, b []float32, in, out int) []float64 {
	rows := len(x) / in
	y := make([]float64, rows*out)
	for r := range rows {
		for o := range out {
			var s float64
			for i := range in {
				s += float64(x[r*in+i]) * float64(w[o*in+i])
			}
			if b != nil {
				s += float64(b[o])
			}
			y[r*out+o] = s
		}
	}
	return y
}

// refAttentionAt returns the ch outputs y[n, h·ch + c, t] (c = 0..ch−1) of
// legacy QKV attention for qkv (B, 3·width, T) and encKV (B, 2·width, L) or nil.
func refAttentionAt(qkv, enc []float32, width, heads, t, l, n, h, tq int) []float64 {
	ch := width / heads
	s := 1 / math.Sqrt(math.Sqrt(float64(ch)))
	q := func(c int) float64 { return float64(qkv[((n*3*width)+h*3*ch+c)*t+tq]) * s }
	key := func(c, j int) float64 { // j < l: text key, else image key j−l
		if j < l {
			return float64(enc[((n*2*width)+h*2*ch+c)*l+j]) * s
		}
		return float64(qkv[((n*3*width)+h*3*ch+ch+c)*t+j-l]) * s
	}
	val := func(c, j int) float64 {
		if j < l {
			return float64(enc[((n*2*width)+h*2*ch+ch+c)*l+j])
		}
		return float64(qkv[((n*3*width)+h*3*ch+2*ch+c)*t+j-l])
	}
	w := make([]float64, l+t)
	m := math.Inf(-1)
	for j := range w {
		var d float64
		for c := range ch {
			d += q(c) * key(c, j)
		}
		w[j] = d
		m = max(m, d)
	}
	var sum float64
	for j := range w {
		w[j] = math.Exp(w[j] - m)
		sum += w[j]
	}
	out := make([]float64, ch)
	for c := range ch {
		var a float64
		for j := range w {
			a += w[j] / sum * val(c, j)
		}
		out[c] = a
	}
	return out
}

// refBilinear is PyTorch's align_corners=False bilinear resize of x
// (planes, h, w) to (planes, oh, ow), source coordinates as float32.
func refBilinear(x []float32, planes, h, w, oh, ow int) []float64 {
	tap := func(d, in, out int) (int, int, float64) {
		src := (float32(d)+0.5)*(float32(in)/float32(out)) - 0.5
		if src < 0 {
			src = 0
		}
		i0 := min(int(math.Floor(float64(src))), in-1)
		return i0, min(i0+1, in-1), float64(src) - float64(i0)
	}
	y := make([]float64, planes*oh*ow)
	for p := range planes {
		for i := range oh {
			y0, y1, ly := tap(i, h, oh)
			for j := range ow {
				x0, x1, lx := tap(j, w, ow)
				at := func(r, c int) float64 { return float64(x[(p*h+r)*w+c]) }
				top := (1-lx)*at(y0, x0) + lx*at(y0, x1)
				bot := (1-lx)*at(y1, x0) + lx*at(y1, x1)
				y[(p*oh+i)*ow+j] = (1-ly)*top + ly*bot
			}
		}
	}
	return y
}

// refTimestep is [cos(t·f_i) | sin(t·f_i)] with f_i and t·f_i in float32,
// as the reference defines them.
func refTimestep(ts []float32, dim int) []float64 {
	half := dim / 2
	y := make([]float64, len(ts)*dim)
	for b, t := range ts {
		for i := range half {
			f := float32(math.Exp(float64(float32(i) * float32(-math.Log(10000)) / float32(half))))
			arg := float64(t * f)
			y[b*dim+i] = math.Cos(arg)
			y[b*dim+half+i] = math.Sin(arg)
		}
	}
	return y
}
