// Editing: one inpaint request through the inpainting pipeline.

package main

import (
	"context"
	"errors"
	"image"
	"io/fs"
	"math"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
)

// edit is the source image and mask of an inpaint request.
type edit struct {
	src  *image.RGBA // any size; the pipeline centre-crops and resizes it
	mask *glide.Mask // on the base model's grid (64×64), true = keep
}

// maxSourceSide bounds the source picture the page may send (a phone
// photo is ≈ 4000 pixels wide; more is a mistake, not a photo).
const maxSourceSide = 8192

// editInput reads the image and mask fields of an inpaint message:
// image {width, height, data: RGBA bytes}, mask {width, height, data: one
// byte per cell, non-zero = keep}.
func editInput(data js.Value) (*edit, error) {
	bad := func(f string, a ...any) error { return glide.Errorf("inpaint", glide.BadInput, f, a...) }
	pixels := func(v js.Value, name string, perPixel int) (w, h int, b []byte, err error) {
		if v.Type() != js.TypeObject {
			return 0, 0, nil, bad("%s: none given", name)
		}
		fw, fh := num(v, "width", -1), num(v, "height", -1)
		if fw != math.Trunc(fw) || fh != math.Trunc(fh) || fw < 1 || fh < 1 || fw > maxSourceSide || fh > maxSourceSide {
			return 0, 0, nil, bad("%s: width and height must be whole numbers from 1 to %d, got %v×%v", name, maxSourceSide, fw, fh)
		}
		w, h = int(fw), int(fh)
		d := v.Get("data")
		if d.Type() != js.TypeObject || !d.InstanceOf(js.Global().Get("ArrayBuffer")) && d.Get("buffer").Type() != js.TypeObject {
			return 0, 0, nil, bad("%s: data must be a Uint8Array of pixels", name)
		}
		u8 := js.Global().Get("Uint8Array")
		if !d.InstanceOf(u8) {
			if d.InstanceOf(js.Global().Get("ArrayBuffer")) {
				d = u8.New(d)
			} else {
				d = u8.New(d.Get("buffer"), d.Get("byteOffset"), d.Get("byteLength"))
			}
		}
		if n := d.Get("length").Int(); n != perPixel*w*h {
			return 0, 0, nil, bad("%s: %d bytes for %d×%d pixels, want %d", name, n, w, h, perPixel*w*h)
		}
		b = make([]byte, perPixel*w*h)
		js.CopyBytesToGo(b, d)
		return w, h, b, nil
	}
	w, h, pix, err := pixels(data.Get("image"), "source image", 4)
	if err != nil {
		return nil, err
	}
	src := &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	mw, mh, cells, err := pixels(data.Get("mask"), "mask", 1)
	if err != nil {
		return nil, err
	}
	mask := &glide.Mask{W: mw, H: mh, Keep: make([]bool, len(cells))}
	for i, c := range cells {
		mask.Keep[i] = c != 0
	}
	return &edit{src: src, mask: mask}, nil
}

// loadEdit loads the inpainting pipeline, saying plainly how to get its
// bundles when they are not at url.
func (w *worker) loadEdit(id float64, url string, oneModel bool) error {
	if _, err := manifest(url, glide.BaseInpaintBundle); errors.Is(err, fs.ErrNotExist) {
		return glide.Errorf("load weights", glide.BadWeights,
			"the editing models are not at %s (%s/manifest.json is missing). Get them with 'glide fetch --models base-inpaint,upsample-inpaint' "+
				"and serve that folder (glide serve --weights DIR, or publish it next to the site), or import base_inpaint.pt and upsample_inpaint.pt "+
				"in the Model section", url, glide.BaseInpaintBundle)
	}
	return w.loadPair(id, url, oneModel, inpaintPair)
}

// inpaint runs the inpainting pipeline and posts progress and the images.
func (w *worker) inpaint(ctx context.Context, r request) error {
	start := time.Now()
	opts := r.opts
	opts.Progress = w.progress(r)
	res, err := w.pipe.Inpaint(ctx, opts, r.edit.src, r.edit.mask)
	if err != nil {
		return err
	}
	postDone(r, opts, res, start)
	return nil
}
