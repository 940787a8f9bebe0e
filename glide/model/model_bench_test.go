package model_test

import (
	"context"
	"testing"

	"github.com/webglide/webglide/glide/bpe"
	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// Benchmarks of whole forwards and sampling steps on the CPU device, with
// detweights v1 values (glide/detrand). The full-size ones build a 385M or
// 398M parameter model (about 1.6 GB each, several seconds to generate) and
// are skipped with -short:
//
//	go test -run '^$' -bench . -benchtime 2x ./glide/model
//
// GFLOP/s uses glide-spec §7's counts for the UNet only (the text side is
// encoded once, before the timer starts, as sampling does): 451 GFLOP for a
// base forward at batch 2 and 1272 GFLOP for an upsampler forward at 256².

const (
	baseUNetGFLOP     = 451  // glide-spec §7.1, UNet subtotal, batch 2
	upsampleUNetGFLOP = 1272 // glide-spec §7.2, UNet subtotal, batch 1
)

// benchModel builds cfg's model on a CPU device with detweights and encodes
// the prompts (one row each).
func benchModel(b *testing.B, cfg model.Config, prompts ...string) (*model.Model, *model.Text) {
	b.Helper()
	dev := nn.NewCPU(0)
	w, err := model.LoadWeights(dev, cfg, detrand.Weight)
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.New(dev, cfg, w)
	if err != nil {
		b.Fatal(err)
	}
	var tokens []int32
	var mask []bool
	for _, p := range prompts {
		t, k := bpe.PaddedTokensAndMask(bpe.Encode(p), cfg.TextCtx)
		tokens, mask = append(tokens, t...), append(mask, k...)
	}
	text, err := m.EncodeText(tokens, mask, nil)
	if err != nil {
		b.Fatal(err)
	}
	return m, text
}

// tinyBase is the tiny_sample_base fixture's configuration.
func tinyBase() model.Config {
	c, _ := model.Preset("base")
	c.NumChannels, c.NumResBlocks, c.ChannelMult = 32, 2, "1,1,2,2"
	c.NumHeadChannels = 16
	c.XFWidth, c.XFLayers, c.XFHeads = 32, 2, 2
	c.TimestepRespacing = "100"
	return c
}

// benchSteps times one sampling step: a (guided, when guidance > 0) model
// call on x plus one ancestral sampler step, at respaced index k.
func benchSteps(b *testing.B, m *model.Model, text *model.Text, in model.Inputs, rows, size int, guidance float32, k int, gflop float64) {
	dev := m.Device()
	cfg := m.Cfg
	diff, err := diffusion.New(cfg.NoiseSchedule, cfg.DiffusionSteps, cfg.TimestepRespacing)
	if err != nil {
		b.Fatal(err)
	}
	shape := []int{rows, 3, size, size}
	x := dev.Upload(detrand.Noise("bench/x_t", nn.Numel(shape)), shape...)
	z := dev.Upload(detrand.Noise("bench/z", nn.Numel(shape)), shape...)
	var net diffusion.Model = func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		return m.Forward(x, t, text, in, nil)
	}
	if guidance > 0 {
		net = diffusion.Guided(net, dev, guidance)
	}
	k = min(k, diff.NumTimesteps-1)
	c := diff.StepCoefs(k, diffusion.Ancestral, true)
	ts := make([]float32, rows)
	for i := range ts {
		ts[i] = float32(diff.TimestepMap[k])
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := net(context.Background(), x, ts)
		if err != nil {
			b.Fatal(err)
		}
		next, x0 := dev.SamplerStep(x, out, z, c, nil)
		dev.Release(out, next, x0)
	}
	if gflop > 0 {
		b.ReportMetric(gflop*float64(b.N)/b.Elapsed().Seconds(), "GFLOP/s")
	}
}

// BenchmarkTinySampleStep is one step of the tiny_sample_base loop: a
// guided tiny base call (2 rows) and one ancestral step on 1 row.
func BenchmarkTinySampleStep(b *testing.B) {
	m, text := benchModel(b, tinyBase(), "an oil painting of a corgi", "")
	benchSteps(b, m, text, model.Inputs{}, 1, 64, 3, 50, 0)
}

func fullModel(b *testing.B, kind string, prompts ...string) (*model.Model, *model.Text) {
	if testing.Short() {
		b.Skip("full-size model: skipped with -short")
	}
	cfg, err := model.Preset(kind)
	if err != nil {
		b.Fatal(err)
	}
	return benchModel(b, cfg, prompts...)
}

// BenchmarkBaseForwardB2 is one full-size base UNet forward at batch 2
// (prompt + empty prompt, as a guided call sees them), text cached.
func BenchmarkBaseForwardB2(b *testing.B) {
	m, text := fullModel(b, "base", "an oil painting of a corgi", "")
	dev := m.Device()
	x := dev.Upload(detrand.Noise("bench/x_t", 2*3*64*64), 2, 3, 64, 64)
	b.ResetTimer()
	for b.Loop() {
		out, err := m.Forward(x, []float32{500, 500}, text, model.Inputs{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		dev.Release(out)
	}
	b.ReportMetric(baseUNetGFLOP*float64(b.N)/b.Elapsed().Seconds(), "GFLOP/s")
}

// BenchmarkUpsampleForward256 is one full-size upsampler UNet forward at
// batch 1, 256×256 from a 64×64 low-res image, text cached.
func BenchmarkUpsampleForward256(b *testing.B) {
	m, text := fullModel(b, "upsample", "an oil painting of a corgi")
	dev := m.Device()
	x := dev.Upload(detrand.Noise("bench/x_t", 3*256*256), 1, 3, 256, 256)
	lr := dev.Upload(detrand.Noise("bench/low_res", 3*64*64), 1, 3, 64, 64)
	b.ResetTimer()
	for b.Loop() {
		out, err := m.Forward(x, []float32{200}, text, model.Inputs{LowRes: lr}, nil)
		if err != nil {
			b.Fatal(err)
		}
		dev.Release(out)
	}
	b.ReportMetric(upsampleUNetGFLOP*float64(b.N)/b.Elapsed().Seconds(), "GFLOP/s")
}

// BenchmarkBaseStepB2 is one full-size base sampling step: a guided call
// at batch 2 (1 image) plus one ancestral step, text encoded beforehand.
func BenchmarkBaseStepB2(b *testing.B) {
	m, text := fullModel(b, "base", "an oil painting of a corgi", "")
	benchSteps(b, m, text, model.Inputs{}, 1, 64, 3, 50, baseUNetGFLOP)
}

// BenchmarkUpsampleStep256 is one full-size upsampler sampling step at
// batch 1 (no guidance, as GLIDE samples the upsampler).
func BenchmarkUpsampleStep256(b *testing.B) {
	m, text := fullModel(b, "upsample", "an oil painting of a corgi")
	m.Cfg.TimestepRespacing = "fast27"
	lr := m.Device().Upload(detrand.Noise("bench/low_res", 3*64*64), 1, 3, 64, 64)
	benchSteps(b, m, text, model.Inputs{LowRes: lr}, 1, 256, 0, 10, upsampleUNetGFLOP)
}
