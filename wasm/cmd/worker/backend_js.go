package main

import (
	"syscall/js"

	"github.com/webglide/webglide/wasm/cmd/internal/backend"
)

// chosenBackend is the backend the page asked for with ?backend=…
// (site/client.js passes it on in the worker's URL; site/worker.js sets
// self.webglideBackend): "cpu" computes on the CPU in wasm even where
// WebGPU works (a GPU driver that misbehaves; the e2e tests whose subject
// is not the GPU, since on a machine without one SwiftShader is several
// times slower than the CPU device); anything else is the automatic choice.
// forced says whether the page chose.
func chosenBackend() (name string, forced bool) {
	v := js.Global().Get("webglideBackend")
	if v.Type() == js.TypeString && (v.String() == "cpu" || v.String() == backend.CPUWasm) {
		return backend.CPUWasm, true
	}
	return backend.Auto, false
}
