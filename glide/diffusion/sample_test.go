package diffusion

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// trackDev wraps a device and records which tensors made by the ops the
// sampler uses are still alive, so the tests can check that Sample and
// Guided release every intermediate.
type trackDev struct {
	nn.Device
	live map[*nn.Tensor]string
}

func newTrackDev() *trackDev {
	return &trackDev{Device: nn.NewCPU(1), live: map[*nn.Tensor]string{}}
}

func (d *trackDev) Upload(data []float32, shape ...int) *nn.Tensor {
	t := d.Device.Upload(data, shape...)
	d.live[t] = "upload"
	return t
}

func (d *trackDev) Concat(axis int, ts ...*nn.Tensor) *nn.Tensor {
	t := d.Device.Concat(axis, ts...)
	d.live[t] = "concat"
	return t
}

func (d *trackDev) Guidance(out *nn.Tensor, scale float32) *nn.Tensor {
	t := d.Device.Guidance(out, scale)
	d.live[t] = "guidance"
	return t
}

func (d *trackDev) SamplerStep(x, out, noise *nn.Tensor, c nn.StepCoefs, known *nn.Known) (next, x0 *nn.Tensor) {
	next, x0 = d.Device.SamplerStep(x, out, noise, c, known)
	d.live[next], d.live[x0] = "next", "x0"
	return next, x0
}

func (d *trackDev) Release(ts ...*nn.Tensor) {
	for _, t := range ts {
		if _, ok := d.live[t]; !ok {
			panic(fmt.Sprintf("release of a tensor that is not alive: %v", t))
		}
		delete(d.live, t)
	}
	d.Device.Release(ts...)
}

// Closed-form fake model: ε = a·x, v = vScale·x (so the learned variance
// varies per element and may leave [−1, 1]).
const (
	fakeA      = 0.9
	fakeVScale = 0.3
)

func fakeEps(x float64) (eps, v float64) { return fakeA * x, fakeVScale * x }

// fakeModel is fakeEps on a device. It checks the timesteps it is given.
func fakeModel(dev nn.Device, d *Diffusion, calls *[]int) Model {
	return func(_ context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		b, ch, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
		if len(t) != b {
			return nil, fmt.Errorf("%d timesteps for batch %d", len(t), b)
		}
		*calls = append(*calls, int(t[0]))
		xd, err := dev.Download(x)
		if err != nil {
			return nil, err
		}
		out := make([]float32, 2*len(xd))
		for n := range b {
			for c := range ch {
				for p := range hw {
					e, v := fakeEps(float64(xd[(n*ch+c)*hw+p]))
					out[(n*2*ch+c)*hw+p] = float32(e)
					out[(n*2*ch+ch+c)*hw+p] = float32(v)
				}
			}
		}
		return dev.Upload(out, b, 2*ch, x.Shape[2], x.Shape[3]), nil
	}
}

// noiseFor is the test's standard normal noise of step i, with its own seed.
func noiseFor(i, n int) []float32 {
	r := rand.New(rand.NewPCG(uint64(i)+100, 7))
	z := make([]float32, n)
	for j := range z {
		z[j] = float32(r.NormFloat64())
	}
	return z
}

// refSample re-computes the sampling loop in float64 straight from the
// float64 tables and the paper equations (not from StepCoefs).
func refSample(d *Diffusion, xT []float32, shape []int, s Sampler, clip bool, img, mask []float32) [][]float64 {
	b, ch, hw := shape[0], shape[1], shape[2]*shape[3]
	x := make([]float64, len(xT))
	for i, v := range xT {
		x[i] = float64(v)
	}
	var x0s [][]float64
	K := d.NumTimesteps
	for i := range K {
		k := K - 1 - i
		ab, abPrev, beta := d.AlphasCumprod[k], d.AlphasCumprodPrev[k], d.Betas[k]
		var z []float32
		if k > 0 {
			z = noiseFor(i, len(x))
		}
		next := make([]float64, len(x))
		x0s = append(x0s, make([]float64, len(x)))
		for n := range b {
			for c := range ch {
				for p := range hw {
					j := (n*ch+c)*hw + p
					eps, v := fakeEps(x[j])
					// x0 from ε (DDPM eq. 4 inverted).
					x0 := x[j]/math.Sqrt(ab) - math.Sqrt(1/ab-1)*eps
					if mask != nil {
						m := float64(mask[n*hw+p])
						x0 = x0*(1-m) + float64(img[j])*m
					}
					if clip {
						x0 = math.Max(-1, math.Min(1, x0))
					}
					x0s[i][j] = x0
					var zj float64
					if z != nil {
						zj = float64(z[j])
					}
					if s.DDIM {
						e := (x[j]/math.Sqrt(ab) - x0) / math.Sqrt(1/ab-1)
						sigma := s.Eta * math.Sqrt((1-abPrev)/(1-ab)*(1-ab/abPrev))
						next[j] = math.Sqrt(abPrev)*x0 + math.Sqrt(1-abPrev-sigma*sigma)*e + sigma*zj
						continue
					}
					// Posterior mean (DDPM eq. 7) and improved-DDPM eq. 15.
					mean := beta*math.Sqrt(abPrev)/(1-ab)*x0 + (1-abPrev)*math.Sqrt(1-beta)/(1-ab)*x[j]
					post := beta * (1 - abPrev) / (1 - ab)
					if k == 0 {
						post = d.Betas[1] * (1 - d.AlphasCumprod[0]) / (1 - d.AlphasCumprod[1])
					}
					frac := (v + 1) / 2
					logVar := frac*math.Log(beta) + (1-frac)*math.Log(post)
					next[j] = mean + math.Exp(logVar/2)*zj
				}
			}
		}
		x = next
	}
	return append(x0s, x)
}

func TestSampleMatchesFloat64(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	numel := nn.Numel(shape)
	r := rand.New(rand.NewPCG(1, 2))
	xT := make([]float32, numel)
	img := make([]float32, numel)
	for i := range xT {
		xT[i] = float32(r.NormFloat64())
		img[i] = float32(2*r.Float64() - 1)
	}
	mask := make([]float32, shape[0]*shape[2]*shape[3])
	for i := range mask {
		if i%5 < 2 { // the first two columns of every row are known
			mask[i] = 1
		}
	}
	for _, tc := range []struct {
		name     string
		schedule string
		spec     string
		s        Sampler
		clip     bool
		known    bool
		tol      float64
	}{
		// Float32 steps against float64 ones. The coefficients are rounded
		// to float32 (√(1/ᾱ) ≈ 2e4 at t = 999, so x0 carries ~1e-3 absolute
		// error before clipping). The measured errors are 8e-7…4e-6;
		// allow 5e-5.
		{"ancestral/100", ScheduleCosine, "100", Ancestral, true, false, 5e-5},
		{"ancestral/noclip/25", ScheduleCosine, "25", Ancestral, false, false, 5e-5},
		{"ancestral/inpaint/25", ScheduleCosine, "25", Ancestral, true, true, 5e-5},
		{"ddim0/fast27", ScheduleLinear, "fast27", DDIM(0), true, false, 5e-5},
		{"ddim0.5/27", ScheduleLinear, "27", DDIM(0.5), true, false, 5e-5},
		{"ddim1/inpaint/ddim25", ScheduleCosine, "ddim25", DDIM(1), true, true, 5e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.schedule, 1000, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			dev := newTrackDev()
			x := dev.Upload(xT, shape...)
			var known *nn.Known
			var refImg, refMask []float32
			if tc.known {
				known = &nn.Known{Image: dev.Upload(img, shape...), Mask: dev.Upload(mask, shape[0], 1, shape[2], shape[3])}
				refImg, refMask = img, mask
			}
			var calls, noiseSteps []int
			var steps []Step
			var x0s [][]float32
			noise := func(i int, sh []int) (*nn.Tensor, error) {
				noiseSteps = append(noiseSteps, i)
				return dev.Upload(noiseFor(i, nn.Numel(sh)), sh...), nil
			}
			opts := SampleOptions{Sampler: tc.s, NoClip: !tc.clip, Known: known, OnStep: func(s Step) error {
				v, err := dev.Download(s.X0)
				x0s = append(x0s, v)
				steps = append(steps, Step{Index: s.Index, Total: s.Total, K: s.K, T: s.T})
				return err
			}}
			got, err := d.Sample(context.Background(), dev, fakeModel(dev, d, &calls), x, noise, opts)
			if err != nil {
				t.Fatal(err)
			}

			K := d.NumTimesteps
			if len(calls) != K || len(steps) != K {
				t.Fatalf("%d model calls, %d callbacks, want %d", len(calls), len(steps), K)
			}
			for i, s := range steps {
				k := K - 1 - i
				if s.Index != i || s.Total != K || s.K != k || s.T != d.TimestepMap[k] || calls[i] != d.TimestepMap[k] {
					t.Errorf("step %d: %+v, model saw t=%d, want k=%d t=%d", i, s, calls[i], k, d.TimestepMap[k])
				}
			}
			// Noise only where it is used: never for DDIM with η = 0, and
			// not on the last step.
			wantNoise := K - 1
			if tc.s.DDIM && tc.s.Eta == 0 {
				wantNoise = 0
			}
			if len(noiseSteps) != wantNoise {
				t.Errorf("noise asked for steps %v, want %d steps", noiseSteps, wantNoise)
			}
			for j, i := range noiseSteps {
				if i != j {
					t.Errorf("noise asked for steps %v, want 0…%d", noiseSteps, wantNoise-1)
					break
				}
			}

			ref := refSample(d, xT, shape, tc.s, tc.clip, refImg, refMask)
			final, _ := dev.Download(got)
			// Error per element relative to max(1, |ref|): without clipping
			// the early x0 predictions reach ~1e3.
			worst := 0.0
			errAt := func(got float32, want float64) float64 {
				return math.Abs(float64(got)-want) / max(1, math.Abs(want))
			}
			for i, x0 := range x0s {
				for j, v := range x0 {
					worst = max(worst, errAt(v, ref[i][j]))
				}
			}
			for j, v := range final {
				worst = max(worst, errAt(v, ref[K][j]))
			}
			t.Logf("max |float32 loop − float64 reference|/max(1, |ref|) = %.3g over %d steps", worst, K)
			if worst > tc.tol || math.IsNaN(worst) {
				t.Errorf("max error %.3g > %.3g", worst, tc.tol)
			}
			if tc.clip {
				for j, v := range final {
					if v < -1 || v > 1 {
						t.Fatalf("final[%d] = %v outside [−1, 1] although the last step returns the clipped x0", j, v)
					}
				}
			}

			// Everything the loop made is released except its result.
			dev.Release(x, got)
			if known != nil {
				dev.Release(known.Image, known.Mask)
			}
			if len(dev.live) != 0 {
				t.Errorf("%d tensors leaked: %v", len(dev.live), dev.live)
			}
		})
	}
}

func TestSampleNoNoiseSource(t *testing.T) {
	d, _ := New(ScheduleLinear, 1000, "fast27")
	dev := nn.NewCPU(1)
	x := dev.Upload(make([]float32, 3*4), 1, 3, 2, 2)
	var calls []int
	if _, err := d.Sample(context.Background(), dev, fakeModel(dev, d, &calls), x, nil, SampleOptions{Sampler: DDIM(0)}); err != nil {
		t.Fatalf("DDIM(0) without noise: %v", err)
	}
	_, err := d.Sample(context.Background(), dev, fakeModel(dev, d, &calls), x, nil, SampleOptions{})
	if err == nil {
		t.Fatal("ancestral sampling without noise: no error")
	}
	t.Log(err)
}

func TestSampleCancel(t *testing.T) {
	d, _ := New(ScheduleCosine, 1000, "25")
	dev := newTrackDev()
	x := dev.Upload(make([]float32, 3*4), 1, 3, 2, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls []int
	last := -1
	opts := SampleOptions{Sampler: DDIM(0), OnStep: func(s Step) error {
		last = s.Index
		if s.Index == 3 {
			cancel()
		}
		return nil
	}}
	got, err := d.Sample(ctx, dev, fakeModel(dev, d, &calls), x, nil, opts)
	if !errors.Is(err, context.Canceled) || got != nil {
		t.Fatalf("Sample = %v, %v; want context.Canceled", got, err)
	}
	if last > 4 || len(calls) > 5 {
		t.Errorf("ran to step %d with %d model calls after cancelling at step 3", last, len(calls))
	}
	dev.Release(x)
	if len(dev.live) != 0 {
		t.Errorf("%d tensors leaked after cancel: %v", len(dev.live), dev.live)
	}

	// An error from OnStep stops sampling too.
	stop := errors.New("stop")
	opts.OnStep = func(s Step) error {
		if s.Index == 1 {
			return stop
		}
		return nil
	}
	calls = nil
	x = dev.Upload(make([]float32, 3*4), 1, 3, 2, 2)
	if _, err := d.Sample(context.Background(), dev, fakeModel(dev, d, &calls), x, nil, opts); !errors.Is(err, stop) || len(calls) != 2 {
		t.Errorf("OnStep error: %v after %d calls", err, len(calls))
	}
	dev.Release(x)
	if len(dev.live) != 0 {
		t.Errorf("%d tensors leaked after an OnStep error: %v", len(dev.live), dev.live)
	}
}

func TestGuided(t *testing.T) {
	const scale = 3
	dev := newTrackDev()
	b, ch, h, w := 2, 3, 2, 3
	hw := h * w
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float32, b*ch*hw)
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	x := dev.Upload(xs, b, ch, h, w)
	// Conditional rows: ε = 2x, v = 0.25; unconditional rows: ε = −x, v = −0.5.
	var sawT []float32
	var sawB int
	inner := func(_ context.Context, xx *nn.Tensor, tt []float32) (*nn.Tensor, error) {
		sawB, sawT = xx.Shape[0], tt
		xd, _ := dev.Download(xx)
		out := make([]float32, 2*len(xd))
		for n := range xx.Shape[0] {
			epsScale, v := float32(2), float32(0.25)
			if n >= b {
				epsScale, v = -1, -0.5
			}
			for c := range ch {
				for p := range hw {
					out[(n*2*ch+c)*hw+p] = epsScale * xd[(n*ch+c)*hw+p]
					out[(n*2*ch+ch+c)*hw+p] = v
				}
			}
		}
		return dev.Upload(out, xx.Shape[0], 2*ch, h, w), nil
	}
	g, err := Guided(inner, dev, scale)(context.Background(), x, []float32{999, 999})
	if err != nil {
		t.Fatal(err)
	}
	if sawB != 2*b || len(sawT) != 2*b || sawT[0] != 999 || sawT[3] != 999 {
		t.Errorf("wrapped model saw batch %d, t %v", sawB, sawT)
	}
	if !nn.SameShape(g.Shape, []int{b, 2 * ch, h, w}) {
		t.Fatalf("guided output %v", g.Shape)
	}
	gd, _ := dev.Download(g)
	for n := range b {
		for c := range ch {
			for p := range hw {
				xv := xs[(n*ch+c)*hw+p]
				wantEps := -xv + scale*(2*xv-(-xv)) // ε_u + s·(ε_c − ε_u)
				if got := gd[(n*2*ch+c)*hw+p]; math.Abs(float64(got-wantEps)) > 1e-5 {
					t.Fatalf("ε[%d,%d,%d] = %v, want %v", n, c, p, got, wantEps)
				}
				if got := gd[(n*2*ch+ch+c)*hw+p]; got != 0.25 {
					t.Fatalf("v[%d,%d,%d] = %v, want the conditional 0.25", n, c, p, got)
				}
			}
		}
	}
	dev.Release(x, g)
	if len(dev.live) != 0 {
		t.Errorf("%d tensors leaked: %v", len(dev.live), dev.live)
	}
}
