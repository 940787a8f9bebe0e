package main

import (
	"fmt"
	"syscall/js"

	"github.com/webglide/webglide/wasm/cmd/internal/backend"
)

// chosenBackend is the backend the page asked for with ?backend=…
// (site/client.js passes it on in the worker's URL; site/worker.js sets
// self.webglideBackend): "cpu" computes on the CPU in wasm even where
// WebGPU works (a GPU driver that misbehaves; the e2e tests whose subject
// is not the GPU, since on a machine without one SwiftShader is several
// times slower than the CPU device); none is the automatic choice. note
// is what the device line adds: that the page chose, or that it asked for
// something that is no backend.
func chosenBackend() (name, note string) {
	v := js.Global().Get("webglideBackend")
	switch {
	case v.Type() != js.TypeString:
		return backend.Auto, ""
	case v.String() == "cpu" || v.String() == backend.CPUWasm:
		return backend.CPUWasm, " (chosen with ?backend=cpu; WebGPU not asked)"
	}
	return backend.Auto, fmt.Sprintf(" (?backend=%.40q is not a backend: the page takes ?backend=cpu; chosen automatically)", v.String())
}
