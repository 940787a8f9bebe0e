package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes a minimal site into a temporary folder.
func tree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range map[string]string{
		"index.html":             "<!doctype html><title>t</title>",
		"site/app.js":            "export {};",
		"build/webglide.wasm":    "\x00asm\x01\x00\x00\x00",
		"build/wasm_exec.js":     "// wasm_exec",
		"build/webgpu-encode.js": "// encode",
		"build/glide-bpe.vocab":  "GLIDEBPE1\n",
		"secret.go":              "package secret",
		"site/nested/deep.css":   "body{}",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func get(t *testing.T, h http.Handler, url string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestRoutes(t *testing.T) {
	h, err := New(Config{Root: tree(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, status, ctype string
	}{
		{"/", "200", "text/html; charset=utf-8"},
		{"/index.html", "200", "text/html; charset=utf-8"},
		{"/site/app.js", "200", "text/javascript; charset=utf-8"},
		{"/site/nested/deep.css", "200", "text/css; charset=utf-8"},
		{"/build/webglide.wasm", "200", "application/wasm"},
		{"/build/wasm_exec.js", "200", "text/javascript; charset=utf-8"},
		{"/secret.go", "404", ""},
		{"/site/", "404", ""},
		{"/build/missing.wasm", "404", ""},
	} {
		res := get(t, h, tc.url)
		if got := res.Status[:3]; got != tc.status {
			t.Errorf("GET %s: status %s, want %s", tc.url, res.Status, tc.status)
			continue
		}
		if tc.ctype != "" && res.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.url, res.Header.Get("Content-Type"), tc.ctype)
		}
	}
}

func TestNoEscape(t *testing.T) {
	h, err := New(Config{Root: tree(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"/site/../secret.go", "/build/../secret.go", "/site/..%2fsecret.go"} {
		if res := get(t, h, url); res.StatusCode == http.StatusOK {
			t.Errorf("GET %s: 200, want it refused", url)
		}
	}
}

func TestRange(t *testing.T) {
	h, err := New(Config{Root: tree(t)})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/build/webglide.wasm", "Range", "bytes=1-3")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusPartialContent || string(body) != "asm" {
		t.Errorf("Range bytes=1-3: status %d body %q, want 206 \"asm\"", res.StatusCode, body)
	}
}

func TestWasmExecFallback(t *testing.T) {
	root := tree(t)
	os.Remove(filepath.Join(root, "build", "wasm_exec.js"))
	goroot := t.TempDir()
	p := filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("// from GOROOT"), 0o644)
	h, err := New(Config{Root: root, GOROOT: goroot})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/build/wasm_exec.js")
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), "from GOROOT") {
		t.Errorf("wasm_exec.js without a build copy = %q, want GOROOT's", body)
	}
}

func TestNoIndex(t *testing.T) {
	if _, err := New(Config{Root: t.TempDir()}); err == nil {
		t.Error("New accepted a root without index.html")
	}
}

func TestWeights(t *testing.T) {
	root := tree(t)
	wdir := t.TempDir()
	os.MkdirAll(filepath.Join(wdir, "base"), 0o755)
	os.WriteFile(filepath.Join(wdir, "base", "manifest.json"), []byte(`{"format":"webglide-bundle"}`), 0o644)
	os.WriteFile(filepath.Join(wdir, "base", "0000.bin"), []byte("0123456789"), 0o644)

	// Without Config.Weights there is no /weights/.
	h, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if res := get(t, h, "/weights/base/manifest.json"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/weights/ without a weights folder: %d, want 404", res.StatusCode)
	}
	if _, err := New(Config{Root: root, Weights: filepath.Join(wdir, "nope")}); err == nil {
		t.Error("New accepted a missing weights folder")
	}

	h, err = New(Config{Root: root, Weights: wdir})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/weights/base/manifest.json")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(body) != `{"format":"webglide-bundle"}` || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("manifest: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache", cc)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("no CORS header on weights")
	}
	res = get(t, h, "/weights/base/0000.bin", "Range", "bytes=2-4")
	body, _ = io.ReadAll(res.Body)
	if res.StatusCode != http.StatusPartialContent || string(body) != "234" || res.Header.Get("Content-Range") != "bytes 2-4/10" {
		t.Errorf("Range: %d %q %q", res.StatusCode, res.Header.Get("Content-Range"), body)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a shard")
	}
	if res := get(t, h, "/weights/base/0000.bin", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: %d, want 304", res.StatusCode)
	}
	for _, url := range []string{"/weights/base/", "/weights/", "/weights/base/missing.bin"} {
		if res := get(t, h, url); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", url, res.StatusCode)
		}
	}
	for _, url := range []string{"/weights/../secret.go", "/weights/..%2f..%2fsecret.go"} {
		if res := get(t, h, url); res.StatusCode == http.StatusOK {
			t.Errorf("GET %s: 200, want it refused", url)
		}
	}
	req := httptest.NewRequest("OPTIONS", "/weights/base/0000.bin", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
}
