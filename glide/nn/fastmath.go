package nn

import "math"

// Float32 exponential and the loops built on it (SiLU, GroupNorm's affine
// + SiLU, softmax). expf is written so that every operation rounds to
// float32 on its own (explicit conversions keep the compiler from fusing
// a multiply and an add), and the AVX2 kernels in fastmath_amd64.s run the
// same operations in the same order: the vector and the scalar paths give
// bit-identical results, on every platform.
//
// Algorithm: clamp x to [−104, 89] (beyond that e^x rounds to 0 or +Inf in
// float32); n = round(x·log₂e) with the 1.5·2²³ trick; r = x − n·ln2 in two
// parts (Cody–Waite: n·ln2Hi is exact, so |r| ≤ ln2/2 + tiny);
// e^r ≈ Σ_{k≤7} r^k/k! (the truncation error r⁸/8! < 5.3e−9 is far below
// float32's 6e−8); then e^x = e^r·2^n1·2^n2 with n1 = ⌊n/2⌋, n2 = n − n1,
// so that both scale factors are normal floats and a subnormal or
// overflowing result is rounded once, by the last multiply. NaN stays NaN.
// The error against float32(math.Exp(float64(x))) is at most 1 ulp
// (fastmath_test.go sweeps the whole float32 range).

const (
	expLo    = float32(-104)                 // e^x < 2^−150 below: rounds to 0
	expHi    = float32(89)                   // e^x > MaxFloat32 above: +Inf
	expLog2e = float32(1.44269504)           // log₂e
	expMagic = float32(12582912)             // 1.5·2²³: adding it rounds to an integer
	expLn2Hi = float32(0.693145751953125)    // ln2 to 15 bits: n·ln2Hi is exact for |n| < 512
	expLn2Lo = float32(1.428606765330187e-6) // ln2 − ln2Hi
	expC2    = float32(1.0 / 2)
	expC3    = float32(1.0 / 6)
	expC4    = float32(1.0 / 24)
	expC5    = float32(1.0 / 120)
	expC6    = float32(1.0 / 720)
	expC7    = float32(1.0 / 5040)
)

// expf is e^x in float32 (see above).
func expf(x float32) float32 {
	x = min(max(x, expLo), expHi) // NaN passes through (Go's min/max propagate it)
	t := float32(x*expLog2e) + expMagic
	n := int32(math.Float32bits(t)) - int32(math.Float32bits(expMagic))
	nf := t - expMagic
	r := x - float32(nf*expLn2Hi)
	r = r - float32(nf*expLn2Lo)
	p := float32(expC7 * r)
	p = float32((p+expC6)*r) + expC5
	p = float32(p*r) + expC4
	p = float32(p*r) + expC3
	p = float32(p*r) + expC2
	p = float32(p*r) + 1
	p = float32(p*r) + 1
	n1 := n >> 1
	n2 := n - n1
	s1 := math.Float32frombits(uint32(n1+127) << 23)
	s2 := math.Float32frombits(uint32(n2+127) << 23)
	return float32(p*s1) * s2
}

// silu is x·sigmoid(x) = x/(1 + e^−x) in float32.
func silu(v float32) float32 {
	return v / (1 + expf(-v))
}

// siluSlice sets dst[i] = silu(src[i]).
func siluSlice(dst, src []float32) {
	affineSilu(dst, src, 1, 0, 1, 0, true)
}

// affineSilu sets dst[i] = (src[i]·a + b)·a2 + b2, followed by silu when
// act is set, each operation rounded to float32 (with a = a2 = 1 and
// b = b2 = 0 the affine part is the identity).
func affineSilu(dst, src []float32, a, b, a2, b2 float32, act bool) {
	src = src[:len(dst)]
	done := affineSiluVec(dst, src, a, b, a2, b2, act)
	for i := done; i < len(dst); i++ {
		y := float32(src[i]*a) + b
		y = float32(y*a2) + b2
		if act {
			y = silu(y)
		}
		dst[i] = y
	}
}

// softmax replaces row by softmax(row) in float32: e_j = exp(x_j − max),
// y_j = e_j/Σe, the sum accumulated in float64 and rounded.
func softmax(row []float32) {
	m, done := maxVec(row)
	for _, v := range row[done:] {
		m = max(m, v)
	}
	sum, done := expShiftSumVec(row, m)
	for j := done; j < len(row); j++ {
		e := expf(row[j] - m)
		row[j] = e
		sum += float64(e)
	}
	s := float32(sum)
	done = divVec(row, s)
	for j := done; j < len(row); j++ {
		row[j] /= s
	}
}

// sumSquares returns Σ(v − k) and Σ(v − k)² in float64 (k is a shift that
// keeps the second sum from cancelling; any value near the mean does).
func sumSquares(v []float32, k float32) (s, q float64) {
	s, q, done := sumSquaresVec(v, k)
	kd := float64(k)
	for _, x := range v[done:] {
		d := float64(x) - kd
		s += d
		q += d * d
	}
	return s, q
}
