package webgpu

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"syscall/js"
	"time"
	"unsafe"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/shaders"
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

// register stores a GPU object in the JS table and returns its id.
func (d *Device) register(v js.Value) int32 {
	id := d.nextID
	d.nextID++
	d.table.SetIndex(int(id), v)
	return id
}

func (d *Device) newBuffer(label string, size, usage int) (*pbuf, error) {
	b, err := d.gd.CreateBuffer(gpu.BufferDescriptor{Label: d.label + "." + label, Size: size, Usage: usage})
	if err != nil {
		return nil, kindErr(glide.OutOfMemory, "createBuffer %s (%d bytes): %v", label, size, err)
	}
	d.stats.BuffersCreated++
	return &pbuf{buf: b, id: d.register(b.JSValue()), size: size, class: -1}, nil
}

// sizeClass rounds n bytes up to 2^e·{4,5,6,7}/4 (at most 25% slack), at
// least 256, and numbers the class 4e + q − 4.
func sizeClass(n int) (size, class int) {
	if n <= 256 {
		return 256, 4 * 8
	}
	p, e := 256, 8
	for p*2 < n {
		p *= 2
		e++
	}
	for q := 5; q <= 7; q++ {
		if c := p * q / 4; c >= n {
			return c, 4*e + q - 4
		}
	}
	return 2 * p, 4 * (e + 1)
}

// getBuf takes a buffer of at least n bytes (plus guard slack) from the pool.
func (d *Device) getBuf(n int, label string) *pbuf {
	c, cls := sizeClass(n + guardSlack)
	if c > d.maxBinding || c > d.maxBuffer {
		if n <= d.maxBinding && n <= d.maxBuffer {
			c, cls = (n+3)&^3, -1
		} else {
			d.fail(kindErr(glide.LimitTooLow, "tensor %s needs %d bytes; this device binds at most %d (maxStorageBufferBindingSize) in buffers of at most %d",
				label, n, d.maxBinding, d.maxBuffer))
			return nil
		}
	}
	free := d.freeList(c, cls)
	if n := len(*free); n > 0 {
		p := (*free)[n-1]
		(*free)[n-1] = nil
		*free = (*free)[:n-1]
		return p
	}
	p, err := d.newBuffer(label, c, gpu.BufferUsageStorage|gpu.BufferUsageCopySrc|gpu.BufferUsageCopyDst)
	if err != nil {
		d.fail(err)
		return nil
	}
	p.class = cls
	return p
}

// freeList returns the free list of buffers of size bytes, class cls
// (−1: a size outside the classes).
func (d *Device) freeList(size, cls int) *[]*pbuf {
	if cls < 0 {
		l := d.oddPool[size]
		if l == nil {
			l = new([]*pbuf)
			d.oddPool[size] = l
		}
		return l
	}
	for cls >= len(d.pool) {
		d.pool = append(d.pool, nil)
	}
	return &d.pool[cls]
}

// putBuf returns p to its size class, keeping the list sorted by
// decreasing id (the lowest id is taken first).
func (d *Device) putBuf(p *pbuf) {
	l := d.freeList(p.size, p.class)
	free := *l
	i := len(free)
	for i > 0 && free[i-1].id < p.id { // usually released near the top
		i--
	}
	free = append(free, nil)
	copy(free[i+1:], free[i:])
	free[i] = p
	*l = free
}

// alloc makes an output tensor of the device's storage type.
func (d *Device) alloc(label string, shape ...int) *nn.Tensor {
	// One allocation for the tensor, its storage record and (up to rank
	// 4) its shape.
	a := &tensorAlloc{}
	var s []int
	if len(shape) <= len(a.shape) {
		s = a.shape[:len(shape):len(shape)] // capped: an append copies
		copy(s, shape)
	} else {
		s = append([]int(nil), shape...)
	}
	dt := nn.F32
	if d.f16 {
		dt = nn.F16
	}
	t := &a.t
	*t = nn.Tensor{Shape: s, DType: dt, Label: label}
	n := (nn.Numel(s)*d.esize + 3) &^ 3
	g := &a.g
	*g = gbuf{bytes: n, dead: true}
	t.Buf = g
	if d.err != nil {
		return t
	}
	p := d.getBuf(n, label)
	if p == nil {
		return t
	}
	g.p, g.dead = p, false
	if d.guard && p.size > n {
		fill := make([]byte, p.size-n)
		for i := 0; i+4 <= len(fill); i += 4 {
			binary.LittleEndian.PutUint32(fill[i:], guardWord)
		}
		d.write(p, n, fill)
	}
	return t
}

// tensorAlloc is what alloc allocates at once.
type tensorAlloc struct {
	t     nn.Tensor
	g     gbuf
	shape [4]int
}

// guardWord is the NaN pattern written past a tensor's end in guard mode.
const guardWord = 0x7fc0dead

// buf returns t's live buffer; it panics for foreign or released tensors
// and returns nil after a device error (the op then records nothing).
func (d *Device) buf(op string, t *nn.Tensor) *pbuf {
	if t == nil {
		panic("webgpu: " + op + ": nil tensor")
	}
	g, ok := t.Buf.(*gbuf)
	if !ok {
		panic(fmt.Sprintf("webgpu: %s: tensor %s is not a WebGPU tensor (Buf is %T)", op, t, t.Buf))
	}
	if g.dead {
		if d.err != nil {
			return nil
		}
		panic(fmt.Sprintf("webgpu: %s: tensor %s was released", op, t))
	}
	return g.p
}

// Release implements nn.Device: the tensors' buffers go back to the pool
// (nil tensors and already-released views are ignored).
func (d *Device) Release(ts ...*nn.Tensor) {
	for _, t := range ts {
		if t == nil {
			continue
		}
		g, ok := t.Buf.(*gbuf)
		if !ok || g.dead {
			continue
		}
		g.dead = true
		d.putBuf(g.p)
		g.p = nil
	}
}

// write records a copy of data into p at offset: through the upload arena
// (ordered with the recorded dispatches) when small, else by flushing and
// writing directly.
func (d *Device) write(p *pbuf, offset int, data []byte) {
	n := (len(data) + 3) &^ 3
	if n <= smallUpload {
		if len(d.up)+n > uploadArena {
			d.flush()
		}
		off := len(d.up)
		d.up = append(d.up, data...)
		for len(d.up) < off+n {
			d.up = append(d.up, 0)
		}
		d.cmds = append(d.cmds, 2, uint32(d.upBuf.id), uint32(off), uint32(p.id), uint32(offset), uint32(n))
		return
	}
	d.flush()
	if len(data) != n {
		data = append(data, make([]byte, n-len(data))...)
	}
	if err := d.gd.Queue.WriteBuffer(p.buf, offset, data); err != nil {
		d.fail(kindErr(glide.KindUnknown, "writeBuffer: %v", err))
	}
}

// flush encodes and submits everything recorded so far, in one JS call.
func (d *Device) flush() {
	if len(d.cmds) == 0 {
		d.uniLen, d.up = 0, d.up[:0]
		return
	}
	defer func() {
		d.cmds, d.uniLen, d.up = d.cmds[:0], 0, d.up[:0]
	}()
	if d.err != nil || d.closed {
		return
	}
	if 4*len(d.cmds) > d.jsCmdLen {
		d.growCmds(2 * len(d.cmds))
	}
	// wasm is little-endian: the words' memory is the bytes JS reads.
	js.CopyBytesToJS(d.jsCmds, unsafe.Slice((*byte)(unsafe.Pointer(&d.cmds[0])), 4*len(d.cmds)))
	if d.uniLen > 0 {
		js.CopyBytesToJS(d.jsUni, d.uni[:d.uniLen])
	}
	if len(d.up) > 0 {
		js.CopyBytesToJS(d.jsUp, d.up)
	}
	d.stats.Flushes++
	defer func() {
		if r := recover(); r != nil {
			d.fail(kindErr(glide.KindUnknown, "encode: %v", r))
		}
	}()
	d.encode.Invoke(d.gd.JSValue(), d.table, d.jsCmd32, len(d.cmds),
		d.uniBuf.buf.JSValue(), d.jsUni, d.uniLen, d.upBuf.buf.JSValue(), d.jsUp, len(d.up), d.label+".step")
}

// Download implements nn.Device: it submits the pending work, reads t
// back and returns the sticky error if there is one.
func (d *Device) Download(t *nn.Tensor) ([]float32, error) {
	if d.err == nil {
		d.checkErrors()
	}
	if d.err != nil {
		return nil, d.err
	}
	p := d.buf("Download", t)
	d.flush()
	n := t.Numel()
	raw, err := d.gd.ReadBuffer(p.buf, 0, (n*d.esize+3)&^3)
	d.checkErrors()
	if d.err != nil {
		return nil, d.err
	}
	if err != nil {
		d.fail(kindErr(glide.KindUnknown, "read %s: %v", t, err))
		return nil, d.err
	}
	out := make([]float32, n)
	if d.f16 {
		for i := range out {
			out[i] = nn.F16ToF32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	} else {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	return out, nil
}

// Sync submits the pending work and waits until the GPU has finished it.
func (d *Device) Sync() error {
	d.flush()
	if d.err == nil && !d.closed {
		if err := d.gd.Queue.OnSubmittedWorkDone(); err != nil {
			d.fail(kindErr(glide.KindUnknown, "onSubmittedWorkDone: %v", err))
		}
	}
	return d.Err()
}

// readRaw reads a whole pooled buffer (guard tests).
func (d *Device) readRaw(p *pbuf) ([]byte, error) {
	d.flush()
	return d.gd.ReadBuffer(p.buf, 0, p.size)
}

// kernel names a compute pipeline's kernel: a .wgsl file and an entry
// point in it.
type kernel uint8

const (
	kExpandF16 kernel = iota
	kUnary
	kAdd
	kConv2D
	kLinear
	kGroupNormStats
	kGroupNorm
	kLayerNorm
	kAttention
	kUpsample2x
	kAvgPool2x
	kBilinearResize
	kCopyBlock
	kTranspose
	kTokenEmbedding
	kGuidance
	kSamplerStep
	numKernels
)

// kernelInfo describes a kernel: its file, entry point ("main" when
// empty), storage bindings 1..n (r = read-only, w = read_write; binding 0
// is always the uniform Params) and the override constants it is
// specialised on, in the order pipelineFor takes their values.
type kernelInfo struct {
	file, entry, binds string
	consts             []string
}

var kernels = [numKernels]kernelInfo{
	kExpandF16:      {file: "expand_f16", binds: "rw", consts: []string{"wg"}},
	kUnary:          {file: "unary", binds: "rw", consts: []string{"wg", "op"}},
	kAdd:            {file: "add", binds: "rrw", consts: []string{"wg"}},
	kConv2D:         {file: "conv2d", binds: "rrrrw", consts: []string{"KS"}},
	kLinear:         {file: "linear", binds: "rrrw"},
	kGroupNormStats: {file: "group_norm", entry: "stats", binds: "rrrrww", consts: []string{"wg"}},
	kGroupNorm:      {file: "group_norm", binds: "rrrrww", consts: []string{"wg"}},
	kLayerNorm:      {file: "layer_norm", binds: "rrrw", consts: []string{"wg"}},
	kAttention:      {file: "attention", binds: "rrw"},
	kUpsample2x:     {file: "upsample2x", binds: "rw", consts: []string{"wg"}},
	kAvgPool2x:      {file: "avg_pool2x", binds: "rw", consts: []string{"wg"}},
	kBilinearResize: {file: "bilinear_resize", binds: "rw", consts: []string{"wg"}},
	kCopyBlock:      {file: "copy_block", binds: "rw", consts: []string{"wg"}},
	kTranspose:      {file: "transpose", binds: "rw", consts: []string{"wg"}},
	kTokenEmbedding: {file: "token_embedding", binds: "rrrrw", consts: []string{"wg"}},
	kGuidance:       {file: "guidance", binds: "rw", consts: []string{"wg"}},
	kSamplerStep:    {file: "sampler_step", binds: "rrrrrww", consts: []string{"wg"}},
}

// pipelineFor returns the cached pipeline of kernel k specialised on the
// override values vals (one per kernels[k].consts), creating it on first
// use. The cache is a short list per kernel: no hashing, no allocation.
// A WGSL or pipeline error becomes the sticky ShaderCompile error naming
// the kernel.
func (d *Device) pipelineFor(k kernel, vals ...uint32) *pipeline {
	var key [maxConsts]uint32
	copy(key[:], vals)
	for _, p := range d.pipes[k] {
		if p.vals == key && p.f16 == d.f16 {
			return p
		}
	}
	return d.newPipeline(k, key, vals)
}

// newPipeline compiles kernel k's pipeline (pipelineFor's slow path).
func (d *Device) newPipeline(k kernel, key [maxConsts]uint32, vals []uint32) *pipeline {
	ki := kernels[k]
	if len(vals) != len(ki.consts) {
		panic(fmt.Sprintf("webgpu: kernel %s takes %d override values, got %d", ki.file, len(ki.consts), len(vals)))
	}
	if d.err != nil {
		return nil
	}
	name := ki.file
	src, err := shaders.Source(name)
	if err != nil {
		panic(err)
	}
	src = shaders.Prelude(d.f16) + src
	if sourceHook != nil {
		src = sourceHook(name, src)
	}
	label := d.label + "." + name
	if ki.entry != "" {
		label += "." + ki.entry
	}
	if d.f16 {
		label += ".f16"
	}
	var consts map[string]float64
	if len(vals) > 0 {
		consts = map[string]float64{}
		for i, c := range ki.consts {
			consts[c] = float64(vals[i])
		}
	}
	cp, l, err := d.buildPipeline(label, src, ki.entry, ki.binds, consts)
	if err != nil {
		// A lost device fails pipeline creation too: report the loss then.
		d.waitLost(200 * time.Millisecond)
		d.fail(&glide.Error{Op: "webgpu: kernel " + name, Kind: glide.ShaderCompile, Err: err})
		return nil
	}
	p := &pipeline{id: d.register(cp.JSValue()), name: name, binds: ki.binds, layout: l, f16: d.f16, vals: key}
	d.pipes[k] = append(d.pipes[k], p)
	return p
}

// buildPipeline compiles a kernel inside a validation error scope, so a
// WGSL error comes back here (as the kernel's error) rather than as an
// uncaptured device error.
func (d *Device) buildPipeline(label, src, entry, binds string, consts map[string]float64) (*gpu.ComputePipeline, *layout, error) {
	d.gd.PushErrorScope("validation")
	cp, l, err := func() (*gpu.ComputePipeline, *layout, error) {
		mod, err := d.gd.CreateShaderModule(label, src)
		if err != nil {
			return nil, nil, err
		}
		if errs, err := mod.CompilationErrors(); err != nil {
			return nil, nil, err
		} else if len(errs) > 0 {
			return nil, nil, errors.New(strings.Join(errs, "\n"))
		}
		l, err := d.layoutFor(binds)
		if err != nil {
			return nil, nil, err
		}
		cp, err := d.gd.CreateComputePipelineWithLayout(gpu.ComputePipelineDescriptor{Label: label, Module: mod, EntryPoint: entry, Constants: consts}, l.pl)
		return cp, l, err
	}()
	if serr := d.gd.PopErrorScope(); err == nil && serr != nil {
		err = serr
	}
	return cp, l, err
}

// layoutFor returns the bind-group and pipeline layouts of a binding
// signature: binding 0 a uniform with a dynamic offset, then storage.
func (d *Device) layoutFor(binds string) (*layout, error) {
	if l, ok := d.layouts[binds]; ok {
		return l, nil
	}
	es := []gpu.BindGroupLayoutEntry{{Binding: 0, Type: gpu.BindingUniform, HasDynamicOffset: true}}
	for i, c := range binds {
		t := gpu.BindingReadOnlyStorage
		if c == 'w' {
			t = gpu.BindingStorage
		}
		es = append(es, gpu.BindGroupLayoutEntry{Binding: i + 1, Type: t})
	}
	bgl, err := d.gd.CreateBindGroupLayout(d.label+".layout."+binds, es)
	if err != nil {
		return nil, err
	}
	pl, err := d.gd.CreatePipelineLayout(d.label+".pipeline-layout."+binds, bgl)
	if err != nil {
		return nil, err
	}
	l := &layout{bgl: bgl, pl: pl, idx: int32(len(d.layouts))}
	d.layouts[binds] = l
	return l, nil
}

// dispatch records one dispatch of p with uniforms params (32-bit words)
// and the storage buffers bufs (in binding order). Once p's bind group
// for these buffers is cached it makes no JS call and allocates nothing.
func (d *Device) dispatch(p *pipeline, label string, params []uint32, bufs []*pbuf, x, y, z int) {
	if p == nil || d.err != nil {
		return
	}
	key := bgKey{layout: p.layout.idx}
	for i, b := range bufs {
		if b == nil {
			return
		}
		if i < maxBinds {
			key.ids[i] = b.id
		}
	}
	if len(bufs) != len(p.binds) {
		panic(fmt.Sprintf("webgpu: %s: %d buffers for %d bindings", p.name, len(bufs), len(p.binds)))
	}
	if x > maxDispatchDim || y > maxDispatchDim || z > maxDispatchDim {
		panic(fmt.Sprintf("webgpu: %s: dispatch %d×%d×%d exceeds %d", p.name, x, y, z, maxDispatchDim))
	}
	if 4*len(params) > uniformSlot {
		panic(fmt.Sprintf("webgpu: %s: %d parameter words", p.name, len(params)))
	}
	if x == 0 || y == 0 || z == 0 {
		return
	}
	bg, ok := d.bgs[key]
	if ok {
		d.stats.BindGroupHits++
	} else if bg, ok = d.newBindGroup(p, label, bufs, key); !ok {
		return
	}
	if d.uniLen+d.slot > uniformArena {
		d.flush()
	}
	off := d.uniLen
	for i, w := range params {
		binary.LittleEndian.PutUint32(d.uni[off+4*i:], w)
	}
	d.uniLen += d.slot
	d.cmds = append(d.cmds, 1, uint32(p.id), uint32(bg), uint32(off), uint32(x), uint32(y), uint32(z))
	d.stats.Dispatches++
}

// newBindGroup creates and caches the bind group of key (dispatch's slow
// path).
func (d *Device) newBindGroup(p *pipeline, label string, bufs []*pbuf, key bgKey) (int32, bool) {
	d.stats.BindGroupMisses++
	es := []gpu.BindGroupEntry{{Binding: 0, Buffer: d.uniBuf.buf, Size: uniformSlot}}
	for i, b := range bufs {
		es = append(es, gpu.BindGroupEntry{Binding: i + 1, Buffer: b.buf})
	}
	g, err := d.gd.CreateBindGroupWithLayout(d.label+"."+p.name+"."+label, p.layout.bgl, es)
	if err != nil {
		d.fail(kindErr(glide.KindUnknown, "createBindGroup %s: %v", p.name, err))
		return 0, false
	}
	bg := d.register(g.JSValue())
	d.bgs[key] = bg
	return bg, true
}

// grid spreads n workgroups over x (≤ 65535) and y; kernels index
// (wid.y·nwg.x + wid.x) and ignore the overshoot.
func grid(n int) (x, y int) {
	if n <= maxDispatchDim {
		return n, 1
	}
	y = (n + maxDispatchDim - 1) / maxDispatchDim
	return (n + y - 1) / y, y
}

func f32w(f float32) uint32 { return math.Float32bits(f) }
