package gpu

import "syscall/js"

// WriteBufferJS writes a JavaScript typed array (or a view of one) into buf
// at offset, with no copy through the Go heap: the weight loader hands
// shards read from the browser's store straight to the queue. Its byte
// length must be a multiple of 4, as writeBuffer requires.
func (q *Queue) WriteBufferJS(buf *Buffer, offset int, data js.Value) error {
	_, err := call("writeBuffer "+buf.Label, q.v, "writeBuffer", buf.v, offset, data)
	return err
}
