// Package server is the HTTP handler behind `glide serve`: it serves the
// page (index.html), the browser files (site/) and the built worker wasm
// with Go's wasm_exec.js (build/), and nothing else of the repository;
// with Config.Weights, also a weights folder (base/ and upsample/ bundles)
// under /weights/.
//
// It is plain net/http: http.ServeContent answers Range requests and
// conditional GETs (Last-Modified), which weight bundles will rely on.
package server

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Config says where the files are.
type Config struct {
	// Root is the folder with index.html and site/ (the repository root).
	Root string
	// Build is the folder with webglide.wasm and wasm_exec.js; empty means
	// Root/build.
	Build string
	// GOROOT, when set, is where a missing build/wasm_exec.js is taken
	// from ($GOROOT/lib/wasm/wasm_exec.js).
	GOROOT string
	// Weights, when set, is a weights folder (base/, upsample/ bundles,
	// as glide fetch or glide convert write them) served under /weights/.
	Weights string
}

// Content types that must be exact: browsers compile wasm with
// instantiateStreaming only when it is served as application/wasm, and
// load modules and workers only with a JavaScript type.
var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
}

// ContentType returns the Content-Type for a file name.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// New returns the handler. It checks that Root holds index.html.
//
//	/                   Root/index.html
//	/index.html         Root/index.html
//	/site/...           Root/site/...
//	/sw.js              the service worker (Root/site/sw.js + the shell's hash)
//	/build/webglide.wasm, /build/wasm_exec.js (and other build outputs)
//	                    Build/...; wasm_exec.js falls back to GOROOT
//	/weights/...        Weights/... (only with Config.Weights)
func New(c Config) (http.Handler, error) {
	if _, err := os.Stat(filepath.Join(c.Root, "index.html")); err != nil {
		return nil, fmt.Errorf("server: %s has no index.html (run from the repository root or pass --root)", c.Root)
	}
	if c.Weights != "" {
		if st, err := os.Stat(c.Weights); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("server: weights folder %s does not exist", c.Weights)
		}
	}
	if c.Build == "" {
		c.Build = filepath.Join(c.Root, "build")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, filepath.Join(c.Root, "index.html"))
	})
	mux.HandleFunc("GET /index.html", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, filepath.Join(c.Root, "index.html"))
	})
	mux.Handle("GET /site/", files(filepath.Join(c.Root, "site"), "/site/"))
	mux.HandleFunc("GET /sw.js", serviceWorker(c)) // sw.go
	build := files(c.Build, "/build/")
	mux.HandleFunc("GET /build/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		p := filepath.Join(c.Build, "wasm_exec.js")
		if _, err := os.Stat(p); err != nil {
			p = filepath.Join(goroot(c.GOROOT), "lib", "wasm", "wasm_exec.js")
		}
		serveFile(w, r, p)
	})
	mux.Handle("GET /build/", build)
	if c.Weights != "" {
		mux.Handle("GET /weights/", weights(c.Weights))
		mux.HandleFunc("OPTIONS /weights/", func(w http.ResponseWriter, r *http.Request) {
			cors(w)
			w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD")
			w.Header().Set("Access-Control-Allow-Headers", "Range, If-None-Match, If-Modified-Since")
			w.Header().Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
		})
	}
	return mux, nil
}

// weights serves a weights folder. Caching: shard names (NNNN.bin) do not
// change when a bundle is re-converted, so nothing may be cached as
// immutable; every file gets a validator (an ETag from size and
// modification time, and Last-Modified) with "no-cache", so browsers keep
// their copy and revalidate it with a cheap 304. Range requests are
// answered (206) for resumable shard downloads. Any origin may read the
// weights (the <glide-image> widget runs on other sites).
func weights(dir string) http.Handler {
	return http.StripPrefix("/weights/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") || name == "/" {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, filepath.Join(dir, filepath.FromSlash(name)))
	}))
}

// cors lets pages of any origin read the response, including the headers
// a ranged or revalidated download needs.
func cors(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified")
}

// goroot returns dir, else $GOROOT, else `go env GOROOT`, else "".
func goroot(dir string) string {
	if dir != "" {
		return dir
	}
	if d := os.Getenv("GOROOT"); d != "" {
		return d
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// files serves the files under dir at URL prefix, without directory
// listings.
func files(dir, prefix string) http.Handler {
	return http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") || name == "/" {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, filepath.Join(dir, filepath.FromSlash(name)))
	}))
}

// serveFile serves one file with our content type and caching policy.
// The app is under development, so browsers revalidate everything
// (no-cache still allows conditional requests: the ETag from size and
// modification time, and Last-Modified, give cheap 304s).
func serveFile(w http.ResponseWriter, r *http.Request, name string) {
	f, err := os.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ContentType(name))
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, st.Size(), st.ModTime().UnixNano()))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers Range and If-Modified-Since requests; unlike
	// ServeFile it never redirects /index.html.
	http.ServeContent(w, r, name, st.ModTime(), f)
}
