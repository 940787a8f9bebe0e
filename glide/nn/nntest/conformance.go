package nntest

import (
	"slices"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// Conformance runs every nn.Device op on GLIDE-shaped inputs and compares
// the outputs with the float64 twins under tol. Channel counts, head
// layouts and sequence lengths are the real model's; batch and spatial
// sizes are cut where a full float64 twin would cost more than about a
// GFLOP, and conv and attention outputs at full size are checked on a
// sample of positions (always including the corners).
func Conformance(t *testing.T, dev nn.Device, tol Tolerances) {
	t.Helper()
	ConformanceOpts(t, dev, tol, Options{})
}

// Options adjust the suite for slow devices.
type Options struct {
	// Reduced shrinks the spatial sizes (and some batches) of the costly
	// cases, Conv2D and Attention, by 4–16× in work while keeping the real
	// channel counts, head layouts and text length. For CPU WebGPU
	// adapters (SwiftShader runs 0.1–0.6 GFLOP/s).
	Reduced bool
	// Only, when not empty, names the op groups to run (e.g. "Conv2D"):
	// for a device variant that changes one kernel.
	Only []string
}

// ConformanceOpts is Conformance with options.
func ConformanceOpts(t *testing.T, dev nn.Device, tol Tolerances, o Options) {
	t.Helper()
	t.Logf("device: %s", dev.Name())
	groups := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Upload", func(t *testing.T) { testUpload(t, dev, tol) }},
		{"Conv2D", func(t *testing.T) { testConv2D(t, dev, tol, o) }},
		{"GroupNorm", func(t *testing.T) { testGroupNorm(t, dev, tol) }},
		{"LayerNorm", func(t *testing.T) { testLayerNorm(t, dev, tol) }},
		{"Linear", func(t *testing.T) { testLinear(t, dev, tol) }},
		{"Attention", func(t *testing.T) { testAttention(t, dev, tol, o) }},
		{"Elementwise", func(t *testing.T) { testElementwise(t, dev, tol) }},
		{"Resample", func(t *testing.T) { testResample(t, dev, tol) }},
		{"Layout", func(t *testing.T) { testLayout(t, dev, tol) }},
		{"Embedding", func(t *testing.T) { testEmbedding(t, dev, tol) }},
		{"Guidance", func(t *testing.T) { testGuidance(t, dev, tol) }},
		{"SamplerStep", func(t *testing.T) { testSamplerStep(t, dev, tol) }},
	}
	ran := 0
	for _, g := range groups {
		if len(o.Only) == 0 || slices.Contains(o.Only, g.name) {
			t.Run(g.name, g.run)
			ran++
		}
	}
	if ran == 0 {
		t.Errorf("Options.Only %q names no op group", o.Only)
	}
	if err := dev.Err(); err != nil {
		t.Errorf("device error after the suite: %v", err)
	}
}

// same checks a data-movement result: bit-exact under a zero Exact
// tolerance, else within it.
func same(t *testing.T, name string, got, want []float32, tol Tol) {
	t.Helper()
	if tol == (Tol{}) {
		exact(t, name, got, want)
		return
	}
	ref := make([]float64, len(want))
	for i, v := range want {
		ref[i] = float64(v)
	}
	within(t, name, got, nil, ref, tol)
}

func testUpload(t *testing.T, dev nn.Device, tol Tolerances) {
	g := newGen(1)
	x := g.normal(2*3*5*7, 0, 1)
	a := upload(dev, x, 2, 3, 5, 7)
	same(t, "Upload", fetch(t, dev, "Upload", a, 2, 3, 5, 7), x, tol.Exact)

	// A Reshape view shares storage and can feed an op.
	v := a.Reshape(6, -1)
	same(t, "Reshape view", fetch(t, dev, "Reshape", v, 6, 35), x, tol.Exact)
	y := dev.Add(v, v)
	want := make([]float32, len(x))
	for i := range x {
		want[i] = x[i] + x[i]
	}
	same(t, "Add on a view", fetch(t, dev, "Add(view)", y, 6, 35), want, tol.Exact)

	// binary16: normals, subnormals, zeros, the largest finite values.
	bits := []uint16{0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x3555, 0x7bff, 0xfbff, 0x1234, 0xc567}
	h := dev.UploadF16(bits, 3, 4)
	wantH := make([]float32, len(bits))
	for i, b := range bits {
		wantH[i] = nn.F16ToF32(b)
	}
	same(t, "UploadF16", fetch(t, dev, "UploadF16", h, 3, 4), wantH, tol.Exact)
	release(dev, a, v, y, h)
}
