// Package f16 converts between float32 and IEEE-754 binary16 bit patterns.
package f16

import "math"

// MaxValue is the largest finite binary16 value.
const MaxValue = 65504

// FromFloat32 rounds f to the nearest binary16 value, ties to even (the
// rounding of numpy's astype(float16) and torch's .half()). ok is false when
// f is NaN or infinite, or when its magnitude rounds beyond MaxValue (at or
// above 65520); the returned bits are then an infinity or NaN.
func FromFloat32(f float32) (h uint16, ok bool) {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00, false
		}
		return sign | 0x7c00, false
	}
	e := exp - 112 // binary16 biased exponent (127 - 15)
	if e <= 0 {
		// Subnormal (or zero) result: units of 2^-24.
		shift := 14 - e
		if exp == 0 || shift > 24 {
			return sign, true // float32 subnormals and tiny values round to ±0
		}
		m := mant | 0x800000
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && r&1 == 1 {
			r++ // may carry into the smallest normal, which is the right encoding
		}
		return sign | uint16(r), true
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && r&1 == 1 {
		r++
	}
	if r >= 0x7c00 {
		return sign | 0x7c00, false
	}
	return sign | uint16(r), true
}

// ToFloat32 widens a binary16 value exactly.
func ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0: // zero or subnormal: mant · 2^-24, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// RoundingBound is half a binary16 ulp at |f|: the largest error
// round-to-nearest can make for a value of that magnitude.
func RoundingBound(f float32) float64 {
	a := math.Abs(float64(f))
	if a < 1.0/(1<<14) { // below the smallest normal: ulp 2^-24
		return 1.0 / (1 << 25)
	}
	_, e := math.Frexp(a) // a = m·2^e, m in [0.5, 1)
	return math.Ldexp(1, e-1-10-1)
}
