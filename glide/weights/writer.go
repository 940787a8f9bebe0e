package weights

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/webglide/webglide/glide/f16"
)

// RangeError is a source value that float16 cannot hold (|v| ≥ 65520, NaN
// or Inf). Converting it would silently give an infinity, so it is refused.
type RangeError struct {
	Tensor string
	Index  int // flat row-major index
	Value  float32
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("weights: tensor %q element %d = %g is outside the float16 range (±%d)", e.Tensor, e.Index, e.Value, f16.MaxValue)
}

// Writer writes a bundle into an existing, empty folder (or any Sink):
// tensors are added one at a time in order and streamed into shards, so
// memory stays at one tensor.
type Writer struct {
	sink     Sink
	maxShard int64

	tensors []Tensor
	shards  []Shard
	names   map[string]bool

	f   io.WriteCloser
	bw  *bufio.Writer
	h   hash.Hash
	pos int64 // bytes written to the current shard
	buf []byte
	err error
}

// Sink receives a bundle's files from a Writer: the shards, streamed, then
// manifest.json. A folder is one (NewWriter); the browser's shard store is
// another (the worker's checkpoint import).
type Sink interface {
	// CreateShard starts shard file name ("0000.bin"); the Writer closes
	// it after its last byte. A Close error fails the bundle.
	CreateShard(name string) (io.WriteCloser, error)
	// WriteManifest stores manifest.json, the bundle's last file; m is
	// the manifest it encodes.
	WriteManifest(m *Manifest, data []byte) error
}

// dirSink writes into an existing, empty folder.
type dirSink string

func (d dirSink) CreateShard(name string) (io.WriteCloser, error) {
	f, err := os.OpenFile(filepath.Join(string(d), name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return syncCloser{f}, nil
}

func (d dirSink) WriteManifest(_ *Manifest, data []byte) error {
	return os.WriteFile(filepath.Join(string(d), "manifest.json"), data, 0o644)
}

// syncCloser syncs a file to disk before closing it.
type syncCloser struct{ *os.File }

func (f syncCloser) Close() error {
	err := f.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

// NewWriter starts a bundle in dir. maxShardBytes ≤ 0 means MaxShardBytes;
// a smaller value is for tests.
func NewWriter(dir string, maxShardBytes int64) (*Writer, error) {
	return NewSinkWriter(dirSink(dir), maxShardBytes)
}

// NewSinkWriter starts a bundle written to sink.
func NewSinkWriter(sink Sink, maxShardBytes int64) (*Writer, error) {
	if maxShardBytes <= 0 {
		maxShardBytes = MaxShardBytes
	}
	if maxShardBytes > MaxShardBytes || maxShardBytes < Align {
		return nil, fmt.Errorf("weights: shard size %d out of range", maxShardBytes)
	}
	return &Writer{sink: sink, maxShard: maxShardBytes, names: map[string]bool{}}, nil
}

// scratch checks that n values fill shape and returns the reused buffer
// for their 2·n bytes.
func (w *Writer) scratch(name string, shape []int, n int) ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	numel := 1
	for _, d := range shape {
		numel *= d
	}
	if numel != n {
		return nil, fmt.Errorf("weights: tensor %q: shape %v needs %d values, got %d", name, shape, numel, n)
	}
	if cap(w.buf) < 2*n {
		w.buf = make([]byte, 2*n)
	}
	return w.buf[:2*n], nil
}

// AddFloat32 converts data to float16 (round to nearest even) and appends
// it as the next tensor. A value outside the float16 range is a
// *RangeError naming the tensor.
func (w *Writer) AddFloat32(name string, shape []int, data []float32) error {
	b, err := w.scratch(name, shape, len(data))
	if err != nil {
		return err
	}
	maxErr := 0.0
	for i, v := range data {
		h, ok := f16.FromFloat32(v)
		if !ok {
			return &RangeError{Tensor: name, Index: i, Value: v}
		}
		if e := math.Abs(float64(f16.ToFloat32(h)) - float64(v)); e > maxErr {
			maxErr = e
		}
		binary.LittleEndian.PutUint16(b[2*i:], h)
	}
	return w.add(name, shape, b, maxErr)
}

// AddF16 appends a tensor given as binary16 bit patterns (no rounding).
func (w *Writer) AddF16(name string, shape []int, bits []uint16) error {
	b, err := w.scratch(name, shape, len(bits))
	if err != nil {
		return err
	}
	for i, h := range bits {
		binary.LittleEndian.PutUint16(b[2*i:], h)
	}
	return w.add(name, shape, b, 0)
}

func (w *Writer) add(name string, shape []int, b []byte, maxErr float64) error {
	if name == "" || w.names[name] {
		return fmt.Errorf("weights: tensor name %q empty or repeated", name)
	}
	n := int64(len(b))
	if n == 0 {
		return fmt.Errorf("weights: tensor %q is empty", name)
	}
	if n > w.maxShard {
		return fmt.Errorf("weights: tensor %q is %d bytes, more than a shard (%d)", name, n, w.maxShard)
	}
	off := (w.pos + Align - 1) / Align * Align
	if w.f == nil || off+n > w.maxShard {
		if err := w.closeShard(); err != nil {
			return w.fail(err)
		}
		if err := w.openShard(); err != nil {
			return w.fail(err)
		}
		off = 0
	}
	if pad := off - w.pos; pad > 0 {
		if err := w.write(make([]byte, pad)); err != nil {
			return w.fail(err)
		}
	}
	if err := w.write(b); err != nil {
		return w.fail(err)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, Tensor{
		Name: name, Shape: append([]int{}, shape...), DType: DTypeF16,
		Shard: len(w.shards) - 1, Offset: off, Length: n, MaxAbsRoundingError: maxErr,
	})
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}

func (w *Writer) write(b []byte) error {
	if _, err := w.bw.Write(b); err != nil {
		return err
	}
	w.h.Write(b)
	w.pos += int64(len(b))
	return nil
}

func (w *Writer) openShard() error {
	i := len(w.shards)
	if i >= maxShards {
		return errors.New("weights: too many shards")
	}
	f, err := w.sink.CreateShard(ShardFile(i))
	if err != nil {
		return err
	}
	w.f, w.bw, w.h, w.pos = f, bufio.NewWriterSize(f, 1<<20), sha256.New(), 0
	w.shards = append(w.shards, Shard{File: ShardFile(i)})
	return nil
}

func (w *Writer) closeShard() error {
	if w.f == nil {
		return nil
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	s := &w.shards[len(w.shards)-1]
	s.Bytes = w.pos
	s.SHA256 = hex.EncodeToString(w.h.Sum(nil))
	w.f = nil
	return err
}

// Finish closes the last shard and writes manifest.json. config is the
// model configuration as a JSON object.
func (w *Writer) Finish(kind string, config json.RawMessage, tokenizer string) (*Manifest, error) {
	if w.err != nil {
		return nil, w.err
	}
	if err := w.closeShard(); err != nil {
		return nil, w.fail(err)
	}
	m := &Manifest{
		Format: Format, Version: Version, Kind: kind, Config: config,
		Tokenizer: tokenizer, Tensors: w.tensors, Shards: w.shards,
	}
	if err := m.Validate(); err != nil {
		return nil, w.fail(err)
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, w.fail(err)
	}
	if err := w.sink.WriteManifest(m, b); err != nil {
		return nil, w.fail(err)
	}
	w.err = errors.New("weights: writer finished")
	return m, nil
}

// Close releases an unfinished writer's open file (the caller removes the
// folder).
func (w *Writer) Close() {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}
