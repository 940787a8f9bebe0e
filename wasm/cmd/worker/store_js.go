// The shard store: Go's side of site/store.js (self.webglideStore), the
// OPFS store of verified shards in this worker.

package main

import (
	"fmt"
	"io/fs"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/weights"
)

// shardStore calls site/store.js.
type shardStore struct{ v js.Value }

func openStore() (shardStore, error) {
	v := js.Global().Get("webglideStore")
	if v.Type() != js.TypeObject {
		return shardStore{}, glide.Errorf("store", glide.KindUnknown, "site/store.js is not loaded in this worker (site/worker.js loads it before the wasm)")
	}
	return shardStore{v}, nil
}

// ref is what store.js needs to know of a shard.
func ref(url string, s weights.Shard) map[string]any {
	return map[string]any{"url": url + s.File, "file": s.File, "sha": s.SHA256, "bytes": s.Bytes}
}

// shard returns shard s's verified bytes (a Uint8Array), stored unless
// noStore; keep false only makes sure it is stored (prefetch) and returns
// a null value. progress gets the bytes so far and whether they came from
// the store.
func (st shardStore) shard(url string, s weights.Shard, noStore, keep bool, progress func(loaded int64, fromStore bool)) (js.Value, error) {
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if progress != nil && len(args) == 2 {
			progress(int64(args[0].Float()), args[1].Truthy())
		}
		return nil
	})
	defer cb.Release()
	opts := map[string]any{"store": !noStore, "keep": keep}
	return await(st.v.Call("shard", ref(url, s), opts, cb))
}

// release hands a shard's bytes back to the store's buffer pool once
// they are uploaded (queue.writeBuffer copied them).
func (st shardStore) release(data js.Value) { st.v.Call("release", data) }

// start is shard without waiting: it returns a function that waits.
func (st shardStore) start(url string, s weights.Shard, noStore bool) func() error {
	done := make(chan error, 1)
	go func() {
		_, err := st.shard(url, s, noStore, false, nil)
		done <- err
	}()
	return func() error { return <-done }
}

// stored returns how many bytes of each shard the store holds (the shard's
// size when it is stored and verified).
func (st shardStore) stored(url string, shards []weights.Shard) ([]int64, error) {
	list := make([]any, len(shards))
	for i, s := range shards {
		list[i] = ref(url, s)
	}
	v, err := await(st.v.Call("status", list))
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(shards))
	for i := range out {
		out[i] = int64(v.Index(i).Float())
	}
	return out, nil
}

// info is the store's backend, its bytes and the origin's usage and quota.
func (st shardStore) info() (js.Value, error) { return await(st.v.Call("info")) }

// clear deletes everything stored; it returns how many files were busy.
func (st shardStore) clear() (int, error) {
	v, err := await(st.v.Call("clear"))
	if err != nil {
		return 0, err
	}
	return v.Int(), nil
}

// storeErr turns a rejection of store.js into a *glide.Error by its code.
func storeErr(op string, err error) error {
	je, ok := err.(*jsError)
	if !ok {
		return err
	}
	kind := glide.KindUnknown
	switch je.code {
	case "bad-weights":
		kind = glide.BadWeights
	case "network", "not-found":
		kind = glide.Network
	case "quota", "storage":
		kind = glide.Storage
	}
	return &glide.Error{Op: op, Kind: kind, Err: je}
}

// jsError is a rejected promise's reason.
type jsError struct {
	code, msg string
}

func (e *jsError) Error() string { return e.msg }

// await blocks the calling goroutine until p settles; JS events keep
// running meanwhile.
func await(p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
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
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- settled{v: arg(args)}; return nil })
	bad := js.FuncOf(func(_ js.Value, args []js.Value) any {
		r := arg(args)
		e := &jsError{msg: fmt.Sprint(r)}
		if r.Type() == js.TypeObject {
			if m := r.Get("message"); m.Type() == js.TypeString {
				e.msg = m.String()
			}
			if c := r.Get("code"); c.Type() == js.TypeString {
				e.code = c.String()
			}
		}
		ch <- settled{err: e}
		return nil
	})
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	r := <-ch
	return r.v, r.err
}

// storedManifest reads an imported bundle's manifest from the store.
func storedManifest(name string) (*weights.Manifest, error) {
	st, err := openStore()
	if err != nil {
		return nil, err
	}
	v, err := await(st.v.Call("getManifest", name))
	if err != nil {
		return nil, storeErr("load weights", err)
	}
	if v.Type() != js.TypeString {
		return nil, fmt.Errorf("imported %s bundle: %w", name, fs.ErrNotExist)
	}
	return weights.ParseManifest([]byte(v.String()))
}
