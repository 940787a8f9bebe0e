//go:build !js

package gpu

import "testing"

// TestWebGPU stands in for the WebGPU tests in gpu_js_test.go, which need
// a JS environment with navigator.gpu.
func TestWebGPU(t *testing.T) {
	t.Skip("WebGPU tests run only under GOOS=js GOARCH=wasm: make test-wasm-chromium or make test-wasm-deno")
}
