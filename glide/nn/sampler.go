package nn

import (
	"fmt"
	"math"
)

// Guidance implements Device.Guidance. out is (2B, C, H, W), conditional rows
// first; for the first C/2 channels y = u + scale·(c − u), for the rest y = c.
func (c *CPU) Guidance(out *Tensor, scale float32) *Tensor {
	b2, ch, h, w := bchw("Guidance", out)
	if b2%2 != 0 {
		panic(fmt.Sprintf("nn: Guidance of odd batch %s", ShapeString(out.Shape)))
	}
	b, hw, eps := b2/2, h*w, ch/2
	od := cpuData(out)
	y := c.alloc(b, ch, h, w)
	yd := cpuData(y)
	for n := range b {
		for k := range ch {
			cond := od[(n*ch+k)*hw : (n*ch+k+1)*hw]
			dst := yd[(n*ch+k)*hw : (n*ch+k+1)*hw]
			if k >= eps {
				copy(dst, cond)
				continue
			}
			unc := od[((b+n)*ch+k)*hw : ((b+n)*ch+k+1)*hw]
			for i := range dst {
				dst[i] = unc[i] + scale*(cond[i]-unc[i])
			}
		}
	}
	return y
}

// SamplerStep implements Device.SamplerStep with the formulas of StepCoefs,
// evaluated elementwise in float32 in the documented order.
func (c *CPU) SamplerStep(x, out, noise *Tensor, k StepCoefs, known *Known) (next, x0 *Tensor) {
	b, ch, h, w := bchw("SamplerStep", x)
	mustShape("SamplerStep out", out, b, 2*ch, h, w)
	needNoise := (k.DDIM && k.Sigma != 0) || (!k.DDIM && k.NoiseScale != 0)
	var nd []float32
	if noise != nil {
		mustShape("SamplerStep noise", noise, b, ch, h, w)
		nd = cpuData(noise)
	} else if needNoise {
		panic("nn: SamplerStep needs noise")
	}
	var img, msk []float32
	if known != nil {
		mustShape("SamplerStep known image", known.Image, b, ch, h, w)
		mustShape("SamplerStep known mask", known.Mask, b, 1, h, w)
		img, msk = cpuData(known.Image), cpuData(known.Mask)
	}
	xd, od := cpuData(x), cpuData(out)
	next, x0 = c.alloc(b, ch, h, w), c.alloc(b, ch, h, w)
	nx, x0d := cpuData(next), cpuData(x0)
	hw := h * w
	for n := range b {
		for q := range ch {
			base := (n*ch + q) * hw
			for p := range hw {
				i := base + p
				xt := xd[i]
				eps := od[(n*2*ch+q)*hw+p]
				v := od[(n*2*ch+ch+q)*hw+p]
				pred := k.SqrtRecipAlphaBar*xt - k.SqrtRecipM1AlphaBar*eps
				if known != nil {
					m := msk[n*hw+p]
					pred = pred*(1-m) + img[i]*m
				}
				if k.Clip {
					pred = max(-1, min(1, pred))
				}
				x0d[i] = pred
				var z float32
				if nd != nil {
					z = nd[i]
				}
				if k.DDIM {
					e := (k.SqrtRecipAlphaBar*xt - pred) / k.SqrtRecipM1AlphaBar
					nx[i] = pred*k.SqrtAlphaBarPrev + k.DirCoef*e + k.Sigma*z
					continue
				}
				frac := (v + 1) / 2
				logVar := frac*k.MaxLog + (1-frac)*k.MinLog
				mean := k.PostCoef1*pred + k.PostCoef2*xt
				nx[i] = mean + k.NoiseScale*float32(math.Exp(float64(0.5*logVar)))*z
			}
		}
	}
	return next, x0
}
