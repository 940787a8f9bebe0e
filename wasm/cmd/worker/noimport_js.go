//go:build noimport

// The compute worker's build (make wasm: build/webglide.wasm) has no
// checkpoint import: the page runs the importer build for that
// (import_js.go, site/model.js).

package main

import "github.com/webglide/webglide/glide"

func (w *worker) importCheckpoint(r request) error {
	return glide.Errorf("import checkpoint", glide.Unsupported,
		"this worker build does not import checkpoints: the page imports with the importer (site/worker.js?import=1, build/webglide-import.wasm)")
}
