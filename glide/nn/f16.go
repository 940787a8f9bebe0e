package nn

import "math"

// F16ToF32 widens IEEE-754 binary16 bits to float32. Every binary16 value,
// subnormals, infinities and NaNs included, is exactly representable in
// float32; a NaN keeps its sign and payload (shifted into the top of the
// float32 mantissa).
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0 && mant == 0: // ±0
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant·2^−24, exact in float32
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(v))
	case exp == 0x1f: // ±Inf, NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// F32ToF16 narrows a float32 to IEEE-754 binary16 bits, rounding to nearest
// with ties to even. Values beyond the binary16 range become ±Inf, values
// below half the smallest subnormal (2^−25) become ±0, and NaNs stay NaNs
// (quiet, with the top of the payload kept).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7c00 | 0x200 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // biased binary16 exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal (or zero) result: the 24-bit significand m is worth
		// m·2^(exp−150) and the binary16 unit is 2^−24, so shift by 14−e.
		if e < -10 {
			return sign // below 2^−25 (or exactly 2^−25, a tie that rounds to even 0)
		}
		m := mant | 0x800000
		if exp == 0 {
			m = mant // float32 subnormal: far below 2^−25, caught above
		}
		shift := uint(14 - e)
		return sign | uint16(roundShift(m, shift))
	}
	q := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && q&1 == 1) {
		q++ // a carry out of the mantissa bumps the exponent, up to Inf
	}
	return sign | uint16(q)
}

// roundShift returns m >> shift rounded to nearest, ties to even.
func roundShift(m uint32, shift uint) uint32 {
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || (rem == half && q&1 == 1) {
		q++
	}
	return q
}
