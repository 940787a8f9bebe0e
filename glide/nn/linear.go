package nn

import "fmt"

// Linear implements Device.Linear: x (..., in), w (out, in), b (out) or nil,
//
//	y[r, o] = b[o] + Σ_i x[r, i]·w[o, i]
//
// as one parallel sgemm, Y = X·Wᵀ, accumulated onto the broadcast bias.
func (c *CPU) Linear(x, w, b *Tensor) *Tensor {
	in := x.Dim(-1)
	if len(w.Shape) != 2 || w.Shape[1] != in {
		panic(fmt.Sprintf("nn: Linear of %s with weights %s", ShapeString(x.Shape), ShapeString(w.Shape)))
	}
	out := w.Shape[0]
	rows := x.Numel() / in
	shape := append([]int(nil), x.Shape...)
	shape[len(shape)-1] = out
	y := c.alloc(shape...)
	yd := cpuData(y)
	if b != nil {
		mustShape("Linear bias", b, out)
		bd := cpuData(b)
		for r := range rows {
			copy(yd[r*out:(r+1)*out], bd)
		}
	}
	c.gemmParallel(rows, out, in, rowMajor(cpuData(x), 0, in), transposed(cpuData(w), 0, in), yd, out)
	return y
}
