// The tokenizer's vocabulary: the worker wasm has none compiled in (it was
// about 0.55 MB of the wasm, brotli); site/worker.js fetches the file
// (build/glide-bpe.vocab, glide/bpe VocabFile) while the wasm compiles,
// and the first prompt takes it from there.

package main

import (
	"errors"
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/bpe"
)

// ensureVocab installs the vocabulary if it is not yet: it awaits
// self.webglideVocab() (site/worker.js: the fetch it started, or a new one
// after a failed fetch) and checks the file's SHA-256 (bpe.Install). It
// blocks, so never call it on the JS event loop.
func ensureVocab() error {
	if bpe.Ready() {
		return nil
	}
	fn := js.Global().Get("webglideVocab")
	if fn.Type() != js.TypeFunction {
		return glide.Errorf("tokenizer", glide.Unsupported, "this page's site/worker.js does not load the tokenizer's vocabulary (%s): reload the page; if it stays, the site's files are from different builds", bpe.VocabFile)
	}
	v, err := await(fn.Invoke())
	if err != nil {
		return glide.Errorf("tokenizer", glide.Network, "the tokenizer's vocabulary (build/%s) could not be fetched: %v; check the connection and try again", bpe.VocabFile, err)
	}
	if v.Type() != js.TypeObject || v.Get("byteLength").Type() != js.TypeNumber {
		return glide.Errorf("tokenizer", glide.KindUnknown, "the tokenizer's vocabulary came as %s, not bytes", v.Type())
	}
	data := make([]byte, v.Get("byteLength").Int())
	js.CopyBytesToGo(data, v)
	if err := bpe.Install(data); err != nil {
		kind := glide.KindUnknown
		if errors.Is(err, bpe.ErrVocab) {
			kind = glide.Unsupported
		}
		js.Global().Call("webglideVocab", true) // fetch it again next time
		return glide.Errorf("tokenizer", kind, "%v: reload the page (the site's files may be from different builds)", err)
	}
	return nil
}
