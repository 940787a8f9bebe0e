package nn

// microKernelGo is the portable micro-kernel: C (mr×nr, row stride ldc) +=
// Ā·B̄ for a kb×mr packed A micro-panel a and a kb×nr packed B micro-panel b:
//
//	c[i*ldc+j] += Σ_k a[k*mr+i]·b[k*nr+j]
//
// It walks the 6×16 tile in 3×2 sub-tiles: 6 accumulators plus 5 operands
// leave the Go compiler enough of amd64's 15 float registers to avoid
// spilling, which measured faster than 2×4, 6×1 or 3×4 sub-tiles.
func microKernelGo(kb int, a, b, c []float32, ldc int) {
	a = a[:kb*mr]
	b = b[:kb*nr]
	for i := 0; i < mr; i += 3 {
		for j := 0; j < nr; j += 2 {
			var c00, c01, c10, c11, c20, c21 float32
			ai, bj := i, j
			for range kb {
				aa := a[ai : ai+3 : ai+3]
				bb := b[bj : bj+2 : bj+2]
				b0, b1 := bb[0], bb[1]
				a0 := aa[0]
				c00 += a0 * b0
				c01 += a0 * b1
				a1 := aa[1]
				c10 += a1 * b0
				c11 += a1 * b1
				a2 := aa[2]
				c20 += a2 * b0
				c21 += a2 * b1
				ai += mr
				bj += nr
			}
			r0 := c[i*ldc+j : i*ldc+j+2 : i*ldc+j+2]
			r0[0] += c00
			r0[1] += c01
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+2 : (i+1)*ldc+j+2]
			r1[0] += c10
			r1[1] += c11
			r2 := c[(i+2)*ldc+j : (i+2)*ldc+j+2 : (i+2)*ldc+j+2]
			r2[0] += c20
			r2[1] += c21
		}
	}
}
