// Package weights is WebGLIDE's weight bundle: a folder (or URL prefix)
// holding manifest.json and shards NNNN.bin of float16 tensors, written by
// `glide convert` and loaded by the CPU device and the browser.
//
// Layout: tensors in state_dict order, packed into shards of at most
// MaxShardBytes; every tensor starts at a multiple of Align inside its
// shard, never spans two shards, and is stored as little-endian binary16
// in row-major order. The gaps are zero bytes. The manifest names every
// tensor (shape, dtype, shard, offset, length, max_abs_rounding_error) and
// every shard (file, bytes, sha256).
package weights

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

const (
	// Format is the manifest's "format" value.
	Format = "webglide-bundle"
	// Version is the manifest format version this package reads and writes.
	Version = 1

	// MaxShardBytes bounds a shard. 64 MiB keeps each browser fetch, sha256
	// pass and GPU upload small enough to retry cheaply and to hold in
	// memory twice, and stays under the per-entry limits of Cache Storage
	// and CDNs while giving the 1.5 GB models only about 12 shards each
	// (design.md, "Weight bundles"). The largest GLIDE tensor,
	// token_embedding.weight (50257×512 f16, 49 MiB), fits in one shard.
	MaxShardBytes = 64 << 20

	// Align is the byte alignment of every tensor offset in a shard (the
	// GPU's minStorageBufferOffsetAlignment is at most 256).
	Align = 256

	// DTypeF16 is the only tensor dtype of version 1.
	DTypeF16 = "f16"

	// TokenizerGLIDE names the tokenizer of every GLIDE model: the GPT-2
	// byte-level BPE of glide_text2im/tokenizer (package glide/bpe).
	TokenizerGLIDE = "glide-bpe"

	// Limits on a manifest read from outside.
	maxManifestBytes = 16 << 20
	maxTensors       = 1 << 16
	maxShards        = 1 << 12
	maxDims          = 8
	maxNameLen       = 512
)

// Manifest is manifest.json.
type Manifest struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Kind      string          `json:"kind"`
	Config    json.RawMessage `json:"config"`
	Tokenizer string          `json:"tokenizer"`
	Tensors   []Tensor        `json:"tensors"`
	Shards    []Shard         `json:"shards"`
}

// Tensor is one manifest tensor entry.
type Tensor struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	DType  string `json:"dtype"`
	Shard  int    `json:"shard"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	// MaxAbsRoundingError is max |f16(w) − w| over the tensor's source
	// values (0 when the source was already float16).
	MaxAbsRoundingError float64 `json:"max_abs_rounding_error"`
}

// Numel is the element count.
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Shard is one manifest shard entry.
type Shard struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ShardFile is the file name of shard i.
func ShardFile(i int) string { return fmt.Sprintf("%04d.bin", i) }

// ManifestError is an invalid manifest. Field locates the problem in JSON
// terms ("tensors[3].offset"), or is empty for the document as a whole.
type ManifestError struct {
	Field  string
	Reason string
}

func (e *ManifestError) Error() string {
	if e.Field == "" {
		return "weights: manifest: " + e.Reason
	}
	return "weights: manifest: " + e.Field + ": " + e.Reason
}

func merr(field, format string, a ...any) error {
	return &ManifestError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// validKind says whether s is a model kind: 1 to 64 of [a-z0-9_-], not
// starting with _ or -. (Plain loops, not regexp: the worker wasm links
// this package, and regexp alone is about 100 KB of it.)
func validKind(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '_' || s[0] == '-' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validSHA256 says whether s is a SHA-256 digest in lower-case hex.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ParseManifest decodes and validates manifest.json. Unknown fields,
// trailing data, unknown dtypes, bad shard names, misaligned, overlapping or
// out-of-range tensors, lengths that disagree with shapes and absurd counts
// are all *ManifestError.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > maxManifestBytes {
		return nil, merr("", "%d bytes, more than the limit of %d", len(data), maxManifestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, merr("", "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, merr("", "trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks every invariant of the bundle layout.
func (m *Manifest) Validate() error {
	if m.Format != Format {
		return merr("format", "%q, want %q", m.Format, Format)
	}
	if m.Version != Version {
		return merr("version", "%d is not supported (want %d)", m.Version, Version)
	}
	if !validKind(m.Kind) {
		return merr("kind", "%q is not a model kind", m.Kind)
	}
	if c := bytes.TrimSpace(m.Config); len(c) == 0 || c[0] != '{' {
		return merr("config", "missing or not a JSON object")
	}
	if m.Tokenizer == "" || len(m.Tokenizer) > 64 {
		return merr("tokenizer", "missing or too long")
	}
	if len(m.Shards) == 0 || len(m.Shards) > maxShards {
		return merr("shards", "%d shards (want 1 to %d)", len(m.Shards), maxShards)
	}
	if len(m.Tensors) == 0 || len(m.Tensors) > maxTensors {
		return merr("tensors", "%d tensors (want 1 to %d)", len(m.Tensors), maxTensors)
	}
	for i, s := range m.Shards {
		f := fmt.Sprintf("shards[%d]", i)
		if s.File != ShardFile(i) {
			return merr(f+".file", "%q, want %q", s.File, ShardFile(i))
		}
		if s.Bytes <= 0 || s.Bytes > MaxShardBytes {
			return merr(f+".bytes", "%d (want 1 to %d)", s.Bytes, MaxShardBytes)
		}
		if !validSHA256(s.SHA256) {
			return merr(f+".sha256", "%q is not 64 lower-case hex digits", s.SHA256)
		}
	}
	names := make(map[string]bool, len(m.Tensors))
	perShard := make([][]int, len(m.Shards))
	for i := range m.Tensors {
		t := &m.Tensors[i]
		f := fmt.Sprintf("tensors[%d]", i)
		if t.Name == "" || len(t.Name) > maxNameLen {
			return merr(f+".name", "empty or longer than %d bytes", maxNameLen)
		}
		if names[t.Name] {
			return merr(f+".name", "%q appears twice", t.Name)
		}
		names[t.Name] = true
		if t.DType != DTypeF16 {
			return merr(f+".dtype", "%q is not a known dtype (want %q)", t.DType, DTypeF16)
		}
		if len(t.Shape) > maxDims {
			return merr(f+".shape", "%d dims (limit %d)", len(t.Shape), maxDims)
		}
		numel := int64(1)
		for _, d := range t.Shape {
			if d <= 0 || d > MaxShardBytes {
				return merr(f+".shape", "%v has a bad dimension", t.Shape)
			}
			numel *= int64(d)
			if numel > MaxShardBytes {
				return merr(f+".shape", "%v is larger than a shard", t.Shape)
			}
		}
		if t.Length != 2*numel {
			return merr(f+".length", "%d bytes, but shape %v of f16 needs %d", t.Length, t.Shape, 2*numel)
		}
		if t.Shard < 0 || t.Shard >= len(m.Shards) {
			return merr(f+".shard", "%d out of range (%d shards)", t.Shard, len(m.Shards))
		}
		if t.Offset < 0 || t.Offset%Align != 0 {
			return merr(f+".offset", "%d is not a non-negative multiple of %d", t.Offset, Align)
		}
		if t.Offset > m.Shards[t.Shard].Bytes-t.Length {
			return merr(f, "bytes %d..%d run past the end of shard %s (%d bytes)", t.Offset, t.Offset+t.Length, m.Shards[t.Shard].File, m.Shards[t.Shard].Bytes)
		}
		if e := t.MaxAbsRoundingError; math.IsNaN(e) || math.IsInf(e, 0) || e < 0 {
			return merr(f+".max_abs_rounding_error", "%v", e)
		}
		perShard[t.Shard] = append(perShard[t.Shard], i)
	}
	for s, idx := range perShard {
		if len(idx) == 0 {
			return merr(fmt.Sprintf("shards[%d]", s), "holds no tensor")
		}
		sort.Slice(idx, func(a, b int) bool { return m.Tensors[idx[a]].Offset < m.Tensors[idx[b]].Offset })
		for k := 1; k < len(idx); k++ {
			p, q := &m.Tensors[idx[k-1]], &m.Tensors[idx[k]]
			if q.Offset < p.Offset+p.Length {
				return merr(fmt.Sprintf("tensors[%d]", idx[k]), "%q overlaps %q in shard %s", q.Name, p.Name, m.Shards[s].File)
			}
		}
	}
	return nil
}

// ShardTensors returns the names of the tensors stored in shard i, in
// manifest order.
func (m *Manifest) ShardTensors(i int) []string {
	var names []string
	for _, t := range m.Tensors {
		if t.Shard == i {
			names = append(names, t.Name)
		}
	}
	return names
}

// Marshal encodes the manifest (indented, trailing newline).
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
