package webgpu

// GPU time per dispatch from timestamp queries (make bench).

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/wasm/gpu"
)

// OpTime is the GPU time of every dispatch of one kernel on one shape in
// a profile.
type OpTime struct {
	Kernel string        // kernel file (e.g. "conv2d")
	Shape  string        // the op's shape, e.g. "3×3 192→384 64×64 b2"; "" when not described
	Count  int           // dispatches
	GPU    time.Duration // their summed GPU time
	FLOP   float64       // their summed floating-point operations (0 when not counted)
}

// GFLOPS is the op's arithmetic rate (0 when its FLOPs are not counted).
func (o OpTime) GFLOPS() float64 {
	if o.FLOP == 0 || o.GPU <= 0 {
		return 0
	}
	return o.FLOP / o.GPU.Seconds() / 1e9
}

// Profile is what StopProfile returns: the ops by decreasing GPU time.
type Profile struct {
	Ops        []OpTime
	Dispatches int
	GPU        time.Duration // summed over the dispatches (passes run back to back)
}

// profDispatches is the most dispatches one flush times (two timestamps
// each); the uniform arena already flushes at 1024.
const profDispatches = 1024

// profiler is the state of a profile in progress.
type profiler struct {
	qs      *gpu.QuerySet
	resolve *pbuf    // QueryResolve|CopySrc, 8 bytes per timestamp
	next    opNote   // what the next dispatch is (set by describe)
	pending []opNote // one per dispatch of the current flush
	ops     map[opNote]*OpTime
	n       int
}

// opNote is a dispatch's kernel, shape and FLOPs (the profile's key
// without the FLOPs).
type opNote struct {
	kernel, shape string
	flop          float64
}

// Timestamps reports whether the device can profile (the adapter offered
// timestamp-query and Options.Timestamps asked for it).
func (d *Device) Timestamps() bool { return d.gd.Features[gpu.FeatureTimestampQuery] }

// StartProfile times every following dispatch on the GPU until
// StopProfile: each dispatch gets its own compute pass with timestamp
// writes, so a profiled step runs a little slower than a plain one.
func (d *Device) StartProfile() error {
	if !d.Timestamps() {
		return kindErr(glide.MissingFeature, "adapter %q: no timestamp-query (create the device with Options.Timestamps on an adapter that offers it)", d.adapter.Info)
	}
	if d.prof != nil {
		return nil
	}
	d.flush()
	qs, err := d.gd.CreateTimestampQuerySet(d.label+".timestamps", 2*profDispatches)
	if err != nil {
		return kindErr(glide.KindUnknown, "createQuerySet: %v", err)
	}
	rb, err := d.newBuffer("timestamps", 8*2*profDispatches, gpu.BufferUsageQueryResolve|gpu.BufferUsageCopySrc)
	if err != nil {
		qs.Destroy()
		return err
	}
	d.prof = &profiler{qs: qs, resolve: rb, ops: map[opNote]*OpTime{}}
	return d.Err()
}

// StopProfile submits the pending work, ends the profile and returns it.
func (d *Device) StopProfile() (Profile, error) {
	if d.prof == nil {
		return Profile{}, fmt.Errorf("webgpu: StopProfile without StartProfile")
	}
	d.flush()
	p := d.prof
	d.prof = nil
	p.qs.Destroy()
	p.resolve.buf.Destroy()
	d.mem.add(-p.resolve.size)
	d.table.SetIndex(int(p.resolve.id), nil)
	var out Profile
	for _, o := range p.ops {
		out.Ops = append(out.Ops, *o)
		out.Dispatches += o.Count
		out.GPU += o.GPU
	}
	slices.SortFunc(out.Ops, func(a, b OpTime) int {
		return cmp.Or(cmp.Compare(b.GPU, a.GPU), cmp.Compare(a.Kernel, b.Kernel), cmp.Compare(a.Shape, b.Shape))
	})
	return out, d.Err()
}

// describe names the shape and FLOPs of the next dispatch for the
// profile; ops call it only while profiling (d.prof != nil).
func (d *Device) describe(flop float64, format string, a ...any) {
	d.prof.next = opNote{shape: fmt.Sprintf(format, a...), flop: flop}
}

// noteDispatch records the dispatch of kernel name about to be appended
// to the current flush (dispatch calls it while profiling).
func (d *Device) noteDispatch(name string) {
	p := d.prof
	if len(p.pending) == profDispatches {
		d.flush()
	}
	n := p.next
	n.kernel = name
	p.next = opNote{}
	p.pending = append(p.pending, n)
}

// collect reads the timestamps of the flush just submitted.
func (d *Device) collect() {
	p := d.prof
	n := len(p.pending)
	if n == 0 {
		return
	}
	defer func() { p.pending = p.pending[:0] }()
	raw, err := d.gd.ReadBuffer(p.resolve.buf, 0, 16*n)
	if err != nil {
		d.fail(kindErr(glide.KindUnknown, "read timestamps: %v", err))
		return
	}
	for i, note := range p.pending {
		begin := binary.LittleEndian.Uint64(raw[16*i:])
		end := binary.LittleEndian.Uint64(raw[16*i+8:])
		dt := time.Duration(0)
		if end > begin { // implementations may return 0s or reorder across passes
			dt = time.Duration(end - begin)
		}
		key := opNote{kernel: note.kernel, shape: note.shape}
		o := p.ops[key]
		if o == nil {
			o = &OpTime{Kernel: note.kernel, Shape: note.shape}
			p.ops[key] = o
		}
		o.Count++
		o.GPU += dt
		o.FLOP += note.flop
	}
}
