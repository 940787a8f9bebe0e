package nntest

import (
	"math"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// stepCoefs builds plausible StepCoefs from ᾱ_t, ᾱ_{t−1} and η, in float64
// rounded to float32 as glide/diffusion does.
func stepCoefs(abar, abarPrev, eta float64, ddim, clip, last bool) nn.StepCoefs {
	beta := 1 - abar/abarPrev
	postVar := beta * (1 - abarPrev) / (1 - abar)
	sigma := eta * math.Sqrt((1-abarPrev)/(1-abar)) * math.Sqrt(1-abar/abarPrev)
	c := nn.StepCoefs{
		DDIM:                ddim,
		Clip:                clip,
		SqrtRecipAlphaBar:   float32(math.Sqrt(1 / abar)),
		SqrtRecipM1AlphaBar: float32(math.Sqrt(1/abar - 1)),
		PostCoef1:           float32(beta * math.Sqrt(abarPrev) / (1 - abar)),
		PostCoef2:           float32((1 - abarPrev) * math.Sqrt(1-beta) / (1 - abar)),
		MinLog:              float32(math.Log(postVar)),
		MaxLog:              float32(math.Log(beta)),
		NoiseScale:          1,
		SqrtAlphaBarPrev:    float32(math.Sqrt(abarPrev)),
		DirCoef:             float32(math.Sqrt(1 - abarPrev - sigma*sigma)),
		Sigma:               float32(sigma),
	}
	if last {
		c.NoiseScale, c.Sigma = 0, 0
	}
	return c
}

// refStep is the float64 twin of SamplerStep for one element.
func refStep(c nn.StepCoefs, x, eps, v, z float64, known bool, img, m float64) (next, x0 float64) {
	f := func(v float32) float64 { return float64(v) }
	x0 = f(c.SqrtRecipAlphaBar)*x - f(c.SqrtRecipM1AlphaBar)*eps
	if known {
		x0 = x0*(1-m) + img*m
	}
	if c.Clip {
		x0 = max(-1, min(1, x0))
	}
	if c.DDIM {
		e := (f(c.SqrtRecipAlphaBar)*x - x0) / f(c.SqrtRecipM1AlphaBar)
		return x0*f(c.SqrtAlphaBarPrev) + f(c.DirCoef)*e + f(c.Sigma)*z, x0
	}
	frac := (v + 1) / 2
	logVar := frac*f(c.MaxLog) + (1-frac)*f(c.MinLog)
	mean := f(c.PostCoef1)*x0 + f(c.PostCoef2)*x
	return mean + f(c.NoiseScale)*math.Exp(0.5*logVar)*z, x0
}

func testSamplerStep(t *testing.T, dev nn.Device, tol Tolerances) {
	const b, h = 2, 64
	for i, c := range []struct {
		name  string
		coefs nn.StepCoefs
		known bool
	}{
		{"ancestral", stepCoefs(0.5, 0.55, 0, false, true, false), false},
		{"ancestral_noclip", stepCoefs(0.02, 0.025, 0, false, false, false), false},
		{"ancestral_last", stepCoefs(0.999, 1-1e-5, 0, false, true, true), false},
		{"ancestral_known", stepCoefs(0.3, 0.34, 0, false, true, false), true},
		{"ddim_eta0", stepCoefs(0.4, 0.6, 0, true, true, false), false},
		{"ddim_eta1", stepCoefs(0.4, 0.6, 1, true, true, false), false},
		{"ddim_known", stepCoefs(0.7, 0.8, 0.5, true, true, false), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGen(1100 + uint64(i))
			n := b * 3 * h * h
			x, out := g.normal(n, 0, 1), g.normal(2*n, 0, 0.8)
			xt, ot := upload(dev, x, b, 3, h, h), upload(dev, out, b, 6, h, h)
			var z []float32
			var zt *nn.Tensor
			if (c.coefs.DDIM && c.coefs.Sigma != 0) || (!c.coefs.DDIM && c.coefs.NoiseScale != 0) {
				z = g.normal(n, 0, 1)
				zt = upload(dev, z, b, 3, h, h)
			}
			var img, mask []float32
			var kn *nn.Known
			if c.known {
				img = g.uniform(n, -1, 1)
				mask = make([]float32, b*h*h)
				for p := range mask {
					if (p/h)%h < h/2 { // top half known
						mask[p] = 1
					}
				}
				kn = &nn.Known{Image: upload(dev, img, b, 3, h, h), Mask: upload(dev, mask, b, 1, h, h)}
			}
			next, x0 := dev.SamplerStep(xt, ot, zt, c.coefs, kn)
			gotNext := fetch(t, dev, "SamplerStep next", next, b, 3, h, h)
			gotX0 := fetch(t, dev, "SamplerStep x0", x0, b, 3, h, h)
			refNext, refX0 := make([]float64, n), make([]float64, n)
			for nn := range b {
				for k := range 3 {
					for p := range h * h {
						i := (nn*3+k)*h*h + p
						var zv, iv, mv float64
						if z != nil {
							zv = float64(z[i])
						}
						if c.known {
							iv, mv = float64(img[i]), float64(mask[nn*h*h+p])
						}
						refNext[i], refX0[i] = refStep(c.coefs, float64(x[i]),
							float64(out[(nn*6+k)*h*h+p]), float64(out[(nn*6+3+k)*h*h+p]), zv, c.known, iv, mv)
					}
				}
			}
			within(t, "SamplerStep x0 "+c.name, gotX0, nil, refX0, tol.SamplerStep)
			within(t, "SamplerStep next "+c.name, gotNext, nil, refNext, tol.SamplerStep)
			release(dev, xt, ot, zt, next, x0)
			if kn != nil {
				release(dev, kn.Image, kn.Mask)
			}
		})
	}
}
