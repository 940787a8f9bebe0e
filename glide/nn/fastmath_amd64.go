//go:build amd64 && !purego

package nn

// AVX2 bodies of the fastmath.go loops. Each handles the largest multiple
// of 8 elements and returns how many it did; the Go code finishes the tail.
// Without AVX2 they do nothing and the scalar loops do all the work.

func affineSiluVec(dst, src []float32, a, b, a2, b2 float32, act bool) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = src[n-1]
	flag := 0
	if act {
		flag = 1
	}
	affineSiluAVX2(&dst[0], &src[0], n, a, b, a2, b2, flag)
	return n
}

func maxVec(row []float32) (m float32, done int) {
	if len(row) == 0 {
		return 0, 0
	}
	n := len(row) &^ 7
	if !useAVX2 || n == 0 {
		return row[0], 0
	}
	return maxAVX2(&row[0], n), n
}

func expShiftSumVec(row []float32, m float32) (sum float64, done int) {
	n := len(row) &^ 7
	if !useAVX2 || n == 0 {
		return 0, 0
	}
	return expShiftSumAVX2(&row[0], n, m), n
}

func divVec(row []float32, s float32) int {
	n := len(row) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	divAVX2(&row[0], n, s)
	return n
}

func sumSquaresVec(v []float32, k float32) (s, q float64, done int) {
	n := len(v) &^ 7
	if !useAVX2 || n == 0 {
		return 0, 0, 0
	}
	s, q = sumSquaresAVX2(&v[0], n, k)
	return s, q, n
}

// affineSiluAVX2: dst[i] = (src[i]·a + b)·a2 + b2, then silu if act != 0;
// n is a positive multiple of 8.
//
//go:noescape
func affineSiluAVX2(dst, src *float32, n int, a, b, a2, b2 float32, act int)

// maxAVX2 returns max(row[0:n]), n a positive multiple of 8.
//
//go:noescape
func maxAVX2(row *float32, n int) float32

// expShiftSumAVX2 sets row[i] = expf(row[i] − m) for i < n (a positive
// multiple of 8) and returns Σ row[i] accumulated in float64.
//
//go:noescape
func expShiftSumAVX2(row *float32, n int, m float32) float64

// divAVX2 sets row[i] /= s for i < n (a positive multiple of 8).
//
//go:noescape
func divAVX2(row *float32, n int, s float32)

// sumSquaresAVX2 returns Σ(v[i] − k) and Σ(v[i] − k)² in float64 for i < n
// (a positive multiple of 8).
//
//go:noescape
func sumSquaresAVX2(v *float32, n int, k float32) (s, q float64)
