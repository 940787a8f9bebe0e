package nn

import (
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
)

// ulps is the distance between a and b in units in the last place (the
// number of float32 values between them); NaN against NaN is 0.
func ulps(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&0x80000000 != 0 {
			return 0x80000000 - u
		}
		return u
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// TestExpfULP compares expf, scalar and AVX2, with the correctly rounded
// float32(math.Exp(float64(x))) on every stride-th float32 bit pattern (all
// of them with GLIDE_EXHAUSTIVE=1), NaN and ±Inf included, and checks that
// the two paths agree bit for bit.
func TestExpfULP(t *testing.T) {
	stride := uint64(61)
	if testing.Short() {
		stride = 1021
	}
	if os.Getenv("GLIDE_EXHAUSTIVE") == "1" {
		stride = 1
	}
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		worst    int64
		worstX   float32
		mismatch int
		mismX    float32
	}
	res := make([]result, workers)
	var wg sync.WaitGroup
	const total = uint64(1) << 32
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &res[w]
			buf := make([]float32, 0, 1024)
			xs := make([]float32, 0, 1024)
			flush := func() {
				copy(buf[:len(xs)], xs)
				vec := buf[:len(xs)]
				_, done := expShiftSumVec(vec, 0)
				for i, x := range xs {
					want := float32(math.Exp(float64(x)))
					got := expf(x)
					if d := ulps(got, want); d > r.worst {
						r.worst, r.worstX = d, x
					}
					if i < done && math.Float32bits(vec[i]) != math.Float32bits(got) && !(got != got && vec[i] != vec[i]) {
						r.mismatch++
						r.mismX = x
					}
				}
				xs = xs[:0]
			}
			buf = buf[:cap(buf)]
			for u := uint64(w) * stride; u < total; u += stride * uint64(workers) {
				xs = append(xs, math.Float32frombits(uint32(u)))
				if len(xs) == cap(xs) {
					flush()
				}
			}
			for _, x := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, -0.0, 88.72283, 88.72284, -87.33654, -103.27893, -103.97208, -104, 89, 1e-30, -1e-30} {
				xs = append(xs, x)
			}
			flush()
		}()
	}
	wg.Wait()
	for _, r := range res {
		if r.worst > 1 {
			t.Errorf("expf(%g) is %d ulp from float32(math.Exp) (%g vs %g)", r.worstX, r.worst, expf(r.worstX), float32(math.Exp(float64(r.worstX))))
		}
		if r.mismatch > 0 {
			t.Errorf("%d AVX2 results differ from expf, e.g. at %g", r.mismatch, r.mismX)
		}
	}
	if e := expf(float32(math.NaN())); e == e {
		t.Errorf("expf(NaN) = %g", e)
	}
	if e := expf(float32(math.Inf(1))); !math.IsInf(float64(e), 1) {
		t.Errorf("expf(+Inf) = %g", e)
	}
	if e := expf(float32(math.Inf(-1))); e != 0 {
		t.Errorf("expf(-Inf) = %g", e)
	}
}

// TestFastLoops checks the vector loops against the scalar definitions,
// tails included.
func TestFastLoops(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 31, 64, 1000, 1152} {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(math.Sin(float64(i)*0.731)) * 12
		}
		// affineSilu, with and without the SiLU.
		for _, act := range []bool{false, true} {
			dst := make([]float32, n)
			affineSilu(dst, src, 1.5, -0.5, 0.75, 0.125, act)
			for i, v := range src {
				want := float32(float32(float32(v*1.5)-0.5)*0.75) + 0.125
				if act {
					want = want / (1 + expf(-want))
				}
				if math.Float32bits(dst[i]) != math.Float32bits(want) {
					t.Fatalf("affineSilu(n=%d, act=%v)[%d] = %g, want %g", n, act, i, dst[i], want)
				}
			}
		}
		// softmax against float64 (from the same float32 differences x − max).
		row := append([]float32(nil), src...)
		softmax(row)
		m := src[0]
		for _, v := range src {
			m = max(m, v)
		}
		var s float64
		for _, v := range src {
			s += math.Exp(float64(v - m))
		}
		for i, v := range src {
			want := math.Exp(float64(v-m)) / s
			if d := math.Abs(float64(row[i]) - want); d > 3e-7*want+1e-30 {
				t.Fatalf("softmax(n=%d)[%d] = %g, want %g", n, i, row[i], want)
			}
		}
		// sumSquares against float64.
		var ws, wq float64
		for _, v := range src {
			d := float64(v) - 0.5
			ws, wq = ws+d, wq+d*d
		}
		gs, gq := sumSquares(src, 0.5)
		if math.Abs(gs-ws) > 1e-9*math.Abs(wq) || math.Abs(gq-wq) > 1e-12*wq {
			t.Fatalf("sumSquares(n=%d) = %g, %g, want %g, %g", n, gs, gq, ws, wq)
		}
	}
}

// TestGroupNormChunked checks that the chunked path (few groups, many
// goroutines) matches the one-task-per-group path.
func TestGroupNormChunked(t *testing.T) {
	const b, c, h = 1, 64, 128
	x := make([]float32, b*c*h*h)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.37))*2 + 0.3
	}
	gamma, beta, ss := make([]float32, c), make([]float32, c), make([]float32, 2*c)
	for i := range gamma {
		gamma[i], beta[i] = 1+float32(i)/c, float32(i)/c-0.5
	}
	for i := range ss {
		ss[i] = float32(math.Cos(float64(i))) * 0.3
	}
	one, many := NewCPU(1), NewCPU(16)
	run := func(d *CPU) []float32 {
		o := GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: true, ScaleShift: d.Upload(ss, b, 2*c)}
		y := d.GroupNorm(d.Upload(x, b, c, h, h), d.Upload(gamma, c), d.Upload(beta, c), o)
		return cpuData(y)
	}
	want, got := run(one), run(many)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-6 {
			t.Fatalf("chunked GroupNorm [%d] = %g, want %g", i, got[i], want[i])
		}
	}
}
