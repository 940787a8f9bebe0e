//go:build !amd64 || purego

package nn

// Without the AVX2 kernels the scalar loops in fastmath.go do all the work:
// each *Vec function handles no elements and returns 0 done.

func affineSiluVec(dst, src []float32, a, b, a2, b2 float32, act bool) int { return 0 }

func maxVec(row []float32) (m float32, done int) {
	if len(row) == 0 {
		return 0, 0
	}
	return row[0], 0
}

func expShiftSumVec(row []float32, m float32) (sum float64, done int) { return 0, 0 }

func divVec(row []float32, s float32) int { return 0 }

func sumSquaresVec(v []float32, k float32) (s, q float64, done int) { return 0, 0, 0 }
