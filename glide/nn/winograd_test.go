package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinogradMatchesDirect compares the Winograd path with the im2col
// GEMM on shapes with partial tiles (odd sizes), tile blocks spanning
// samples, a partial last block, channel counts that do not fill an A
// panel, bias and residual. Both are float32; the bound is the conformance
// suite's Conv2D budget (nntest: 2e-5 of max|ref|), here against the direct
// path instead of the float64 twin.
func TestWinogradMatchesDirect(t *testing.T) {
	for _, c := range []struct{ n, ci, co, h, w int }{
		{2, 16, 16, 32, 32},
		{2, 32, 50, 33, 47}, // odd sizes, co not a multiple of mr
		{3, 7, 13, 21, 31},  // blocks spanning samples
		{1, 64, 32, 64, 64},
		{2, 96, 96, 32, 32},
	} {
		t.Run(fmt.Sprintf("%dx%dto%d_%dx%d", c.n, c.ci, c.co, c.h, c.w), func(t *testing.T) {
			if !useWinograd(c.n, 3, 1, c.h, c.w) {
				t.Fatalf("shape does not take the Winograd path")
			}
			rng := rand.New(rand.NewPCG(1, uint64(c.h*c.w)))
			randn := func(k int, s float64) []float32 {
				v := make([]float32, k)
				for i := range v {
					v[i] = float32(rng.NormFloat64() * s)
				}
				return v
			}
			for _, withBias := range []bool{false, true} {
				direct, wino := NewCPUDirect(2), NewCPU(2)
				x := direct.Upload(randn(c.n*c.ci*c.h*c.w, 1), c.n, c.ci, c.h, c.w)
				w := direct.Upload(randn(c.co*c.ci*9, 1/math.Sqrt(float64(c.ci*9))), c.co, c.ci, 3, 3)
				var b, r *Tensor
				if withBias {
					b = direct.Upload(randn(c.co, 0.5), c.co)
					r = direct.Upload(randn(c.n*c.co*c.h*c.w, 1), c.n, c.co, c.h, c.w)
				}
				want, got := cpuData(direct.Conv2D(x, w, b, r, 1)), cpuData(wino.Conv2D(x, w, b, r, 1))
				var maxRef, maxErr float64
				for i := range want {
					maxRef = max(maxRef, math.Abs(float64(want[i])))
					maxErr = max(maxErr, math.Abs(float64(got[i]-want[i])))
				}
				if maxErr > 2e-5*maxRef || math.IsNaN(maxErr) {
					t.Errorf("bias %v: max|winograd − direct| = %.3g, %.3g of max|ref| %.3g (want ≤ 2e-5)", withBias, maxErr, maxErr/maxRef, maxRef)
				}
				t.Logf("bias %v: max|winograd − direct| / max|ref| = %.2g", withBias, maxErr/maxRef)
			}
		})
	}
}

// TestWinogradChoice: the path is taken only for 3×3 filters with padding
// 1 and enough tiles.
func TestWinogradChoice(t *testing.T) {
	for _, c := range []struct {
		n, ks, pad, h, w int
		want             bool
	}{
		{2, 3, 1, 64, 64, true},
		{2, 3, 1, 32, 32, true},
		{2, 3, 1, 16, 16, false},
		{1, 3, 0, 64, 64, false},
		{2, 1, 0, 64, 64, false},
	} {
		if got := useWinograd(c.n, c.ks, c.pad, c.h, c.w); got != c.want {
			t.Errorf("useWinograd(%d, %d, %d, %d, %d) = %v, want %v", c.n, c.ks, c.pad, c.h, c.w, got, c.want)
		}
	}
}

// TestWinogradAVX2MatchesGo: the AVX2 transforms give exactly the Go
// transforms' floats (same operations, same order), on shapes with runs in
// and across tile rows, at the image border, odd sizes and a residual.
func TestWinogradAVX2MatchesGo(t *testing.T) {
	if !winoAVX2 {
		t.Skip("no AVX2 Winograd transforms in this build or on this CPU: the Go transforms are the only ones (TestWinogradMatchesDirect checks them)")
	}
	defer setWinoAVX2(true)
	for _, c := range []struct{ n, ci, co, h, w int }{
		{2, 16, 24, 32, 32},
		{1, 8, 12, 64, 64},
		{2, 5, 7, 33, 47},
		{3, 6, 6, 16, 48},
	} {
		if !useWinograd(c.n, 3, 1, c.h, c.w) {
			t.Fatalf("%+v does not take the Winograd path", c)
		}
		rng := rand.New(rand.NewPCG(5, uint64(c.h*c.w)))
		randn := func(k int) []float32 {
			v := make([]float32, k)
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
			return v
		}
		dev := NewCPU(2)
		x := dev.Upload(randn(c.n*c.ci*c.h*c.w), c.n, c.ci, c.h, c.w)
		w := dev.Upload(randn(c.co*c.ci*9), c.co, c.ci, 3, 3)
		b := dev.Upload(randn(c.co), c.co)
		r := dev.Upload(randn(c.n*c.co*c.h*c.w), c.n, c.co, c.h, c.w)
		setWinoAVX2(true)
		fast := cpuData(dev.Conv2D(x, w, b, r, 1))
		setWinoAVX2(false)
		slow := cpuData(dev.Conv2D(x, w, b, r, 1))
		for i := range fast {
			if math.Float32bits(fast[i]) != math.Float32bits(slow[i]) {
				t.Fatalf("%+v: element %d: AVX2 %v, Go %v", c, i, fast[i], slow[i])
			}
		}
	}
}
