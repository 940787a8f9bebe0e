//go:build !noimport

// Importing a checkpoint in the page: the official .pt files (or a tiny
// model's with its configuration) converted by glide/weights/convert in
// this worker, streamed from the File in pieces of at most 64 MiB, into
// the shard store. Nothing leaves the browser.
//
// Only the importer build has it (build/webglide-import.wasm, which
// site/worker.js?import=1 runs for the page's Import; make wasm): the
// checkpoint reader and converter are about 66 KB of brotli that the
// compute worker's wasm (build tag noimport, noimport_js.go) goes without.

package main

import (
	"fmt"
	"io"
	"syscall/js"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/glide/weights/convert"
	"github.com/webglide/webglide/glide/weights/torchpt"
)

// maxPiece bounds one File.slice read (browser-app.md §4: never one
// ArrayBuffer near the 2 GB limit).
const maxPiece = 64 << 20

// fileReaderAt reads a JS File (or Blob) through File.slice.
type fileReaderAt struct {
	file js.Value
	size int64
}

func (f fileReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		if off+int64(n) >= f.size {
			return n, io.EOF
		}
		end := min(off+int64(n)+int64(min(len(p)-n, maxPiece)), f.size)
		buf, err := await(f.file.Call("slice", off+int64(n), end).Call("arrayBuffer"))
		if err != nil {
			return n, fmt.Errorf("reading the file: %w", err)
		}
		n += js.CopyBytesToGo(p[n:], js.Global().Get("Uint8Array").New(buf))
	}
	return n, nil
}

// storeSink writes an imported bundle into the shard store: each shard
// verified by store.js and named by its sha256, the manifest kept under
// the bundle's name.
type storeSink struct {
	st     shardStore
	bundle string
	shas   map[string]string // shard file → sha256 the store computed
}

type storeShard struct {
	s    *storeSink
	name string
	w    js.Value // store.js import writer
}

func (s *storeSink) CreateShard(name string) (io.WriteCloser, error) {
	w, err := await(s.st.v.Call("beginImport"))
	if err != nil {
		return nil, storeErr("import", err)
	}
	return &storeShard{s: s, name: name, w: w}, nil
}

func (sh *storeShard) Write(p []byte) (int, error) {
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	if _, err := await(sh.w.Call("write", u8)); err != nil {
		return 0, storeErr("import", err)
	}
	return len(p), nil
}

func (sh *storeShard) Close() error {
	v, err := await(sh.w.Call("commit"))
	if err != nil {
		return storeErr("import", err)
	}
	sh.s.shas[sh.name] = v.String()
	return nil
}

func (s *storeSink) WriteManifest(m *weights.Manifest, data []byte) error {
	for _, sh := range m.Shards {
		if got := s.shas[sh.File]; got != sh.SHA256 {
			return glide.Errorf("import", glide.Storage, "shard %s: the store holds sha256 %s, the converter wrote %s", sh.File, got, sh.SHA256)
		}
	}
	if _, err := await(s.st.v.Call("putManifest", s.bundle, string(data))); err != nil {
		return storeErr("import", err)
	}
	return nil
}

// importCheckpoint converts r.file into the store and posts "imported".
func (w *worker) importCheckpoint(r request) error {
	const op = "import checkpoint"
	name := r.file.Get("name").String()
	bad := func(err error) error {
		return &glide.Error{Op: op, Kind: glide.BadWeights, Err: fmt.Errorf("%s: %w", name, err)}
	}
	st, err := openStore()
	if err != nil {
		return err
	}
	size := int64(r.file.Get("size").Float())
	ck, err := torchpt.NewReader(fileReaderAt{r.file, size}, size)
	if err != nil {
		return bad(fmt.Errorf("not a PyTorch checkpoint this converter reads: %w", err))
	}
	var opt convert.Options
	if r.config != "" {
		cfg, err := model.ConfigFromJSON([]byte(r.config))
		if err != nil {
			return &glide.Error{Op: op, Kind: glide.BadInput, Err: fmt.Errorf("the configuration JSON: %w", err)}
		}
		opt.Config = &cfg
	}
	plan, err := convert.Check(ck, opt)
	if err != nil {
		return bad(err)
	}
	bundle := plan.Kind // the folder name glide fetch uses for that kind
	sink := &storeSink{st: st, bundle: bundle, shas: map[string]string{}}
	wr, err := weights.NewSinkWriter(sink, 0)
	if err != nil {
		return bad(err)
	}
	defer wr.Close()
	start := time.Now()
	var last time.Time
	m, err := plan.Write(ck, wr, func(done, total int, tensor string, bytes int64) {
		if done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		post(map[string]any{"type": "import-progress", "id": r.id, "file": name, "bundle": bundle,
			"done": done, "total": total, "tensor": tensor, "bytes": bytes})
	})
	if err != nil {
		if k := glide.KindOf(err); k != glide.KindUnknown {
			return err
		}
		return bad(err)
	}
	var bytes int64
	for _, s := range m.Shards {
		bytes += s.Bytes
	}
	if w.pipeURL == importedURL && w.pipe != nil {
		w.release() // the next request loads the new bundle
	}
	post(map[string]any{"type": "imported", "id": r.id, "file": name, "bundle": bundle, "kind": m.Kind,
		"weights": importedURL, "shards": len(m.Shards), "bytes": bytes, "seconds": time.Since(start).Seconds()})
	return nil
}
