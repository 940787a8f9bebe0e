package nn

import (
	"math"
	"testing"
)

// TestMicroKernels checks the micro-kernel in use (AVX2 where available)
// and the portable one against a plain loop, including kb = 0 and a C
// row stride wider than the tile.
func TestMicroKernels(t *testing.T) {
	for _, kb := range []int{0, 1, 7, 256} {
		a := make([]float32, kb*mr)
		b := make([]float32, kb*nr)
		for i := range a {
			a[i] = float32(math.Sin(float64(i)))
		}
		for i := range b {
			b[i] = float32(math.Cos(float64(i) * 0.7))
		}
		const ldc = nr + 3
		want := make([]float64, mr*ldc)
		for i := range mr {
			for j := range nr {
				want[i*ldc+j] = 1
				for k := range kb {
					want[i*ldc+j] += float64(a[k*mr+i]) * float64(b[k*nr+j])
				}
			}
		}
		for name, f := range map[string]func(int, []float32, []float32, []float32, int){
			"microKernel": microKernel, "microKernelGo": microKernelGo,
		} {
			c := make([]float32, mr*ldc)
			for i := range mr {
				for j := range nr {
					c[i*ldc+j] = 1
				}
			}
			f(kb, a, b, c, ldc)
			for i, v := range c {
				if math.Abs(float64(v)-want[i]) > 1e-4 {
					t.Fatalf("%s kb=%d: c[%d] = %v, want %v", name, kb, i, v, want[i])
				}
			}
		}
	}
}
