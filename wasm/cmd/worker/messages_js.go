// Messages: decoding fields of the page's messages and posting replies.

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/wasm/httpfs"
)

func call(f func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return f(), nil
}

func str(v js.Value, key string) string {
	f := v.Get(key)
	switch f.Type() {
	case js.TypeString:
		return f.String()
	case js.TypeNumber:
		return strconv.FormatFloat(f.Float(), 'f', -1, 64)
	}
	return ""
}

func num(v js.Value, key string, def float64) float64 {
	f := v.Get(key)
	switch f.Type() {
	case js.TypeNumber:
		return f.Float()
	case js.TypeString:
		if x, err := strconv.ParseFloat(strings.TrimSpace(f.String()), 64); err == nil {
			return x
		}
	}
	return def
}

// postError reports a failed job with its glide error kind.
func postError(id float64, err error) {
	kind := glide.KindOf(err)
	switch {
	case errors.Is(err, context.Canceled):
		kind = glide.Canceled
	case kind == glide.KindUnknown && errors.Is(err, httpfs.ErrNetwork):
		kind = glide.Network
	}
	post(map[string]any{"type": "error", "id": id, "kind": kind.String(), "message": err.Error()})
}

// post sends a message to the page (the worker's postMessage).
func post(msg map[string]any) { js.Global().Call("postMessage", msg) }

// postTransfer sends msg, transferring the listed ArrayBuffers.
func postTransfer(msg map[string]any, transfer []any) {
	if len(transfer) == 0 {
		post(msg)
		return
	}
	js.Global().Call("postMessage", msg, transfer)
}
