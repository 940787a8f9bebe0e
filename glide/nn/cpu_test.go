package nn_test

import (
	"math"
	"testing"

	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/nn/nntest"
)

func TestCPUConformance(t *testing.T) {
	nntest.Conformance(t, nn.NewCPU(0), nntest.F32Tolerances())
}

// TestCPUSingleThread runs the cheap part of the contract on one goroutine,
// where the tiling takes other paths.
func TestCPUSingleThread(t *testing.T) {
	dev := nn.NewCPU(1)
	if dev.Name() != "cpu (1 thread)" {
		t.Errorf("Name = %q", dev.Name())
	}
	checkConv(t, dev, 1, 5, 7, 9, 11, 3, 1)
}

func TestNewCPUThreads(t *testing.T) {
	if nn.NewCPU(0).Threads() < 1 || nn.NewCPU(3).Threads() != 3 {
		t.Error("NewCPU thread count")
	}
	if err := nn.NewCPU(2).Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// convNaive is a direct float64 Conv2D (square kernel, stride 1).
func convNaive(x, w, b []float32, n, ci, h, wd, co, ks, pad int) []float64 {
	oh, ow := h+2*pad-ks+1, wd+2*pad-ks+1
	y := make([]float64, n*co*oh*ow)
	for s := range n {
		for o := range co {
			for i := range oh {
				for j := range ow {
					var acc float64
					if b != nil {
						acc = float64(b[o])
					}
					for c := range ci {
						for u := range ks {
							for v := range ks {
								si, sj := i+u-pad, j+v-pad
								if si >= 0 && si < h && sj >= 0 && sj < wd {
									acc += float64(w[((o*ci+c)*ks+u)*ks+v]) * float64(x[((s*ci+c)*h+si)*wd+sj])
								}
							}
						}
					}
					y[((s*co+o)*oh+i)*ow+j] = acc
				}
			}
		}
	}
	return y
}

func ramp(n int, a, b float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(a*float32(i)+b))) * 0.9
	}
	return v
}

func checkConv(t *testing.T, dev *nn.CPU, n, ci, h, wd, co, ks, pad int) {
	t.Helper()
	x := ramp(n*ci*h*wd, 0.37, 0.1)
	w := ramp(co*ci*ks*ks, 0.61, 0.3)
	b := ramp(co, 1.3, 0.7)
	y := dev.Conv2D(dev.Upload(x, n, ci, h, wd), dev.Upload(w, co, ci, ks, ks), dev.Upload(b, co), nil, pad)
	oh, ow := h+2*pad-ks+1, wd+2*pad-ks+1
	if !nn.SameShape(y.Shape, []int{n, co, oh, ow}) {
		t.Fatalf("shape %v", y.Shape)
	}
	got, _ := dev.Download(y)
	want := convNaive(x, w, b, n, ci, h, wd, co, ks, pad)
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
			t.Fatalf("conv n%d ci%d %dx%d co%d k%d pad%d: element %d = %v, want %v", n, ci, h, wd, co, ks, pad, i, got[i], want[i])
		}
	}
}

// TestConvEdgeCases covers 1×1 convs without padding, odd sizes, tiles
// that do not divide the micro-tile, pad 0 with a 3×3 kernel, and K
// spanning several blocks.
func TestConvEdgeCases(t *testing.T) {
	dev := nn.NewCPU(2)
	for _, c := range [][7]int{
		{1, 4, 5, 5, 3, 1, 0},    // 1×1, pad 0
		{2, 7, 3, 9, 13, 1, 0},   // 1×1 on an odd map, odd channel counts
		{1, 3, 7, 5, 2, 3, 0},    // 3×3 valid conv shrinks the map
		{2, 5, 6, 11, 17, 3, 1},  // same conv, 17 = 16+1 outputs
		{1, 40, 9, 9, 7, 3, 1},   // K = 360 > one K block
		{1, 2, 20, 20, 6, 3, 2},  // pad 2 grows the map
		{1, 1, 1, 1, 1, 1, 0},    // scalar
		{3, 300, 4, 4, 5, 1, 0},  // K = 300
		{1, 3, 33, 40, 25, 3, 1}, // columns cross rows inside a panel
	} {
		checkConv(t, dev, c[0], c[1], c[2], c[3], c[4], c[5], c[6])
	}
}

func TestConvResidual(t *testing.T) {
	dev := nn.NewCPU(2)
	x := dev.Upload(ramp(2*3*4*4, 0.3, 0), 2, 3, 4, 4)
	w := dev.Upload(ramp(5*3, 0.7, 0), 5, 3, 1, 1)
	res := ramp(2*5*4*4, 0.11, 0.2)
	plain, _ := dev.Download(dev.Conv2D(x, w, nil, nil, 0))
	with, _ := dev.Download(dev.Conv2D(x, w, nil, dev.Upload(res, 2, 5, 4, 4), 0))
	for i := range plain {
		if with[i] != plain[i]+res[i] {
			t.Fatalf("element %d: %v, want %v + %v", i, with[i], plain[i], res[i])
		}
	}
}

func TestReshapeView(t *testing.T) {
	dev := nn.NewCPU(1)
	x := dev.Upload([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	v := x.Reshape(3, -1)
	if !nn.SameShape(v.Shape, []int{3, 2}) {
		t.Fatalf("view shape %v", v.Shape)
	}
	y := dev.Transpose(v) // (2, 3): [[1 3 5] [2 4 6]]
	got, _ := dev.Download(y)
	want := []float32{1, 3, 5, 2, 4, 6}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Transpose of view = %v, want %v", got, want)
		}
	}
	// The view shares storage with x.
	if &x.Buf.([]float32)[0] != &v.Buf.([]float32)[0] {
		t.Error("Reshape copied the storage")
	}
}

func TestBilinearOddSizes(t *testing.T) {
	dev := nn.NewCPU(2)
	// 1 → n: every output equals the single input.
	y, _ := dev.Download(dev.BilinearResize(dev.Upload([]float32{2.5}, 1, 1, 1, 1), 3, 5))
	for _, v := range y {
		if v != 2.5 {
			t.Fatalf("1×1 → 3×5 = %v", y)
		}
	}
	// 2 → 4 along a row: PyTorch gives [a, a+(b−a)/4, a+3(b−a)/4, b].
	y, _ = dev.Download(dev.BilinearResize(dev.Upload([]float32{0, 4}, 1, 1, 1, 2), 1, 4))
	if want := []float32{0, 1, 3, 4}; !equal(y, want) {
		t.Fatalf("1×2 → 1×4 = %v, want %v", y, want)
	}
	// Identity size is a copy.
	x := ramp(3*5, 0.9, 0.1)
	y, _ = dev.Download(dev.BilinearResize(dev.Upload(x, 1, 1, 3, 5), 3, 5))
	if !equal(y, x) {
		t.Fatalf("identity resize changed values")
	}
}

func TestAvgPoolOdd(t *testing.T) {
	dev := nn.NewCPU(1)
	// 3×3 → 1×1: the last row and column are dropped, as in PyTorch.
	y, _ := dev.Download(dev.AvgPool2x(dev.Upload([]float32{1, 2, 9, 3, 4, 9, 9, 9, 9}, 1, 1, 3, 3)))
	if len(y) != 1 || y[0] != 2.5 {
		t.Fatalf("AvgPool2x = %v", y)
	}
}

func TestConcatNegativeAxis(t *testing.T) {
	dev := nn.NewCPU(1)
	a := dev.Upload([]float32{1, 2, 3, 4}, 2, 2)
	b := dev.Upload([]float32{5, 6}, 2, 1)
	y, _ := dev.Download(dev.Concat(-1, a, b))
	if want := []float32{1, 2, 5, 3, 4, 6}; !equal(y, want) {
		t.Fatalf("Concat(-1) = %v, want %v", y, want)
	}
}

func TestUploadF16(t *testing.T) {
	dev := nn.NewCPU(1)
	y, _ := dev.Download(dev.UploadF16([]uint16{0x3c00, 0xc000, 0x0001}, 3))
	if want := []float32{1, -2, 1.0 / (1 << 24)}; !equal(y, want) {
		t.Fatalf("UploadF16 = %v, want %v", y, want)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
