package httpfs

import (
	"io"
	"io/fs"
)

// ProgressFunc hears about reads of a file opened through Watch: name as
// opened, the bytes read so far, the size (-1 when unknown) and whether
// the file was read to its end. Calls come from the reading goroutine.
type ProgressFunc func(name string, read, size int64, done bool)

// Watch wraps fsys so that reading a file reports progress to fn (a
// download's progress when fsys is an *FS). Directories and Stat pass
// through unchanged.
func Watch(fsys fs.FS, fn ProgressFunc) fs.FS { return &watchFS{fsys: fsys, fn: fn} }

type watchFS struct {
	fsys fs.FS
	fn   ProgressFunc
}

func (w *watchFS) Open(name string) (fs.File, error) {
	f, err := w.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return f, nil
	}
	return &watchFile{File: f, name: name, size: st.Size(), fn: w.fn}, nil
}

func (w *watchFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(w.fsys, name) }

type watchFile struct {
	fs.File
	name string
	size int64
	read int64
	done bool
	fn   ProgressFunc
}

func (f *watchFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.read += int64(n)
	if err == io.EOF && !f.done {
		f.done = true
		f.fn(f.name, f.read, f.size, true)
	} else if n > 0 {
		f.fn(f.name, f.read, f.size, false)
	}
	return n, err
}
