package webgpu

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// envBenchModels lists the model presets BenchmarkForward times
// (comma-separated). The default is the tiny pair: on the CPU adapters
// of `make bench` without a GPU a full-size forward takes many minutes.
// On a real GPU: GLIDE_BENCH_MODELS=base,upsample.
const envBenchModels = "GLIDE_BENCH_MODELS"

// BenchmarkForward times one model forward (one sampling step's network
// call: the base model on a guided batch of 2, the upsampler on 1) with
// detweights, end to end up to GPU completion, and reports the Go-side
// recording time and dispatch count per forward. Where the device has
// timestamp queries it then profiles one forward and logs the GPU time
// per kernel and shape, with GFLOP/s for convolutions, linears and
// attention.
func BenchmarkForward(b *testing.B) {
	models := os.Getenv(envBenchModels)
	if models == "" {
		models = "tiny-base,tiny-upsample"
	}
	d, err := New(Options{ForceF32: os.Getenv("GLIDE_FORCE_F32") == "1", Timestamps: true})
	if err != nil {
		b.Fatalf("no WebGPU device: %v", err)
	}
	defer d.Close()
	b.Logf("device %s, timestamp queries: %v", d.Name(), d.Timestamps())
	for _, kind := range strings.Split(models, ",") {
		b.Run(kind, func(b *testing.B) { benchForward(b, d, kind) })
	}
}

func benchForward(b *testing.B, d *Device, kind string) {
	cfg, err := model.Preset(kind)
	if err != nil {
		b.Fatal(err)
	}
	w, err := model.LoadWeights(d, cfg, detrand.Weight)
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.New(d, cfg, w)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		m.Release()
		d.Trim() // the next model starts from an empty pool
	}()

	batch := 2 // the guided batch: conditional and unconditional rows
	if cfg.SuperRes {
		batch = 1 // the upsampler runs unguided
	}
	S := cfg.ImageSize
	x := d.Upload(detrand.Noise("bench/x", batch*3*S*S), batch, 3, S, S) // (B, 3, S, S)
	defer d.Release(x)
	var in model.Inputs
	if cfg.SuperRes {
		in.LowRes = d.Upload(detrand.Noise("bench/low_res", batch*3*64*64), batch, 3, 64, 64) // (B, 3, 64, 64)
		defer d.Release(in.LowRes)
	}
	if cfg.Inpaint {
		in.Masked = d.Upload(make([]float32, batch*3*S*S), batch, 3, S, S)
		in.Mask = d.Upload(make([]float32, batch*S*S), batch, 1, S, S)
		defer d.Release(in.Masked, in.Mask)
	}
	ts := make([]float32, batch)
	for i := range ts {
		ts[i] = 500
	}
	var text *model.Text
	if cfg.XFWidth > 0 {
		tokens := make([]int32, batch*cfg.TextCtx)
		mask := make([]bool, len(tokens))
		for r := range batch - 1 { // the last row stays empty (the unconditional prompt)
			for i, tok := range []int32{272, 3056, 12036, 286, 257, 20062, 13} {
				tokens[r*cfg.TextCtx+i], mask[r*cfg.TextCtx+i] = tok, true
			}
		}
		if text, err = m.EncodeText(tokens, mask, nil); err != nil {
			b.Fatal(err)
		}
		defer text.Release(d)
	}
	forward := func() *nn.Tensor {
		out, err := m.Forward(x, ts, text, in, nil)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	// Warm the pipeline and bind-group caches.
	d.Release(forward())
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}

	var rec time.Duration
	before := d.Stats()
	d.ResetPeak()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		out := forward()
		rec += time.Since(t0)
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
		d.Release(out)
	}
	b.StopTimer()
	after := d.Stats()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/forward")
	b.ReportMetric(float64(rec.Microseconds())/1000/float64(b.N), "record-ms/forward")
	b.ReportMetric(float64(after.Dispatches-before.Dispatches)/float64(b.N), "dispatches/forward")
	_, peak := d.Memory() // weights, text, the forward's activations and the pool
	b.ReportMetric(float64(peak)/(1<<20), "peak-GPU-MiB")

	if !d.Timestamps() {
		b.Logf("%s: no per-op times: the adapter offers no timestamp-query", kind)
		return
	}
	if err := d.StartProfile(); err != nil {
		b.Fatal(err)
	}
	d.Release(forward())
	p, err := d.StopProfile()
	if err != nil {
		b.Fatal(err)
	}
	// Printed after all benchmarks (TestMain), not logged: the testing
	// package cuts benchmark logs at ten lines, and printing here would
	// split the benchmark's result line.
	// The testing package calls a benchmark once per b.N it tries: keep
	// the last profile of each model.
	if _, ok := benchProfiles[kind]; !ok {
		benchOrder = append(benchOrder, kind)
	}
	benchProfiles[kind] = formatProfile(kind, p)
}

// benchProfiles are the profile tables BenchmarkForward made, by model
// preset, in benchOrder.
var (
	benchProfiles = map[string]string{}
	benchOrder    []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, kind := range benchOrder {
		fmt.Print("\n" + benchProfiles[kind])
	}
	os.Exit(code)
}

// formatProfile is the per-op table of a profile.
func formatProfile(title string, p Profile) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %d dispatches, %.2f ms of GPU time (one pass per dispatch)\n", title, p.Dispatches, ms(p.GPU))
	fmt.Fprintf(&s, "  %-16s %-44s %5s %9s %6s %9s\n", "kernel", "shape", "n", "GPU ms", "share", "GFLOP/s")
	for _, o := range p.Ops {
		gf := ""
		if o.FLOP > 0 {
			gf = fmt.Sprintf("%.4g", o.GFLOPS())
		}
		fmt.Fprintf(&s, "  %-16s %-44s %5d %9.3f %5.1f%% %9s\n", o.Kernel, o.Shape, o.Count, ms(o.GPU), 100*o.GPU.Seconds()/p.GPU.Seconds(), gf)
	}
	return s.String()
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
