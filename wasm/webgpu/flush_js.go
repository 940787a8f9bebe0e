package webgpu

// Recording and submitting: the upload arena, one JS encode call per flush, readback.

import (
	"encoding/binary"
	"math"
	"syscall/js"
	"unsafe"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

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
	qs, rb := js.Null(), js.Null()
	if d.prof != nil {
		qs, rb = d.prof.qs.JSValue(), d.prof.resolve.buf.JSValue()
	}
	d.encode.Invoke(d.gd.JSValue(), d.table, d.jsCmd32, len(d.cmds),
		d.uniBuf.buf.JSValue(), d.jsUni, d.uniLen, d.upBuf.buf.JSValue(), d.jsUp, len(d.up), d.label+".step", qs, rb)
	if d.prof != nil {
		d.collect()
	}
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
