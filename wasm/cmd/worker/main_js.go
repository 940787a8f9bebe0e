// Command worker is WebGLIDE's Go side in the browser, built to
// build/webglide.wasm and started by site/worker.js in a dedicated worker.
//
// For now it finds the WebGPU adapter and reports it to the page:
//
//	{type: "adapter", description, vendor, architecture, f16: bool}
//	{type: "error", kind: "NoWebGPU", message}
//
// Later it will own the model, the device and the sampling loop.
package main

import (
	"errors"
	"syscall/js"

	"github.com/webglide/webglide/wasm/gpu"
)

func main() {
	a, err := gpu.RequestAdapter()
	switch {
	case errors.Is(err, gpu.ErrNoWebGPU) || errors.Is(err, gpu.ErrNoAdapter):
		post(map[string]any{"type": "error", "kind": "NoWebGPU", "message": err.Error()})
	case err != nil:
		post(map[string]any{"type": "error", "kind": "Internal", "message": err.Error()})
	default:
		post(map[string]any{
			"type":         "adapter",
			"description":  a.Info.String(),
			"vendor":       a.Info.Vendor,
			"architecture": a.Info.Architecture,
			"f16":          a.HasF16(),
		})
	}
	// Stay alive: the worker will take requests from the page here.
	select {}
}

// post sends a message to the page (the worker's postMessage).
func post(msg map[string]any) {
	js.Global().Call("postMessage", msg)
}
