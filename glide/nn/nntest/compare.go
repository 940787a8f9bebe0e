package nntest

import (
	"math"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// upload copies host data to the device.
func upload(dev nn.Device, data []float32, shape ...int) *nn.Tensor {
	return dev.Upload(data, shape...)
}

// fetch downloads y, checks that it has exactly the wanted shape and holds
// no NaN or Inf, and returns its values.
//
// Style rule 4 asks for guard elements around every output buffer; the
// Device interface does not expose a tensor's allocation, so the suite
// cannot plant guards itself. The exact shape check plus the NaN scan over
// every element (out-of-bounds writes of uninitialised GPU memory tend to
// show up as NaN or as wrong values in the checked elements) stand in for
// them; a GPU device should also run its own guarded kernel tests.
func fetch(t *testing.T, dev nn.Device, name string, y *nn.Tensor, shape ...int) []float32 {
	t.Helper()
	if y == nil {
		t.Fatalf("%s: nil output", name)
	}
	if !nn.SameShape(y.Shape, shape) {
		t.Fatalf("%s: output shape %s, want %s", name, nn.ShapeString(y.Shape), nn.ShapeString(shape))
	}
	got, err := dev.Download(y)
	if err != nil {
		t.Fatalf("%s: download: %v", name, err)
	}
	if len(got) != nn.Numel(shape) {
		t.Fatalf("%s: downloaded %d values for shape %s", name, len(got), nn.ShapeString(shape))
	}
	for i, v := range got {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: element %d is %v", name, i, v)
		}
	}
	return got
}

// within compares got[idx[j]] with ref[j] (idx nil: got[j] with ref[j] for
// every j) under tol, and reports both error measures.
func within(t *testing.T, name string, got []float32, idx []int, ref []float64, tol Tol) {
	t.Helper()
	if idx == nil && len(got) != len(ref) {
		t.Fatalf("%s: %d values, twin has %d", name, len(got), len(ref))
	}
	var maxRef, maxErr, se, sr float64
	worst := -1
	for j, r := range ref {
		i := j
		if idx != nil {
			i = idx[j]
		}
		d := math.Abs(float64(got[i]) - r)
		if d > maxErr || worst < 0 {
			maxErr, worst = max(d, maxErr), i
		}
		maxRef = max(maxRef, math.Abs(r))
		se += d * d
		sr += r * r
	}
	if len(ref) == 0 {
		t.Fatalf("%s: nothing compared", name)
	}
	rel, nmse := maxErr, se
	if maxRef > 0 {
		rel = maxErr / maxRef
	}
	if sr > 0 {
		nmse = se / sr
	}
	if rel > tol.MaxRel || nmse > tol.NMSE {
		t.Errorf("%s: max-abs/max|ref| = %.3g, NMSE = %.3g (element %d: got %v); want %v",
			name, rel, nmse, worst, got[worst], tol)
		return
	}
	if testing.Verbose() {
		t.Logf("%s: max-abs/max|ref| = %.3g, NMSE = %.3g over %d values", name, rel, nmse, len(ref))
	}
}

// exact fails unless got equals want bit for bit.
func exact(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d is %v, want %v", name, i, got[i], want[i])
		}
	}
}

// release hands the non-nil tensors back to the device.
func release(dev nn.Device, ts ...*nn.Tensor) {
	var keep []*nn.Tensor
	for _, t := range ts {
		if t != nil {
			keep = append(keep, t)
		}
	}
	dev.Release(keep...)
}
