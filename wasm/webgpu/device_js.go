package webgpu

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"sync"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/wasm/gpu"
)

//go:embed encode.js
var encodeJS string

// Sizes of the per-flush arenas and the thresholds that trigger a flush.
const (
	uniformSlot    = 256     // bytes reserved per dispatch's uniforms (≥ minUniformBufferOffsetAlignment)
	uniformArena   = 1 << 18 // 256 KiB: 1024 dispatches per flush at most
	uploadArena    = 4 << 20 // small uploads of one flush, copied in order with the dispatches
	smallUpload    = 1 << 20 // larger uploads flush and go straight to their buffer
	guardSlack     = 16      // bytes every tensor buffer keeps past its end (guard tests)
	maxDispatchDim = 65535   // maxComputeWorkgroupsPerDimension (spec default)
)

// Options configure New.
type Options struct {
	// ForceF32 selects the f32 path even when the adapter offers shader-f16.
	ForceF32 bool
	// Label prefixes the labels of the device's GPU objects ("webglide" when empty).
	Label string
	// Timestamps asks for timestamp-query when the adapter offers it, so
	// that StartProfile can time dispatches (benchmarks).
	Timestamps bool
}

// Device is the WebGPU nn.Device. It is not safe for concurrent use; the
// model drives it from one goroutine.
type Device struct {
	gd       *gpu.Device
	adapter  *gpu.Adapter
	label    string
	f16      bool
	esize    int    // bytes per stored element: 2 (f16) or 4 (f32)
	fallback string // why the f16 path was refused, if it was

	maxBinding int // maxStorageBufferBindingSize
	maxBuffer  int // maxBufferSize
	slot       int // uniform slot size

	err    error
	lost   <-chan string
	closed bool
	gpuErr struct {
		sync.Mutex
		list []gpu.GPUError
	}

	encode js.Value // encode.js
	table  js.Value // GPU objects by id
	nextID int32

	layouts map[string]*layout
	pipes   [numKernels][]*pipeline
	bgs     map[bgKey]int32
	stats   Stats

	// pool holds the free buffers by size class, each list sorted by
	// decreasing id: getBuf takes the lowest id. Reuse then depends only
	// on which buffers are free, not on the order they were released in,
	// so a repeated op sequence gets the same buffers every time and its
	// bind groups all hit the cache.
	pool    [][]*pbuf        // by size class
	oddPool map[int]*[]*pbuf // by size, for sizes outside the classes
	guard   bool             // fill the slack of new tensors with guardWord (tests)

	// Recording state of the current flush. Nothing here touches JS: the
	// flush copies it over and makes the one encode call.
	cmds     []uint32
	uni      []byte // uniformArena bytes; uniLen of them used
	uniLen   int
	up       []byte
	jsCmds   js.Value // Uint8Array
	jsCmdLen int      // its length in bytes
	jsCmd32  js.Value // Uint32Array on the same memory
	jsUni    js.Value // Uint8Array
	jsUp     js.Value // Uint8Array
	uniBuf   *pbuf
	upBuf    *pbuf
	dummy    *pbuf // bound where an optional input is absent
	dummyW   *pbuf // bound where an optional output is absent
	dummyW2  *pbuf // a second one, for kernels with two optional outputs

	// splitTarget is the workgroup count below which Conv2D splits its
	// reduction (conv2d.wgsl); 0 never splits.
	splitTarget int
	// direct picks conv2d_direct.wgsl over conv2d.wgsl: on CPU adapters,
	// where workgroup memory and barriers are slow (lavapipe: 0.9 against
	// 0.4 GFLOP/s on the tiny model's convolutions).
	direct bool
	// convPX forces conv2d.wgsl's pixel quads per invocation (1 or 2; 0:
	// chosen per shape).
	convPX int

	prof *profiler // non-nil while profiling (profile_js.go)
	mem  memStats  // GPU buffer bytes (memory_js.go)
}

var _ nn.Device = (*Device)(nil)

// Stats counts cache and pool events (for tests and diagnostics).
type Stats struct {
	BindGroupHits, BindGroupMisses int
	BuffersCreated                 int
	Flushes, Dispatches            int
}

// pbuf is one pooled GPU buffer.
type pbuf struct {
	buf   *gpu.Buffer
	id    int32
	size  int
	class int // size class; −1 for the arenas and odd sizes
}

// gbuf is a tensor's storage: a pooled buffer while the tensor is alive.
type gbuf struct {
	p     *pbuf
	bytes int
	dead  bool
}

// pipeline is a compute pipeline with its kernel's binding signature.
type pipeline struct {
	id     int32
	name   string
	binds  string
	layout *layout
	f16    bool              // compiled for the f16 path
	vals   [maxConsts]uint32 // override values, zero-padded
}

// layout is a binding signature's bind-group and pipeline layouts; idx
// numbers it for the bind-group cache keys.
type layout struct {
	bgl *gpu.BindGroupLayout
	pl  *gpu.PipelineLayout
	idx int32
}

// maxConsts is the most override constants a kernel is specialised on.
const maxConsts = 4

// maxBinds is the most storage bindings a kernel has (sampler_step).
const maxBinds = 7

// bgKey identifies a cached bind group: the layout and the buffers bound
// at 1..n (binding 0 is always the uniform arena).
type bgKey struct {
	layout int32
	ids    [maxBinds]int32
}

// Test hooks.
var (
	sourceHook   func(name, src string) string // rewrites a kernel's WGSL before compiling
	selfTestHook func(f16 bool, got []float32) // corrupts the self-test's result
)

func kindErr(k glide.Kind, format string, a ...any) error {
	return glide.Errorf("webgpu", k, format, a...)
}

// New requests an adapter and a device and picks the precision path: f16
// when the adapter has shader-f16 and the f16 self-test passes, else f32.
// Errors are *glide.Error of kind NoWebGPU, NoAdapter, LimitTooLow or
// KindUnknown (a failing f32 self-test: the adapter computes garbage).
func New(o Options) (*Device, error) {
	a, err := gpu.RequestAdapter()
	switch {
	case errors.Is(err, gpu.ErrNoWebGPU):
		return nil, &glide.Error{Op: "webgpu", Kind: glide.NoWebGPU, Err: err}
	case errors.Is(err, gpu.ErrNoAdapter):
		return nil, &glide.Error{Op: "webgpu", Kind: glide.NoAdapter, Err: err}
	case err != nil:
		return nil, &glide.Error{Op: "webgpu", Kind: glide.NoAdapter, Err: err}
	}
	return NewOnAdapter(a, o)
}

// NewOnAdapter is New on an adapter the caller already requested. A
// WebGPU adapter hands out one device only: after a DeviceLost error,
// retry with New, which requests a fresh adapter.
func NewOnAdapter(a *gpu.Adapter, o Options) (*Device, error) {
	label := o.Label
	if label == "" {
		label = "webglide"
	}
	al := a.Limits()
	const mib = 1 << 20
	if al["maxStorageBufferBindingSize"] < 128*mib || al["maxStorageBuffersPerShaderStage"] < 7 {
		return nil, kindErr(glide.LimitTooLow, "adapter %q: maxStorageBufferBindingSize %v, maxStorageBuffersPerShaderStage %v; need 128 MiB and 7",
			a.Info, al["maxStorageBufferBindingSize"], al["maxStorageBuffersPerShaderStage"])
	}
	// GLIDE fits the defaults; ask for more (up to 1 GiB) only where the
	// adapter offers it, so that bigger batches fit too.
	req := map[string]float64{}
	for _, k := range []string{"maxStorageBufferBindingSize", "maxBufferSize"} {
		if v := math.Min(al[k], 1<<30); v > 0 {
			req[k] = v
		}
	}
	var feats []string
	useF16 := a.HasF16() && !o.ForceF32
	if useF16 {
		feats = append(feats, gpu.FeatureShaderF16)
	}
	if o.Timestamps && a.HasTimestamps() {
		feats = append(feats, gpu.FeatureTimestampQuery)
	}
	gd, err := a.RequestDevice(gpu.DeviceDescriptor{Label: label, RequiredFeatures: feats, RequiredLimits: req})
	if err != nil {
		return nil, kindErr(glide.NoAdapter, "requestDevice on %q: %v", a.Info, err)
	}
	d := &Device{gd: gd, adapter: a, label: label}
	if err := d.init(); err != nil {
		gd.Destroy()
		return nil, err
	}
	if useF16 {
		d.setPrecision(true)
		if err := d.selfTest(); err != nil {
			d.fallback = err.Error()
			if glide.KindOf(d.err) == glide.DeviceLost {
				d.Close()
				return nil, d.err
			}
			d.err = nil // e.g. an f16 kernel the compiler rejects: the f32 path may still work
			d.setPrecision(false)
		} else {
			return d, nil
		}
	}
	d.setPrecision(false)
	if err := d.selfTest(); err != nil {
		d.Close()
		if d.err != nil {
			return nil, d.err
		}
		return nil, kindErr(glide.KindUnknown, "adapter %q computes wrong results, refusing it: %v", a.Info, err)
	}
	return d, nil
}

func (d *Device) setPrecision(f16 bool) {
	d.f16 = f16
	d.esize = 4
	if f16 {
		d.esize = 2
	}
}

// init sets up limits, error handlers, the JS encoder and the arenas.
func (d *Device) init() error {
	l := d.gd.Limits()
	d.maxBinding = int(l["maxStorageBufferBindingSize"])
	d.maxBuffer = int(l["maxBufferSize"])
	d.slot = max(uniformSlot, int(l["minUniformBufferOffsetAlignment"]))
	d.lost = d.gd.Lost()
	d.gd.OnUncapturedError(func(e gpu.GPUError) {
		d.gpuErr.Lock()
		d.gpuErr.list = append(d.gpuErr.list, e)
		d.gpuErr.Unlock()
	})
	if f := js.Global().Get("webglideEncode"); f.Type() == js.TypeFunction {
		d.encode = f
	} else {
		d.encode = js.Global().Get("Function").New("return (\n" + encodeJS + "\n);")
		d.encode = d.encode.Invoke()
	}
	d.table = js.Global().Get("Array").New()
	d.layouts = map[string]*layout{}
	d.bgs = map[bgKey]int32{}
	d.oddPool = map[int]*[]*pbuf{}
	d.uni = make([]byte, uniformArena)
	var err error
	if d.uniBuf, err = d.newBuffer("uniform-arena", uniformArena, gpu.BufferUsageUniform|gpu.BufferUsageCopyDst); err != nil {
		return err
	}
	if d.upBuf, err = d.newBuffer("upload-arena", uploadArena, gpu.BufferUsageCopySrc|gpu.BufferUsageCopyDst); err != nil {
		return err
	}
	if d.dummy, err = d.newBuffer("absent-input", 256, gpu.BufferUsageStorage); err != nil {
		return err
	}
	if d.dummyW, err = d.newBuffer("absent-output", 256, gpu.BufferUsageStorage); err != nil {
		return err
	}
	if d.dummyW2, err = d.newBuffer("absent-output-2", 256, gpu.BufferUsageStorage); err != nil {
		return err
	}
	d.splitTarget = splitTarget
	if d.adapter.Info.Software() {
		// A CPU adapter runs few workgroups at a time: more of them
		// (splits) only add dispatches.
		d.direct, d.splitTarget = true, 0
	}
	d.jsUni = js.Global().Get("Uint8Array").New(uniformArena)
	d.jsUp = js.Global().Get("Uint8Array").New(uploadArena)
	d.growCmds(1 << 14)
	return nil
}

func (d *Device) growCmds(words int) {
	d.jsCmdLen = 4 * words
	ab := js.Global().Get("ArrayBuffer").New(4 * words)
	d.jsCmds = js.Global().Get("Uint8Array").New(ab)
	d.jsCmd32 = js.Global().Get("Uint32Array").New(ab)
}

// Name implements nn.Device.
func (d *Device) Name() string {
	p := "f32"
	if d.f16 {
		p = "f16"
	}
	return fmt.Sprintf("webgpu %s (%s)", p, d.adapter.Info)
}

// F16 reports whether the device runs the f16 path.
func (d *Device) F16() bool { return d.f16 }

// F16Refused says why the f16 path was refused ("" if it was not).
func (d *Device) F16Refused() string { return d.fallback }

// Stats returns the cache and pool counters.
func (d *Device) Stats() Stats { return d.stats }

// Close destroys the GPU device; the Device must not be used afterwards.
func (d *Device) Close() {
	if d.closed {
		return
	}
	d.closed = true
	d.gd.Destroy()
}

// DestroyGPU destroys the GPUDevice the way a driver reset does: unlike
// Close, the Device then reports DeviceLost from Err, as after a real
// loss. The worker's test-only fault switch (wasm/cmd/worker, build tag
// faults) uses it to lose the device at a chosen step.
func (d *Device) DestroyGPU() { d.gd.Destroy() }

// Err implements nn.Device: the first error the device met (sticky).
func (d *Device) Err() error {
	d.checkErrors()
	return d.err
}

func (d *Device) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// waitLost gives a pending device-lost notification up to timeout to
// arrive (it resolves asynchronously); used only on an error path.
func (d *Device) waitLost(timeout time.Duration) {
	select {
	case msg := <-d.lost:
		if !d.closed {
			d.fail(kindErr(glide.DeviceLost, "the GPU device was lost (%s); create a new device to retry", msg))
		}
	case <-time.After(timeout):
	}
}

// checkErrors turns a lost device and uncaptured GPU errors into the
// sticky error.
func (d *Device) checkErrors() {
	select {
	case msg := <-d.lost:
		if !d.closed {
			d.fail(kindErr(glide.DeviceLost, "the GPU device was lost (%s); create a new device to retry", msg))
		}
	default:
	}
	d.gpuErr.Lock()
	list := d.gpuErr.list
	d.gpuErr.list = nil
	d.gpuErr.Unlock()
	d.gd.UncapturedErrors() // drained: the typed handler above saw them
	for _, e := range list {
		k := glide.KindUnknown
		if e.Type == "GPUOutOfMemoryError" {
			k = glide.OutOfMemory
		}
		d.fail(kindErr(k, "%s: %s", e.Type, e.Message))
	}
}
