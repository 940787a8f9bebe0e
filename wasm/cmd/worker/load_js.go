// Loading: the weight bundles under the page's weights URL onto the device.

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/wasm/httpfs"
)

// load makes the pipeline from the bundles under url, unless it is the
// one loaded already. Both models stay on the device, unless oneModel
// asks for one at a time or the upsampler does not fit next to the base
// model: then the device is renewed and the pipeline swaps the models
// (glide.Pipeline.OneModel), reloading each from the browser's cache.
func (w *worker) load(id float64, url string, oneModel bool) error {
	if w.pipe != nil && w.pipeURL == url && (w.oneModel || !oneModel) {
		return nil
	}
	if w.pipe != nil {
		w.release()
	}
	start := time.Now()
	root := httpfs.New(url)
	base, err := w.loadBundle(id, root, url, glide.BaseBundle, true)
	if err != nil {
		return err
	}
	var up *model.Model
	if !oneModel {
		up, err = w.loadBundle(id, root, url, glide.UpsampleBundle, false)
		if glide.KindOf(err) == glide.OutOfMemory {
			// Both do not fit: start over on a new device, one model at a time.
			base.Release()
			if err := w.healthy(); err != nil {
				return err
			}
			if base, err = w.loadBundle(id, root, url, glide.BaseBundle, true); err != nil {
				return err
			}
			oneModel = true
		} else if err != nil {
			base.Release()
			return err
		}
	}
	w.pipe = &glide.Pipeline{Device: w.dev, Base: base, Upsampler: up}
	w.pipeURL, w.oneModel = url, oneModel
	upsample := any(nil)
	if up != nil {
		upsample = up.Cfg.Kind()
	}
	if oneModel {
		// The loaders report progress under the request that needs them.
		load := func(name string, required bool) func() (*model.Model, error) {
			return func() (*model.Model, error) {
				w.mu.Lock()
				id := w.current
				w.mu.Unlock()
				m, err := w.loadBundle(id, root, url, name, required)
				if err == nil && m == nil {
					err = glide.Errorf("load weights", glide.BadWeights, "no %s bundle at %s", name, url)
				}
				return m, err
			}
		}
		w.pipe.OneModel = true
		w.pipe.LoadBase = load(glide.BaseBundle, true)
		if _, err := fs.Stat(root, glide.UpsampleBundle+"/manifest.json"); err == nil {
			w.pipe.LoadUpsampler = load(glide.UpsampleBundle, false)
			upsample = "upsample (loaded after the base stage: one model at a time)"
		}
	}
	post(map[string]any{"type": "loaded", "id": id, "base": base.Cfg.Kind(), "upsample": upsample,
		"oneModel": oneModel, "seconds": time.Since(start).Seconds()})
	return nil
}

// release frees the pipeline's models.
func (w *worker) release() {
	for _, m := range []*model.Model{w.pipe.Base, w.pipe.Upsampler} {
		if m != nil {
			m.Release()
		}
	}
	if t, ok := w.dev.(nn.Trimmer); ok {
		t.Trim()
	}
	w.pipe, w.pipeURL = nil, ""
}

// loadBundle loads bundle name (a folder of root), posting download
// progress per shard. A missing optional bundle gives nil, nil.
func (w *worker) loadBundle(id float64, root *httpfs.FS, url, name string, required bool) (*model.Model, error) {
	const op = "load weights"
	sub, _ := root.Sub(name)
	b, err := weights.OpenFS(sub)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !required {
				return nil, nil
			}
			return nil, glide.Errorf(op, glide.BadWeights, "no weights at %s: %s/manifest.json is missing (serve a weights folder with 'glide serve --weights DIR', or open the page with ?weights=URL)", url, name)
		}
		if errors.Is(err, httpfs.ErrNetwork) {
			return nil, &glide.Error{Op: op, Kind: glide.Network, Err: fmt.Errorf("%s bundle at %s%s/: %w", name, url, name, err)}
		}
		return nil, &glide.Error{Op: op, Kind: glide.BadWeights, Err: fmt.Errorf("%s bundle at %s%s/: %w", name, url, name, err)}
	}
	shards := b.Manifest.Shards
	index := map[string]int{}
	var total int64
	for i, s := range shards {
		index[s.File] = i
		total += s.Bytes
	}
	var before int64 // bytes of the shards already read
	var lastPost time.Time
	watched := httpfs.Watch(sub, func(file string, read, size int64, done bool) {
		i, ok := index[file]
		if !ok {
			return // manifest.json
		}
		if size < 0 {
			size = shards[i].Bytes
		}
		// One message per finished shard, and at most ten a second
		// in between.
		if !done && time.Since(lastPost) < 100*time.Millisecond {
			return
		}
		lastPost = time.Now()
		post(map[string]any{
			"type": "download", "id": id, "bundle": name, "file": file,
			"shard": i + 1, "shards": len(shards), "loaded": read, "size": size,
			"bytesLoaded": before + read, "bytesTotal": total, "done": done,
		})
		if done {
			before += shards[i].Bytes
		}
	})
	m, err := glide.LoadModel(w.dev, watched)
	if err != nil {
		kind := glide.KindOf(err)
		if errors.Is(err, httpfs.ErrNetwork) {
			kind = glide.Network
		}
		return nil, &glide.Error{Op: op, Kind: kind, Err: fmt.Errorf("%s bundle at %s%s/: %w", name, url, name, unwrapOp(err, op))}
	}
	// A GPU reports running out of memory after the fact: wait for the
	// uploads to finish so that an out-of-memory error surfaces here.
	derr := w.dev.Err()
	if s, ok := w.dev.(nn.Syncer); ok && derr == nil {
		derr = s.Sync()
	}
	if derr != nil {
		m.Release()
		return nil, &glide.Error{Op: op, Kind: glide.KindOf(derr), Err: fmt.Errorf("%s bundle: %w", name, derr)}
	}
	return m, nil
}

// unwrapOp drops a *glide.Error's "op: " prefix when we add our own.
func unwrapOp(err error, op string) error {
	var e *glide.Error
	if errors.As(err, &e) && e.Op == op && error(e) == err {
		return e.Err
	}
	return err
}

// weightsURL resolves the page's weights URL against the worker's location
// and makes it a folder URL.
func weightsURL(s string) (string, error) {
	if s == "" {
		s = "/weights/"
	}
	u, err := call(func() js.Value { return js.Global().Get("URL").New(s, js.Global().Get("location").Get("href")) })
	if err != nil {
		return "", glide.Errorf("load weights", glide.BadInput, "weights URL %q: %v", s, err)
	}
	href := u.Get("href").String()
	if !strings.HasSuffix(href, "/") {
		href += "/"
	}
	return href, nil
}
