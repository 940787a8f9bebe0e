package backend

import (
	"errors"
	"fmt"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/wasm/gpu"
	"github.com/webglide/webglide/wasm/webgpu"
)

// newWebGPU makes the WebGPU device on adapter a, with shader-f16 kernels
// when f16 is set and the device's start-up self-test accepts them.
var newWebGPU = func(a *gpu.Adapter, f16 bool) (*webgpu.Device, error) {
	return webgpu.NewOnAdapter(a, webgpu.Options{ForceF32: !f16})
}

// Open returns the device for backend name (Auto, CPUWasm, WebGPU,
// WebGPUF16) and what was chosen. Auto never fails: without a usable
// WebGPU device it falls back to the CPU and says why in Info.Note. The
// explicit WebGPU backends fail with a *glide.Error (NoWebGPU, NoAdapter,
// MissingFeature or Unsupported) instead of falling back.
func Open(name string) (nn.Device, Info, error) {
	if name == CPUWasm {
		return cpu(Info{}, "")
	}
	if name != Auto && name != WebGPU && name != WebGPUF16 {
		return nil, Info{}, glide.Errorf("device", glide.BadInput, "unknown backend %q (want auto or one of %v)", name, Names)
	}
	var info Info
	a, err := gpu.RequestAdapter()
	if err != nil {
		info.AdapterErr = err
		kind := glide.KindUnknown
		switch {
		case errors.Is(err, gpu.ErrNoWebGPU):
			kind = glide.NoWebGPU
		case errors.Is(err, gpu.ErrNoAdapter):
			kind = glide.NoAdapter
		}
		if name == Auto {
			return cpu(info, "no WebGPU")
		}
		return nil, info, &glide.Error{Op: "device", Kind: kind, Err: err}
	}
	info.Adapter, info.F16 = a.Info.String(), a.HasF16()
	f16 := name == WebGPUF16 || (name == Auto && info.F16)
	if name == WebGPUF16 && !info.F16 {
		return nil, info, glide.Errorf("device", glide.MissingFeature, "the WebGPU adapter (%s) has no shader-f16", info.Adapter)
	}
	dev, err := newWebGPU(a, f16)
	if err != nil {
		if name == Auto {
			return cpu(info, fmt.Sprintf("WebGPU failed: %v", err))
		}
		return nil, info, err
	}
	info.Backend, info.Device = WebGPU, dev.Name()
	if dev.F16() {
		info.Backend = WebGPUF16
	} else if name == WebGPUF16 {
		dev.Close()
		return nil, info, glide.Errorf("device", glide.MissingFeature, "the f16 path was refused on %s: %s", info.Adapter, dev.F16Refused())
	}
	info.Note = fmt.Sprintf("running on the GPU with WebGPU (%s)", dev.Name())
	return dev, info, nil
}

// cpu is the CPU device in wasm: one thread, since Go's wasm has one.
func cpu(info Info, why string) (nn.Device, Info, error) {
	dev := nn.NewCPU(1)
	info.Backend, info.Device = CPUWasm, dev.Name()
	info.Note = "running on CPU in wasm: slow"
	if why != "" {
		info.Note += " (" + why + ")"
	}
	return dev, info, nil
}
