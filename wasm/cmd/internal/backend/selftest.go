package backend

import (
	"fmt"
	"math"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

// The start-up self-test: a few small ops of the real UNet's kinds on the
// device the worker is about to use, each compared with the CPU twin
// (glide/nn's CPU device). wasm/webgpu's own check runs one Linear when
// the device is made; this one covers the kernels where adapter and
// compiler bugs have shown up in peers (convolution tiling, the group
// statistics, the softmax over text and image keys), so that an f16 path
// computing noise is switched off before it draws a single image.

// Corrupt, when set, changes op's device output before it is compared
// (f16: the device runs the f16 path). Only tests and the worker's
// fault switch (build tag faults) set it.
var Corrupt func(op string, f16 bool, got []float32)

// check is one self-test op: run computes it on a device from the shared
// inputs.
type check struct {
	op  string
	run func(d nn.Device, in map[string][]float32) *nn.Tensor
}

// Inputs: shapes in the comments; small versions of GLIDE's (64-channel
// heads, 32 groups, a 3×3 convolution with bias and a residual).
var checks = []check{
	{"conv2d", func(d nn.Device, in map[string][]float32) *nn.Tensor {
		x := d.Upload(in["x"], 1, 32, 8, 8)   // (B, Ci, H, W)
		w := d.Upload(in["w"], 32, 32, 3, 3)  // (Co, Ci, 3, 3)
		b := d.Upload(in["b"], 32)            // (Co)
		r := d.Upload(in["res"], 1, 32, 8, 8) // (B, Co, H, W)
		y := d.Conv2D(x, w, b, r, 1)
		d.Release(x, w, b, r)
		return y
	}},
	{"groupnorm-silu", func(d nn.Device, in map[string][]float32) *nn.Tensor {
		x := d.Upload(in["gx"], 1, 64, 4, 4) // (B, C, H, W)
		g := d.Upload(in["gamma"], 64)       // (C)
		b := d.Upload(in["beta"], 64)        // (C)
		y := d.GroupNorm(x, g, b, nn.GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: true})
		d.Release(x, g, b)
		return y
	}},
	{"attention", func(d nn.Device, in map[string][]float32) *nn.Tensor {
		qkv := d.Upload(in["qkv"], 1, 3*128, 16) // (B, 3C, T), 2 heads of 64
		enc := d.Upload(in["enc"], 1, 2*128, 8)  // (B, 2C, L) text keys | values
		y := d.Attention(qkv, enc, 2)
		d.Release(qkv, enc)
		return y
	}},
}

// inputs are deterministic smooth values of a few units, as activations are.
func inputs() map[string][]float32 {
	fill := func(n int, f func(i float64) float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(f(float64(i)))
		}
		return v
	}
	return map[string][]float32{
		"x":     fill(32*64, func(i float64) float64 { return math.Sin(i * 0.37) }),
		"w":     fill(32*32*9, func(i float64) float64 { return math.Cos(i*0.11) / 16 }),
		"b":     fill(32, func(i float64) float64 { return float64(int(i)%5) / 5 }),
		"res":   fill(32*64, func(i float64) float64 { return math.Cos(i * 0.23) }),
		"gx":    fill(64*16, func(i float64) float64 { return math.Sin(i*0.7) * (1 + float64(int(i)%3)) }),
		"gamma": fill(64, func(i float64) float64 { return 1 + math.Sin(i)/4 }),
		"beta":  fill(64, func(i float64) float64 { return math.Cos(i) / 4 }),
		"qkv":   fill(3*128*16, func(i float64) float64 { return math.Sin(i*0.13) * 2 }),
		"enc":   fill(2*128*8, func(i float64) float64 { return math.Cos(i*0.17) * 2 }),
	}
}

// SelfTest runs the checks on dev and compares each with the CPU device:
// max|got − want| ≤ tol·max(1, max|want|), tol 1e-3 for the f32 kernels
// and 3e-2 for f16 storage (11 significant bits per stored value, a few
// roundings per op). The error (kind KindUnknown) names the failing op.
func SelfTest(dev nn.Device, f16 bool) error {
	tol := 1e-3
	if f16 {
		tol = 3e-2
	}
	in := inputs()
	ref := nn.NewCPU(1)
	for _, c := range checks {
		want, err := ref.Download(c.run(ref, in))
		if err != nil {
			return err
		}
		y := c.run(dev, in)
		got, err := dev.Download(y)
		dev.Release(y)
		if err != nil {
			return glide.Errorf("self-test", glide.KindOf(err), "%s: %v", c.op, err)
		}
		if Corrupt != nil {
			Corrupt(c.op, f16, got)
		}
		if len(got) != len(want) {
			return glide.Errorf("self-test", glide.KindUnknown, "%s: %d values, want %d", c.op, len(got), len(want))
		}
		var maxRef, maxErr float64
		for i := range want {
			e := math.Abs(float64(got[i]) - float64(want[i]))
			if math.IsNaN(e) {
				e = math.Inf(1)
			}
			maxErr = max(maxErr, e)
			maxRef = max(maxRef, math.Abs(float64(want[i])))
		}
		if !(maxErr <= tol*max(1, maxRef)) {
			return glide.Errorf("self-test", glide.KindUnknown, "%s: max error %.3g of max |ref| %.3g exceeds %.0e (%s)",
				c.op, maxErr, maxRef, tol, precision(f16))
		}
	}
	return nil
}

func precision(f16 bool) string {
	if f16 {
		return "f16"
	}
	return "f32"
}

// errSelfTest wraps a failed self-test for the device line.
func errSelfTest(path string, err error) string {
	return fmt.Sprintf("the %s kernels failed the start-up self-test (%v)", path, err)
}
