package torchpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/f16"
)

const goldenDir = "../../../testdata/golden"

// goldenCheckpoints finds every golden case whose case.json names a
// checkpoint file.
func goldenCheckpoints(t testing.TB) []string {
	t.Helper()
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*", "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cases {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		var cj struct {
			Checkpoint *struct {
				File string `json:"file"`
			} `json:"checkpoint"`
		}
		if err := json.Unmarshal(b, &cj); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if cj.Checkpoint != nil && cj.Checkpoint.File != "" {
			out = append(out, filepath.Join(filepath.Dir(c), cj.Checkpoint.File))
		}
	}
	if len(out) == 0 {
		t.Fatal("no golden case with a checkpoint found")
	}
	return out
}

func TestGoldenCheckpointsEqualDetweights(t *testing.T) {
	for _, p := range goldenCheckpoints(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			c, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if len(c.Tensors) == 0 || c.Version == "" {
				t.Fatalf("%d tensors, version %q", len(c.Tensors), c.Version)
			}
			for i := range c.Tensors {
				ti := &c.Tensors[i]
				if ti.DType != Float32 || !ti.Contiguous() {
					t.Errorf("%s: %v contiguous=%v", ti.Name, ti.DType, ti.Contiguous())
				}
				got, err := c.ReadFloat32(ti)
				if err != nil {
					t.Fatal(err)
				}
				want, err := detrand.Weight(ti.Name, ti.Shape)
				if err != nil {
					t.Fatal(err)
				}
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s[%d] = %v, want %v", ti.Name, j, got[j], want[j])
					}
				}
			}
		})
	}
}

// pk assembles pickles by hand.
type pk struct{ bytes.Buffer }

func (p *pk) op(b ...byte) *pk { p.Write(b); return p }
func (p *pk) str(s string) *pk {
	p.WriteByte('X')
	binary.Write(&p.Buffer, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}
func (p *pk) global(mod, name string) *pk {
	p.WriteString("c" + mod + "\n" + name + "\n")
	return p
}
func (p *pk) int(v int) *pk {
	p.WriteByte('J')
	binary.Write(&p.Buffer, binary.LittleEndian, int32(v))
	return p
}
func (p *pk) tuple(vs ...int) *pk {
	p.op('(')
	for _, v := range vs {
		p.int(v)
	}
	return p.op('t')
}

// tensor emits _rebuild_tensor_v2(('storage', st, key, 'cpu', numel), off, size, stride, False, OrderedDict()).
func (p *pk) tensor(st, key string, numel, off int, size, stride []int) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(')
	p.op('(').str("storage").global("torch", st).str(key).str("cpu").int(numel).op('t', 'Q')
	p.int(off).tuple(size...).tuple(stride...).op(0x89)
	p.global("collections", "OrderedDict").op(')', 'R')
	return p.op('t', 'R')
}

type entry struct {
	name string
	data []byte
}

// makeZip writes a torch-style zip: archive/data.pkl, archive/data/<k>, archive/version.
func makeZip(t testing.TB, pkl []byte, storages []entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	add("archive/data.pkl", pkl)
	for _, s := range storages {
		add("archive/data/"+s.name, s.data)
	}
	add("archive/version", []byte("3\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stateDict(body func(p *pk)) []byte {
	p := &pk{}
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	body(p)
	return p.op('u', '.').Bytes()
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func open(t *testing.T, z []byte) (*Checkpoint, error) {
	t.Helper()
	return NewReader(bytes.NewReader(z), int64(len(z)))
}

func TestDTypesAndStrides(t *testing.T) {
	// Storage 0: float32 0..11. "t" is its transpose view (3,4)->(4,3) with
	// an offset; "s" a strided slice. Storage 1: float16, storage 2: bfloat16.
	var s0 []float32
	for i := 0; i < 12; i++ {
		s0 = append(s0, float32(i))
	}
	h := make([]byte, 6)
	for i, v := range []float32{1.5, -2, 65504} {
		bits, _ := f16.FromFloat32(v)
		binary.LittleEndian.PutUint16(h[2*i:], bits)
	}
	bf := make([]byte, 4)
	for i, v := range []float32{3.25, -0.5} {
		binary.LittleEndian.PutUint16(bf[2*i:], uint16(math.Float32bits(v)>>16))
	}
	pkl := stateDict(func(p *pk) {
		p.str("full").tensor("FloatStorage", "0", 12, 0, []int{3, 4}, []int{4, 1})
		p.str("t").tensor("FloatStorage", "0", 12, 1, []int{3, 3}, []int{1, 4}) // rows of the transpose, offset 1
		p.str("s").tensor("FloatStorage", "0", 12, 2, []int{2, 2}, []int{6, 2})
		p.str("h").tensor("HalfStorage", "1", 3, 0, []int{3}, []int{1})
		p.str("b").tensor("BFloat16Storage", "2", 2, 0, []int{2}, []int{1})
		p.str("scalar").tensor("FloatStorage", "0", 12, 5, []int{}, []int{})
	})
	c, err := open(t, makeZip(t, pkl, []entry{{"0", f32bytes(s0...)}, {"1", h}, {"2", bf}}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{
		"full":   s0,
		"t":      {1, 5, 9, 2, 6, 10, 3, 7, 11},
		"s":      {2, 4, 8, 10},
		"h":      {1.5, -2, 65504},
		"b":      {3.25, -0.5},
		"scalar": {5},
	}
	if len(c.Tensors) != len(want) {
		t.Fatalf("%d tensors", len(c.Tensors))
	}
	for i := range c.Tensors {
		ti := &c.Tensors[i]
		got, err := c.ReadFloat32(ti)
		if err != nil {
			t.Fatal(err)
		}
		w := want[ti.Name]
		if len(got) != len(w) {
			t.Fatalf("%s: %v want %v", ti.Name, got, w)
		}
		for j := range w {
			if got[j] != w[j] {
				t.Fatalf("%s: %v want %v", ti.Name, got, w)
			}
		}
	}
	if c.Tensors[1].Contiguous() || !c.Tensors[0].Contiguous() {
		t.Error("Contiguous is wrong")
	}
}

func TestForeignGlobalRefused(t *testing.T) {
	// The classic: os.system("echo pwned") via REDUCE.
	p := &pk{}
	p.op(0x80, 2).global("os", "system").op('(').str("echo pwned").op('t', 'R', '.')
	_, err := Unpickle(p.Bytes())
	var fg *ForbiddenGlobalError
	if !errors.As(err, &fg) || fg.Global != (Global{"os", "system"}) || !strings.Contains(err.Error(), "os.system") {
		t.Fatalf("err = %v", err)
	}
	// Also inside a real-looking checkpoint, and via STACK_GLOBAL.
	pkl := stateDict(func(p *pk) {
		p.str("w").tensor("FloatStorage", "0", 1, 0, []int{1}, []int{1})
		p.str("x").str("builtins").str("eval").op(0x93).op('(').str("1").op('t', 'R')
	})
	_, err = open(t, makeZip(t, pkl, []entry{{"0", f32bytes(1)}}))
	if !errors.As(err, &fg) || fg.Global.String() != "builtins.eval" {
		t.Fatalf("err = %v", err)
	}
	// A storage class that is allowed as a global may not be called.
	p = &pk{}
	p.op(0x80, 2).global("torch", "FloatStorage").op(')', 'R', '.')
	if _, err := Unpickle(p.Bytes()); err == nil {
		t.Fatal("calling a storage class was accepted")
	}
}

func TestRefusals(t *testing.T) {
	good := func(p *pk) { p.str("w").tensor("FloatStorage", "0", 4, 0, []int{4}, []int{1}) }
	cases := []struct {
		name     string
		pkl      []byte
		storages []entry
		want     string
	}{
		{"view past storage", stateDict(func(p *pk) { p.str("w").tensor("FloatStorage", "0", 4, 1, []int{4}, []int{1}) }), []entry{{"0", f32bytes(1, 2, 3, 4)}}, "reaches element"},
		{"overlapping view", stateDict(func(p *pk) { p.str("w").tensor("FloatStorage", "0", 4, 0, []int{1 << 20, 1 << 20}, []int{0, 0}) }), []entry{{"0", f32bytes(1, 2, 3, 4)}}, "overlapping view"},
		{"storage missing", stateDict(good), nil, "missing from the archive"},
		{"storage short", stateDict(good), []entry{{"0", f32bytes(1, 2, 3)}}, "holds 12 bytes"},
		{"double storage", stateDict(func(p *pk) { p.str("w").tensor("DoubleStorage", "0", 4, 0, []int{4}, []int{1}) }), nil, "DoubleStorage"},
		{"not a tensor", stateDict(func(p *pk) { p.str("w").int(3) }), nil, "not a tensor"},
		{"huge string", func() []byte {
			p := &pk{}
			p.op(0x80, 2, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)
			return p.Bytes()
		}(), nil, "runs past the end"},
		{"no stop", []byte{0x80, 2, 'N'}, nil, "without STOP"},
		{"bad memo", []byte{0x80, 2, 'h', 9, '.'}, nil, "memo key 9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := open(t, makeZip(t, tc.pkl, tc.storages))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestCorruptStorageCRC(t *testing.T) {
	pkl := stateDict(func(p *pk) { p.str("w").tensor("FloatStorage", "0", 4, 0, []int{4}, []int{1}) })
	z := makeZip(t, pkl, []entry{{"0", f32bytes(1, 2, 3, 4)}})
	i := bytes.Index(z, f32bytes(1, 2, 3, 4))
	z[i+5] ^= 0x40
	c, err := open(t, z)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadFloat32(&c.Tensors[0]); err == nil || !strings.Contains(err.Error(), "CRC-32") {
		t.Fatalf("err = %v", err)
	}
}

func TestTruncatedAndLegacy(t *testing.T) {
	p := goldenCheckpoints(t)[0]
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3, 100, len(data) / 2, len(data) - 10} {
		if _, err := NewReader(bytes.NewReader(data[:n]), int64(n)); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	legacy := []byte{0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}
	if _, err := NewReader(bytes.NewReader(legacy), int64(len(legacy))); !errors.Is(err, ErrLegacyFormat) {
		t.Errorf("legacy: %v", err)
	}
}

func TestProtocolVariants(t *testing.T) {
	// Protocol 4 style: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, LONG1,
	// BINGET of a memoized value, and a plain dict at the top.
	p := &pk{}
	p.op(0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0)
	p.op('}', 0x94, '(')
	short := func(s string) { p.op(0x8c, byte(len(s))); p.WriteString(s) }
	short("k")
	short("torch._utils")
	short("_rebuild_tensor_v2")
	p.op(0x93, 0x94, '(', '(')
	short("storage")
	short("torch")
	short("FloatStorage")
	p.op(0x93)
	short("0")
	short("cpu")
	p.op(0x8a, 1, 2, 't', 'Q', 'K', 0, 'K', 2, 0x85, 'K', 1, 0x85, 0x89, '}', 'N', 't', 'R', 'u', '.')
	c, err := open(t, makeZip(t, p.Bytes(), []entry{{"0", f32bytes(7, 8)}}))
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.ReadFloat32(&c.Tensors[0])
	if err != nil || len(v) != 2 || v[1] != 8 {
		t.Fatalf("%v %v", v, err)
	}
}
