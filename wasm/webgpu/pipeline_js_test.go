package webgpu

import (
	"context"
	"math"
	"testing"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

// tinyPipeline loads the golden fixtures' tiny base and upsampler with
// detweights onto dev.
func tinyPipeline(t *testing.T, dev nn.Device) *glide.Pipeline {
	t.Helper()
	p, err := glide.DetPipeline(dev, "tiny-base", "tiny-upsample")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A seed gives the same image on the CPU device and on the WebGPU device
// (here inside the browser or Deno), within the trajectory tolerance of
// each path: 1e-3·10 (f32) or 1e-3·100 (f16) of the [−1, 1] range, i.e.
// about 1.3 or 13 of the 255 levels, plus one level for rounding.
//
// Isolated values may differ more: the first step predicts x0 at t = 999,
// where √(1/ᾱ − 1) ≈ 2·10⁴ amplifies the devices' last-bit differences in
// eps, and a value near the clamp at ±1 can land on either side. So at most
// 0.5% of the values may exceed the limit, and the mean difference must
// stay under one level.
func TestSameSeedSameImage(t *testing.T) {
	gpu := newDevice(t, Options{})
	opts := glide.DefaultOptions()
	opts.Prompt, opts.Seed = "a red apple", 11
	// Few steps: the CPU device in wasm runs one thread.
	opts.BaseSteps, opts.UpsampleSteps = "2", "1"
	ctx := context.Background()
	want, err := tinyPipeline(t, nn.NewCPU(1)).Generate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tinyPipeline(t, gpu).Generate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	scale := 10.0
	if gpu.F16() {
		scale = 100
	}
	limit := int(math.Ceil(127.5*1e-3*scale)) + 1
	for i := range want.Images {
		for _, pair := range [][2][]byte{{got.Base[i].Pix, want.Base[i].Pix}, {got.Images[i].Pix, want.Images[i].Pix}} {
			worst, sum, over := 0, 0, 0
			for j := range pair[1] {
				d := int(pair[0][j]) - int(pair[1][j])
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
				sum += d
				if d > limit {
					over++
				}
			}
			n := float64(len(pair[1]))
			mean, frac := float64(sum)/n, float64(over)/n
			t.Logf("image %d (%d bytes): max |Δ| %d levels, mean %.3f, %.3f%% over the limit of %d", i, len(pair[1]), worst, mean, 100*frac, limit)
			if frac > 0.005 || mean > 1 {
				t.Errorf("image %d differs from the CPU: mean %.3f levels, %.3f%% of values beyond %d levels", i, mean, 100*frac, limit)
			}
		}
	}
}
