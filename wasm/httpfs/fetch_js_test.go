package httpfs

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"syscall/js"
	"testing"
)

// TestFetch reads the test harness's own files through fetch. Only the
// Chromium go_js_wasm_exec serves the test from an HTTP origin (with
// /wasm_exec.js and nothing at /no-such-file); elsewhere it skips.
func TestFetch(t *testing.T) {
	loc := js.Global().Get("location")
	if loc.Type() != js.TypeObject || !strings.HasPrefix(loc.Get("origin").String(), "http") {
		t.Skip("not served over HTTP (the Chromium go_js_wasm_exec does that)")
	}
	fsys := New(loc.Get("origin").String())
	b, err := fs.ReadFile(fsys, "wasm_exec.js")
	if err != nil || !strings.Contains(string(b), "Go Authors") {
		t.Fatalf("ReadFile(wasm_exec.js) = %d bytes, %v", len(b), err)
	}
	// The harness answers HEAD without a Content-Length: size unknown.
	st, err := fs.Stat(fsys, "wasm_exec.js")
	if err != nil || st.IsDir() || (st.Size() != -1 && st.Size() != int64(len(b))) {
		t.Errorf("Stat = %v, %v; want a file of size %d or -1", st, err, len(b))
	}
	f, err := fsys.Open("wasm_exec.js")
	if err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 7) // reads smaller than a stream chunk
	var got []byte
	for {
		n, err := f.Read(small)
		got = append(got, small[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if string(got) != string(b) {
		t.Errorf("streamed read differs from ReadFile (%d vs %d bytes)", len(got), len(b))
	}
	if _, err := fsys.Open("no-such-file"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(no-such-file) = %v, want fs.ErrNotExist", err)
	}
	if _, err := New("http://127.0.0.1:1/").Open("x"); !errors.Is(err, ErrNetwork) {
		t.Errorf("nothing listening: %v, want ErrNetwork", err)
	}
}
