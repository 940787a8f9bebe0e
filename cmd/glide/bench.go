package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/webglide/webglide/glide/bpe"
	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

func init() {
	register(command{
		name:    "bench",
		summary: "time full-size forwards and sampling steps on the CPU device",
		run:     runBench,
	})
}

// FLOP counts of glide-spec §7 (1 multiply-add = 2 FLOP), in GFLOP.
const (
	benchBaseUNet     = 451  // base UNet forward, batch 2 (§7.1 UNet subtotal)
	benchBaseText     = 27   // base text side, batch 2 (§7.1 text subtotal)
	benchUpsampleUNet = 1272 // upsampler UNet forward, batch 1, 256² (§7.2)
	benchUpsampleText = 13.5 // upsampler text side, batch 1 (§7.2)
)

const benchPrompt = "an oil painting of a corgi"

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	device := fs.String("device", "cpu", "device to time: only `cpu` (the WebGPU device runs in the browser)")
	which := fs.String("model", "all", "`base`, upsample or all")
	weights := fs.String("weights", "detweights:full", "weight source: `detweights:full` (deterministic detweights v1 values, full-size models)")
	repeat := fs.Int("repeat", 2, "timed runs of each op (`N` ≥ 1); the table gives the best and the mean")
	threads := fs.Int("threads", 0, "CPU goroutines, also GOMAXPROCS (`N`; 0 = all CPUs)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to `FILE` (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide bench [--device cpu] [--model base|upsample|all] [--weights detweights:full] [--repeat N] [--threads N]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Builds the full-size base model and/or upsampler with detweights, encodes the")
		fmt.Fprintln(stderr, "prompt once, and times:")
		fmt.Fprintln(stderr, "  base text     text transformer + encoder_kv, batch 2 (prompt + empty prompt)")
		fmt.Fprintln(stderr, "  base forward  one UNet forward at batch 2, 64×64, text cached")
		fmt.Fprintln(stderr, "  base step     one sampling step: a guided call at batch 2 + one sampler step")
		fmt.Fprintln(stderr, "  up text       text side of the upsampler, batch 1")
		fmt.Fprintln(stderr, "  up forward    one upsampler UNet forward at batch 1, 256×256 from 64×64")
		fmt.Fprintln(stderr, "  up step       one upsampler sampling step (forward + sampler step, batch 1)")
		fmt.Fprintln(stderr, "GFLOP/s uses glide-spec §7's counts: 451 GFLOP per base UNet forward (batch 2),")
		fmt.Fprintln(stderr, "27 for its text side; 1272 per upsampler UNet forward, 13.5 for its text side.")
		fmt.Fprintln(stderr, "Memory: the Go heap's peak during the op (sampled, runtime/metrics; weights included) and the")
		fmt.Fprintln(stderr, "process's peak resident set so far (getrusage; weights included).")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	usageErr := func(f string, a ...any) int {
		fmt.Fprintf(stderr, "glide bench: "+f+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() != 0:
		return usageErr("unexpected arguments %q", fs.Args())
	case *device != "cpu":
		return usageErr("--device %q: only cpu can be timed from the command line", *device)
	case *which != "base" && *which != "upsample" && *which != "all":
		return usageErr("--model %q: want base, upsample or all", *which)
	case *weights != "detweights:full" && *weights != "detweights":
		return usageErr("--weights %q: only detweights:full is supported", *weights)
	case *repeat < 1:
		return usageErr("--repeat must be at least 1, got %d", *repeat)
	case *threads < 0:
		return usageErr("--threads must be 0 or more, got %d", *threads)
	}
	if *threads > 0 {
		runtime.GOMAXPROCS(*threads)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	dev := nn.NewCPU(*threads)
	fmt.Fprintf(stdout, "glide bench: %s, GOMAXPROCS %d, %s/%s, %s, weights %s, %d timed runs per op\n",
		dev.Name(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), *weights, *repeat)

	var rows []benchRow
	kinds := []string{"base", "upsample"}
	if *which != "all" {
		kinds = []string{*which}
	}
	for _, kind := range kinds {
		r, err := benchKind(dev, kind, *repeat)
		rows = append(rows, r...)
		if err != nil {
			fmt.Fprintf(stderr, "glide bench: %s: %v\n", kind, err)
			printBench(stdout, rows)
			return 1
		}
	}
	printBench(stdout, rows)
	return 0
}

// benchRow is one line of the table.
type benchRow struct {
	op        string
	runs      int
	best, avg time.Duration
	gflop     float64 // per run; 0 = not counted
	heapPeak  uint64  // bytes
	rss       uint64  // bytes; 0 = unknown
}

func printBench(w io.Writer, rows []benchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\truns\tbest s\tmean s\tGFLOP\tGFLOP/s\tpeak heap MiB\tmax RSS MiB\t")
	for _, r := range rows {
		gf, rate := "-", "-"
		if r.gflop > 0 {
			gf = fmt.Sprintf("%.1f", r.gflop)
			rate = fmt.Sprintf("%.1f", r.gflop/r.best.Seconds())
		}
		rss := "-"
		if r.rss > 0 {
			rss = fmt.Sprintf("%.0f", float64(r.rss)/(1<<20))
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%s\t%s\t%.0f\t%s\t\n", r.op, r.runs, r.best.Seconds(), r.avg.Seconds(),
			gf, rate, float64(r.heapPeak)/(1<<20), rss)
	}
	tw.Flush()
}

// heapSampler records the peak of the Go heap (bytes in live and
// not-yet-swept objects) by sampling runtime/metrics every millisecond.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.peak.Store(heapNow())
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				if v := heapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h
}

func (h *heapSampler) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return max(h.peak.Load(), heapNow())
}

// timeOp runs fn runs times and returns its row.
func timeOp(op string, runs int, gflop float64, fn func() error) (benchRow, error) {
	r := benchRow{op: op, runs: runs, gflop: gflop}
	runtime.GC()
	h := startHeapSampler()
	var total time.Duration
	for i := range runs {
		t0 := time.Now()
		if err := fn(); err != nil {
			h.done()
			return r, fmt.Errorf("%s: %w", op, err)
		}
		d := time.Since(t0)
		total += d
		if i == 0 || d < r.best {
			r.best = d
		}
	}
	r.avg = total / time.Duration(runs)
	r.heapPeak = h.done()
	r.rss = maxRSS()
	return r, nil
}

// benchKind loads one full-size model and times its ops.
func benchKind(dev *nn.CPU, kind string, runs int) ([]benchRow, error) {
	cfg, err := model.Preset(kind)
	if err != nil {
		return nil, err
	}
	short := map[string]string{"base": "base", "upsample": "up"}[kind]
	var rows []benchRow
	var m *model.Model
	load, err := timeOp(short+" load (detweights)", 1, 0, func() error {
		w, err := model.LoadWeights(dev, cfg, detrand.Weight)
		if err != nil {
			return err
		}
		m, err = model.New(dev, cfg, w)
		return err
	})
	rows = append(rows, load)
	if err != nil {
		return rows, err
	}
	defer func() {
		m.Release()
		m = nil
		runtime.GC()
		debug.FreeOSMemory()
	}()

	prompts := []string{benchPrompt, ""} // guided: prompt row, then the empty row
	textFlop, unetFlop := float64(benchBaseText), float64(benchBaseUNet)
	size, rowsPerCall, k := 64, 2, 50
	var in model.Inputs
	if cfg.SuperRes {
		prompts = prompts[:1]
		textFlop, unetFlop = benchUpsampleText, benchUpsampleUNet
		size, rowsPerCall, k = 256, 1, 10
		cfg.TimestepRespacing = "fast27"
		in.LowRes = dev.Upload(detrand.Noise("bench/low_res", 3*64*64), 1, 3, 64, 64)
	}
	var tokens []int32
	var mask []bool
	for _, p := range prompts {
		t, mk := bpe.PaddedTokensAndMask(bpe.Encode(p), cfg.TextCtx)
		tokens, mask = append(tokens, t...), append(mask, mk...)
	}
	var text *model.Text
	r, err := timeOp(short+" text", runs, textFlop, func() error {
		if text != nil {
			text.Release(dev)
		}
		var err error
		text, err = m.EncodeText(tokens, mask, nil)
		return err
	})
	rows = append(rows, r)
	if err != nil {
		return rows, err
	}

	xShape := []int{rowsPerCall, 3, size, size}
	x := dev.Upload(detrand.Noise("bench/x_t", nn.Numel(xShape)), xShape...)
	diff, err := diffusion.New(cfg.NoiseSchedule, cfg.DiffusionSteps, cfg.TimestepRespacing)
	if err != nil {
		return rows, err
	}
	k = min(k, diff.NumTimesteps-1)
	ts := make([]float32, rowsPerCall)
	for i := range ts {
		ts[i] = float32(diff.TimestepMap[k])
	}
	r, err = timeOp(fmt.Sprintf("%s forward b%d %dx%d", short, rowsPerCall, size, size), runs, unetFlop, func() error {
		out, err := m.Forward(x, ts, text, in, nil)
		dev.Release(out)
		return err
	})
	rows = append(rows, r)
	if err != nil {
		return rows, err
	}

	// One sampling step: the base model is called guided (the sample row
	// and its unconditional twin, batch 2), the upsampler plainly.
	var net diffusion.Model = func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		return m.Forward(x, t, text, in, nil)
	}
	sx := x
	if !cfg.SuperRes {
		net = diffusion.Guided(net, dev, 3)
		sx = dev.Slice(x, 0, 0, 1)
	}
	z := dev.Upload(detrand.Noise("bench/z", sx.Numel()), sx.Shape...)
	coefs := diff.StepCoefs(k, diffusion.Ancestral, true)
	r, err = timeOp(fmt.Sprintf("%s step b%d %dx%d", short, rowsPerCall, size, size), runs, unetFlop, func() error {
		out, err := net(context.Background(), sx, ts[:sx.Shape[0]])
		if err != nil {
			return err
		}
		next, x0 := dev.SamplerStep(sx, out, z, coefs, nil)
		dev.Release(out, next, x0)
		return nil
	})
	rows = append(rows, r)
	text.Release(dev)
	if err != nil {
		return rows, err
	}
	return rows, nil
}
