// Package shell describes WebGLIDE's app shell, the files the service
// worker (site/sw.js) precaches: index.html, everything under site/ but
// the service worker's template, and the worker's build/webglide.wasm and
// build/wasm_exec.js. Weights are never part of it (the compute worker
// reads them from its own store).
//
// The shell's version is a hash of its files' names and bytes, so every
// build whose content differs gets a new cache name and the browser sees a
// new service worker. `make site` writes dist/sw.js with it
// (tools/shellsw); `glide serve` makes the same file on each request
// (internal/server).
package shell

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Template is the service worker's source in the site's tree; the
// served sw.js is this file behind one line that declares SHELL.
const Template = "site/sw.js"

// Shell is the precache list and its version.
type Shell struct {
	Version string   `json:"version"` // 16 hex digits of the files' sha256
	Files   []string `json:"files"`   // paths relative to the site's root, sorted
}

// fixed are the shell files outside site/ (webgpu-encode.js: the WebGPU
// device's command encoder, loaded by site/worker.js so that no string is
// evaluated under a strict CSP; glide-bpe.vocab: the tokenizer's
// vocabulary, glide/bpe VocabFile).
var fixed = []string{"index.html", "build/glide-bpe.vocab", "build/wasm_exec.js", "build/webglide.wasm", "build/webgpu-encode.js"}

// Read lists and hashes the shell of the site in fsys, laid out as dist/
// is: index.html, site/, build/.
func Read(fsys fs.FS) (*Shell, error) {
	files := append([]string(nil), fixed...)
	err := fs.WalkDir(fsys, "site", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != "site" {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && p != Template {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("shell: %w (the app shell needs it: run make wasm, or make site)", err)
		}
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(n[:])
		h.Write(b)
	}
	return &Shell{Version: hex.EncodeToString(h.Sum(nil))[:16], Files: files}, nil
}

// ServiceWorker returns the sw.js to serve at the site's root: one line
// declaring SHELL (this shell as JSON), then the template.
func (s *Shell) ServiceWorker(template []byte) []byte {
	j, _ := json.Marshal(s) // strings only: cannot fail
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Generated from %s for shell %s: do not edit here.\nconst SHELL = %s;\n", Template, s.Version, j)
	b.Write(template)
	return b.Bytes()
}

// Build reads the shell and the template from fsys and returns sw.js.
func Build(fsys fs.FS) ([]byte, string, error) {
	s, err := Read(fsys)
	if err != nil {
		return nil, "", err
	}
	t, err := fs.ReadFile(fsys, path.Clean(Template))
	if err != nil {
		return nil, "", fmt.Errorf("shell: the service worker's template: %w", err)
	}
	return s.ServiceWorker(t), s.Version, nil
}
