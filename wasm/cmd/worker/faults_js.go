//go:build faults

// The test-only fault switches (build tag faults: make wasm-faults builds
// build/webglide-faults.wasm, which site/worker.js loads only when the
// page was opened with ?faults=…; the production wasm has none of this).
// Each switch makes one fault that real users meet happen on demand, so
// the e2e tests (e2e/reliability.test.mjs) can check the page's recovery:
//
//	{type: "fault", id, fault: "device-lost", step}  destroy the GPUDevice after base step <step>
//	{type: "fault", id, fault: "oom-upsample"}       the next upsampler load runs out of memory
//	{type: "fault", id, fault: "panic"}              a Go panic: the Go program dies
//	{type: "fault", id, fault: "exit"}               os.Exit(3)
//	{type: "fault", id, fault: "throw"}              an uncaught JS error in the worker
//	{type: "fault", id, fault: "close"}              the worker calls close()
//
// answered with {type: "fault", id, fault} once armed (before the crash
// ones strike). The worker URL's faults parameter (self.webglideFaults)
// may also say corrupt=OP or corrupt=OP:f16: the start-up self-test
// (wasm/cmd/internal/backend) then sees OP's output corrupted on every
// path, or on the f16 path only.

package main

import (
	"os"
	"strings"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/wasm/cmd/internal/backend"
)

// armed are the switches waiting for their moment.
var armed struct {
	lostAt      int  // base step after which the device is destroyed; 0: none
	oomUpsample bool // the next upsampler load fails with OutOfMemory
}

// initFaults reads self.webglideFaults before the device is opened.
func initFaults() {
	spec := js.Global().Get("webglideFaults")
	if spec.Type() != js.TypeString {
		return
	}
	for _, part := range strings.Split(spec.String(), ",") {
		op, ok := strings.CutPrefix(part, "corrupt=")
		if !ok {
			continue
		}
		op, f16Only := strings.CutSuffix(op, ":f16")
		backend.Corrupt = func(name string, f16 bool, got []float32) {
			if name == op && (f16 || !f16Only) && len(got) > 0 {
				got[len(got)/2] += 1
			}
		}
	}
}

// fault arms or fires one switch.
func (w *worker) fault(id float64, data js.Value) {
	name := str(data, "fault")
	switch name {
	case "device-lost":
		armed.lostAt = max(1, int(num(data, "step", 1)))
	case "oom-upsample":
		armed.oomUpsample = true
	case "panic", "exit", "throw", "close":
	default:
		postError(id, glide.Errorf("fault", glide.BadInput, "unknown fault %q", name))
		return
	}
	post(map[string]any{"type": "fault", "id": id, "fault": name})
	switch name {
	case "panic":
		go func() { panic("webglide: injected panic (fault switch)") }()
	case "exit":
		go os.Exit(3)
	case "throw":
		js.Global().Call("reportError", js.Global().Get("Error").New("webglide: injected uncaught error (fault switch)"))
	case "close":
		js.Global().Call("close")
	}
}

// faultAtStep destroys the GPU device after the armed base step, as a
// driver reset would.
func (w *worker) faultAtStep(p glide.Progress) {
	if armed.lostAt == 0 || p.Stage != glide.StageBase || p.Step != armed.lostAt {
		return
	}
	armed.lostAt = 0
	if d, ok := w.dev.(interface{ DestroyGPU() }); ok {
		d.DestroyGPU()
	}
}

// faultLoad turns the armed upsampler load into an out-of-memory error.
func faultLoad(m *model.Model, err error) (*model.Model, error) {
	if !armed.oomUpsample || err != nil || m == nil {
		return m, err
	}
	armed.oomUpsample = false
	m.Release()
	return nil, glide.Errorf("load weights", glide.OutOfMemory, "upsample: GPUOutOfMemoryError (injected by the fault switch)")
}
