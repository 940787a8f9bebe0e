// Command worker is WebGLIDE's Go side in the browser, built to
// build/webglide.wasm and started by site/worker.js in a dedicated worker.
// It picks the compute device (wasm/cmd/internal/backend: WebGPU when the
// device can run, else the CPU device in wasm), loads weight bundles
// through the shard store (site/store.js: verified shards in the Origin
// Private File System, downloaded once, resumed with Range; manifests over
// HTTP with wasm/httpfs) and runs glide.Pipeline.Generate for the page.
//
// Files by concern: main_js.go the protocol (this comment, the one place
// it is documented) and the dispatch of requests; load_js.go loading
// bundles onto the device; generate_js.go generating; messages_js.go
// reading message fields and posting replies; bundle_js.go one bundle from
// the store onto the device; store_js.go the Go side of site/store.js;
// storereq_js.go the store-status and store-delete requests.
//
// Page → worker (postMessage):
//
//	{type: "load", id, weights, oneModel?}  load <weights>/base/ and <weights>/upsample/
//	{type: "generate", id, weights, prompt, seed, guidance, steps,
//	 upsampleSteps, batch, previewEvery,    load if needed, then generate
//	 ack, oneModel?}
//	{type: "inpaint", id, weights, prompt, seed, guidance?, steps,
//	 upsampleSteps, batch, previewEvery,    edit an image (inpaint_js.go): load
//	 ack, oneModel?, image, mask,           <weights>/base-inpaint/ and /upsample-inpaint/
//	 sourceSha256?}                         if needed, then regenerate the masked region;
//	                                        image {width, height, data: RGBA Uint8Array},
//	                                        mask {width: 64, height: 64, data: Uint8Array,
//	                                        one byte per cell, non-zero = keep}; guidance
//	                                        defaults to 5 (the inpaint notebook's);
//	                                        sourceSha256: hex sha256 of the source file
//	{type: "store-status", id, weights}      what the store holds of <weights>/base/, /upsample/
//	{type: "store-delete", id}              delete every stored shard (then a "store" reply)
//	{type: "import", id, file, config?}     convert a .pt File (config: JSON text for a model
//	                                         that is no preset) into the store; weights
//	                                         "store:imported/" then loads the imported bundles
//	                                         (the importer build only: see import_js.go)
//	{type: "release", id}                   drop the loaded models (after an import replaced
//	                                         their bundles); answered with "released"
//	{type: "cancel", id}                    cancel job id (between steps)
//	{type: "ack", seq}                      progress message seq was handled
//	{type: "tokenize", id, prompt}          count the prompt's tokens (tokenize_js.go)
//	{type: "fault", id, fault, step?}       test builds only (build tag faults,
//	                                        faults_js.go: device-lost, oom-upsample,
//	                                        panic, exit, throw, close); an unknown
//	                                        request in production builds
//
// weights is a URL (relative to the worker's location is fine); seed is a
// decimal string (uint64); steps and upsampleSteps are respacing strings
// ("100", "ddim25", "fast27"). load and generate take noStore: true to keep
// the shards in memory only (run once without storing, when the store is
// full). Jobs run one at a time, in order. oneModel
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
//	{type: "device", backend, device, note, slow, forced}
//	                                         forced: the page chose the backend (?backend=cpu)
//	{type: "ready"}                          requests are taken from now on
//	{type: "download-plan", id, bundle, url, bytesTotal, bytesStored, bytesToFetch, store}
//	                                         before a bundle loads: what it must download
//	{type: "download", id, bundle, file, shard, shards, loaded, size, bytesLoaded, bytesTotal, done,
//	 fromStore}                              per shard; fromStore: read from the store, no download
//	{type: "store-wait", file, message}      another tab is downloading that shard; waiting
//	{type: "import-progress", id, file, bundle, done, total, tensor, bytes}
//	{type: "imported", id, file, bundle, kind, weights, shards, bytes, seconds}
//	{type: "released", id}                   reply to release
//	{type: "store", id, weights, bundles: [{bundle, state, bytesStored, bytesTotal, kind?, error?}],
//	 backend, note, stored, files, usage, quota, busy}
//	                                         reply to store-status/store-delete; state: stored
//	                                         (verified), partial, missing, absent (no manifest) or
//	                                         unreachable; backend "opfs" or "memory"; usage and
//	                                         quota from navigator.storage.estimate() (-1: unknown)
//	{type: "loaded", id, base, upsample, oneModel, seconds,
//	 stats: {bytes, storeSeconds, uploadSeconds, goHeapSys, goSys}, note}
//	                                         shard bytes loaded, time waiting for the store
//	                                         (read + verify, or download) and uploading; Go memory;
//	                                         note: why it switched to one model at a time ("": it did not)
//	{type: "progress", id, stage, step, total, seq?, preview?: {width, height, data}}
//	{type: "done", id, mode, images: [{width, height, data, png}], seed, tokens, truncated, warnings, seconds,
//	 peakMemory: {base?, upsample?}}        peak device memory per stage in bytes (WebGPU);
//	                                        mode: "generate" or "inpaint"; png: the image as a
//	                                        PNG (Uint8Array) with glide generate's text chunks
//	                                        (glide.PNGText; glide:index in a batch; glide:mode
//	                                        and glide:source-sha256 (sourceSha256) for an edit)
//	{type: "error", id, kind, message}       kind: glide.KindOf(err).String(); "storage" when the
//	                                         store is full (the message says how much is needed)
//	{type: "tokens", id, count, max, truncated}  the answer to tokenize: token count, the
//	                                         text context (128) and the tokens beyond it
//	{type: "memory", id, bytes, buffers, goHeap, goSys}
//	                                         after each finished generate/inpaint: GPU bytes
//	                                         and buffers the device holds (-1: not a GPU),
//	                                         Go heap after a collection (memory_js.go)
//	{type: "fault", id, fault}               a fault switch is armed (test builds only)
//	{type: "exit", code, message}            from site/worker.js, not Go: the Go program
//	                                         ended (a panic: code 2) or the worker closed
//	                                         itself; the page starts a new worker
//
// Any message the worker cannot use (wrong types, unknown fields or
// types, too many at once) is answered with an error or ignored; it never
// ends the Go program. Only the fault switches of test builds do.
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
	"math"
	"sync"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/wasm/cmd/internal/backend"
	"github.com/webglide/webglide/wasm/gpu"
)

func main() {
	initFaults() // test builds only (faults_js.go)
	if js.Global().Get("webglideImportOnly").Truthy() {
		importer()
		return
	}
	want, chosen := chosenBackend()
	forced := want != backend.Auto
	dev, info, err := backend.Open(want)
	if err != nil { // Auto falls back to the CPU; this is a bug
		post(map[string]any{"type": "error", "kind": glide.KindOf(err).String(), "message": err.Error()})
		select {}
	}
	info.Note += chosen
	switch {
	case forced: // WebGPU was not asked: no adapter line
	case info.AdapterErr != nil:
		kind := glide.NoAdapter
		if errors.Is(info.AdapterErr, gpu.ErrNoWebGPU) {
			kind = glide.NoWebGPU
		}
		post(map[string]any{"type": "adapter-error", "kind": kind.String(), "message": info.AdapterErr.Error()})
	default:
		post(map[string]any{"type": "adapter", "description": info.Adapter, "f16": info.F16})
	}
	post(map[string]any{
		"type": "device", "backend": info.Backend, "device": info.Device, "note": info.Note,
		"slow": info.Backend == backend.CPUWasm, "forced": forced,
	})

	w := &worker{backend: want, dev: dev, reqs: make(chan request, 64), canceled: map[float64]bool{}, acks: make(chan float64, 16)}
	js.Global().Call("addEventListener", "message", js.FuncOf(w.onMessage))
	post(map[string]any{"type": "ready"})
	for r := range w.reqs {
		w.run(r)
	}
}

// importer is main for site/worker.js?import=1 (self.webglideImportOnly):
// the page's checkpoint import, in a worker of its own that opens no
// device. It takes import and store requests; anything else is refused.
func importer() {
	w := &worker{reqs: make(chan request, 64), canceled: map[float64]bool{}, acks: make(chan float64, 16)}
	js.Global().Call("addEventListener", "message", js.FuncOf(w.onMessage))
	post(map[string]any{"type": "ready"})
	for r := range w.reqs {
		switch r.typ {
		case "import", "store-status", "store-delete":
			w.run(r)
		default:
			postError(r.id, glide.Errorf(r.typ, glide.BadInput, "the importer worker only imports checkpoints"))
		}
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
	// noStore keeps downloaded shards in memory only ("Run without
	// storing", after the store ran out of quota).
	noStore bool
	edit    *edit // the source image and mask of an inpaint request
	// sourceSHA256 is the hex sha256 of the edited file's bytes (the
	// inpaint PNGs' glide:source-sha256).
	sourceSHA256 string
	// file and config of an import request: a File of the page and the
	// model configuration's JSON text (empty: a preset).
	file   js.Value
	config string
	err    error // a bad request, reported when its turn comes
}

type worker struct {
	dev     nn.Device
	backend string // what backend.Open is asked for (chosenBackend), again after a lost device
	reqs    chan request

	mu       sync.Mutex
	current  float64
	cancel   context.CancelFunc
	canceled map[float64]bool // ids canceled before their turn

	pipe     *glide.Pipeline
	pipeURL  string
	pipePair bundlePair // the bundles pipe was loaded from
	oneModel bool       // the pipeline holds one model at a time
	noStore  bool       // the running request's shards stay in memory only

	acks chan float64 // acknowledged progress sequence numbers
	seq  float64      // the last progress message's sequence number
}

// onMessage runs on the JS event loop: it only decodes the message and
// hands it over (a cancel takes effect at once), never blocks. A message
// it cannot decode is answered with an error, never a crash: a panic here
// would end the Go program.
func (w *worker) onMessage(_ js.Value, args []js.Value) any {
	var id float64 // known once read: the error then answers the request
	defer func() {
		if r := recover(); r != nil {
			postError(id, glide.Errorf("worker", glide.BadInput, "malformed message (a field of a type no request takes, e.g. a BigInt): %v", r))
		}
	}()
	if len(args) == 0 {
		return nil
	}
	data := args[0].Get("data")
	if data.Type() != js.TypeObject {
		return nil
	}
	id = num(data, "id", 0)
	switch typ := str(data, "type"); typ {
	case "ack":
		select {
		case w.acks <- num(data, "seq", 0):
		default: // nobody waits for that many; drop
		}
	case "tokenize":
		tokenize(id, data)
	case "cancel":
		w.mu.Lock()
		if w.current == id && w.cancel != nil {
			w.cancel()
		} else {
			w.canceled[id] = true
		}
		w.mu.Unlock()
	case "load", "generate", "inpaint":
		r := request{typ: typ, id: id, oneModel: data.Get("oneModel").Truthy(), noStore: data.Get("noStore").Truthy()}
		r.weights, r.err = weightsURL(str(data, "weights"))
		if typ != "load" && r.err == nil {
			r.opts, r.err = options(data)
			r.ack = data.Get("ack").Truthy()
		}
		if typ == "inpaint" && r.err == nil {
			if data.Get("guidance").IsUndefined() {
				r.opts.GuidanceScale = glide.DefaultInpaintOptions().GuidanceScale
			}
			r.edit, r.err = editInput(data)
			r.sourceSHA256 = str(data, "sourceSha256")
		}
		select {
		case w.reqs <- r:
		default:
			postError(id, glide.Errorf(typ, glide.BadInput, "too many requests queued; wait for the running one"))
		}
	case "import":
		r := request{typ: typ, id: id, file: data.Get("file"), config: str(data, "config")}
		if r.file.Type() != js.TypeObject || r.file.Get("slice").Type() != js.TypeFunction {
			r.err = glide.Errorf("import checkpoint", glide.BadInput, "an import request needs a File")
		}
		select {
		case w.reqs <- r:
		default:
			postError(id, glide.Errorf(typ, glide.BadInput, "too many requests queued; wait for the running one"))
		}
	case "store-status", "store-delete", "release":
		r := request{typ: typ, id: id}
		if typ == "store-status" {
			r.weights, r.err = weightsURL(str(data, "weights"))
		}
		select {
		case w.reqs <- r:
		default:
			postError(id, glide.Errorf(typ, glide.BadInput, "too many requests queued; wait for the running one"))
		}
	case "fault":
		w.fault(id, data) // test builds only (faults_js.go); else unknown
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
	if err == nil && r.typ == "release" {
		if w.pipe != nil {
			w.release()
		}
		post(map[string]any{"type": "released", "id": r.id})
		return
	}
	if err == nil && (r.typ == "store-status" || r.typ == "store-delete") {
		if err = w.storeRequest(r); err != nil {
			postError(r.id, err)
		}
		return
	}
	if err == nil && r.typ == "import" {
		if err = w.importCheckpoint(r); err != nil {
			postError(r.id, err)
		}
		return
	}
	w.noStore = r.noStore
	if err == nil {
		err = w.healthy()
	}
	if err == nil && r.typ != "load" {
		err = ensureVocab()
	}
	if err == nil && r.typ == "inpaint" {
		err = w.loadEdit(r.id, r.weights, r.oneModel)
	} else if err == nil {
		err = w.load(r.id, r.weights, r.oneModel)
	}
	if err == nil && ctx.Err() != nil {
		err = &glide.Error{Op: r.typ, Kind: glide.Canceled, Err: ctx.Err()}
	}
	switch {
	case err == nil && r.typ == "generate":
		err = w.generate(ctx, r)
	case err == nil && r.typ == "inpaint":
		err = w.inpaint(ctx, r)
	}
	if err != nil {
		postError(r.id, err)
	} else if r.typ == "generate" || r.typ == "inpaint" {
		postMemory(r.id, w.dev)
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
	dev, info, oerr := backend.Open(w.backend)
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
