package backend

import (
	"strings"
	"testing"

	"github.com/webglide/webglide/wasm/gpu"
	"github.com/webglide/webglide/wasm/webgpu"
)

// The start-up self-test's fallbacks, with one kernel's output corrupted:
// on the f16 path only, the f32 kernels take over (said in the note);
// on every path, Auto falls back to the CPU and says why, and the
// explicit WebGPU backend fails.
func TestOpenSelfTestFallback(t *testing.T) {
	a, err := gpu.RequestAdapter()
	if err != nil {
		t.Skipf("no WebGPU adapter here: %v", err)
	}
	hasF16 := a.HasF16()
	defer func() { Corrupt = nil }()

	Corrupt = func(op string, f16 bool, got []float32) {
		if op == "groupnorm-silu" && f16 {
			got[len(got)-1] += 1
		}
	}
	dev, info, err := Open(Auto)
	if err != nil {
		t.Fatalf("Open(Auto) = %v", err)
	}
	t.Logf("f16 path corrupted: %s; %s", info.Backend, info.Note)
	if info.Backend != WebGPU {
		t.Errorf("backend %q, want %q (the f32 kernels)", info.Backend, WebGPU)
	}
	if got := strings.Contains(info.Note, "f16 kernels failed the start-up self-test"); got != hasF16 {
		t.Errorf("note %q: mentions the failed f16 self-test: %v, want %v (adapter has shader-f16: %v)", info.Note, got, hasF16, hasF16)
	}
	dev.(*webgpu.Device).Close()

	Corrupt = func(op string, _ bool, got []float32) {
		if op == "attention" {
			got[0] = -got[0] - 1
		}
	}
	dev, info, err = Open(Auto)
	if err != nil {
		t.Fatalf("Open(Auto) = %v", err)
	}
	t.Logf("every path corrupted: %s; %s", info.Backend, info.Note)
	if info.Backend != CPUWasm || !strings.Contains(info.Note, "f32 kernels failed the start-up self-test") ||
		!strings.Contains(info.Note, "attention") {
		t.Errorf("Open(Auto) = %s, note %q; want %s naming the failed f32 attention", info.Backend, info.Note, CPUWasm)
	}
	if _, _, err := Open(WebGPU); err == nil || !strings.Contains(err.Error(), "self-test") {
		t.Errorf("Open(WebGPU) with a corrupted kernel = %v, want the self-test's error", err)
	}
}
