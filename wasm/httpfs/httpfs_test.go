//go:build !js

package httpfs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var mod = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func testFiles() fstest.MapFS {
	big := bytes.Repeat([]byte("0123456789abcdef"), 300)
	return fstest.MapFS{
		"manifest.json":       {Data: []byte(`{"x": 1}`), ModTime: mod},
		"0000.bin":            {Data: big, ModTime: mod},
		"cases/a/case.json":   {Data: []byte(`{"case": "a"}`), ModTime: mod},
		"cases/a/t.f32":       {Data: []byte{1, 2, 3, 4}, ModTime: mod},
		"cases/b c/case.json": {Data: []byte(`{"case": "b c"}`), ModTime: mod},
		"empty":               {Data: nil, ModTime: mod},
	}
}

// listingServer serves fsys like the check-golden launcher does: files
// with Range support, directories (DIR/) as JSON listings.
func listingServer(t *testing.T, fsys fs.FS) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			d := strings.TrimSuffix(name, "/")
			if d == "" {
				d = "."
			}
			es, err := fs.ReadDir(fsys, d)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			var l Listing
			l.Entries = []ListingEntry{}
			for _, e := range es {
				le := ListingEntry{Name: e.Name(), Dir: e.IsDir()}
				if i, err := e.Info(); err == nil && !e.IsDir() {
					le.Size = i.Size()
					le.MTime = i.ModTime().UTC().Format(time.RFC3339Nano)
				}
				l.Entries = append(l.Entries, le)
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(l)
			return
		}
		f, err := fsys.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, _ := f.Stat()
		if st.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, st.ModTime(), f.(io.ReadSeeker))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFSConformance(t *testing.T) {
	files := testFiles()
	srv := listingServer(t, files)
	fsys := New(srv.URL)
	if err := fstest.TestFS(fsys, "manifest.json", "0000.bin", "cases/a/case.json", "cases/b c/case.json", "empty"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReadStat(t *testing.T) {
	files := testFiles()
	srv := listingServer(t, files)
	fsys := New(srv.URL + "/") // a trailing slash is fine too

	got, err := fs.ReadFile(fsys, "0000.bin")
	if err != nil || !bytes.Equal(got, files["0000.bin"].Data) {
		t.Fatalf("ReadFile: %d bytes, %v", len(got), err)
	}
	st, err := fs.Stat(fsys, "0000.bin")
	if err != nil || st.Size() != int64(len(files["0000.bin"].Data)) || st.IsDir() || !st.ModTime().Equal(mod) {
		t.Fatalf("Stat: %v %v", st, err)
	}
	// ReadAt through Range requests.
	f, err := fsys.Open("0000.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 5)
	if n, err := f.(io.ReaderAt).ReadAt(buf, 16*3+2); n != 5 || err != nil || string(buf) != "23456" {
		t.Fatalf("ReadAt = %d %v %q", n, err, buf)
	}
	size := int64(len(files["0000.bin"].Data))
	if n, err := f.(io.ReaderAt).ReadAt(buf, size-2); n != 2 || err != io.EOF || string(buf[:2]) != "ef" {
		t.Fatalf("ReadAt at the end = %d %v %q", n, err, buf[:n])
	}
	if _, err := f.(io.ReaderAt).ReadAt(buf, size+10); err != io.EOF {
		t.Fatalf("ReadAt past the end: %v", err)
	}
	// The sequential stream is independent of ReadAt.
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "0123" {
		t.Fatalf("Read = %q %v", head, err)
	}

	// Escaped names, Sub.
	sub, err := fs.Sub(fsys, "cases")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(sub, "b c/case.json"); err != nil || string(b) != `{"case": "b c"}` {
		t.Fatalf("Sub ReadFile = %q %v", b, err)
	}
	// Directories.
	if st, err := fs.Stat(fsys, "cases"); err != nil || !st.IsDir() {
		t.Fatalf("Stat(dir) = %v %v", st, err)
	}
	var walked []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && path.Base(p) == "case.json" {
			walked = append(walked, p)
		}
		return nil
	})
	if err != nil || strings.Join(walked, ",") != "cases/a/case.json,cases/b c/case.json" {
		t.Fatalf("WalkDir = %v %v", walked, err)
	}
}

func TestErrors(t *testing.T) {
	srv := listingServer(t, testFiles())
	fsys := New(srv.URL)
	for _, op := range []func(string) error{
		func(n string) error { _, err := fsys.Open(n); return err },
		func(n string) error { _, err := fsys.Stat(n); return err },
		func(n string) error { _, err := fsys.ReadFile(n); return err },
	} {
		err := op("missing.bin")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("missing file: %v, want fs.ErrNotExist", err)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) || !strings.HasSuffix(pe.Path, "/missing.bin") {
			t.Errorf("missing file: %v, want a *fs.PathError naming the URL", err)
		}
		if err := op("../x"); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("invalid name: %v", err)
		}
	}

	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/secret") {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer forbidden.Close()
	f2 := New(forbidden.URL)
	if _, err := f2.Open("secret"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("403: %v", err)
	}
	_, err := f2.Open("x")
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 500 {
		t.Errorf("500: %v", err)
	}

	// Nothing listening: a network error.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	if _, err := New(url).Open("x"); !errors.Is(err, ErrNetwork) {
		t.Errorf("no server: %v, want ErrNetwork", err)
	}
}

func TestWatch(t *testing.T) {
	files := testFiles()
	srv := listingServer(t, files)
	type call struct {
		name       string
		read, size int64
		done       bool
	}
	var calls []call
	fsys := Watch(New(srv.URL), func(name string, read, size int64, done bool) {
		calls = append(calls, call{name, read, size, done})
	})
	sub, err := fs.Sub(fsys, "cases/a")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(sub, "t.f32"); err != nil || len(b) != 4 {
		t.Fatalf("ReadFile = %v %v", b, err)
	}
	last := calls[len(calls)-1]
	if last != (call{"cases/a/t.f32", 4, 4, true}) {
		t.Errorf("last progress call %+v", last)
	}
	if st, err := fs.Stat(fsys, "0000.bin"); err != nil || st.Size() != int64(len(files["0000.bin"].Data)) {
		t.Errorf("Stat through Watch = %v %v", st, err)
	}
}
