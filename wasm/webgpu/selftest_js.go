package webgpu

import (
	"fmt"
	"math"
)

// selfTest runs one small Linear (with bias) on the device and compares it
// with a float64 twin. It catches adapters (or f16 paths) that compute
// garbage, before any real work is trusted to them.
func (d *Device) selfTest() error {
	const rows, in, out = 8, 64, 40
	x := make([]float32, rows*in)
	w := make([]float32, out*in)
	b := make([]float32, out)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.37)) * 2
	}
	for i := range w {
		w[i] = float32(math.Cos(float64(i)*0.11)) / 8
	}
	for i := range b {
		b[i] = float32(i%7) / 7
	}
	xt, wt, bt := d.Upload(x, rows, in), d.Upload(w, out, in), d.Upload(b, out)
	y := d.Linear(xt, wt, bt)
	got, err := d.Download(y)
	d.Release(xt, wt, bt, y)
	if err != nil {
		return err
	}
	if selfTestHook != nil {
		selfTestHook(d.f16, got)
	}
	// f16 storage rounds inputs and output to 11 significant bits
	// (2^−11 relative each); f32 needs only a few ulps of 64-term sums.
	tol := 1e-5
	if d.f16 {
		tol = 1e-2
	}
	var maxRef, maxErr float64
	for r := range rows {
		for o := range out {
			s := float64(b[o])
			for k := range in {
				s += float64(x[r*in+k]) * float64(w[o*in+k])
			}
			e := math.Abs(float64(got[r*out+o]) - s)
			if math.IsNaN(e) {
				e = math.Inf(1)
			}
			maxErr = max(maxErr, e)
			maxRef = max(maxRef, math.Abs(s))
		}
	}
	if !(maxErr <= tol*maxRef) {
		path := "f32"
		if d.f16 {
			path = "f16"
		}
		return fmt.Errorf("%s self-test (Linear %d×%d→%d): max error %.3g of max |ref| %.3g exceeds %.0e", path, rows, in, out, maxErr, maxRef, tol)
	}
	return nil
}
