package torchpt

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// pickleSeeds returns the data.pkl of every golden checkpoint, cut after 3
// and after 36 entries (36 entries use more than 256 memo slots, so
// LONG_BINPUT/LONG_BINGET appear), plus hand-made pickles. The whole
// pickles are not seeds: the fuzzer spends minutes minimising each new
// input derived from an 86 KB seed; TestGoldenCheckpointsEqualDetweights
// reads them whole.
func pickleSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, p := range goldenCheckpoints(t) {
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if len(f.Name) > 9 && f.Name[len(f.Name)-9:] == "/data.pkl" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				seeds = append(seeds, trimPickle(t, b, 3), trimPickle(t, b, 36))
			}
		}
		zr.Close()
	}
	seeds = append(seeds,
		stateDict(func(p *pk) {
			p.str("a").tensor("FloatStorage", "0", 12, 1, []int{3, 3}, []int{1, 4})
			p.str("b").tensor("HalfStorage", "1", 3, 0, []int{3}, []int{1})
			p.str("c").tensor("BFloat16Storage", "2", 2, 0, []int{2}, []int{1})
		}),
		[]byte{0x80, 2, ']', '(', 'K', 1, 'M', 2, 0, 'e', '.'},
		[]byte{0x80, 4, 0x95, 2, 0, 0, 0, 0, 0, 0, 0, 'N', '.'},
	)
	return seeds
}

// trimPickle cuts a state_dict pickle after its first n entries (and
// drops the _metadata BUILD): a small valid seed that the fuzzer can
// minimise quickly.
func trimPickle(t testing.TB, b []byte, n int) []byte {
	v, err := Unpickle(b)
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*Dict)
	if len(d.Keys) <= n {
		return b
	}
	key := d.Keys[n].(string)
	var p pk
	p.str(key)
	i := bytes.Index(b, p.Bytes())
	if i < 0 {
		t.Fatalf("key %q not found", key)
	}
	out := append(append([]byte(nil), b[:i]...), 'u', '.')
	if _, err := Unpickle(out); err != nil {
		t.Fatalf("trimmed pickle: %v", err)
	}
	return out
}

// FuzzUnpickle: no input may panic, hang or allocate without bound.
func FuzzUnpickle(f *testing.F) {
	for _, s := range pickleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unpickle(data)
		if err == nil && v == nil {
			// A bare None is a valid pickle; nothing to check.
			return
		}
	})
}

// FuzzCheckpoint feeds whole (small) zip files through NewReader and
// ReadFloat32.
func FuzzCheckpoint(f *testing.F) {
	seed := makeZip(f, stateDict(func(p *pk) {
		p.str("w").tensor("FloatStorage", "0", 4, 0, []int{2, 2}, []int{2, 1})
		p.str("v").tensor("HalfStorage", "1", 2, 0, []int{2}, []int{1})
	}), []entry{{"0", f32bytes(1, 2, 3, 4)}, {"1", []byte{0, 0x3c, 0, 0xc0}}})
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for i := range c.Tensors {
			c.ReadFloat32(&c.Tensors[i])
		}
	})
}
