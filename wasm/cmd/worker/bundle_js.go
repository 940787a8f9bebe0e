// One weight bundle from the shard store onto the device.

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/wasm/httpfs"
)

// loadStats measures the last load (the "loaded" message's stats): shard
// bytes, time waiting for the store (reading, verifying, downloading) and
// uploading, and the Go heap's size afterwards (weights do not pass
// through it on WebGPU, so it stays small).
type loadStats struct {
	bytes         int64
	store, upload time.Duration
}

// importedURL is the weights URL of the imported bundles (import_js.go):
// their manifests are in the store, not on a server.
const importedURL = "store:imported/"

var stats loadStats

func (s loadStats) message() map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{"bytes": s.bytes, "storeSeconds": s.store.Seconds(), "uploadSeconds": s.upload.Seconds(),
		"goHeapSys": ms.HeapSys, "goSys": ms.Sys}
}

// jsUploader is a device that takes weights straight from JS memory
// (wasm/webgpu: queue.writeBuffer from the shard's Uint8Array).
type jsUploader interface {
	UploadF16JS(src js.Value, shape ...int) *nn.Tensor
}

// manifest reads <weightsURL><name>/manifest.json (offline: its copy in
// the store), or an imported bundle's from the store. A missing one is
// fs.ErrNotExist.
func manifest(weightsURL, name string) (*weights.Manifest, error) {
	if weightsURL == importedURL {
		return storedManifest(name)
	}
	return fetchedManifest(weightsURL, name) // offline: the stored copy (offline_js.go)
}

// loadBundle loads bundle name (a folder of weightsURL, e.g. "base",
// "upsample-inpaint") onto the device: every shard through the store
// (verified, downloaded where missing or corrupt, resumed where partly
// there), its tensors uploaded from JS memory where the device can, at most
// about two shards of weight bytes in the worker at once (the one being
// uploaded and the next one being fetched). It posts a "download-plan"
// message first and "download" progress per shard. A missing optional
// bundle gives nil, nil.
func (w *worker) loadBundle(id float64, weightsURL, name string, required bool) (*model.Model, error) {
	const op = "load weights"
	where := fmt.Sprintf("%s bundle at %s%s/", name, weightsURL, name)
	fail := func(kind glide.Kind, err error) error {
		return &glide.Error{Op: op, Kind: kind, Err: fmt.Errorf("%s: %w", where, err)}
	}
	m, err := manifest(weightsURL, name)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist) && !required:
			return nil, nil
		case errors.Is(err, fs.ErrNotExist):
			return nil, glide.Errorf(op, glide.BadWeights, "no weights at %s: %s/manifest.json is missing. Serve converted bundles there (glide fetch, then glide serve --weights DIR, or publish them next to the site), open the page with ?weights=URL, or import the .pt checkpoints in the Model section", weightsURL, name)
		case errors.Is(err, httpfs.ErrNetwork):
			return nil, fail(glide.Network, err)
		}
		return nil, fail(glide.BadWeights, err)
	}
	cfg, err := model.ConfigFromJSON(m.Config)
	if err != nil {
		return nil, fail(glide.BadWeights, err)
	}
	st, err := openStore()
	if err != nil {
		return nil, err
	}
	url := weightsURL + name + "/"
	noStore := w.noStore
	var total, have int64
	stored := make([]int64, len(m.Shards))
	if !noStore {
		if stored, err = st.stored(url, m.Shards); err != nil {
			return nil, fail(glide.Storage, storeErr(op, err))
		}
	}
	for i, s := range m.Shards {
		total += s.Bytes
		have += stored[i]
	}
	post(map[string]any{"type": "download-plan", "id": id, "bundle": name, "url": url,
		"bytesTotal": total, "bytesStored": have, "bytesToFetch": total - have, "store": !noStore})

	out := make(map[string]*nn.Tensor, len(m.Tensors))
	release := func() {
		for _, t := range out {
			w.dev.Release(t)
		}
	}
	byShard := make([][]*weights.Tensor, len(m.Shards))
	for i := range m.Tensors {
		t := &m.Tensors[i]
		byShard[t.Shard] = append(byShard[t.Shard], t)
	}
	var before int64 // bytes of the shards done
	var lastPost time.Time
	var next func() error // the prefetch of the next shard
	for i, s := range m.Shards {
		cached := false // the shard came from the store (no download)
		progress := func(loaded int64, fromStore bool) {
			cached = cached || fromStore
			done := loaded >= s.Bytes
			if !done && time.Since(lastPost) < 100*time.Millisecond {
				return
			}
			lastPost = time.Now()
			post(map[string]any{
				"type": "download", "id": id, "bundle": name, "file": s.File,
				"shard": i + 1, "shards": len(m.Shards), "loaded": loaded, "size": s.Bytes,
				"bytesLoaded": before + loaded, "bytesTotal": total, "done": done, "fromStore": fromStore,
			})
		}
		if next != nil {
			err = next() // shard i is in the store now (or failed)
		}
		next = nil
		if err == nil && i+1 < len(m.Shards) && !noStore {
			next = st.start(url, m.Shards[i+1], noStore)
		}
		var data js.Value
		t0 := time.Now()
		if err == nil {
			data, err = st.shard(url, s, noStore, true, progress)
		}
		stats.store += time.Since(t0)
		if err != nil {
			if next != nil {
				next()
			}
			release()
			err = storeErr(op, err)
			if glide.KindOf(err) == glide.Storage {
				return nil, glide.Errorf(op, glide.Storage, "%s: %v. The %s weights need %.1f MB more than is stored (%.1f MB in all): free disk space or allow this site more storage, or choose \"Run without storing\" to run once without keeping them. The verified shards stored so far are kept", where, unwrapOp(err, op), name, float64(total-have)/1e6, float64(total)/1e6)
			}
			return nil, fail(glide.KindOf(err), unwrapOp(err, op))
		}
		progress(s.Bytes, cached)
		t0 = time.Now()
		for _, t := range byShard[i] {
			view := data.Call("subarray", t.Offset, t.Offset+t.Length)
			tt := upload(w.dev, view, t.Shape)
			tt.Label = t.Name
			out[t.Name] = tt
		}
		st.release(data) // its buffer serves the next shard
		data = js.Null()
		stats.upload += time.Since(t0)
		stats.bytes += s.Bytes
		if err := w.dev.Err(); err != nil {
			if next != nil {
				next()
			}
			release()
			return nil, fail(glide.KindOf(err), fmt.Errorf("uploading shard %s: %w", s.File, err))
		}
		before += s.Bytes
	}
	mod, err := model.New(w.dev, cfg, model.Weights(out))
	if err != nil {
		release()
		return nil, fail(glide.BadWeights, err)
	}
	// A GPU reports running out of memory after the fact: wait for the
	// uploads to finish so that an out-of-memory error surfaces here.
	derr := w.dev.Err()
	if s, ok := w.dev.(nn.Syncer); ok && derr == nil {
		derr = s.Sync()
	}
	if derr != nil {
		mod.Release()
		return nil, &glide.Error{Op: op, Kind: glide.KindOf(derr), Err: fmt.Errorf("%s bundle: %w", name, derr)}
	}
	return mod, nil
}

// upload puts one f16 tensor (little-endian bytes in a Uint8Array) on dev:
// straight from JS where the device can, else through a Go copy (the CPU
// device in wasm keeps its weights in Go memory anyway).
func upload(dev nn.Device, src js.Value, shape []int) *nn.Tensor {
	if u, ok := dev.(jsUploader); ok {
		return u.UploadF16JS(src, shape...)
	}
	raw := make([]byte, src.Get("byteLength").Int())
	js.CopyBytesToGo(raw, src)
	bits := make([]uint16, len(raw)/2)
	for k := range bits {
		bits[k] = binary.LittleEndian.Uint16(raw[2*k:])
	}
	return dev.UploadF16(bits, shape...)
}
