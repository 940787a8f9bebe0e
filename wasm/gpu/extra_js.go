package gpu

import (
	"syscall/js"
)

// This file extends the binding with what the WebGPU nn.Device needs:
// limits, explicit bind-group and pipeline layouts (for dynamic uniform
// offsets), typed uncaptured errors and access to the underlying JS
// objects for the device's JS command encoder.

// Limits reads a GPUSupportedLimits object into a map of name → value.
func limitsOf(v js.Value) map[string]float64 {
	m := map[string]float64{}
	if v.Type() != js.TypeObject {
		return m
	}
	for _, k := range []string{
		"maxStorageBufferBindingSize", "maxBufferSize", "maxUniformBufferBindingSize",
		"maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize",
		"maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupsPerDimension",
		"minStorageBufferOffsetAlignment", "minUniformBufferOffsetAlignment",
		"maxComputeWorkgroupSizeX", "maxBindGroups",
	} {
		if x := v.Get(k); x.Type() == js.TypeNumber {
			m[k] = x.Float()
		}
	}
	return m
}

// Limits returns the adapter's supported limits (the most a device may
// request).
func (a *Adapter) Limits() map[string]float64 { return limitsOf(a.v.Get("limits")) }

// Limits returns the device's limits (what it was created with).
func (d *Device) Limits() map[string]float64 { return limitsOf(d.v.Get("limits")) }

// JSValue returns the GPUDevice.
func (d *Device) JSValue() js.Value { return d.v }

// JSValue returns the GPUBuffer.
func (b *Buffer) JSValue() js.Value { return b.v }

// JSValue returns the GPUComputePipeline.
func (p *ComputePipeline) JSValue() js.Value { return p.v }

// JSValue returns the GPUBindGroup.
func (g *BindGroup) JSValue() js.Value { return g.v }

// Binding types of a BindGroupLayoutEntry.
const (
	BindingUniform         = "uniform"
	BindingStorage         = "storage"
	BindingReadOnlyStorage = "read-only-storage"
)

// BindGroupLayoutEntry is a compute-visible buffer binding.
type BindGroupLayoutEntry struct {
	Binding          int
	Type             string // BindingUniform, BindingStorage or BindingReadOnlyStorage
	HasDynamicOffset bool
}

// BindGroupLayout is a GPUBindGroupLayout.
type BindGroupLayout struct {
	v     js.Value
	Label string
}

// CreateBindGroupLayout calls device.createBindGroupLayout with buffer
// entries visible to compute shaders.
func (d *Device) CreateBindGroupLayout(label string, entries []BindGroupLayoutEntry) (*BindGroupLayout, error) {
	es := make([]any, len(entries))
	for i, e := range entries {
		es[i] = map[string]any{
			"binding":    e.Binding,
			"visibility": 4, // GPUShaderStage.COMPUTE
			"buffer":     map[string]any{"type": e.Type, "hasDynamicOffset": e.HasDynamicOffset},
		}
	}
	v, err := call("createBindGroupLayout "+label, d.v, "createBindGroupLayout", map[string]any{"label": label, "entries": es})
	if err != nil {
		return nil, err
	}
	return &BindGroupLayout{v: v, Label: label}, nil
}

// PipelineLayout is a GPUPipelineLayout.
type PipelineLayout struct {
	v     js.Value
	Label string
}

// CreatePipelineLayout calls device.createPipelineLayout.
func (d *Device) CreatePipelineLayout(label string, groups ...*BindGroupLayout) (*PipelineLayout, error) {
	gs := make([]any, len(groups))
	for i, g := range groups {
		gs[i] = g.v
	}
	v, err := call("createPipelineLayout "+label, d.v, "createPipelineLayout", map[string]any{"label": label, "bindGroupLayouts": gs})
	if err != nil {
		return nil, err
	}
	return &PipelineLayout{v: v, Label: label}, nil
}

// CreateBindGroupWithLayout makes a bind group for an explicit layout.
func (d *Device) CreateBindGroupWithLayout(label string, layout *BindGroupLayout, entries []BindGroupEntry) (*BindGroup, error) {
	es := make([]any, len(entries))
	for i, e := range entries {
		res := map[string]any{"buffer": e.Buffer.v, "offset": e.Offset}
		if e.Size > 0 {
			res["size"] = e.Size
		}
		es[i] = map[string]any{"binding": e.Binding, "resource": res}
	}
	v, err := call("createBindGroup "+label, d.v, "createBindGroup", map[string]any{"label": label, "layout": layout.v, "entries": es})
	if err != nil {
		return nil, err
	}
	return &BindGroup{v: v, Label: label}, nil
}

// CreateComputePipelineWithLayout is CreateComputePipeline with an
// explicit pipeline layout instead of "auto".
func (d *Device) CreateComputePipelineWithLayout(p ComputePipelineDescriptor, layout *PipelineLayout) (*ComputePipeline, error) {
	return d.createComputePipeline(p, layout.v)
}

// GPUError is an uncaptured GPU error with its class name
// ("GPUValidationError", "GPUOutOfMemoryError", "GPUInternalError").
type GPUError struct {
	Type    string
	Message string
}

// OnUncapturedError calls f for every uncapturederror event of the device
// from now on (in addition to the messages UncapturedErrors collects). f
// runs inside a JS callback: it must not block.
func (d *Device) OnUncapturedError(f func(GPUError)) {
	h := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0].Get("error")
		f(GPUError{Type: str(e.Get("constructor").Get("name")), Message: str(e.Get("message"))})
		return nil
	})
	d.v.Call("addEventListener", "uncapturederror", h)
}

// Await waits for a JS promise from a goroutine (never from a JS callback)
// and returns its value or its rejection as a *JSError.
func Await(op string, p js.Value) (js.Value, error) { return await(op, p) }

// Call invokes method on v, turning a thrown JS exception into an error.
func Call(op string, v js.Value, method string, args ...any) (js.Value, error) {
	return call(op, v, method, args...)
}
