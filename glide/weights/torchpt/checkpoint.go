// Package torchpt reads PyTorch checkpoints (torch.save of a state_dict)
// without Python: the zip container, a strict pickle decoder that accepts
// only the globals needed to rebuild tensors, and float32 / float16 /
// bfloat16 storages with arbitrary sizes, strides and offsets.
//
// A checkpoint is untrusted input. The pickle may name only
// collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// torch._utils._rebuild_parameter and the Float/Half/BFloat16 storage
// classes; every length and count in the file is checked against the bytes
// really present (or a fixed limit) before anything is allocated.
//
// Why not github.com/nlpodyssey/gopickle: it is a general unpickler. Unknown
// globals become generic objects instead of errors, and it allocates
// whatever a length field says (make([]byte, n) for BINUNICODE8, BINBYTES8
// and FRAME), so a few bytes can demand gigabytes. An allow-list on top
// would still run that machinery on untrusted bytes. A state_dict needs
// about 50 opcodes and 6 globals; this reader implements just those, with
// every limit explicit, in one file (pickle.go) that is fuzzed.
package torchpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path"
	"strings"

	"github.com/webglide/webglide/glide/f16"
)

// TensorInfo describes one state_dict entry.
type TensorInfo struct {
	Name       string
	DType      DType
	Shape      []int
	Stride     []int // in elements
	Offset     int64 // storage offset in elements
	StorageKey string

	storage *StorageRef
}

// Numel is the element count.
func (t *TensorInfo) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Contiguous reports whether the tensor is a row-major dense view.
func (t *TensorInfo) Contiguous() bool {
	want := 1
	for i := len(t.Shape) - 1; i >= 0; i-- {
		if t.Shape[i] != 1 && t.Stride[i] != want {
			return false
		}
		want *= t.Shape[i]
	}
	return true
}

// Checkpoint is an opened torch.save zip file. Tensors are read one at a
// time on demand, so memory stays at about one tensor.
type Checkpoint struct {
	// Tensors lists the state_dict entries in the pickle's order.
	Tensors []TensorInfo
	// Version is the content of <name>/version (e.g. "3"), or "".
	Version string

	r       io.ReaderAt
	size    int64
	closer  io.Closer
	entries map[string]*zip.File // storage key -> zip entry
	checked map[string]bool      // storage keys whose CRC-32 was verified
}

// ErrLegacyFormat is returned for pre-1.6 (non-zip) torch.save files.
var ErrLegacyFormat = errors.New("torchpt: legacy (non-zip) torch.save format is not supported; re-save the checkpoint with torch >= 1.6")

// Open opens a checkpoint file.
func Open(name string) (*Checkpoint, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	c, err := NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.closer = f
	return c, nil
}

// Close closes the underlying file (if Open opened it).
func (c *Checkpoint) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

// NewReader reads the checkpoint's index (the zip directory and the
// pickle) from r. Tensor data is read later, by ReadFloat32.
func NewReader(r io.ReaderAt, size int64) (*Checkpoint, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, fmt.Errorf("torchpt: reading header: %w", err)
	}
	if string(magic[:]) != "PK\x03\x04" {
		if magic[0] == 0x80 {
			return nil, ErrLegacyFormat
		}
		return nil, errors.New("torchpt: not a PyTorch zip checkpoint (no PK header)")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("torchpt: zip: %w", err)
	}
	// Find <prefix>/data.pkl: exactly one, one folder deep.
	var pkl *zip.File
	for _, f := range zr.File {
		dir, base := path.Split(f.Name)
		if base == "data.pkl" && dir != "" && !strings.Contains(strings.TrimSuffix(dir, "/"), "/") {
			if pkl != nil {
				return nil, errors.New("torchpt: more than one data.pkl in the archive")
			}
			pkl = f
		}
	}
	if pkl == nil {
		return nil, errors.New("torchpt: no <name>/data.pkl in the archive")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	c := &Checkpoint{r: r, size: size, entries: map[string]*zip.File{}, checked: map[string]bool{}}
	for _, f := range zr.File {
		rest, ok := strings.CutPrefix(f.Name, prefix)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "data/"):
			c.entries[strings.TrimPrefix(rest, "data/")] = f
		case rest == "version" || rest == ".data/version":
			b, err := readSmall(f, 64)
			if err != nil {
				return nil, err
			}
			c.Version = strings.TrimSpace(string(b))
		case rest == "byteorder":
			b, err := readSmall(f, 64)
			if err != nil {
				return nil, err
			}
			if s := strings.TrimSpace(string(b)); s != "little" {
				return nil, fmt.Errorf("torchpt: byteorder %q is not supported", s)
			}
		}
	}
	data, err := readSmall(pkl, MaxPickleBytes)
	if err != nil {
		return nil, err
	}
	obj, err := Unpickle(data)
	if err != nil {
		return nil, err
	}
	d, ok := obj.(*Dict)
	if !ok {
		return nil, fmt.Errorf("torchpt: the checkpoint holds a %s, not a state_dict", typeName(obj))
	}
	for i, k := range d.Keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("torchpt: state_dict key %v is not a string", k)
		}
		t, ok := d.Values[i].(*Tensor)
		if !ok {
			return nil, fmt.Errorf("torchpt: state_dict entry %q is a %s, not a tensor", name, typeName(d.Values[i]))
		}
		info, err := c.check(name, t)
		if err != nil {
			return nil, err
		}
		c.Tensors = append(c.Tensors, info)
	}
	return c, nil
}

// check validates a tensor against its zip entry.
func (c *Checkpoint) check(name string, t *Tensor) (TensorInfo, error) {
	f, ok := c.entries[t.Storage.Key]
	if !ok {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q: storage data/%s is missing from the archive", name, t.Storage.Key)
	}
	if f.Method != zip.Store {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q: storage data/%s is compressed (method %d); torch.save stores storages uncompressed", name, t.Storage.Key, f.Method)
	}
	want := uint64(t.Storage.Numel) * uint64(t.Storage.DType.Size())
	if f.UncompressedSize64 != want || f.CompressedSize64 != want {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q: storage data/%s holds %d bytes, but %d %s elements need %d", name, t.Storage.Key, f.UncompressedSize64, t.Storage.Numel, t.Storage.DType, want)
	}
	off, err := f.DataOffset()
	if err != nil {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q: storage data/%s: %w", name, t.Storage.Key, err)
	}
	if off < 0 || uint64(off)+want > uint64(c.size) {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q: storage data/%s runs past the end of the file (truncated download?)", name, t.Storage.Key)
	}
	if int64(int(t.Offset)) != t.Offset {
		return TensorInfo{}, fmt.Errorf("torchpt: tensor %q too large for this platform", name)
	}
	info := TensorInfo{Name: name, DType: t.Storage.DType, Offset: t.Offset, StorageKey: t.Storage.Key, storage: t.Storage}
	for i := range t.Shape {
		if int64(int(t.Shape[i])) != t.Shape[i] || int64(int(t.Stride[i])) != t.Stride[i] {
			return TensorInfo{}, fmt.Errorf("torchpt: tensor %q too large for this platform", name)
		}
		info.Shape = append(info.Shape, int(t.Shape[i]))
		info.Stride = append(info.Stride, int(t.Stride[i]))
	}
	if info.Shape == nil {
		info.Shape, info.Stride = []int{}, []int{}
	}
	return info, nil
}

func readSmall(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("torchpt: %s is %d bytes, more than the limit of %d", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("torchpt: %s: %w", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(rc, limit+1)); err != nil {
		return nil, fmt.Errorf("torchpt: %s: %w", f.Name, err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("torchpt: %s is more than %d bytes", f.Name, limit)
	}
	return buf.Bytes(), nil
}

// ReadFloat32 reads one tensor and returns its values in row-major order
// as float32 (float16 and bfloat16 widen exactly). Any strides are
// honoured: the storage span the view touches is read and gathered. When
// the tensor covers its whole storage, the zip entry's CRC-32 is checked.
// A contiguous tensor is decoded in 1 MiB chunks, so the only large
// allocation is the result.
func (c *Checkpoint) ReadFloat32(t *TensorInfo) ([]float32, error) {
	if t.storage == nil {
		return nil, errors.New("torchpt: TensorInfo does not come from this checkpoint")
	}
	f := c.entries[t.StorageKey]
	numel := t.Numel()
	out := make([]float32, numel)
	if numel == 0 {
		return out, nil
	}
	last := t.Offset
	for i := range t.Shape {
		last += int64(t.Shape[i]-1) * int64(t.Stride[i])
	}
	span := last - t.Offset + 1 // elements of storage the view touches
	es := int64(t.DType.Size())
	base, err := f.DataOffset()
	if err != nil {
		return nil, err
	}
	base += t.Offset * es
	whole := t.Offset == 0 && span == t.storage.Numel && !c.checked[t.StorageKey]
	get := decoder(t.DType)
	if t.Contiguous() {
		// Decode in chunks straight into out: no second copy of the tensor.
		const chunk = 1 << 20
		buf := make([]byte, min(chunk, span*es))
		crc := uint32(0)
		for done := int64(0); done < span; {
			n := min(int64(len(buf))/es, span-done)
			b := buf[:n*es]
			if _, err := c.r.ReadAt(b, base+done*es); err != nil {
				return nil, fmt.Errorf("torchpt: tensor %q: reading storage data/%s: %w", t.Name, t.StorageKey, err)
			}
			if whole {
				crc = crc32.Update(crc, crc32.IEEETable, b)
			}
			o := out[done : done+n]
			for i := range o {
				o[i] = get(b, i)
			}
			done += n
		}
		if whole {
			if crc != f.CRC32 {
				return nil, crcError(t)
			}
			c.checked[t.StorageKey] = true
		}
		return out, nil
	}
	buf := make([]byte, span*es)
	if _, err := c.r.ReadAt(buf, base); err != nil {
		return nil, fmt.Errorf("torchpt: tensor %q: reading storage data/%s: %w", t.Name, t.StorageKey, err)
	}
	if whole {
		if crc32.ChecksumIEEE(buf) != f.CRC32 {
			return nil, crcError(t)
		}
		c.checked[t.StorageKey] = true
	}
	// General strided gather, odometer over the indices.
	idx := make([]int, len(t.Shape))
	pos := 0
	for i := range out {
		out[i] = get(buf, pos)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			pos += t.Stride[d]
			if idx[d] < t.Shape[d] {
				break
			}
			pos -= t.Stride[d] * idx[d]
			idx[d] = 0
		}
	}
	return out, nil
}

func crcError(t *TensorInfo) error {
	return fmt.Errorf("torchpt: tensor %q: storage data/%s fails its CRC-32 check (corrupt file)", t.Name, t.StorageKey)
}

func decoder(dt DType) func(b []byte, i int) float32 {
	switch dt {
	case Float16:
		return func(b []byte, i int) float32 { return f16.ToFloat32(binary.LittleEndian.Uint16(b[2*i:])) }
	case BFloat16:
		return func(b []byte, i int) float32 {
			return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	}
	return func(b []byte, i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])) }
}
