// Command worker is WebGLIDE's Go side in the browser, built to
// build/webglide.wasm and started by site/worker.js in a dedicated worker.
// It picks the compute device (wasm/cmd/internal/backend: WebGPU when the
// device can run, else the CPU device in wasm), loads weight bundles over
// HTTP (wasm/httpfs, shards verified by glide/weights) and runs
// glide.Pipeline.Generate for the page.
//
// Page → worker (postMessage):
//
//	{type: "load", id, weights, oneModel?}  load <weights>/base/ and <weights>/upsample/
//	{type: "generate", id, weights, prompt, seed, guidance, steps,
//	 upsampleSteps, batch, previewEvery,    load if needed, then generate
//	 ack, oneModel?}
//	{type: "cancel", id}                    cancel job id (between steps)
//	{type: "ack", seq}                      progress message seq was handled
//
// weights is a URL (relative to the worker's location is fine); seed is a
// decimal string (uint64); steps and upsampleSteps are respacing strings
// ("100", "ddim25", "fast27"). Jobs run one at a time, in order. oneModel
// holds one model at a time on the GPU (the upsampler is loaded after the
// base stage, the base model again for the next image), for small GPUs;
// the worker switches to it by itself when the upsampler runs out of
// memory next to the base model. After a lost device or an out-of-memory
// error the next request runs on a new device (a "device" message says so).
//
// Worker → page, one postMessage per event:
//
//	{type: "adapter", description, vendor, architecture, f16}
//	{type: "adapter-error", kind, message}   no WebGPU adapter here
//	{type: "device", backend, device, note, slow}
//	{type: "ready"}                          requests are taken from now on
//	{type: "download", id, bundle, file, shard, shards, loaded, size, bytesLoaded, bytesTotal, done}
//	{type: "loaded", id, base, upsample, oneModel, seconds}
//	{type: "progress", id, stage, step, total, seq?, preview?: {width, height, data}}
//	{type: "done", id, images: [{width, height, data}], seed, tokens, truncated, warnings, seconds,
//	 peakMemory: {base?, upsample?}}        peak device memory per stage in bytes (WebGPU)
//	{type: "error", id, kind, message}       kind: glide.KindOf(err).String()
//
// data fields are Uint8Arrays of RGBA pixels, transferred (not copied).
//
// Cancellation: Go's wasm takes JS events only while it waits, so a cancel
// is seen between steps. A generate request with ack: true promises that
// the page answers each progress message with {type: "ack", seq}; the
// worker waits for that answer before the next step, so a cancel posted
// before it is always honoured at the next step boundary. Without ack the
// worker pauses 20 ms per step, which usually suffices.
package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/wasm/cmd/internal/backend"
	"github.com/webglide/webglide/wasm/gpu"
	"github.com/webglide/webglide/wasm/httpfs"
)

func main() {
	dev, info, err := backend.Open(backend.Auto)
	if err != nil { // Auto falls back to the CPU; this is a bug
		post(map[string]any{"type": "error", "kind": glide.KindOf(err).String(), "message": err.Error()})
		select {}
	}
	if info.AdapterErr != nil {
		kind := glide.NoAdapter
		if errors.Is(info.AdapterErr, gpu.ErrNoWebGPU) {
			kind = glide.NoWebGPU
		}
		post(map[string]any{"type": "adapter-error", "kind": kind.String(), "message": info.AdapterErr.Error()})
	} else {
		post(map[string]any{"type": "adapter", "description": info.Adapter, "f16": info.F16})
	}
	post(map[string]any{
		"type": "device", "backend": info.Backend, "device": info.Device, "note": info.Note,
		"slow": info.Backend == backend.CPUWasm,
	})

	w := &worker{dev: dev, reqs: make(chan request, 64), canceled: map[float64]bool{}, acks: make(chan float64, 16)}
	js.Global().Call("addEventListener", "message", js.FuncOf(w.onMessage))
	post(map[string]any{"type": "ready"})
	for r := range w.reqs {
		w.run(r)
	}
}

// request is one job from the page.
type request struct {
	typ     string // "load" or "generate"
	id      float64
	weights string // absolute URL of the weights folder, ending in "/"
	opts    glide.Options
	ack     bool // the page acknowledges progress messages
	// oneModel asks to hold one model at a time on the GPU (the page's
	// ?one_model=1, for small GPUs; the worker also switches to it when
	// both models do not fit).
	oneModel bool
	err      error // a bad request, reported when its turn comes
}

type worker struct {
	dev  nn.Device
	reqs chan request

	mu       sync.Mutex
	current  float64
	cancel   context.CancelFunc
	canceled map[float64]bool // ids canceled before their turn

	pipe     *glide.Pipeline
	pipeURL  string
	oneModel bool // the pipeline holds one model at a time

	acks chan float64 // acknowledged progress sequence numbers
	seq  float64      // the last progress message's sequence number
}

// onMessage runs on the JS event loop: it only decodes the message and
// hands it over (a cancel takes effect at once), never blocks.
func (w *worker) onMessage(_ js.Value, args []js.Value) any {
	data := args[0].Get("data")
	if data.Type() != js.TypeObject {
		return nil
	}
	id := num(data, "id", 0)
	switch typ := str(data, "type"); typ {
	case "ack":
		select {
		case w.acks <- num(data, "seq", 0):
		default: // nobody waits for that many; drop
		}
	case "cancel":
		w.mu.Lock()
		if w.current == id && w.cancel != nil {
			w.cancel()
		} else {
			w.canceled[id] = true
		}
		w.mu.Unlock()
	case "load", "generate":
		r := request{typ: typ, id: id, oneModel: data.Get("oneModel").Truthy()}
		r.weights, r.err = weightsURL(str(data, "weights"))
		if typ == "generate" && r.err == nil {
			r.opts, r.err = options(data)
			r.ack = data.Get("ack").Truthy()
		}
		select {
		case w.reqs <- r:
		default:
			postError(id, glide.Errorf(typ, glide.BadInput, "too many requests queued; wait for the running one"))
		}
	default:
		postError(id, glide.Errorf("worker", glide.BadInput, "unknown request type %q", typ))
	}
	return nil
}

// run does one job and reports its outcome.
func (w *worker) run(r request) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.mu.Lock()
	w.current, w.cancel = r.id, cancel
	if w.canceled[r.id] {
		delete(w.canceled, r.id)
		cancel()
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.current, w.cancel = math.NaN(), nil
		w.mu.Unlock()
	}()

	err := r.err
	if err == nil {
		err = w.healthy()
	}
	if err == nil {
		err = w.load(r.id, r.weights, r.oneModel)
	}
	if err == nil && ctx.Err() != nil {
		err = &glide.Error{Op: r.typ, Kind: glide.Canceled, Err: ctx.Err()}
	}
	if err == nil && r.typ == "generate" {
		err = w.generate(ctx, r)
	}
	if err != nil {
		postError(r.id, err)
	}
}

// healthy makes sure the device can run the next request: after the
// device was lost or ran out of memory (sticky errors) it opens a new one
// and forgets the pipeline, whose models are then loaded again. So a lost
// GPU is retried with the next request, without reloading the page.
func (w *worker) healthy() error {
	err := w.dev.Err()
	if err == nil {
		return nil
	}
	if k := glide.KindOf(err); k != glide.DeviceLost && k != glide.OutOfMemory {
		return err
	}
	if c, ok := w.dev.(interface{ Close() }); ok {
		c.Close()
	}
	w.pipe, w.pipeURL = nil, ""
	dev, info, oerr := backend.Open(backend.Auto)
	if oerr != nil {
		return oerr
	}
	w.dev = dev
	post(map[string]any{
		"type": "device", "backend": info.Backend, "device": info.Device,
		"note": fmt.Sprintf("a new device after: %v", err), "slow": info.Backend == backend.CPUWasm,
	})
	return nil
}

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

// generate runs the pipeline and posts progress and the images.
func (w *worker) generate(ctx context.Context, r request) error {
	start := time.Now()
	opts := r.opts
	opts.Progress = func(p glide.Progress) {
		msg := map[string]any{"type": "progress", "id": r.id, "stage": string(p.Stage), "step": p.Step, "total": p.Total}
		var transfer []any
		if len(p.Preview) > 0 {
			img, buf := rgba(p.Preview[0])
			msg["preview"] = img
			transfer = append(transfer, buf)
		}
		if r.ack {
			w.seq++
			msg["seq"] = w.seq
			postTransfer(msg, transfer)
			w.waitAck(w.seq)
		} else {
			postTransfer(msg, transfer)
			yieldToJS()
		}
	}
	res, err := w.pipe.Generate(ctx, opts)
	if err != nil {
		return err
	}
	var images, transfer []any
	for _, im := range res.Images {
		img, buf := rgba(im)
		images = append(images, img)
		transfer = append(transfer, buf)
	}
	warnings := make([]any, len(res.Warnings))
	for i, s := range res.Warnings {
		warnings[i] = s
	}
	peak := map[string]any{}
	for stage, b := range res.PeakMemory {
		peak[string(stage)] = b
	}
	postTransfer(map[string]any{
		"type": "done", "id": r.id, "images": images, "seed": strconv.FormatUint(opts.Seed, 10),
		"tokens": res.Tokens, "truncated": res.Truncated, "warnings": warnings,
		"seconds": time.Since(start).Seconds(), "peakMemory": peak,
	}, transfer)
	return nil
}

// yieldToJS lets the worker's event loop run so that a cancel message
// from the page gets through: Go's wasm runs JS callbacks only while every
// goroutine waits. A zero or one-millisecond sleep is not enough in
// Chromium (a message that arrived while Go computed needs a few
// milliseconds of idle time to be dispatched); pages that acknowledge
// progress messages (acked) make this exact instead, see waitAck.
func yieldToJS() { time.Sleep(20 * time.Millisecond) }

// waitAck waits until the page acknowledged progress message seq. The
// page posts the ack when it handled the message, after any cancel it
// sent before, and one port delivers messages in order: so a cancel is
// always seen before the next step starts. A page that stops acking costs
// at most a second per step.
func (w *worker) waitAck(seq float64) {
	timeout := time.After(time.Second)
	for {
		select {
		case a := <-w.acks:
			if a >= seq {
				return
			}
		case <-timeout:
			return
		}
	}
}

// rgba copies an image into a new Uint8Array: {width, height, data} and
// the ArrayBuffer to transfer.
func rgba(img *image.RGBA) (map[string]any, js.Value) {
	b := img.Bounds()
	pix := img.Pix
	if img.Stride != 4*b.Dx() {
		pix = make([]byte, 0, 4*b.Dx()*b.Dy())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			off := img.PixOffset(b.Min.X, y)
			pix = append(pix, img.Pix[off:off+4*b.Dx()]...)
		}
	}
	u8 := js.Global().Get("Uint8Array").New(len(pix))
	js.CopyBytesToJS(u8, pix)
	return map[string]any{"width": b.Dx(), "height": b.Dy(), "data": u8}, u8.Get("buffer")
}

// options reads the generation settings of a message. Validation of the
// values is glide.Options.Validate's (in Generate).
func options(data js.Value) (glide.Options, error) {
	bad := func(f string, a ...any) error { return glide.Errorf("options", glide.BadInput, f, a...) }
	o := glide.DefaultOptions()
	o.Prompt = str(data, "prompt")
	if s := strings.TrimSpace(str(data, "seed")); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return o, bad("seed must be a whole number from 0 to %d, got %q", uint64(math.MaxUint64), s)
		}
		o.Seed = seed
	}
	o.GuidanceScale = num(data, "guidance", o.GuidanceScale)
	if s := strings.TrimSpace(str(data, "steps")); s != "" {
		o.BaseSteps = s
	}
	if s := strings.TrimSpace(str(data, "upsampleSteps")); s != "" {
		o.UpsampleSteps = s
	}
	b := num(data, "batch", 1)
	if b != math.Trunc(b) || b < 1 || b > glide.MaxBatchSize {
		return o, bad("batch size must be a whole number from 1 to %d, got %v", glide.MaxBatchSize, b)
	}
	o.BatchSize = int(b)
	o.PreviewEvery = int(num(data, "previewEvery", 5))
	return o, nil
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
