// Package httpfs is a read-only fs.FS over HTTP: file NAME of the file
// system is the URL BASE+NAME. The browser worker reads weight bundles
// (manifest.json, NNNN.bin) and golden fixtures through it, so the
// platform-free readers in glide/ (glide/weights, glide/golden) work the
// same on disk and over the network.
//
// Requests:
//
//	Open(name)      GET BASE+name; the body is streamed as it is read
//	ReadAt          GET with "Range: bytes=off-end" (206 expected)
//	Stat(name)      HEAD BASE+name
//	ReadDir(dir)    GET BASE+dir/ with "Accept: application/json", answered
//	                with a listing (see Listing); only servers that give
//	                listings support it (the check-golden launcher does)
//
// Errors are *fs.PathError: 404 and 410 wrap fs.ErrNotExist, 401 and 403
// fs.ErrPermission, a failed request (no connection, CORS) ErrNetwork, and
// any other status an *HTTPError.
//
// In js/wasm the requests go through the JavaScript fetch API (fetch_js.go:
// browsers, workers, Deno, Node ≥ 18); elsewhere through net/http, which
// is what the native tests use. Calls block the calling goroutine until
// the response arrives, so in js/wasm they must not be made from inside a
// js.FuncOf callback.
package httpfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNetwork marks a request that got no HTTP response at all (connection
// refused or reset, DNS, CORS refusal, aborted).
var ErrNetwork = errors.New("network error")

// HTTPError is an unexpected HTTP status.
type HTTPError struct {
	Status     int
	StatusText string
}

func (e *HTTPError) Error() string {
	if e.StatusText == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, e.StatusText)
}

// Listing is the JSON a server answers to GET DIR/ with "Accept:
// application/json" when it supports directory listings:
//
//	{"entries": [{"name": "case.json", "size": 1234, "mtime": "2024-05-01T12:00:00Z"},
//	             {"name": "sub", "dir": true}]}
type Listing struct {
	Entries []ListingEntry `json:"entries"`
}

// ListingEntry is one entry of a Listing.
type ListingEntry struct {
	Name string `json:"name"`
	Dir  bool   `json:"dir,omitempty"`
	Size int64  `json:"size,omitempty"`
	// MTime is the modification time (RFC 3339), optional.
	MTime string `json:"mtime,omitempty"`
}

// response is what a transport returns.
type response struct {
	status     int
	statusText string
	header     func(key string) string
	body       io.ReadCloser // nil for HEAD; must be closed otherwise
}

// transport performs one request. Implementations: fetch (js) and
// net/http (everything else).
type transport interface {
	do(method, url string, header map[string]string) (*response, error)
}

// FS is a read-only file system over HTTP. It implements fs.FS,
// fs.StatFS, fs.ReadFileFS, fs.ReadDirFS and fs.SubFS; its files
// implement io.ReaderAt.
type FS struct {
	base string // absolute URL ending in "/"
	t    transport
}

// New returns the file system whose file NAME is at baseURL+NAME. A
// missing trailing slash is added.
func New(baseURL string) *FS {
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	return &FS{base: baseURL, t: defaultTransport()}
}

// URL returns the URL of name (no validation).
func (f *FS) URL(name string) string {
	if name == "." || name == "" {
		return f.base
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return f.base + strings.Join(parts, "/")
}

func (f *FS) request(op, name, method string, header map[string]string) (*response, error) {
	r, err := f.t.do(method, f.URL(name), header)
	if err != nil && errors.Is(err, ErrNetwork) {
		// Once more: a keep-alive connection the server had closed fails
		// the first request on it.
		r, err = f.t.do(method, f.URL(name), header)
	}
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: f.URL(name), Err: err}
	}
	if r.status >= 200 && r.status < 300 {
		return r, nil
	}
	if r.body != nil {
		r.body.Close()
	}
	return nil, &fs.PathError{Op: op, Path: f.URL(name), Err: statusErr(r)}
}

func statusErr(r *response) error {
	switch r.status {
	case 404, 410:
		return fs.ErrNotExist
	case 401, 403:
		return fs.ErrPermission
	}
	return &HTTPError{Status: r.status, StatusText: r.statusText}
}

func invalid(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
}

// Open fetches name. The response body is read as the file is read; Close
// abandons the rest. A name whose GET is 404 but which the server lists
// as a directory opens as a directory (ReadDir only).
func (f *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, invalid("open", name)
	}
	if name == "." {
		return &dir{fsys: f, name: name}, nil
	}
	r, err := f.request("open", name, "GET", nil)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, lerr := f.ReadDir(name); lerr == nil {
				return &dir{fsys: f, name: name}, nil
			}
		}
		return nil, err
	}
	return &file{fsys: f, name: name, info: fileInfo(name, r), body: r.body}, nil
}

// Stat asks for name's size with HEAD (a directory needs a listing).
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, invalid("stat", name)
	}
	if name == "." {
		return &info{name: ".", dir: true}, nil
	}
	r, err := f.request("stat", name, "HEAD", nil)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, lerr := f.ReadDir(name); lerr == nil {
				return &info{name: path.Base(name), dir: true}, nil
			}
		}
		return nil, err
	}
	if r.body != nil {
		r.body.Close()
	}
	return fileInfo(name, r), nil
}

// ReadFile fetches name whole.
func (f *FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, invalid("readfile", name)
	}
	r, err := f.request("readfile", name, "GET", nil)
	if err != nil {
		return nil, err
	}
	defer r.body.Close()
	var buf []byte
	if n := fileInfo(name, r).size; n > 0 {
		buf = make([]byte, 0, n)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, &fs.PathError{Op: "readfile", Path: f.URL(name), Err: err}
		}
	}
}

// ReadDir fetches the server's listing of dir, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, invalid("readdir", name)
	}
	u := name + "/"
	if name == "." {
		u = "."
	}
	r, err := f.request("readdir", u, "GET", map[string]string{"Accept": "application/json"})
	if err != nil {
		return nil, err
	}
	defer r.body.Close()
	data, err := io.ReadAll(io.LimitReader(r.body, 16<<20))
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: f.URL(u), Err: err}
	}
	var l Listing
	if err := json.Unmarshal(data, &l); err != nil || l.Entries == nil {
		return nil, &fs.PathError{Op: "readdir", Path: f.URL(u), Err: errors.New("the server gives no JSON directory listing here")}
	}
	out := make([]fs.DirEntry, 0, len(l.Entries))
	for _, e := range l.Entries {
		if e.Name == "" || e.Name == "." || e.Name == ".." || strings.Contains(e.Name, "/") {
			continue
		}
		i := &info{name: e.Name, dir: e.Dir, size: e.Size}
		if t, err := time.Parse(time.RFC3339Nano, e.MTime); err == nil {
			i.mod = t.UTC()
		}
		out = append(out, i)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Sub returns the file system rooted at dir (the URL prefix BASE+dir/).
func (f *FS) Sub(dir string) (fs.FS, error) {
	if !fs.ValidPath(dir) {
		return nil, invalid("sub", dir)
	}
	if dir == "." {
		return f, nil
	}
	return &FS{base: f.URL(dir) + "/", t: f.t}, nil
}

// fileInfo describes a file from its response headers. The size is -1
// when the server sent no length, or a length of an encoded body.
func fileInfo(name string, r *response) *info {
	i := &info{name: path.Base(name), size: -1}
	if r.header("Content-Encoding") == "" || r.header("Content-Encoding") == "identity" {
		if n, err := strconv.ParseInt(r.header("Content-Length"), 10, 64); err == nil && n >= 0 {
			i.size = n
		}
	}
	if t, err := time.Parse(time.RFC1123, r.header("Last-Modified")); err == nil {
		i.mod = t.UTC()
	}
	return i
}

// info is both the fs.FileInfo and the fs.DirEntry of a name.
type info struct {
	name string
	dir  bool
	size int64
	mod  time.Time
}

func (i *info) Name() string { return i.name }
func (i *info) Size() int64  { return i.size }
func (i *info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i *info) ModTime() time.Time         { return i.mod }
func (i *info) IsDir() bool                { return i.dir }
func (i *info) Sys() any                   { return nil }
func (i *info) Type() fs.FileMode          { return i.Mode().Type() }
func (i *info) Info() (fs.FileInfo, error) { return i, nil }

// file is an open file: the streamed GET body.
type file struct {
	fsys *FS
	name string
	info *info
	body io.ReadCloser
	off  int64
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *file) Read(p []byte) (int, error) {
	if f.body == nil {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	n, err := f.body.Read(p)
	f.off += int64(n)
	if err != nil && err != io.EOF {
		err = &fs.PathError{Op: "read", Path: f.fsys.URL(f.name), Err: err}
	}
	return n, err
}

// ReadAt fetches bytes off..off+len(p)−1 with a Range request,
// independently of Read.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &fs.PathError{Op: "readat", Path: f.name, Err: fs.ErrInvalid}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if f.info.size >= 0 && off >= f.info.size {
		return 0, io.EOF
	}
	rng := fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1)
	r, err := f.fsys.request("readat", f.name, "GET", map[string]string{"Range": rng})
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			if he := (*HTTPError)(nil); errors.As(pe.Err, &he) && he.Status == 416 {
				return 0, io.EOF
			}
		}
		return 0, err
	}
	defer r.body.Close()
	if r.status != 206 {
		return 0, &fs.PathError{Op: "readat", Path: f.fsys.URL(f.name), Err: fmt.Errorf("the server ignored the Range request (HTTP %d)", r.status)}
	}
	n, err := io.ReadFull(r.body, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF // a short range: the file ends inside p
	} else if err != nil {
		err = &fs.PathError{Op: "readat", Path: f.fsys.URL(f.name), Err: err}
	}
	return n, err
}

func (f *file) Close() error {
	if f.body == nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	err := f.body.Close()
	f.body = nil
	return err
}

// dir is an opened directory: its listing is fetched on ReadDir.
type dir struct {
	fsys    *FS
	name    string
	entries []fs.DirEntry
	read    bool
	closed  bool
}

func (d *dir) Stat() (fs.FileInfo, error) { return &info{name: path.Base(d.name), dir: true}, nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *dir) Close() error { d.closed = true; return nil }

func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: fs.ErrClosed}
	}
	if !d.read {
		es, err := d.fsys.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = es, true
	}
	if n <= 0 {
		es := d.entries
		d.entries = nil
		return es, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	es := d.entries[:n]
	d.entries = d.entries[n:]
	return es, nil
}

var (
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.SubFS      = (*FS)(nil)
	_ io.ReaderAt   = (*file)(nil)
)
