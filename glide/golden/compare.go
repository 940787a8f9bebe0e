package golden

import (
	"fmt"
	"math"
)

// Diff summarises got − want for one tensor.
type Diff struct {
	MaxAbs float64 // max |got − want|
	MaxRef float64 // max |want|
	NaN    bool    // got has a NaN or Inf where want is finite
	RMS    float64 // √(mean (got − want)²) over the finite values
}

// Rel is MaxAbs / MaxRef (MaxAbs when MaxRef is 0).
func (d Diff) Rel() float64 {
	if d.NaN {
		return math.Inf(1)
	}
	if d.MaxRef == 0 {
		return d.MaxAbs
	}
	return d.MaxAbs / d.MaxRef
}

// Compare returns the difference between got and want (same length).
func Compare(got, want []float32) (Diff, error) {
	if len(got) != len(want) {
		return Diff{}, fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	var d Diff
	var ss float64
	n := 0
	for i, w := range want {
		g := float64(got[i])
		wf := float64(w)
		if math.IsNaN(g) || math.IsInf(g, 0) {
			if !(math.IsNaN(wf) || math.IsInf(wf, 0)) {
				d.NaN = true
			}
			continue
		}
		d.MaxAbs = max(d.MaxAbs, math.Abs(g-wf))
		ss += (g - wf) * (g - wf)
		n++
		d.MaxRef = max(d.MaxRef, math.Abs(wf))
	}
	if n > 0 {
		d.RMS = math.Sqrt(ss / float64(n))
	}
	return d, nil
}

// Crop returns x[:, :, 0:h, 0:w] of an (N, C, H, W) tensor, the way the
// fixtures store large activations.
func Crop(x []float32, shape []int, h, w int) []float32 {
	n, c, H, W := shape[0], shape[1], shape[2], shape[3]
	out := make([]float32, 0, n*c*h*w)
	for i := 0; i < n*c; i++ {
		for y := 0; y < h; y++ {
			row := x[(i*H+y)*W:]
			out = append(out, row[:w]...)
		}
	}
	return out
}

// Tolerance is a bound on max|got − want|: Rel·max|want| by default, or
// Abs when Abs is set. RMS, when set, bounds the root-mean-square
// difference instead, and Abs (if also set) still bounds the maximum.
type Tolerance struct {
	Rel float64
	Abs float64 // if > 0, an absolute bound instead of the relative one
	RMS float64 // if > 0, a bound on √(mean (got − want)²): the reported metric
	Why string  // why this bound (and why it is looser than the default, if it is)
}

// Check tests one named tensor against its tolerance and returns the
// error measure it bounds (relative, max-abs or RMS) and a failure
// description ("" when within tolerance).
func (t Tolerance) Check(name string, got, want []float32) (float64, string) {
	d, err := Compare(got, want)
	if err != nil {
		return math.Inf(1), fmt.Sprintf("%s: %v", name, err)
	}
	if d.NaN {
		return math.Inf(1), fmt.Sprintf("%s: NaN or Inf in output", name)
	}
	if t.RMS > 0 {
		if d.RMS > t.RMS {
			return d.RMS, fmt.Sprintf("%s: rms diff %.3g > %.3g (max|diff| %.3g)", name, d.RMS, t.RMS, d.MaxAbs)
		}
		if t.Abs > 0 && d.MaxAbs > t.Abs {
			return d.RMS, fmt.Sprintf("%s: max|diff| %.3g > %.3g (rms %.3g)", name, d.MaxAbs, t.Abs, d.RMS)
		}
		return d.RMS, ""
	}
	if t.Abs > 0 {
		if d.MaxAbs > t.Abs {
			return d.MaxAbs, fmt.Sprintf("%s: max|diff| %.3g > %.3g (rms %.3g)", name, d.MaxAbs, t.Abs, d.RMS)
		}
		return d.MaxAbs, ""
	}
	r := d.Rel()
	if r > t.Rel {
		return r, fmt.Sprintf("%s: max|diff| %.3g = %.3g·max|ref| > %.3g·max|ref|", name, d.MaxAbs, r, t.Rel)
	}
	return r, ""
}
