package gpu_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/webglide/webglide/shaders"
	"github.com/webglide/webglide/wasm/gpu"
)

// Environment variables set by the go_js_wasm_exec wrappers in
// tools/wasmexec. Without them (e.g. Go's own Node wrapper) a missing
// adapter skips the GPU tests; with them it fails them, so a harness that
// lost its GPU cannot pass silently.
const (
	envRequireGPU = "GLIDE_REQUIRE_GPU" // "1": no adapter is a failure
	envExpectF16  = "GLIDE_EXPECT_F16"  // "1": the adapter must offer shader-f16
)

// adapter returns the WebGPU adapter, or skips (or fails, under
// GLIDE_REQUIRE_GPU=1) the test when there is none.
func adapter(t *testing.T) *gpu.Adapter {
	t.Helper()
	a, err := gpu.RequestAdapter()
	if errors.Is(err, gpu.ErrNoWebGPU) || errors.Is(err, gpu.ErrNoAdapter) {
		if os.Getenv(envRequireGPU) == "1" {
			t.Fatalf("%v; %s=1 says this harness must have one", err, envRequireGPU)
		}
		t.Skipf("no WebGPU adapter: %v (set %s=1 to make this a failure)", err, envRequireGPU)
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// device returns a device on the adapter with the given features and
// destroys it when the test ends.
func device(t *testing.T, a *gpu.Adapter, label string, features ...string) *gpu.Device {
	t.Helper()
	d, err := a.RequestDevice(gpu.DeviceDescriptor{Label: label, RequiredFeatures: features})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Uncaptured errors are a device's silent failures; a test that
		// expects an error catches it with an error scope.
		for _, msg := range d.UncapturedErrors() {
			t.Errorf("uncaptured GPU error on %q: %s", label, msg)
		}
		d.Destroy()
	})
	return d
}

func TestAdapter(t *testing.T) {
	a := adapter(t)
	t.Logf("adapter: %q (vendor %q, architecture %q); shader-f16: %v",
		a.Info.Description, a.Info.Vendor, a.Info.Architecture, a.HasF16())
	if a.Info.String() == "" {
		t.Error("adapter has no name")
	}
	if os.Getenv(envExpectF16) == "1" && !a.HasF16() {
		t.Fatalf("adapter %q has no %s, but %s=1 says this harness runs the f16 path", a.Info, gpu.FeatureShaderF16, envExpectF16)
	}
}

// saxpyRef is the Go twin of shaders/saxpy.wgsl and saxpy_f16.wgsl.
func saxpyRef(a, b float32, x []float32) []float32 {
	y := make([]float32, len(x))
	for i := range x {
		y[i] = a*x[i] + b
	}
	return y
}

// guard is the bit pattern of the NaN written past the end of output
// buffers; a kernel that writes out of range changes it.
const (
	guardBits = 0x7fc0dead
	nGuard    = 4
)

// saxpyRun runs kernel over n elements on d with x's bytes as input and
// returns y, checking y's guard elements.
func saxpyRun(t *testing.T, d *gpu.Device, kernel string, a, b float32, xBytes []byte, n int) []float32 {
	t.Helper()
	src, err := shaders.Source(kernel)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := d.CreateShaderModule(kernel, src)
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := mod.CompilationErrors(); err != nil {
		t.Fatal(err)
	} else if len(errs) > 0 {
		t.Fatalf("WGSL errors:\n%s", strings.Join(errs, "\n"))
	}
	const wg = 64
	pipe, err := d.CreateComputePipeline(gpu.ComputePipelineDescriptor{
		Label: kernel, Module: mod, Constants: map[string]float64{"wg": wg},
	})
	if err != nil {
		t.Fatal(err)
	}

	mk := func(label string, size, usage int) *gpu.Buffer {
		buf, err := d.CreateBuffer(gpu.BufferDescriptor{Label: kernel + "." + label, Size: size, Usage: usage})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(buf.Destroy)
		return buf
	}
	params := mk("params", 16, gpu.BufferUsageUniform|gpu.BufferUsageCopyDst) // (a f32, b f32, n u32, pad)
	x := mk("x", (len(xBytes)+3)&^3, gpu.BufferUsageStorage|gpu.BufferUsageCopyDst)
	y := mk("y", 4*(n+nGuard), gpu.BufferUsageStorage|gpu.BufferUsageCopyDst|gpu.BufferUsageCopySrc) // (n + guard,) f32

	p := append(gpu.Float32Bytes([]float32{a, b}), gpu.Uint32Bytes([]uint32{uint32(n), 0})...)
	guards := make([]uint32, n+nGuard)
	for i := range guards {
		guards[i] = guardBits
	}
	for _, w := range []struct {
		buf  *gpu.Buffer
		data []byte
	}{{params, p}, {x, append(xBytes, make([]byte, x.Size-len(xBytes))...)}, {y, gpu.Uint32Bytes(guards)}} {
		if err := d.Queue.WriteBuffer(w.buf, 0, w.data); err != nil {
			t.Fatal(err)
		}
	}

	d.PushErrorScope("validation")
	bg, err := d.CreateBindGroup(kernel, pipe, 0, []gpu.BindGroupEntry{
		{Binding: 0, Buffer: params}, {Binding: 1, Buffer: x}, {Binding: 2, Buffer: y},
	})
	if err != nil {
		t.Fatal(err)
	}
	enc := d.CreateCommandEncoder(kernel)
	pass := enc.BeginComputePass(kernel)
	pass.SetPipeline(pipe)
	pass.SetBindGroup(0, bg)
	pass.DispatchWorkgroups((n+wg-1)/wg, 1, 1)
	pass.End()
	d.Queue.Submit(enc.Finish(kernel))
	if err := d.PopErrorScope(); err != nil {
		t.Fatal(err)
	}

	out, err := d.ReadBuffer(y, 0, y.Size)
	if err != nil {
		t.Fatal(err)
	}
	got := gpu.BytesFloat32(out)
	for i := n; i < len(got); i++ {
		if b := math.Float32bits(got[i]); b != guardBits {
			t.Errorf("guard y[%d] = %#08x, want %#08x: the kernel wrote past n", i, b, guardBits)
		}
	}
	return got[:n]
}

func TestSaxpyF32(t *testing.T) {
	d := device(t, adapter(t), "saxpy")
	const n = 1000
	const a, b = 2.5, -1.0
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i))) * 100
	}
	got := saxpyRun(t, d, "saxpy", a, b, gpu.Float32Bytes(x), n)
	want := saxpyRef(a, b, x)
	// The GPU may fuse a*x+b into one FMA and Go does not: allow a few
	// ulps relative to the expected value.
	const tol = 1e-6
	bad := 0
	for i := range want {
		if diff := math.Abs(float64(got[i] - want[i])); diff > tol*math.Max(1, math.Abs(float64(want[i]))) {
			if bad++; bad <= 10 {
				t.Errorf("y[%d] = %v, want %v (x = %v)", i, got[i], want[i], x[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements differ", bad, n)
	}
}

func TestSaxpyF16(t *testing.T) {
	a := adapter(t)
	if !a.HasF16() {
		if os.Getenv(envExpectF16) == "1" {
			t.Fatalf("adapter %q has no %s, but %s=1", a.Info, gpu.FeatureShaderF16, envExpectF16)
		}
		t.Skipf("adapter %q has no %s: only the f32 path runs here", a.Info, gpu.FeatureShaderF16)
	}
	d := device(t, a, "saxpy_f16", gpu.FeatureShaderF16)
	const n = 1000
	// Inputs, scalars and results are all exact in f16 (at most 11
	// significant bits), so the f16 kernel must match Go exactly.
	const sa, sb = 0.5, 1.25
	x := make([]float32, n)
	xb := make([]byte, 0, 2*n)
	for i := range x {
		x[i] = float32(i-500) / 4
		h, err := f16Exact(x[i])
		if err != nil {
			t.Fatal(err)
		}
		xb = append(xb, byte(h), byte(h>>8))
	}
	got := saxpyRun(t, d, "saxpy_f16", sa, sb, xb, n)
	want := saxpyRef(sa, sb, x)
	bad := 0
	for i := range want {
		if got[i] != want[i] {
			if bad++; bad <= 10 {
				t.Errorf("y[%d] = %v, want %v (x = %v)", i, got[i], want[i], x[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements differ", bad, n)
	}
}

// TestShaderError checks that a WGSL error surfaces as a Go error rather
// than a silent no-op.
func TestShaderError(t *testing.T) {
	d := device(t, adapter(t), "bad-shader")
	d.PushErrorScope("validation")
	mod, err := d.CreateShaderModule("bad", "@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PopErrorScope(); err == nil {
		t.Error("the error scope around createShaderModule caught nothing")
	}
	errs, err := mod.CompilationErrors()
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) == 0 {
		t.Error("CompilationErrors found nothing wrong with invalid WGSL")
	}
	if _, err := d.CreateComputePipeline(gpu.ComputePipelineDescriptor{Label: "bad", Module: mod}); err == nil {
		t.Error("CreateComputePipeline accepted invalid WGSL")
	} else {
		t.Logf("pipeline error, as expected: %v", err)
	}
}

// f16Exact returns the IEEE binary16 bits of f, which must be zero or a
// normal f16 value with at most 11 significant bits.
func f16Exact(f float32) (uint16, error) {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	if bits&0x7fffffff == 0 {
		return sign, nil
	}
	exp := int(bits>>23&0xff) - 127 + 15
	mant := bits & 0x7fffff
	if exp < 1 || exp > 30 || mant&0x1fff != 0 {
		return 0, fmt.Errorf("%v is not exactly representable as a normal f16", f)
	}
	return sign | uint16(exp)<<10 | uint16(mant>>13), nil
}
