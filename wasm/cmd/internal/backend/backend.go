// Package backend chooses the compute device of WebGLIDE's wasm programs
// (the page's worker and the in-browser check-golden): the WebGPU device of
// wasm/webgpu when it can run here, else the CPU device compiled to wasm.
// It is the one place that knows the backend names and their tolerances.
package backend

import (
	"fmt"
)

// Backend names, spelled as `make check-golden BACKEND=...` takes them.
const (
	Auto      = "auto"       // the worker's choice: WebGPU (f16 when offered), else CPU
	CPUWasm   = "cpu-wasm"   // glide/nn's CPU device compiled to wasm (slow, exact)
	WebGPU    = "webgpu"     // WebGPU, f32 kernels (Chromium/SwiftShader)
	WebGPUF16 = "webgpu-f16" // WebGPU, shader-f16 kernels (Deno on lavapipe)
)

// Names lists the explicit backends.
var Names = []string{CPUWasm, WebGPU, WebGPUF16}

// TolScale is how much looser than on the native CPU device the golden
// checks are on a backend (goldencheck.Env.TolScale). The model tolerance
// is max|out − ref| ≤ 1e-4·max|ref| on the CPU (issue 3); the WebGPU
// issue allows 1e-3·max|ref| for the f32 kernels and 1e-2·max|ref| for
// the f16 kernels (half precision keeps 11 significant bits), hence
// 1, 10 and 100. The sampler checks scale the same way.
func TolScale(name string) (float64, error) {
	switch name {
	case CPUWasm:
		return 1, nil
	case WebGPU:
		return 10, nil
	case WebGPUF16:
		return 100, nil
	}
	return 0, fmt.Errorf("unknown backend %q (want one of %v)", name, Names)
}

// Info describes the chosen device for people.
type Info struct {
	Backend string // CPUWasm, WebGPU or WebGPUF16
	Device  string // the device's Name()
	// Adapter describes the WebGPU adapter ("" when there is none); F16
	// says whether it offers shader-f16.
	Adapter string
	F16     bool
	// AdapterErr is why there is no adapter (nil when there is one).
	AdapterErr error
	// Note is a line for the UI, e.g. "running on CPU in wasm: slow
	// (WebGPU device not available in this build yet)".
	Note string

	selfTestNote string // why the f16 path was dropped after SelfTest
}
