package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF16Known(t *testing.T) {
	for _, c := range []struct {
		h uint16
		f float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x7bff, 65504},
		{0x0400, 1.0 / (1 << 14)},    // smallest normal
		{0x0001, 1.0 / (1 << 24)},    // smallest subnormal
		{0x03ff, 1023.0 / (1 << 24)}, // largest subnormal
		{0x3555, 0.333251953125},
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	} {
		if got := F16ToF32(c.h); got != c.f {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", c.h, got, c.f)
		}
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	if got := F16ToF32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToF32(0x8000) = %v, want -0", got)
	}
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{0.1, 0x2e66},
		{65519.99, 0x7bff},                // just below the rounding boundary
		{65520, 0x7c00},                   // tie with odd 65504 → Inf
		{1e9, 0x7c00},                     // overflow
		{1.0 / (1 << 25), 0x0000},         // tie between 0 and 2^−24 → even 0
		{1.5 / (1 << 25), 0x0001},         // above the tie
		{3.0 / (1 << 25), 0x0002},         // 1.5 units: tie → even 2
		{5.0 / (1 << 25), 0x0002},         // 2.5 units: tie → even 2
		{1 + 1.0/2048, 0x3c00},            // tie → even 1.0
		{1 + 3.0/2048, 0x3c02},            // tie → even
		{float32(math.Ldexp(1, -130)), 0}, // float32 subnormal
		{-float32(math.Ldexp(1, -130)), 0x8000},
		{2047.0 / (1 << 25), 0x0400}, // rounds up into the smallest normal
	} {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	nan := F32ToF16(float32(math.NaN()))
	if nan&0x7c00 != 0x7c00 || nan&0x3ff == 0 {
		t.Errorf("F32ToF16(NaN) = %#04x, not a NaN", nan)
	}
	if f := F16ToF32(0x7e00); !math.IsNaN(float64(f)) {
		t.Errorf("F16ToF32(0x7e00) = %v, want NaN", f)
	}
}

// TestF16RoundTrip checks every binary16 pattern: widening is exact, so
// narrowing must give the same bits back.
func TestF16RoundTrip(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := F16ToF32(h)
		back := F32ToF16(f)
		if math.IsNaN(float64(f)) {
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back != h {
			t.Fatalf("%#04x → %v → %#04x", h, f, back)
		}
	}
}

// TestF16Nearest checks on random float32s that F32ToF16 picks the nearest
// binary16 value, and the even one on ties.
func TestF16Nearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		f := math.Float32frombits(r.Uint32())
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) || math.Abs(float64(f)) >= 65520 {
			continue
		}
		h := F32ToF16(f)
		got := float64(F16ToF32(h))
		d := math.Abs(got - float64(f))
		for _, n := range []uint16{h - 1, h + 1} {
			if n&0x7fff > 0x7bff || n&0x7fff == 0x7fff { // out of the finite range
				continue
			}
			if (n^h)&0x8000 != 0 {
				continue
			}
			dn := math.Abs(float64(F16ToF32(n)) - float64(f))
			if dn < d || (dn == d && h&1 == 1) {
				t.Fatalf("F32ToF16(%g) = %#04x (%g), but %#04x (%g) is nearer or even", f, h, got, n, F16ToF32(n))
			}
		}
	}
}
