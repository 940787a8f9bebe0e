package weights

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/f16"
	"github.com/webglide/webglide/glide/nn"
)

type tensorSpec struct {
	name  string
	shape []int
}

var specs = []tensorSpec{
	{"a.weight", []int{8, 4, 3, 3}}, // 576 bytes
	{"a.bias", []int{8}},
	{"b.weight", []int{300}}, // 600 bytes
	{"c", []int{2, 5}},
	{"d", []int{100, 3}},
}

func values(s tensorSpec) []float32 {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i)*0.37+float64(len(s.name)))) * 3.3
	}
	return v
}

// writeBundle writes specs with 1 KiB shards, so the bundle has several.
func writeBundle(t *testing.T) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	w, err := NewWriter(dir, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if err := w.AddFloat32(s.name, s.shape, values(s)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Finish("base", json.RawMessage(`{"image_size": 64}`), TokenizerGLIDE)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// countingDevice records uploads.
type countingDevice struct {
	nn.Device
	uploads []string
}

func (d *countingDevice) UploadF16(bits []uint16, shape ...int) *nn.Tensor {
	t := d.Device.UploadF16(bits, shape...)
	d.uploads = append(d.uploads, nn.ShapeString(shape))
	return t
}

func TestWriteOpenLoad(t *testing.T) {
	dir, m := writeBundle(t)
	if len(m.Shards) < 3 {
		t.Fatalf("want several shards with 1 KiB limit, got %d", len(m.Shards))
	}
	for _, tn := range m.Tensors {
		if tn.Offset%Align != 0 {
			t.Errorf("%s offset %d", tn.Name, tn.Offset)
		}
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	dev := nn.NewCPU(1)
	ts, err := b.Load(dev)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specs {
		got, _ := dev.Download(ts[s.name])
		want := values(s)
		maxErr := 0.0
		for j := range want {
			e := math.Abs(float64(got[j]) - float64(want[j]))
			if e > f16.RoundingBound(want[j]) {
				t.Fatalf("%s[%d] = %v, want %v ± %g", s.name, j, got[j], want[j], f16.RoundingBound(want[j]))
			}
			maxErr = math.Max(maxErr, e)
		}
		if maxErr != m.Tensors[i].MaxAbsRoundingError {
			t.Errorf("%s: max error %g, manifest says %g", s.name, maxErr, m.Tensors[i].MaxAbsRoundingError)
		}
		if nn.ShapeString(ts[s.name].Shape) != nn.ShapeString(s.shape) {
			t.Errorf("%s shape %v", s.name, ts[s.name].Shape)
		}
	}
}

func TestCorruptShard(t *testing.T) {
	dir, m := writeBundle(t)
	// Flip one byte in the middle of shard 1.
	p := filepath.Join(dir, ShardFile(1))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0x01
	os.WriteFile(p, data, 0o644)
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	dev := &countingDevice{Device: nn.NewCPU(1)}
	_, err = b.Load(dev)
	var se *ShardError
	if !errors.As(err, &se) || !errors.Is(err, ErrShardChecksum) || se.Shard != ShardFile(1) {
		t.Fatalf("err = %v", err)
	}
	want := m.ShardTensors(1)
	if len(want) == 0 || strings.Join(se.Tensors, ",") != strings.Join(want, ",") || !strings.Contains(err.Error(), want[0]) || !strings.Contains(err.Error(), "0001.bin") {
		t.Fatalf("error %q does not name shard 0001.bin's tensors %v", err, want)
	}
	// Shard 0 was uploaded before shard 1 was read; nothing of shard 1 was.
	if len(dev.uploads) != len(m.ShardTensors(0)) {
		t.Errorf("uploads %v, want only shard 0's %d tensors", dev.uploads, len(m.ShardTensors(0)))
	}
	if err := b.Verify(); !errors.Is(err, ErrShardChecksum) {
		t.Errorf("Verify: %v", err)
	}
}

func TestTruncatedAndMissingShard(t *testing.T) {
	dir, _ := writeBundle(t)
	last := ShardFile(0)
	p := filepath.Join(dir, last)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, data[:len(data)-1], 0o644)
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	dev := &countingDevice{Device: nn.NewCPU(1)}
	_, err = b.Load(dev)
	var se *ShardError
	if !errors.As(err, &se) || !errors.Is(err, ErrShardSize) || se.Shard != last {
		t.Fatalf("err = %v", err)
	}
	if len(dev.uploads) != 0 {
		t.Errorf("uploaded %v from a bad shard", dev.uploads)
	}
	os.Remove(p)
	if _, err := b.Load(dev); !errors.Is(err, ErrShardMissing) {
		t.Fatalf("err = %v", err)
	}
}

func TestRangeError(t *testing.T) {
	w, _ := NewWriter(t.TempDir(), 0)
	defer w.Close()
	err := w.AddFloat32("big.weight", []int{3}, []float32{1, 70000, 2})
	var re *RangeError
	if !errors.As(err, &re) || re.Tensor != "big.weight" || re.Index != 1 || !strings.Contains(err.Error(), "big.weight") {
		t.Fatalf("err = %v", err)
	}
	if err := w.AddFloat32("nan", []int{1}, []float32{float32(math.NaN())}); err == nil {
		t.Fatal("NaN accepted")
	}
	if err := w.AddFloat32("edge", []int{2}, []float32{65519, -65504}); err != nil {
		t.Fatalf("65519 rounds to 65504 and must be accepted: %v", err)
	}
}

func validManifest() *Manifest {
	return &Manifest{
		Format: Format, Version: Version, Kind: "base", Config: json.RawMessage(`{}`), Tokenizer: TokenizerGLIDE,
		Tensors: []Tensor{
			{Name: "a", Shape: []int{2, 3}, DType: "f16", Shard: 0, Offset: 0, Length: 12},
			{Name: "b", Shape: []int{200}, DType: "f16", Shard: 0, Offset: 256, Length: 400},
			{Name: "c", Shape: []int{1}, DType: "f16", Shard: 1, Offset: 0, Length: 2},
		},
		Shards: []Shard{
			{File: "0000.bin", Bytes: 656, SHA256: strings.Repeat("ab", 32)},
			{File: "0001.bin", Bytes: 2, SHA256: strings.Repeat("cd", 32)},
		},
	}
}

func TestManifestValidation(t *testing.T) {
	if b, err := validManifest().Marshal(); err != nil {
		t.Fatal(err)
	} else if _, err := ParseManifest(b); err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	cases := []struct {
		field string
		edit  func(m *Manifest)
	}{
		{"format", func(m *Manifest) { m.Format = "x" }},
		{"version", func(m *Manifest) { m.Version = 2 }},
		{"kind", func(m *Manifest) { m.Kind = "../x" }},
		{"config", func(m *Manifest) { m.Config = json.RawMessage(`[1]`) }},
		{"tokenizer", func(m *Manifest) { m.Tokenizer = "" }},
		{"tensors[1].dtype", func(m *Manifest) { m.Tensors[1].DType = "f32" }},
		{"tensors[1].offset", func(m *Manifest) { m.Tensors[1].Offset = 128 }},
		{"tensors[1].length", func(m *Manifest) { m.Tensors[1].Length = 398 }},
		{"tensors[1].shape", func(m *Manifest) { m.Tensors[1].Shape = []int{-200} }},
		{"tensors[1].shard", func(m *Manifest) { m.Tensors[1].Shard = 2 }},
		{"tensors[2]", func(m *Manifest) { m.Tensors[2].Offset = 256 }},
		{"tensors[1].name", func(m *Manifest) { m.Tensors[1].Name = "a" }},
		{"tensors[0]", func(m *Manifest) { m.Tensors[1].Offset = 0; m.Tensors[0].Offset = 256 }}, // a inside b
		{"shards[0].file", func(m *Manifest) { m.Shards[0].File = "../0000.bin" }},
		{"shards[1].sha256", func(m *Manifest) { m.Shards[1].SHA256 = "XYZ" }},
		{"shards[0].bytes", func(m *Manifest) { m.Shards[0].Bytes = MaxShardBytes + 1 }},
		{"shards[1]", func(m *Manifest) { m.Tensors[2].Shard = 0; m.Tensors[2].Offset = 768; m.Shards[0].Bytes = 770 }},
		{"tensors[0].max_abs_rounding_error", func(m *Manifest) { m.Tensors[0].MaxAbsRoundingError = -1 }},
	}
	for _, tc := range cases {
		m := validManifest()
		tc.edit(m)
		err := m.Validate()
		var me *ManifestError
		if !errors.As(err, &me) {
			t.Errorf("%s: err = %v, want a *ManifestError", tc.field, err)
			continue
		}
		if me.Field != tc.field || tc.field == "tensors[0]" && !strings.Contains(err.Error(), "overlaps") {
			t.Errorf("%s: error on field %q: %v", tc.field, me.Field, err)
		}
	}
	for _, bad := range []string{`{"format":"webglide-bundle","extra":1}`, `{} {}`, `[`, ``} {
		var me *ManifestError
		if _, err := ParseManifest([]byte(bad)); !errors.As(err, &me) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
