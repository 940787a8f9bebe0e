// Package golden reads the "glide-golden v1" fixtures: case folders holding
// case.json and raw little-endian tensor files, produced by running the
// reference PyTorch code (format: testdata/golden/FORMAT.md).
//
// Fixtures are read through an fs.FS so the same code reads them from disk
// natively and over HTTP inside a browser.
package golden

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
)

// Format is the only fixture format version this package reads.
const Format = "glide-golden v1"

// Case is one fixture folder.
type Case struct {
	FS   fs.FS  // the file system the case lives in
	Dir  string // the case folder inside FS (slash-separated)
	Name string // the case name (case.json "case")
	Kind string // e.g. "tokenizer", "tiny_model"

	Description string
	Tensors     []TensorDesc

	fields map[string]json.RawMessage
}

// TensorDesc describes one tensor file of a case.
type TensorDesc struct {
	Name          string   `json:"name"`
	Shape         []int    `json:"shape"`
	DType         string   `json:"dtype"` // f32, f64, i32, bool
	File          string   `json:"file"`
	Role          string   `json:"role"`
	Detnoise      string   `json:"detnoise"`
	Scale         *float64 `json:"scale"`
	Hook          string   `json:"hook"`
	FullShape     []int    `json:"full_shape"`
	DetweightsKey string   `json:"detweights_key"`
}

// Numel is the element count of the described tensor.
func (d TensorDesc) Numel() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// Discover finds every case folder (any depth) under root in fsys, by its
// case.json, sorted by path. It is not an error to find none; callers that
// need cases must check.
func Discover(fsys fs.FS, root string) ([]*Case, error) {
	var cases []*Case
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != "case.json" {
			return nil
		}
		c, err := Load(fsys, path.Dir(p))
		if err != nil {
			return err
		}
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Dir < cases[j].Dir })
	return cases, nil
}

// Load reads the case in folder dir of fsys.
func Load(fsys fs.FS, dir string) (*Case, error) {
	data, err := fs.ReadFile(fsys, path.Join(dir, "case.json"))
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("golden: %s/case.json: %w", dir, err)
	}
	c := &Case{FS: fsys, Dir: dir, fields: fields}
	var format string
	for key, dst := range map[string]any{"format": &format, "case": &c.Name, "kind": &c.Kind, "description": &c.Description, "tensors": &c.Tensors} {
		if raw, ok := fields[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, fmt.Errorf("golden: %s/case.json field %q: %w", dir, key, err)
			}
		}
	}
	if format != Format {
		return nil, fmt.Errorf("golden: %s/case.json: format %q, this reader understands %q (hint: regenerate or update the fixtures)", dir, format, Format)
	}
	if c.Name == "" || c.Kind == "" {
		return nil, fmt.Errorf("golden: %s/case.json: missing case or kind", dir)
	}
	return c, nil
}

// Field decodes the case-specific case.json field key into v.
func (c *Case) Field(key string, v any) error {
	raw, ok := c.fields[key]
	if !ok {
		return fmt.Errorf("golden: case %s has no field %q", c.Name, key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("golden: case %s field %q: %w", c.Name, key, err)
	}
	return nil
}

// Has reports whether case.json has the field key.
func (c *Case) Has(key string) bool { _, ok := c.fields[key]; return ok }

// RawField returns the raw JSON of field key (nil if absent).
func (c *Case) RawField(key string) json.RawMessage { return c.fields[key] }

// Desc returns the descriptor of tensor name.
func (c *Case) Desc(name string) (TensorDesc, error) {
	for _, d := range c.Tensors {
		if d.Name == name {
			return d, nil
		}
	}
	return TensorDesc{}, fmt.Errorf("golden: case %s has no tensor %q", c.Name, name)
}

// HasTensor reports whether the case stores tensor name.
func (c *Case) HasTensor(name string) bool { _, err := c.Desc(name); return err == nil }

// ReadFile reads a file of the case folder.
func (c *Case) ReadFile(name string) ([]byte, error) {
	return fs.ReadFile(c.FS, path.Join(c.Dir, name))
}

func (c *Case) raw(name, dtype string, size int) ([]byte, TensorDesc, error) {
	d, err := c.Desc(name)
	if err != nil {
		return nil, d, err
	}
	if d.DType != dtype {
		return nil, d, fmt.Errorf("golden: %s/%s is %s, not %s", c.Name, name, d.DType, dtype)
	}
	b, err := c.ReadFile(d.File)
	if err != nil {
		return nil, d, fmt.Errorf("golden: %w", err)
	}
	if len(b) != d.Numel()*size {
		return nil, d, fmt.Errorf("golden: %s/%s: file has %d bytes, shape %v needs %d", c.Name, name, len(b), d.Shape, d.Numel()*size)
	}
	return b, d, nil
}

// F32 reads an f32 tensor and its shape.
func (c *Case) F32(name string) ([]float32, []int, error) {
	b, d, err := c.raw(name, "f32", 4)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float32, d.Numel())
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, d.Shape, nil
}

// F64 reads an f64 tensor and its shape.
func (c *Case) F64(name string) ([]float64, []int, error) {
	b, d, err := c.raw(name, "f64", 8)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float64, d.Numel())
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out, d.Shape, nil
}

// I32 reads an i32 tensor and its shape.
func (c *Case) I32(name string) ([]int32, []int, error) {
	b, d, err := c.raw(name, "i32", 4)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int32, d.Numel())
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, d.Shape, nil
}

// Bool reads a bool tensor (one byte per element) and its shape.
func (c *Case) Bool(name string) ([]bool, []int, error) {
	b, d, err := c.raw(name, "bool", 1)
	if err != nil {
		return nil, nil, err
	}
	out := make([]bool, d.Numel())
	for i, v := range b {
		switch v {
		case 0:
		case 1:
			out[i] = true
		default:
			return nil, nil, fmt.Errorf("golden: %s/%s: bool byte %d at %d", c.Name, name, v, i)
		}
	}
	return out, d.Shape, nil
}

// ErrNoCases is returned by runners that found nothing to check.
var ErrNoCases = errors.New("golden: no cases found")
