package gpu

import (
	"math"
	"testing"
)

func TestFloat32BytesRoundTrip(t *testing.T) {
	in := []float32{0, 1, -2.5, float32(math.Inf(1)), math.SmallestNonzeroFloat32, math.MaxFloat32}
	b := Float32Bytes(in)
	if len(b) != 4*len(in) {
		t.Fatalf("len(Float32Bytes) = %d, want %d", len(b), 4*len(in))
	}
	// 1.0 is 0x3f800000, stored little-endian.
	if got := b[4:8]; got[0] != 0 || got[1] != 0 || got[2] != 0x80 || got[3] != 0x3f {
		t.Errorf("bytes of 1.0 = % x, want 00 00 80 3f", got)
	}
	out := BytesFloat32(append(b, 0xff)) // trailing partial value ignored
	if len(out) != len(in) {
		t.Fatalf("len(BytesFloat32) = %d, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("element %d: got %v, want %v", i, out[i], in[i])
		}
	}
}

func TestUint32Bytes(t *testing.T) {
	b := Uint32Bytes([]uint32{0x01020304})
	if b[0] != 4 || b[1] != 3 || b[2] != 2 || b[3] != 1 {
		t.Errorf("Uint32Bytes = % x, want 04 03 02 01", b)
	}
}
