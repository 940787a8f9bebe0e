package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// memSink keeps a bundle's files in memory, as the browser's store does.
type memSink struct {
	files    map[string]*bytes.Buffer
	closed   map[string]bool
	manifest []byte
	failAt   string // CreateShard of this name fails
}

type memFile struct {
	*bytes.Buffer
	s    *memSink
	name string
}

func (f memFile) Close() error { f.s.closed[f.name] = true; return nil }

func (s *memSink) CreateShard(name string) (io.WriteCloser, error) {
	if name == s.failAt {
		return nil, errors.New("store full")
	}
	b := &bytes.Buffer{}
	s.files[name] = b
	return memFile{b, s, name}, nil
}

func (s *memSink) WriteManifest(_ *Manifest, data []byte) error {
	s.manifest = data
	return nil
}

// A Sink gets the same bytes a folder does: every shard, closed, then the
// manifest.
func TestSinkWriterMatchesFolder(t *testing.T) {
	dir, m := writeBundle(t)
	s := &memSink{files: map[string]*bytes.Buffer{}, closed: map[string]bool{}}
	w, err := NewSinkWriter(s, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range specs {
		if err := w.AddFloat32(sp.name, sp.shape, values(sp)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Finish("base", json.RawMessage(`{"image_size": 64}`), TokenizerGLIDE); err != nil {
		t.Fatal(err)
	}
	if len(s.files) != len(m.Shards) {
		t.Fatalf("%d shards in the sink, %d in the folder", len(s.files), len(m.Shards))
	}
	for _, sh := range m.Shards {
		want, err := os.ReadFile(filepath.Join(dir, sh.File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.files[sh.File].Bytes(), want) || !s.closed[sh.File] {
			t.Errorf("shard %s: differs from the folder's or was not closed", sh.File)
		}
	}
	want, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if !bytes.Equal(s.manifest, want) {
		t.Error("the manifests differ")
	}
}

func TestSinkWriterCreateError(t *testing.T) {
	s := &memSink{files: map[string]*bytes.Buffer{}, closed: map[string]bool{}, failAt: ShardFile(1)}
	w, _ := NewSinkWriter(s, 1024)
	var err error
	for _, sp := range specs {
		if err = w.AddFloat32(sp.name, sp.shape, values(sp)); err != nil {
			break
		}
	}
	if err == nil || err.Error() != "store full" {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if _, err := w.Finish("base", json.RawMessage(`{}`), TokenizerGLIDE); err == nil || s.manifest != nil {
		t.Error("a failed writer finished")
	}
}
