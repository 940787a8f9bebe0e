package webgpu

// The buffer pool and tensor storage: size classes, lowest-id-first reuse, guards.

import (
	"encoding/binary"
	"fmt"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/wasm/gpu"
)

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
	d.mem.add(size)
	d.mem.buffers++
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
