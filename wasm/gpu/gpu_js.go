package gpu

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall/js"
)

// Errors that say why there is no GPU to run on. Callers show them to
// users, so they are phrased for users.
var (
	// ErrNoWebGPU: the JS environment has no navigator.gpu.
	ErrNoWebGPU = errors.New("WebGPU is not available in this browser (navigator.gpu is missing)")
	// ErrNoAdapter: navigator.gpu exists but requestAdapter found no adapter.
	ErrNoAdapter = errors.New("WebGPU is not available in this browser (no GPU adapter was found)")
)

// FeatureShaderF16 is the WebGPU feature that allows f16 in WGSL.
const FeatureShaderF16 = "shader-f16"

// Buffer usage flags (GPUBufferUsage).
const (
	BufferUsageMapRead      = 0x0001
	BufferUsageMapWrite     = 0x0002
	BufferUsageCopySrc      = 0x0004
	BufferUsageCopyDst      = 0x0008
	BufferUsageIndex        = 0x0010
	BufferUsageVertex       = 0x0020
	BufferUsageUniform      = 0x0040
	BufferUsageStorage      = 0x0080
	BufferUsageIndirect     = 0x0100
	BufferUsageQueryResolve = 0x0200
)

// Map modes (GPUMapMode).
const (
	MapModeRead  = 0x0001
	MapModeWrite = 0x0002
)

// AdapterInfo is GPUAdapterInfo; fields a browser hides are empty.
type AdapterInfo struct {
	Vendor       string
	Architecture string
	Device       string
	Description  string
	// Fallback is GPUAdapterInfo.isFallbackAdapter (or the older
	// GPUAdapter.isFallbackAdapter): a software implementation.
	Fallback bool
}

// Software reports whether the adapter is a CPU implementation of
// WebGPU: a fallback adapter, or one that names SwiftShader, llvmpipe or
// lavapipe (which browsers and Deno do not always flag as fallback).
func (i AdapterInfo) Software() bool {
	if i.Fallback {
		return true
	}
	s := strings.ToLower(i.Vendor + " " + i.Architecture + " " + i.Description)
	for _, name := range []string{"swiftshader", "llvmpipe", "lavapipe"} {
		if strings.Contains(s, name) {
			return true
		}
	}
	return false
}

// String names the adapter for people: the description when the browser
// gives one, else vendor and architecture.
func (i AdapterInfo) String() string {
	switch {
	case i.Description != "":
		return i.Description
	case i.Vendor != "" || i.Architecture != "":
		return fmt.Sprintf("%s %s", i.Vendor, i.Architecture)
	}
	return "unnamed adapter"
}

// Adapter is a GPUAdapter.
type Adapter struct {
	v        js.Value
	Info     AdapterInfo
	Features map[string]bool
}

// Available reports whether navigator.gpu exists in this JS environment.
func Available() bool {
	nav := js.Global().Get("navigator")
	return nav.Type() == js.TypeObject && nav.Get("gpu").Type() == js.TypeObject
}

// RequestAdapter calls navigator.gpu.requestAdapter with the
// high-performance power preference. It returns ErrNoWebGPU or
// ErrNoAdapter when there is nothing to run on.
func RequestAdapter() (*Adapter, error) {
	if !Available() {
		return nil, ErrNoWebGPU
	}
	gpu := js.Global().Get("navigator").Get("gpu")
	p, err := call("requestAdapter", gpu, "requestAdapter", map[string]any{"powerPreference": "high-performance"})
	if err != nil {
		return nil, err
	}
	v, err := await("requestAdapter", p)
	if err != nil {
		return nil, err
	}
	if v.IsNull() || v.IsUndefined() {
		return nil, ErrNoAdapter
	}
	a := &Adapter{v: v, Features: setOf(v.Get("features"))}
	if info := v.Get("info"); info.Type() == js.TypeObject {
		a.Info = AdapterInfo{
			Vendor:       str(info.Get("vendor")),
			Architecture: str(info.Get("architecture")),
			Device:       str(info.Get("device")),
			Description:  str(info.Get("description")),
			Fallback:     info.Get("isFallbackAdapter").Truthy() || v.Get("isFallbackAdapter").Truthy(),
		}
	}
	return a, nil
}

// HasF16 reports whether the adapter offers shader-f16.
func (a *Adapter) HasF16() bool { return a.Features[FeatureShaderF16] }

// DeviceDescriptor is GPUDeviceDescriptor, reduced to what we use.
type DeviceDescriptor struct {
	Label            string
	RequiredFeatures []string
	// RequiredLimits names limits above the spec defaults, e.g.
	// "maxStorageBufferBindingSize".
	RequiredLimits map[string]float64
}

// Device is a GPUDevice with its queue.
type Device struct {
	v        js.Value
	Queue    *Queue
	Features map[string]bool

	mu         sync.Mutex
	uncaptured []string // messages of uncapturederror events not yet taken
	onError    js.Func
}

// RequestDevice calls adapter.requestDevice.
func (a *Adapter) RequestDevice(d DeviceDescriptor) (*Device, error) {
	feats := make([]any, len(d.RequiredFeatures))
	for i, f := range d.RequiredFeatures {
		feats[i] = f
	}
	limits := map[string]any{}
	for k, v := range d.RequiredLimits {
		limits[k] = v
	}
	desc := map[string]any{"label": d.Label, "requiredFeatures": feats, "requiredLimits": limits}
	p, err := call("requestDevice", a.v, "requestDevice", desc)
	if err != nil {
		return nil, err
	}
	v, err := await("requestDevice", p)
	if err != nil {
		return nil, err
	}
	q := v.Get("queue")
	q.Set("label", d.Label+".queue")
	dev := &Device{v: v, Queue: &Queue{v: q}, Features: setOf(v.Get("features"))}
	// Errors outside an error scope would otherwise only reach the
	// console; keep them for UncapturedErrors.
	dev.onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := str(args[0].Get("error").Get("message"))
		dev.mu.Lock()
		dev.uncaptured = append(dev.uncaptured, strings.TrimSpace(msg))
		dev.mu.Unlock()
		return nil
	})
	v.Call("addEventListener", "uncapturederror", dev.onError)
	return dev, nil
}

// UncapturedErrors returns, and forgets, the messages of the GPU errors
// raised outside any error scope since the last call.
func (d *Device) UncapturedErrors() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	errs := d.uncaptured
	d.uncaptured = nil
	return errs
}

// Lost returns a channel that yields the device-lost reason and message
// once, when the device is lost or destroyed.
func (d *Device) Lost() <-chan string {
	ch := make(chan string, 1)
	var f js.Func
	f = js.FuncOf(func(_ js.Value, args []js.Value) any {
		info := args[0]
		ch <- str(info.Get("reason")) + ": " + str(info.Get("message"))
		f.Release()
		return nil
	})
	d.v.Get("lost").Call("then", f)
	return ch
}

// Destroy destroys the device.
func (d *Device) Destroy() {
	d.v.Call("removeEventListener", "uncapturederror", d.onError)
	d.onError.Release()
	d.v.Call("destroy")
}

// PushErrorScope starts capturing errors of filter "validation",
// "out-of-memory" or "internal".
func (d *Device) PushErrorScope(filter string) { d.v.Call("pushErrorScope", filter) }

// PopErrorScope ends the innermost error scope and returns the error it
// captured, or nil.
func (d *Device) PopErrorScope() error {
	p, err := call("popErrorScope", d.v, "popErrorScope")
	if err != nil {
		return err
	}
	v, err := await("popErrorScope", p)
	if err != nil {
		return err
	}
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	return &JSError{Op: "error scope", Name: v.Get("constructor").Get("name").String(), Message: str(v.Get("message"))}
}

// BufferDescriptor is GPUBufferDescriptor.
type BufferDescriptor struct {
	Label            string
	Size             int // bytes; a multiple of 4
	Usage            int // BufferUsage* flags
	MappedAtCreation bool
}

// Buffer is a GPUBuffer.
type Buffer struct {
	v     js.Value
	Label string
	Size  int
}

// CreateBuffer calls device.createBuffer.
func (d *Device) CreateBuffer(b BufferDescriptor) (*Buffer, error) {
	v, err := call("createBuffer "+b.Label, d.v, "createBuffer", map[string]any{
		"label": b.Label, "size": b.Size, "usage": b.Usage, "mappedAtCreation": b.MappedAtCreation,
	})
	if err != nil {
		return nil, err
	}
	return &Buffer{v: v, Label: b.Label, Size: b.Size}, nil
}

// Destroy frees the buffer's GPU memory.
func (b *Buffer) Destroy() { b.v.Call("destroy") }

// MapAsync maps the buffer (mode MapModeRead or MapModeWrite) and waits
// until the mapping is ready.
func (b *Buffer) MapAsync(mode int) error {
	p, err := call("mapAsync "+b.Label, b.v, "mapAsync", mode)
	if err != nil {
		return err
	}
	_, err = await("mapAsync "+b.Label, p)
	return err
}

// ReadMapped copies size bytes at offset from a buffer mapped for reading.
func (b *Buffer) ReadMapped(offset, size int) ([]byte, error) {
	ab, err := call("getMappedRange "+b.Label, b.v, "getMappedRange", offset, size)
	if err != nil {
		return nil, err
	}
	out := make([]byte, size)
	js.CopyBytesToGo(out, js.Global().Get("Uint8Array").New(ab))
	return out, nil
}

// Unmap unmaps the buffer.
func (b *Buffer) Unmap() { b.v.Call("unmap") }

// Queue is a GPUQueue.
type Queue struct{ v js.Value }

// WriteBuffer copies data into buf at offset (both multiples of 4).
func (q *Queue) WriteBuffer(buf *Buffer, offset int, data []byte) error {
	u8 := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	_, err := call("writeBuffer "+buf.Label, q.v, "writeBuffer", buf.v, offset, u8)
	return err
}

// Submit submits command buffers for execution.
func (q *Queue) Submit(cbs ...*CommandBuffer) {
	arr := make([]any, len(cbs))
	for i, c := range cbs {
		arr[i] = c.v
	}
	q.v.Call("submit", arr)
}

// OnSubmittedWorkDone waits until the GPU has finished all submitted work.
func (q *Queue) OnSubmittedWorkDone() error {
	p, err := call("onSubmittedWorkDone", q.v, "onSubmittedWorkDone")
	if err != nil {
		return err
	}
	_, err = await("onSubmittedWorkDone", p)
	return err
}

// ShaderModule is a GPUShaderModule.
type ShaderModule struct {
	v     js.Value
	Label string
}

// CreateShaderModule calls device.createShaderModule. WGSL errors show up
// in CompilationErrors and when a pipeline is created from the module.
func (d *Device) CreateShaderModule(label, code string) (*ShaderModule, error) {
	v, err := call("createShaderModule "+label, d.v, "createShaderModule", map[string]any{"label": label, "code": code})
	if err != nil {
		return nil, err
	}
	return &ShaderModule{v: v, Label: label}, nil
}

// CompilationErrors returns the module's compiler errors (not warnings) as
// "line:col: message" strings; none means it compiled.
func (m *ShaderModule) CompilationErrors() ([]string, error) {
	p, err := call("getCompilationInfo "+m.Label, m.v, "getCompilationInfo")
	if err != nil {
		return nil, err
	}
	info, err := await("getCompilationInfo "+m.Label, p)
	if err != nil {
		return nil, err
	}
	var errs []string
	msgs := info.Get("messages")
	for i := range msgs.Length() {
		msg := msgs.Index(i)
		if str(msg.Get("type")) != "error" {
			continue
		}
		errs = append(errs, fmt.Sprintf("%s:%d:%d: %s", m.Label, msg.Get("lineNum").Int(), msg.Get("linePos").Int(), strings.TrimSpace(str(msg.Get("message")))))
	}
	return errs, nil
}

// ComputePipelineDescriptor is GPUComputePipelineDescriptor with layout
// "auto".
type ComputePipelineDescriptor struct {
	Label      string
	Module     *ShaderModule
	EntryPoint string             // "main" when empty
	Constants  map[string]float64 // values for the kernel's override constants
}

// ComputePipeline is a GPUComputePipeline.
type ComputePipeline struct {
	v     js.Value
	Label string
}

// CreateComputePipeline calls device.createComputePipelineAsync and waits
// for it; an invalid shader makes it fail here with the compiler's message.
func (d *Device) CreateComputePipeline(p ComputePipelineDescriptor) (*ComputePipeline, error) {
	return d.createComputePipeline(p, "auto")
}

// createComputePipeline builds p with layout ("auto" or a GPUPipelineLayout).
func (d *Device) createComputePipeline(p ComputePipelineDescriptor, layout any) (*ComputePipeline, error) {
	entry := p.EntryPoint
	if entry == "" {
		entry = "main"
	}
	constants := map[string]any{}
	for k, v := range p.Constants {
		constants[k] = v
	}
	desc := map[string]any{
		"label":  p.Label,
		"layout": layout,
		"compute": map[string]any{
			"module":     p.Module.v,
			"entryPoint": entry,
			"constants":  constants,
		},
	}
	op := "createComputePipelineAsync " + p.Label
	pr, err := call(op, d.v, "createComputePipelineAsync", desc)
	if err != nil {
		return nil, err
	}
	v, err := await(op, pr)
	if err != nil {
		return nil, err
	}
	return &ComputePipeline{v: v, Label: p.Label}, nil
}

// BindGroupEntry binds a range of a buffer; Size 0 means the rest of it.
type BindGroupEntry struct {
	Binding int
	Buffer  *Buffer
	Offset  int
	Size    int
}

// BindGroup is a GPUBindGroup.
type BindGroup struct {
	v     js.Value
	Label string
}

// CreateBindGroup makes a bind group for group index group of pipeline p's
// automatic layout.
func (d *Device) CreateBindGroup(label string, p *ComputePipeline, group int, entries []BindGroupEntry) (*BindGroup, error) {
	layout, err := call("getBindGroupLayout "+p.Label, p.v, "getBindGroupLayout", group)
	if err != nil {
		return nil, err
	}
	es := make([]any, len(entries))
	for i, e := range entries {
		res := map[string]any{"buffer": e.Buffer.v, "offset": e.Offset}
		if e.Size > 0 {
			res["size"] = e.Size
		}
		es[i] = map[string]any{"binding": e.Binding, "resource": res}
	}
	v, err := call("createBindGroup "+label, d.v, "createBindGroup", map[string]any{"label": label, "layout": layout, "entries": es})
	if err != nil {
		return nil, err
	}
	return &BindGroup{v: v, Label: label}, nil
}

// CommandEncoder is a GPUCommandEncoder.
type CommandEncoder struct{ v js.Value }

// CreateCommandEncoder calls device.createCommandEncoder.
func (d *Device) CreateCommandEncoder(label string) *CommandEncoder {
	return &CommandEncoder{v: d.v.Call("createCommandEncoder", map[string]any{"label": label})}
}

// ComputePass is a GPUComputePassEncoder.
type ComputePass struct{ v js.Value }

// BeginComputePass starts a compute pass.
func (e *CommandEncoder) BeginComputePass(label string) *ComputePass {
	return &ComputePass{v: e.v.Call("beginComputePass", map[string]any{"label": label})}
}

// SetPipeline sets the pipeline for the following dispatches.
func (p *ComputePass) SetPipeline(cp *ComputePipeline) { p.v.Call("setPipeline", cp.v) }

// SetBindGroup binds bg at group index.
func (p *ComputePass) SetBindGroup(index int, bg *BindGroup) { p.v.Call("setBindGroup", index, bg.v) }

// DispatchWorkgroups dispatches x×y×z workgroups.
func (p *ComputePass) DispatchWorkgroups(x, y, z int) { p.v.Call("dispatchWorkgroups", x, y, z) }

// End ends the pass.
func (p *ComputePass) End() { p.v.Call("end") }

// CopyBufferToBuffer records a copy of size bytes.
func (e *CommandEncoder) CopyBufferToBuffer(src *Buffer, srcOffset int, dst *Buffer, dstOffset, size int) {
	e.v.Call("copyBufferToBuffer", src.v, srcOffset, dst.v, dstOffset, size)
}

// CommandBuffer is a GPUCommandBuffer.
type CommandBuffer struct{ v js.Value }

// Finish ends recording.
func (e *CommandEncoder) Finish(label string) *CommandBuffer {
	return &CommandBuffer{v: e.v.Call("finish", map[string]any{"label": label})}
}

// str returns v as a Go string, or "" when it is not a JS string.
func str(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// setOf reads a JS setlike of strings (GPUSupportedFeatures).
func setOf(v js.Value) map[string]bool {
	m := map[string]bool{}
	if v.Type() != js.TypeObject {
		return m
	}
	arr := js.Global().Get("Array").Call("from", v)
	for i := range arr.Length() {
		m[arr.Index(i).String()] = true
	}
	return m
}

// ReadBuffer reads size bytes at offset of src (which needs
// BufferUsageCopySrc) back to Go: it copies them into a labelled staging
// buffer, submits, maps the staging buffer and copies it out.
func (d *Device) ReadBuffer(src *Buffer, offset, size int) ([]byte, error) {
	staging, err := d.CreateBuffer(BufferDescriptor{
		Label: src.Label + ".readback",
		Size:  (size + 3) &^ 3,
		Usage: BufferUsageMapRead | BufferUsageCopyDst,
	})
	if err != nil {
		return nil, err
	}
	defer staging.Destroy()
	enc := d.CreateCommandEncoder(src.Label + ".readback")
	enc.CopyBufferToBuffer(src, offset, staging, 0, staging.Size)
	d.Queue.Submit(enc.Finish(src.Label + ".readback"))
	if err := staging.MapAsync(MapModeRead); err != nil {
		return nil, err
	}
	defer staging.Unmap()
	return staging.ReadMapped(0, size)
}
