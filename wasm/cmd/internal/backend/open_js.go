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
	if dev, err = checked(dev, name, &info); err != nil {
		if name == Auto {
			return cpu(info, err.Error())
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
	if info.selfTestNote != "" {
		info.Note += "; " + info.selfTestNote
	}
	return dev, info, nil
}

// checked runs the start-up self-test (SelfTest) on dev. When the f16
// path fails it, dev is closed and an f32 device on a new adapter
// replaces it (Auto and WebGPU only), and info says so; when the f32 path
// fails too, the error says why and Auto falls back to the CPU.
func checked(dev *webgpu.Device, name string, info *Info) (*webgpu.Device, error) {
	f16Err := SelfTest(dev, dev.F16())
	if f16Err == nil {
		return dev, nil
	}
	dev.Close()
	if !dev.F16() || name == WebGPUF16 {
		return nil, glide.Errorf("device", glide.KindUnknown, "%s", errSelfTest(precision(dev.F16()), f16Err))
	}
	info.selfTestNote = errSelfTest("f16", f16Err) + ": using the f32 kernels"
	a, aerr := gpu.RequestAdapter() // an adapter hands out one device only
	if aerr != nil {
		return nil, glide.Errorf("device", glide.NoAdapter, "%s; no adapter for the f32 path: %v", info.selfTestNote, aerr)
	}
	dev, err := newWebGPU(a, false)
	if err != nil {
		return nil, err
	}
	if err := SelfTest(dev, false); err != nil {
		dev.Close()
		return nil, glide.Errorf("device", glide.KindUnknown, "%s, and %s", errSelfTest("f16", f16Err), errSelfTest("f32", err))
	}
	return dev, nil
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
