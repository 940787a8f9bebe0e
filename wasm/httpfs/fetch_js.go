package httpfs

import (
	"errors"
	"fmt"
	"io"
	"syscall/js"
)

// fetchTransport makes requests with the JavaScript fetch API and streams
// bodies through the response's ReadableStream reader.
type fetchTransport struct{}

func defaultTransport() transport { return fetchTransport{} }

func (fetchTransport) do(method, url string, header map[string]string) (*response, error) {
	fetch := js.Global().Get("fetch")
	if fetch.Type() != js.TypeFunction {
		return nil, fmt.Errorf("%w: this JavaScript environment has no fetch", ErrNetwork)
	}
	h := map[string]any{}
	for k, v := range header {
		h[k] = v
	}
	init := map[string]any{"method": method, "headers": h}
	p, err := call(func() js.Value { return fetch.Invoke(url, init) })
	if err != nil {
		return nil, fmt.Errorf("%w: fetch: %v", ErrNetwork, err)
	}
	res, err := await(p)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch: %v", ErrNetwork, err)
	}
	headers := res.Get("headers")
	r := &response{
		status:     res.Get("status").Int(),
		statusText: res.Get("statusText").String(),
		header: func(k string) string {
			v := headers.Call("get", k)
			if v.Type() != js.TypeString {
				return ""
			}
			return v.String()
		},
	}
	body := res.Get("body")
	if method == "HEAD" {
		if body.Truthy() {
			body.Call("cancel")
		}
		return r, nil
	}
	if !body.Truthy() {
		r.body = io.NopCloser(eofReader{})
		return r, nil
	}
	r.body = &streamReader{reader: body.Call("getReader")}
	return r, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// streamReader reads a ReadableStreamDefaultReader's Uint8Array chunks.
type streamReader struct {
	reader js.Value
	buf    []byte // the unread rest of the last chunk
	done   bool
	err    error
}

func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		v, err := await(s.reader.Call("read"))
		if err != nil {
			s.err = fmt.Errorf("%w: reading the response: %v", ErrNetwork, err)
			return 0, s.err
		}
		if v.Get("done").Bool() {
			s.done = true
			continue
		}
		chunk := v.Get("value")
		n := chunk.Get("byteLength").Int()
		if n == 0 {
			continue
		}
		if len(p) >= n {
			// Straight into the caller's buffer.
			return js.CopyBytesToGo(p, chunk), nil
		}
		if cap(s.buf) < n {
			s.buf = make([]byte, n)
		}
		s.buf = s.buf[:n]
		js.CopyBytesToGo(s.buf, chunk)
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// Close cancels the rest of the stream.
func (s *streamReader) Close() error {
	if !s.done && s.err == nil {
		s.done = true
		// cancel returns a promise; its outcome does not matter.
		p := s.reader.Call("cancel")
		if p.Type() == js.TypeObject && p.Get("catch").Type() == js.TypeFunction {
			p.Call("catch", ignore)
		}
	}
	s.buf = nil
	return nil
}

var ignore = js.FuncOf(func(js.Value, []js.Value) any { return nil })

// await blocks the calling goroutine until the promise p settles. The
// then/catch callbacks only send on a buffered channel, so they never
// block the JS event loop.
func await(p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	first := func(args []js.Value) js.Value {
		if len(args) == 0 {
			return js.Undefined()
		}
		return args[0]
	}
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- settled{v: first(args)}; return nil })
	bad := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- settled{err: jsErr(first(args))}; return nil })
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	r := <-ch
	return r.v, r.err
}

// call runs f and turns a thrown JavaScript exception into an error.
func call(f func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = jsErr(je.Value)
				return
			}
			panic(r)
		}
	}()
	return f(), nil
}

func jsErr(v js.Value) error {
	if v.Type() == js.TypeObject {
		name, msg := v.Get("name"), v.Get("message")
		if msg.Type() == js.TypeString {
			if name.Type() == js.TypeString {
				return errors.New(name.String() + ": " + msg.String())
			}
			return errors.New(msg.String())
		}
	}
	return errors.New(js.Global().Call("String", v).String())
}
