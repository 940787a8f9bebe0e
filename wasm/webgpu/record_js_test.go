package webgpu

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// envRecordBench runs TestRecordOverhead (GLIDE_RECORD_BENCH=1). It is
// skipped otherwise: compiling the model's pipelines and encoding the
// text take about a minute on the software adapters.
const envRecordBench = "GLIDE_RECORD_BENCH"

// recordBudget is the Go-side recording cost allowed per dispatch: 2 ms
// for a ~340-dispatch base step.
const recordBudget = 5 * time.Microsecond

// recordModel is the base model's layout (channel multipliers, res blocks,
// attention resolutions: the same op sequence, 339 dispatches at batch 2)
// with narrow layers and a small text encoder, so that weights are cheap
// and a software adapter runs a forward quickly.
func recordModel(t *testing.T, d *Device) (*model.Model, *model.Text) {
	t.Helper()
	cfg, err := model.Preset("base")
	if err != nil {
		t.Fatal(err)
	}
	cfg.NumChannels, cfg.NumHeadChannels = 32, 16
	cfg.XFWidth, cfg.XFLayers, cfg.XFHeads = 32, 1, 2
	w, err := model.LoadWeights(d, cfg, func(_ string, shape []int) ([]float32, error) {
		return ramp(nn.Numel(shape), 0.02), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(d, cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]int32, 2*cfg.TextCtx)
	mask := make([]bool, len(tokens))
	for i := range tokens {
		tokens[i] = int32(i % 50)
		mask[i] = i%cfg.TextCtx < 10
	}
	text, err := m.EncodeText(tokens, mask, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, text
}

// TestRecordOverhead times the Go side of a base-layout forward: the ops'
// recording (Forward without Sync, after warm-up so that every pipeline
// and bind group is cached) and, separately, the flush (the one JS call
// that encodes and submits the step). The image is 8×8 so the adapter's
// work does not matter; the op sequence is the 64×64 one.
func TestRecordOverhead(t *testing.T) {
	if os.Getenv(envRecordBench) != "1" {
		t.Skipf("set %s=1 to time the Go-side recording of a base-layout forward", envRecordBench)
	}
	d := newDevice(t, Options{ForceF32: os.Getenv("GLIDE_FORCE_F32") == "1"})
	t0 := time.Now()
	m, text := recordModel(t, d)
	defer m.Release()
	defer text.Release(d)
	const B, HW = 2, 8
	x := d.Upload(ramp(B*3*HW*HW, 1), B, 3, HW, HW)
	defer d.Release(x)
	ts := []float32{500, 500}
	forward := func() *nn.Tensor {
		out, err := m.Forward(x, ts, text, model.Inputs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for range 3 { // warm-up: pipelines, bind groups, pool
		d.Release(forward())
		if err := d.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("model built and warmed up in %.1fs", time.Since(t0).Seconds())
	runs := 15
	if v, err := strconv.Atoi(os.Getenv("GLIDE_RECORD_RUNS")); err == nil && v > 0 {
		runs = v
	}
	var rec, flush time.Duration
	var recs []time.Duration
	best, bestFlush := time.Duration(1<<62), time.Duration(1<<62)
	var mallocs uint64
	var ms runtime.MemStats
	before := d.Stats()
	for range runs {
		runtime.ReadMemStats(&ms)
		m0 := ms.Mallocs
		t0 := time.Now()
		out := forward()
		t1 := time.Now()
		runtime.ReadMemStats(&ms)
		mallocs += ms.Mallocs - m0
		t2 := time.Now()
		d.flush()
		t3 := time.Now()
		rec += t1.Sub(t0)
		recs = append(recs, t1.Sub(t0))
		flush += t3.Sub(t2)
		best = min(best, t1.Sub(t0))
		bestFlush = min(bestFlush, t3.Sub(t2))
		d.Release(out)
		if err := d.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	after := d.Stats()
	n := (after.Dispatches - before.Dispatches) / runs
	misses := after.BindGroupMisses - before.BindGroupMisses
	perRec := rec / time.Duration(runs)
	perDispatch := perRec / time.Duration(max(n, 1))
	ms1 := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	slices.Sort(recs)
	t.Logf("RESULT record_ms=%.3f median_ms=%.3f best_ms=%.3f flush_ms=%.3f best_flush_ms=%.3f dispatches=%d ns_per_dispatch=%d best_ns_per_dispatch=%d mallocs_per_dispatch=%.1f bindgroup_misses=%d buffers_created=%d (%s, %d runs)",
		ms1(perRec), ms1(recs[len(recs)/2]), ms1(best), ms1(flush/time.Duration(runs)), ms1(bestFlush), n, perDispatch.Nanoseconds(),
		(best / time.Duration(max(n, 1))).Nanoseconds(), float64(mallocs)/float64(runs*max(n, 1)),
		misses, after.BuffersCreated-before.BuffersCreated, d.Name(), runs)
	if misses != 0 {
		t.Errorf("%d bind-group misses after warm-up, want 0", misses)
	}
	if best/time.Duration(max(n, 1)) > recordBudget {
		t.Errorf("recording takes %v per dispatch (best run), budget %v", best/time.Duration(max(n, 1)), recordBudget)
	}
}
