package f16

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ref rounds through an exhaustive nearest search over all finite halves,
// with ties to the even bit pattern.
func refRound(f float32, all []float64) (uint16, bool) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 65520 {
		return 0, false
	}
	best, bestD := uint16(0), math.Inf(1)
	for h, v := range all {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		d := math.Abs(v - x)
		if d < bestD || d == bestD && (h&1 == 0) && uint16(h)&0x8000 == best&0x8000 {
			best, bestD = uint16(h), d
		}
	}
	return best, true
}

func TestRoundTripAllHalves(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		got, ok := FromFloat32(f)
		if (h & 0x7fff) == 0x7c00 {
			if ok {
				t.Fatalf("inf %04x accepted", h)
			}
			continue
		}
		if !ok || got != uint16(h) {
			t.Fatalf("%04x -> %v -> %04x ok=%v", h, f, got, ok)
		}
	}
}

func TestRoundingAgainstReference(t *testing.T) {
	all := make([]float64, 1<<16)
	for h := range all {
		all[h] = float64(ToFloat32(uint16(h)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	var cases []float32
	// Midpoints between neighbours (ties), and values around them.
	for h := 0; h < 0x7c00; h += 97 {
		a, b := all[h], all[h+1]
		mid := float32((a + b) / 2)
		cases = append(cases, mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9), -mid)
	}
	for i := 0; i < 3000; i++ {
		cases = append(cases, math.Float32frombits(r.Uint32()&0x7fffffff)*float32(1-2*(i&1)))
		cases = append(cases, float32(r.NormFloat64()*math.Pow(10, float64(r.IntN(12)-8))))
	}
	cases = append(cases, 65504, 65519.99, 65520, -65520, 1e-8, 2.9802322e-08, 2.9802326e-08, 5.9604645e-08, 6.1035156e-05)
	for _, f := range cases {
		want, wok := refRound(f, all)
		got, ok := FromFloat32(f)
		if ok != wok || ok && got != want && !(got&0x7fff == 0 && want&0x7fff == 0) {
			t.Fatalf("FromFloat32(%g) = %04x,%v want %04x,%v", f, got, ok, want, wok)
		}
		if ok && math.Abs(float64(ToFloat32(got))-float64(f)) > RoundingBound(f) {
			t.Fatalf("error of %g above bound %g", f, RoundingBound(f))
		}
	}
}
