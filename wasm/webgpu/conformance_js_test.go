package webgpu

import (
	"os"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn/nntest"
)

// Environment of the go_js_wasm_exec wrappers (tools/wasmexec).
const (
	envRequireGPU = "GLIDE_REQUIRE_GPU" // "1": no adapter is a failure
	envExpectF16  = "GLIDE_EXPECT_F16"  // "1": the device must run the f16 path
)

// newDevice makes a device or skips (fails under GLIDE_REQUIRE_GPU=1).
func newDevice(t *testing.T, o Options) *Device {
	t.Helper()
	d, err := New(o)
	if k := glide.KindOf(err); k == glide.NoWebGPU || k == glide.NoAdapter {
		if os.Getenv(envRequireGPU) == "1" {
			t.Fatalf("%v; %s=1 says this harness must have one", err, envRequireGPU)
		}
		t.Skipf("no WebGPU: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// f32Tolerances is the f32 path's budget: nntest.F32Tolerances as they
// are. WGSL's exp (3 + 2|x| ulp) and the Abramowitz–Stegun erf in
// unary.wgsl (1.5e−7) could need more on some GPU, but on SwiftShader and
// lavapipe the worst measured errors are 10–25× inside the CPU budget
// (Conv2D 1.8e−6, Attention 8.5e−7, GroupNorm 2.2e−7, GELU 3.0e−8).
func f32Tolerances() nntest.Tolerances { return nntest.F32Tolerances() }

// f16Tolerances is the f16 path's budget. Every input is stored as f16
// (rounded to 11 significant bits: up to 2^−11 ≈ 4.9e−4 relative per
// element) and so is every output, while the arithmetic stays f32.
func f16Tolerances() nntest.Tolerances {
	// One f16 rounding of each value: max error 2^−11 of the value, NMSE
	// about (2^−11)²/3 for values spread over an octave.
	round := nntest.Tol{MaxRel: 4.9e-4, NMSE: 1e-7}
	// Two roundings (input and output) plus the op's own f32 error.
	twice := nntest.Tol{MaxRel: 1e-3, NMSE: 3e-7}
	return nntest.Tolerances{
		// Data movement of f16-rounded inputs; TokenEmbedding also rounds
		// table + pos once more (measured 6.0e−4).
		Exact:             nntest.Tol{MaxRel: 1e-3, NMSE: 2e-7},
		Conv2D:            nntest.Tol{MaxRel: 2e-3, NMSE: 1e-6}, // rounded inputs and weights feed K-long sums
		GroupNorm:         twice,
		LayerNorm:         twice,
		Linear:            nntest.Tol{MaxRel: 2e-3, NMSE: 1e-6},
		Attention:         nntest.Tol{MaxRel: 3e-3, NMSE: 1e-6}, // rounded q·k feeds exp
		GELU:              twice,
		SiLU:              twice,
		Add:               twice,
		AvgPool2x:         twice,
		BilinearResize:    twice,
		TimestepEmbedding: round,                                // computed on the host, stored as f16
		Guidance:          nntest.Tol{MaxRel: 2e-3, NMSE: 1e-6}, // c − u cancels, then ×scale
		// x0 = a·x − b·eps cancels: the f16 rounding of x and eps grows by
		// a/|x0| (measured 2.3e−3 on the clipped ancestral case).
		SamplerStep: nntest.Tol{MaxRel: 5e-3, NMSE: 1e-6},
	}
}

func TestConformance(t *testing.T) {
	d := newDevice(t, Options{})
	t.Logf("%s; f16 refused: %q", d.Name(), d.F16Refused())
	if os.Getenv(envExpectF16) == "1" && !d.F16() {
		t.Fatalf("%s=1 but the device runs the f32 path (%s)", envExpectF16, d.F16Refused())
	}
	tol := f32Tolerances()
	if d.F16() {
		tol = f16Tolerances()
	}
	nntest.ConformanceOpts(t, d, tol, suiteOpts())
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestConformanceF32OnF16 runs the f32 path on an adapter that has
// shader-f16 too, so that Deno (lavapipe) checks both paths.
func TestConformanceF32OnF16(t *testing.T) {
	d := newDevice(t, Options{ForceF32: true})
	if d.F16() {
		t.Fatal("ForceF32 ignored")
	}
	if os.Getenv(envExpectF16) != "1" {
		t.Skip("TestConformance already ran the f32 path")
	}
	nntest.ConformanceOpts(t, d, f32Tolerances(), suiteOpts())
}

// isSwiftShader says whether d runs on SwiftShader (Chromium's software
// adapter), where some tests leave out what lavapipe or a GPU runs.
func isSwiftShader(d *Device) bool {
	return strings.Contains(strings.ToLower(d.adapter.Info.String()+" "+d.adapter.Info.Architecture), "swiftshader")
}

// suiteOpts runs nntest's reduced shapes (real channel counts, smaller
// images) unless GLIDE_FULL_CONFORMANCE=1: the full shapes take minutes on
// CPU adapters (lavapipe 150 s for the f16 path alone).
func suiteOpts() nntest.Options {
	return nntest.Options{Reduced: os.Getenv("GLIDE_FULL_CONFORMANCE") != "1"}
}

// TestConformanceVariants runs the Conv2D and Attention groups again with
// each kernel variant the device may pick for a shape or an adapter: the
// tiled convolution (64- and 128-pixel tiles) and the attention with
// their reductions never split and always split (conv2d.wgsl,
// attention.wgsl: which one a shape takes depends on its grid), and the
// direct convolution of CPU adapters (conv2d_direct.wgsl). Where the
// adapter has shader-f16 (Deno) it runs them on both paths.
//
// The 128-pixel tile is not run on SwiftShader: software adapters never
// pick it (they take the direct convolution), and SwiftShader spends
// minutes on one such dispatch until Chromium drops the device. Deno's
// lavapipe runs it on both paths, every real GPU on its own.
func TestConformanceVariants(t *testing.T) {
	paths := []bool{false} // ForceF32
	if os.Getenv(envExpectF16) == "1" {
		paths = []bool{false, true}
	}
	for _, forceF32 := range paths {
		d := newDevice(t, Options{ForceF32: forceF32})
		tol := f32Tolerances()
		if d.F16() {
			tol = f16Tolerances()
		}
		swiftShader := isSwiftShader(d)
		t.Run(map[bool]string{true: "f16", false: "f32"}[d.F16()], func(t *testing.T) {
			for _, c := range []struct {
				name       string
				direct     bool
				target, px int
			}{
				{"tiled_never_split", false, 0, 1},
				{"tiled_always_split", false, 1 << 30, 1},
				{"tiled_wide_never_split", false, 0, 2},
				{"tiled_wide_always_split", false, 1 << 30, 2},
				{"direct", true, 0, 0},
			} {
				t.Run(c.name, func(t *testing.T) {
					if c.px == 2 && swiftShader {
						t.Skip("SwiftShader: see TestConformanceVariants (lavapipe and GPUs run this variant)")
					}
					d.direct, d.splitTarget, d.convPX = c.direct, c.target, c.px
					o := suiteOpts()
					o.Only = []string{"Conv2D", "Attention"}
					nntest.ConformanceOpts(t, d, tol, o)
				})
			}
		})
	}
}
