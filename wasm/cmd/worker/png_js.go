// PNGs of finished images, written here by the same Go code as the CLI's
// (glide.PNGText, imageio.EncodePNG), so the page's downloads carry the
// same text chunks as glide generate's files.

package main

import (
	"bytes"
	"image"
	"strconv"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/imageio"
)

// software is the PNGs' Software chunk: the CLI writes "WebGLIDE (glide
// generate)", so a file tells which of the two made it.
const software = "WebGLIDE (browser)"

// pngText is the text chunks of image i (0-based) of a run of n images:
// glide generate's for the same settings, with glide:index for a batch
// member (as glide generate's out-N.png) and, for an edit, glide:mode and
// the source file's sha256 (as glide inpaint's).
func pngText(r request, opts glide.Options, i, n int) map[string]string {
	text := glide.PNGText(software, opts, r.weights)
	if n > 1 {
		text["glide:index"] = strconv.Itoa(i + 1)
	}
	if r.typ == "inpaint" {
		text["glide:mode"] = "inpaint"
		text["glide:mask"] = r.edit.mask.String() // as glide inpaint's
		if r.sourceSHA256 != "" {
			text["glide:source-sha256"] = r.sourceSHA256
		}
	}
	return text
}

// encodePNG returns img as PNG bytes with text, in a new Uint8Array, and
// the ArrayBuffer to transfer.
func encodePNG(img image.Image, text map[string]string) (js.Value, js.Value, error) {
	var buf bytes.Buffer
	if err := imageio.EncodePNG(&buf, img, text); err != nil {
		return js.Value{}, js.Value{}, glide.Errorf("encode png", glide.KindUnknown, "%v", err)
	}
	u8 := js.Global().Get("Uint8Array").New(buf.Len())
	js.CopyBytesToJS(u8, buf.Bytes())
	return u8, u8.Get("buffer"), nil
}
