package server

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestServiceWorker: /sw.js is site/sw.js behind the shell's list, with
// no-cache, and a new version after a shell file changed.
func TestServiceWorker(t *testing.T) {
	root := tree(t)
	if err := os.WriteFile(filepath.Join(root, "site", "sw.js"), []byte("// template\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	version := func() string {
		res := get(t, h, "/sw.js")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET /sw.js: %s %s", res.Status, body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
			t.Errorf("GET /sw.js: Content-Type %q", ct)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET /sw.js: Cache-Control %q, want no-cache", cc)
		}
		if !strings.HasSuffix(string(body), "\n// template\n") {
			t.Errorf("GET /sw.js does not end with the template:\n%s", body)
		}
		for _, f := range []string{`"index.html"`, `"site/app.js"`, `"site/nested/deep.css"`, `"build/webglide.wasm"`, `"build/wasm_exec.js"`} {
			if !strings.Contains(string(body), f) {
				t.Errorf("GET /sw.js: the shell list lacks %s:\n%s", f, body)
			}
		}
		if strings.Contains(string(body), `"site/sw.js"`) || strings.Contains(string(body), "secret.go") {
			t.Errorf("GET /sw.js lists files outside the shell:\n%s", body)
		}
		m := regexp.MustCompile(`"version":"([0-9a-f]{16})"`).FindStringSubmatch(string(body))
		if m == nil {
			t.Fatalf("GET /sw.js has no version:\n%s", body)
		}
		return m[1]
	}
	v1 := version()
	if v := version(); v != v1 {
		t.Errorf("the version changed without a change: %s, then %s", v1, v)
	}
	if err := os.WriteFile(filepath.Join(root, "site", "app.js"), []byte("export const x = 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := version(); v == v1 {
		t.Errorf("site/app.js changed but the version stayed %s", v)
	}
}

func TestServiceWorkerNoWasm(t *testing.T) {
	root := tree(t)
	os.WriteFile(filepath.Join(root, "site", "sw.js"), []byte("//\n"), 0o644)
	os.Remove(filepath.Join(root, "build", "webglide.wasm"))
	h, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/sw.js")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 500 || !strings.Contains(string(body), "webglide.wasm") {
		t.Errorf("GET /sw.js without the wasm: %s %s, want 500 naming webglide.wasm", res.Status, body)
	}
}
