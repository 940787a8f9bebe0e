package webgpu

import (
	"fmt"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

// UploadF16JS is UploadF16 for weights that are already in JavaScript: src
// is a Uint8Array holding the tensor as little-endian binary16 (2·numel
// bytes), written to the GPU by queue.writeBuffer without passing through
// the Go heap (the worker reads shards from its store into JS memory). On
// the f32 path the bytes go to a staging buffer and are expanded there.
func (d *Device) UploadF16JS(src js.Value, shape ...int) *nn.Tensor {
	n := 2 * nn.Numel(shape)
	if got := src.Get("byteLength").Int(); got != n {
		panic(fmt.Sprintf("webgpu: UploadF16JS of %d bytes into shape %s (want %d)", got, nn.ShapeString(shape), n))
	}
	if n%4 != 0 { // writeBuffer takes multiples of 4 bytes
		padded := js.Global().Get("Uint8Array").New(n + 2)
		padded.Call("set", src)
		src = padded
	}
	t := d.alloc("upload-f16", shape...)
	p := d.buf("UploadF16JS", t)
	if p == nil {
		return t
	}
	dst := p
	if !d.f16 {
		if dst = d.getBuf((n+3)&^3, "f16-staging"); dst == nil {
			return t
		}
	}
	d.flush() // keep the order of the uploads recorded so far
	if err := d.gd.Queue.WriteBufferJS(dst.buf, 0, src); err != nil {
		d.fail(kindErr(glide.KindUnknown, "writeBuffer: %v", err))
		return t
	}
	if !d.f16 {
		x, y := elementwise(n / 2)
		d.dispatch(d.pipelineFor(kExpandF16, wg1), t.Label, []uint32{uint32(n / 2)}, []*pbuf{dst, p}, x, y, 1)
		d.putBuf(dst)
	}
	return t
}
