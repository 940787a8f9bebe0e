// Generating: one generate request through the pipeline, with progress.

package main

import (
	"context"
	"image"
	"math"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
)

// generate runs the pipeline and posts progress and the images.
func (w *worker) generate(ctx context.Context, r request) error {
	start := time.Now()
	opts := r.opts
	opts.Progress = w.progress(r)
	res, err := w.pipe.Generate(ctx, opts)
	if err != nil {
		return err
	}
	postDone(r, opts, res, start)
	return nil
}

// progress returns the Options.Progress of request r: one "progress"
// message per step, with the preview when there is one, paced by the
// page's acks.
func (w *worker) progress(r request) func(glide.Progress) {
	return func(p glide.Progress) {
		defer w.faultAtStep(p) // test builds only (faults_js.go)
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
}

// postDone posts the "done" message of a finished run.
func postDone(r request, opts glide.Options, res *glide.Result, start time.Time) {
	var images, transfer []any
	var warnings []any
	for i, im := range res.Images {
		img, buf := rgba(im)
		if png, pbuf, err := encodePNG(im, pngText(r, opts, i, len(res.Images))); err == nil {
			img["png"] = png
			transfer = append(transfer, pbuf)
		} else {
			warnings = append(warnings, err.Error())
		}
		images = append(images, img)
		transfer = append(transfer, buf)
	}
	for _, s := range res.Warnings {
		warnings = append(warnings, s)
	}
	if warnings == nil {
		warnings = []any{}
	}
	peak := map[string]any{}
	for stage, b := range res.PeakMemory {
		peak[string(stage)] = b
	}
	postTransfer(map[string]any{
		"type": "done", "id": r.id, "mode": r.typ, "images": images, "seed": strconv.FormatUint(opts.Seed, 10),
		"tokens": res.Tokens, "truncated": res.Truncated, "warnings": warnings,
		"seconds": time.Since(start).Seconds(), "peakMemory": peak,
	}, transfer)
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
