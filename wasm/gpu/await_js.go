package gpu

import (
	"errors"
	"syscall/js"
)

// JSError is a JavaScript exception or promise rejection, with the JS
// error's name (e.g. "OperationError", "GPUPipelineError") and message.
type JSError struct {
	Op      string // the binding call that failed, e.g. "createComputePipelineAsync"
	Name    string
	Message string
}

func (e *JSError) Error() string {
	if e.Name == "" {
		return "gpu: " + e.Op + ": " + e.Message
	}
	return "gpu: " + e.Op + ": " + e.Name + ": " + e.Message
}

func jsError(op string, v js.Value) *JSError {
	e := &JSError{Op: op}
	if v.Type() == js.TypeObject {
		if n := v.Get("name"); n.Type() == js.TypeString {
			e.Name = n.String()
		}
		if m := v.Get("message"); m.Type() == js.TypeString {
			e.Message = m.String()
		}
	}
	if e.Message == "" {
		e.Message = js.Global().Call("String", v).String()
	}
	return e
}

// await blocks the calling goroutine until the promise p settles and
// returns its value or its rejection as a *JSError.
//
// The then/catch functions only send on a buffered channel, so they never
// block the JS event loop; the waiting happens here, on a goroutine. Never
// call await from inside a js.FuncOf callback: the callback would hold the
// event loop while waiting for an event that can then never arrive.
func await(op string, p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return js.Undefined(), errors.New("gpu: " + op + ": did not return a promise")
	}
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	arg := func(args []js.Value) js.Value {
		if len(args) == 0 {
			return js.Undefined()
		}
		return args[0]
	}
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: arg(args)}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: jsError(op, arg(args))}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	r := <-ch
	return r.v, r.err
}

// call invokes method on v and turns a thrown JS exception into an error
// instead of a Go panic.
func call(op string, v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = jsError(op, je.Value)
				return
			}
			panic(r)
		}
	}()
	return v.Call(method, args...), nil
}
