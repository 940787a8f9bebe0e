package webgpu

// Kernels, pipelines, layouts, bind groups and the recording of one dispatch.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/shaders"
	"github.com/webglide/webglide/wasm/gpu"
)

// kernel names a compute pipeline's kernel: a .wgsl file and an entry
// point in it.
type kernel uint8

const (
	kExpandF16 kernel = iota
	kUnary
	kAdd
	kConv2D
	kConv2DDirect
	kSplitKSum
	kLinear
	kLinearRows
	kGroupNormStats
	kGroupNorm
	kLayerNorm
	kAttention
	kAttentionMerge
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
	kConv2D:         {file: "conv2d", binds: "rrrrww", consts: []string{"KS", "PX"}},
	kConv2DDirect:   {file: "conv2d_direct", binds: "rrrrw", consts: []string{"KS"}},
	kSplitKSum:      {file: "splitk_sum", binds: "rrrw", consts: []string{"wg"}},
	kLinear:         {file: "linear", binds: "rrrw"},
	kLinearRows:     {file: "linear_rows", binds: "rrrw"},
	kGroupNormStats: {file: "group_norm", entry: "stats", binds: "rrrrww", consts: []string{"wg"}},
	kGroupNorm:      {file: "group_norm", binds: "rrrrww", consts: []string{"wg"}},
	kLayerNorm:      {file: "layer_norm", binds: "rrrw", consts: []string{"wg"}},
	kAttention:      {file: "attention", binds: "rrwww", consts: []string{"CH4"}},
	kAttentionMerge: {file: "attention_merge", binds: "rrw", consts: []string{"wg"}},
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
	if d.prof != nil {
		d.noteDispatch(p.name)
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
