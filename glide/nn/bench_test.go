package nn_test

import (
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// benchConv times Conv2D on (b, ci, h, h) with co×ci×k×k weights and
// reports GFLOP/s (2 flops per multiply-add of the direct convolution, so
// the Winograd path's figure is an effective rate), on NewCPU (3×3 by
// Winograd where it pays) and, as sub-benchmark "direct", NewCPUDirect.
func benchConv(bm *testing.B, b, ci, co, h, k int) {
	bm.Run("auto", func(bm *testing.B) { benchConvOn(bm, nn.NewCPU(0), b, ci, co, h, k) })
	bm.Run("direct", func(bm *testing.B) { benchConvOn(bm, nn.NewCPUDirect(0), b, ci, co, h, k) })
}

func benchConvOn(bm *testing.B, dev *nn.CPU, b, ci, co, h, k int) {
	x := dev.Upload(ramp(b*ci*h*h, 0.37, 0), b, ci, h, h)
	w := dev.Upload(ramp(co*ci*k*k, 0.61, 0), co, ci, k, k)
	bias := dev.Upload(ramp(co, 1.3, 0), co)
	flops := 2 * float64(b) * float64(co) * float64(ci*k*k) * float64(h*h)
	bm.ResetTimer()
	for bm.Loop() {
		dev.Conv2D(x, w, bias, nil, k/2)
	}
	bm.ReportMetric(flops*float64(bm.N)/bm.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkConv192x64x64B2(b *testing.B)   { benchConv(b, 2, 192, 192, 64, 3) }
func BenchmarkConv768x8x8B2(b *testing.B)     { benchConv(b, 2, 768, 768, 8, 3) }
func BenchmarkConv192x256x256B1(b *testing.B) { benchConv(b, 1, 192, 192, 256, 3) }
func BenchmarkConv384x32x32B2(b *testing.B)   { benchConv(b, 2, 384, 384, 32, 3) }
func BenchmarkConv576x16x16B2(b *testing.B)   { benchConv(b, 2, 576, 576, 16, 3) }
func BenchmarkConv384x64x64B1(b *testing.B)   { benchConv(b, 1, 384, 384, 64, 3) }

func BenchmarkLinear512to2048x256(bm *testing.B) {
	dev := nn.NewCPU(0)
	x := dev.Upload(ramp(256*512, 0.37, 0), 256, 512)
	w := dev.Upload(ramp(2048*512, 0.61, 0), 2048, 512)
	bias := dev.Upload(ramp(2048, 1.3, 0), 2048)
	flops := 2.0 * 256 * 512 * 2048
	bm.ResetTimer()
	for bm.Loop() {
		dev.Linear(x, w, bias)
	}
	bm.ReportMetric(flops*float64(bm.N)/bm.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkAttention384x32x32 is one 32×32 attention layer: 6 heads,
// T = 1024 image tokens plus 128 text tokens, batch 2.
func BenchmarkAttention384x32x32(bm *testing.B) {
	dev := nn.NewCPU(0)
	const b, c, heads, t, l = 2, 384, 6, 1024, 128
	qkv := dev.Upload(ramp(b*3*c*t, 0.37, 0), b, 3*c, t)
	enc := dev.Upload(ramp(b*2*c*l, 0.61, 0), b, 2*c, l)
	flops := 2.0 * 2 * b * c * t * (t + l)
	bm.ResetTimer()
	for bm.Loop() {
		dev.Attention(qkv, enc, heads)
	}
	bm.ReportMetric(flops*float64(bm.N)/bm.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGroupNormSiLU192x64x64B2 is a ResBlock out-norm: GroupNorm(32)
// with scale-shift and SiLU on (2, 192, 64, 64).
func BenchmarkGroupNormSiLU192x64x64B2(bm *testing.B) {
	dev := nn.NewCPU(0)
	const b, c, h = 2, 192, 64
	x := dev.Upload(ramp(b*c*h*h, 0.37, 0), b, c, h, h)
	gamma := dev.Upload(ramp(c, 0.61, 1), c)
	beta := dev.Upload(ramp(c, 1.3, 0), c)
	ss := dev.Upload(ramp(b*2*c, 0.11, 0), b, 2*c)
	o := nn.GroupNormOpts{Groups: 32, Eps: 1e-5, ScaleShift: ss, SiLU: true}
	bm.SetBytes(4 * b * c * h * h)
	bm.ResetTimer()
	for bm.Loop() {
		dev.GroupNorm(x, gamma, beta, o)
	}
}

// BenchmarkSiLU2x192x64x64 is a standalone SiLU over 1.5M values.
func BenchmarkSiLU2x192x64x64(bm *testing.B) {
	dev := nn.NewCPU(0)
	x := dev.Upload(ramp(2*192*64*64, 0.37, 0), 2, 192, 64, 64)
	bm.SetBytes(4 * 2 * 192 * 64 * 64)
	bm.ResetTimer()
	for bm.Loop() {
		dev.SiLU(x)
	}
}
