package shell

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

func site() fstest.MapFS {
	return fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html>")},
		"site/app.js":            {Data: []byte("app")},
		"site/sw.js":             {Data: []byte("self.addEventListener('fetch', () => {});\n")},
		"site/icons/icon.png":    {Data: []byte("png")},
		"site/.DS_Store":         {Data: []byte("junk")},
		"build/webglide.wasm":    {Data: []byte("wasm")},
		"build/glide-bpe.vocab":  {Data: []byte("vocab")},
		"build/wasm_exec.js":     {Data: []byte("go")},
		"build/webgpu-encode.js": {Data: []byte("encode")},
		"build/glide":            {Data: []byte("the CLI, not shipped")},
		"weights/base/a.bin":     {Data: []byte("weights, never in the shell")},
	}
}

func TestRead(t *testing.T) {
	s, err := Read(site())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"build/glide-bpe.vocab", "build/wasm_exec.js", "build/webglide.wasm", "build/webgpu-encode.js", "index.html", "site/app.js", "site/icons/icon.png"}
	if strings.Join(s.Files, " ") != strings.Join(want, " ") {
		t.Errorf("Files = %v, want %v", s.Files, want)
	}
	if len(s.Version) != 16 {
		t.Errorf("Version = %q, want 16 hex digits", s.Version)
	}
}

// TestVersion: the version changes with any shell file's bytes or name,
// and not with files outside the shell (the template, weights).
func TestVersion(t *testing.T) {
	base, _ := Read(site())
	for _, tc := range []struct {
		name   string
		edit   func(fstest.MapFS)
		change bool
	}{
		{"app.js changed", func(m fstest.MapFS) { m["site/app.js"].Data = []byte("app2") }, true},
		{"wasm changed", func(m fstest.MapFS) { m["build/webglide.wasm"].Data = []byte("wasm2") }, true},
		{"file renamed", func(m fstest.MapFS) { m["site/app2.js"] = m["site/app.js"]; delete(m, "site/app.js") }, true},
		{"bytes moved between files", func(m fstest.MapFS) {
			m["site/app.js"].Data = []byte("ap")
			m["site/icons/icon.png"].Data = []byte("ppng")
		}, true},
		{"template changed", func(m fstest.MapFS) { m["site/sw.js"].Data = []byte("x") }, false},
		{"weights changed", func(m fstest.MapFS) { m["weights/base/a.bin"].Data = []byte("y") }, false},
	} {
		m := site()
		tc.edit(m)
		s, err := Read(m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := s.Version != base.Version; got != tc.change {
			t.Errorf("%s: version changed = %v, want %v", tc.name, got, tc.change)
		}
	}
}

func TestMissing(t *testing.T) {
	m := site()
	delete(m, "build/webglide.wasm")
	if _, err := Read(m); err == nil || !strings.Contains(err.Error(), "build/webglide.wasm") || !strings.Contains(err.Error(), "make wasm") {
		t.Errorf("Read without the wasm: %v, want an error naming build/webglide.wasm and make wasm", err)
	}
}

func TestServiceWorker(t *testing.T) {
	sw, version, err := Build(site())
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(strings.SplitN(string(sw), "\n", 2)[1], "\n")
	if rest != "self.addEventListener('fetch', () => {});\n" {
		t.Errorf("sw.js after the SHELL line = %q, want the template", rest)
	}
	j, ok := strings.CutPrefix(first, "const SHELL = ")
	if !ok || !strings.HasSuffix(j, ";") {
		t.Fatalf("second line %q does not declare SHELL", first)
	}
	var s Shell
	if err := json.Unmarshal([]byte(strings.TrimSuffix(j, ";")), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != version || len(s.Files) != 7 {
		t.Errorf("SHELL = %+v, want version %s and 7 files", s, version)
	}
}
