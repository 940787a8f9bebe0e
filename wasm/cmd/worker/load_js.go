// Loading: the weight bundles under the page's weights URL onto the device.

package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// bundlePair names the two bundle folders of a pipeline.
type bundlePair struct{ base, upsample string }

var (
	textPair    = bundlePair{glide.BaseBundle, glide.UpsampleBundle}               // text-to-image
	inpaintPair = bundlePair{glide.BaseInpaintBundle, glide.UpsampleInpaintBundle} // editing
)

// load makes the text-to-image pipeline from the bundles under url.
func (w *worker) load(id float64, url string, oneModel bool) error {
	return w.loadPair(id, url, oneModel, textPair)
}

// loadPair makes the pipeline of the bundles pair under url, unless it is
// the one loaded already (one pipeline at a time is on the device: editing
// after text-to-image releases the text-to-image models). Both models stay
// on the device, unless oneModel asks for one at a time or the upsampler
// does not fit next to the base model: then the device is renewed and the
// pipeline swaps the models (glide.Pipeline.OneModel), reloading each from
// the shard store.
func (w *worker) loadPair(id float64, url string, oneModel bool, pair bundlePair) error {
	if w.pipe != nil && w.pipeURL == url && w.pipePair == pair && (w.oneModel || !oneModel) {
		return nil
	}
	if w.pipe != nil {
		w.release()
	}
	start := time.Now()
	stats = loadStats{}
	base, err := w.loadBundle(id, url, pair.base, true)
	if err != nil {
		return err
	}
	var up *model.Model
	note := ""
	if !oneModel {
		up, err = faultLoad(w.loadBundle(id, url, pair.upsample, false)) // faultLoad: test builds only
		if glide.KindOf(err) == glide.OutOfMemory {
			note = fmt.Sprintf("the upsampler did not fit next to the base model on this GPU (%v): one model at a time from now on", err)
			// Both do not fit: start over on a new device, one model at a time.
			base.Release()
			if err := w.healthy(); err != nil {
				return err
			}
			if base, err = w.loadBundle(id, url, pair.base, true); err != nil {
				return err
			}
			oneModel = true
		} else if err != nil {
			base.Release()
			return err
		}
	}
	w.pipe = &glide.Pipeline{Device: w.dev, Base: base, Upsampler: up}
	w.pipeURL, w.pipePair, w.oneModel = url, pair, oneModel
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
				m, err := w.loadBundle(id, url, name, required)
				if err == nil && m == nil {
					err = glide.Errorf("load weights", glide.BadWeights, "no %s bundle at %s", name, url)
				}
				return m, err
			}
		}
		w.pipe.OneModel = true
		w.pipe.LoadBase = load(pair.base, true)
		if _, err := manifest(url, pair.upsample); err == nil {
			w.pipe.LoadUpsampler = load(pair.upsample, false)
			upsample = pair.upsample + " (loaded after the base stage: one model at a time)"
		}
	}
	post(map[string]any{"type": "loaded", "id": id, "base": base.Cfg.Kind(), "upsample": upsample,
		"oneModel": oneModel, "seconds": time.Since(start).Seconds(), "stats": stats.message(), "note": note})
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
