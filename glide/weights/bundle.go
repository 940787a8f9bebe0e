package weights

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/webglide/webglide/glide/nn"
)

// Shard failures, wrapped in *ShardError (test with errors.Is).
var (
	ErrShardMissing  = errors.New("missing")
	ErrShardSize     = errors.New("wrong size (truncated or overlong)")
	ErrShardChecksum = errors.New("sha256 mismatch (corrupt)")
)

// ShardError is a shard that cannot be used: missing, truncated or
// corrupt. Tensors lists what it holds, so the caller can say what is lost.
type ShardError struct {
	Shard   string   // file name, e.g. "0003.bin"
	Tensors []string // tensor names stored in the shard
	Err     error    // ErrShardMissing, ErrShardSize, ErrShardChecksum or an I/O error
}

func (e *ShardError) Error() string {
	names := e.Tensors
	more := ""
	if len(names) > 4 {
		more = fmt.Sprintf(" and %d more", len(names)-4)
		names = names[:4]
	}
	return fmt.Sprintf("weights: shard %s (holding %s%s): %v", e.Shard, strings.Join(names, ", "), more, e.Err)
}

func (e *ShardError) Unwrap() error { return e.Err }

// Bundle is an opened, validated bundle. Its shards come from an fs.FS:
// os.DirFS for a folder, or anything else that can open "NNNN.bin" (the
// browser supplies one over HTTP).
type Bundle struct {
	Manifest *Manifest
	fsys     fs.FS
}

// Open opens the bundle in folder dir and validates its manifest.
func Open(dir string) (*Bundle, error) { return OpenFS(os.DirFS(dir)) }

// OpenFS opens a bundle whose manifest.json and shards are in fsys.
func OpenFS(fsys fs.FS) (*Bundle, error) {
	f, err := fsys.Open("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("weights: reading manifest.json: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, err
	}
	return &Bundle{Manifest: m, fsys: fsys}, nil
}

// ReadShard reads shard i whole and checks its size and sha256. It never
// returns bytes that failed the check; a failure is a *ShardError.
func (b *Bundle) ReadShard(i int) ([]byte, error) {
	s := b.Manifest.Shards[i]
	fail := func(err error) error {
		return &ShardError{Shard: s.File, Tensors: b.Manifest.ShardTensors(i), Err: err}
	}
	f, err := b.fsys.Open(s.File)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail(ErrShardMissing)
	}
	if err != nil {
		return nil, fail(err)
	}
	defer f.Close()
	// s.Bytes ≤ MaxShardBytes was validated with the manifest.
	buf := make([]byte, s.Bytes)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, fail(fmt.Errorf("%w: %d bytes, manifest says %d", ErrShardSize, n, s.Bytes))
	}
	if err != nil {
		return nil, fail(err)
	}
	var extra [1]byte
	if m, _ := io.ReadFull(f, extra[:]); m > 0 {
		return nil, fail(fmt.Errorf("%w: more than the %d bytes the manifest says", ErrShardSize, s.Bytes))
	}
	sum := sha256.Sum256(buf)
	if hex.EncodeToString(sum[:]) != s.SHA256 {
		return nil, fail(ErrShardChecksum)
	}
	return buf, nil
}

// Verify reads every shard and checks its size and sha256. It returns
// all shard errors joined (each a *ShardError), or nil.
func (b *Bundle) Verify() error {
	var errs []error
	for i := range b.Manifest.Shards {
		if _, err := b.ReadShard(i); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Load reads each shard once, verifies it, and uploads its tensors with
// dev.UploadF16. Nothing from a shard is uploaded before that shard passed
// its check; on any error the tensors uploaded so far are released and
// nothing is returned.
func (b *Bundle) Load(dev nn.Device) (map[string]*nn.Tensor, error) {
	out := make(map[string]*nn.Tensor, len(b.Manifest.Tensors))
	release := func() {
		ts := make([]*nn.Tensor, 0, len(out))
		for _, t := range out {
			ts = append(ts, t)
		}
		dev.Release(ts...)
	}
	byShard := make([][]*Tensor, len(b.Manifest.Shards))
	for i := range b.Manifest.Tensors {
		t := &b.Manifest.Tensors[i]
		byShard[t.Shard] = append(byShard[t.Shard], t)
	}
	for i := range b.Manifest.Shards {
		data, err := b.ReadShard(i)
		if err != nil {
			release()
			return nil, err
		}
		for _, t := range byShard[i] {
			raw := data[t.Offset : t.Offset+t.Length]
			bits := make([]uint16, len(raw)/2)
			for k := range bits {
				bits[k] = binary.LittleEndian.Uint16(raw[2*k:])
			}
			tt := dev.UploadF16(bits, t.Shape...)
			tt.Label = t.Name
			out[t.Name] = tt
		}
		if err := dev.Err(); err != nil {
			release()
			return nil, fmt.Errorf("weights: uploading shard %s: %w", b.Manifest.Shards[i].File, err)
		}
	}
	return out, nil
}
