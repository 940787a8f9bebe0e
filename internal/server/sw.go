package server

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/webglide/webglide/internal/shell"
)

// serviceWorker serves /sw.js: site/sw.js behind the app shell's list and
// content hash, made on each request from the files served now (so an
// edit under site/ or a new build/webglide.wasm is a new version at the
// next update check, as a rebuilt dist/ is), with no-cache.
func serviceWorker(c Config) http.HandlerFunc {
	fsys := siteFS{c}
	return func(w http.ResponseWriter, r *http.Request) {
		sw, _, err := shell.Build(fsys)
		if err != nil {
			http.Error(w, "glide serve: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType("sw.js"))
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(sw)
	}
}

// siteFS is the site as this server lays it out: index.html and site/
// from Root, build/ from Build (wasm_exec.js falling back to GOROOT's).
type siteFS struct{ c Config }

func (s siteFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	rest, ok := strings.CutPrefix(name, "build/")
	if !ok {
		return os.DirFS(s.c.Root).Open(name)
	}
	p := filepath.Join(s.c.Build, filepath.FromSlash(rest))
	if rest == "wasm_exec.js" {
		if _, err := os.Stat(p); err != nil {
			p = filepath.Join(goroot(s.c.GOROOT), "lib", "wasm", "wasm_exec.js")
		}
	}
	return os.Open(p)
}
