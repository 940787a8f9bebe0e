package goldencheck

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/f16"
	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/nn"
)

// halfInputs is the CPU device with everything uploaded (weights, x_T,
// noise) rounded to binary16: what a half-precision device holds, with
// exact float32 arithmetic after that.
type halfInputs struct{ nn.Device }

func (h halfInputs) Upload(data []float32, shape ...int) *nn.Tensor {
	r := make([]float32, len(data))
	for i, v := range data {
		b, _ := f16.FromFloat32(v)
		r[i] = f16.ToFloat32(b)
	}
	return h.Device.Upload(r, shape...)
}

// biased adds 1e-2 to every sampler step's eps output: a small kernel bug.
type biased struct{ halfInputs }

func (b biased) SamplerStep(x, out, noise *nn.Tensor, k nn.StepCoefs, known *nn.Known) (next, x0 *nn.Tensor) {
	bias := b.Upload(fill(out.Numel(), 1e-2), out.Shape...)
	defer b.Release(bias)
	shifted := b.Add(out, bias)
	defer b.Release(shifted)
	return b.halfInputs.SamplerStep(x, shifted, noise, k, known)
}

func fill(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestHalfTrajectoryRule runs the sampling cases the way a half-precision
// device sees them (binary16 weights and inputs) under the Env.Half rule:
// they must pass, and the same with a small eps bias must fail.
func TestHalfTrajectoryRule(t *testing.T) {
	if testing.Short() {
		t.Skip("sampling loops skipped in -short mode")
	}
	dir := goldenDir(t)
	cases, err := golden.Discover(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !strings.HasPrefix(c.Kind, "sample_") {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			env := &Env{Device: halfInputs{nn.NewCPU(0)}, TolScale: 100, Half: true}
			r := Checkers(env)[c.Kind](context.Background(), c)
			if r.Status != golden.Pass {
				t.Fatalf("binary16 weights and inputs: %s", r.Why)
			}
			t.Logf("binary16 weights and inputs: %s = %.3g", r.Metric, r.Value)
		})
	}
	if n == 0 {
		t.Fatalf("no sampling cases under %s", dir)
	}
	for _, c := range cases {
		if c.Kind != "sample_upsample" {
			continue
		}
		env := &Env{Device: biased{halfInputs{nn.NewCPU(0)}}, TolScale: 100, Half: true}
		r := Checkers(env)[c.Kind](context.Background(), c)
		if r.Status == golden.Pass {
			t.Errorf("%s with eps biased by 1e-2 passed the half-precision rule (%s = %.3g)", c.Name, r.Metric, r.Value)
		} else if !strings.Contains(r.Why, "rms diff") {
			t.Errorf("%s with eps biased by 1e-2 failed for another reason: %s", c.Name, r.Why)
		}
		break
	}
}
