package glide

import (
	"bytes"
	"context"
	"testing"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// uploads wraps a device and accounts for the tensors uploaded to it (the
// models' weights, x_T, noise) like a GPU device accounts for its buffers.
type uploads struct {
	nn.Device
	live       map[*nn.Tensor]int64
	held, peak int64
	trims      int
}

func newUploads(d nn.Device) *uploads { return &uploads{Device: d, live: map[*nn.Tensor]int64{}} }

func (u *uploads) Upload(data []float32, shape ...int) *nn.Tensor {
	t := u.Device.Upload(data, shape...)
	u.live[t] = int64(4 * len(data))
	u.held += u.live[t]
	u.peak = max(u.peak, u.held)
	return t
}

func (u *uploads) Release(ts ...*nn.Tensor) {
	for _, t := range ts {
		if n, ok := u.live[t]; ok {
			u.held -= n
			delete(u.live, t)
		}
	}
	u.Device.Release(ts...)
}

func (u *uploads) Memory() (held, peak int64) { return u.held, u.peak }
func (u *uploads) ResetPeak()                 { u.peak = u.held }
func (u *uploads) Trim() {
	u.trims++
}

// TestGenerateOneModel runs the pipeline holding one model at a time: the
// base model must be gone before the upsampler loads and the other way
// round, the images must equal those of the pipeline holding both, and
// each stage's peak must be reported.
func TestGenerateOneModel(t *testing.T) {
	dev := newUploads(nn.NewCPU(0))
	var p *Pipeline
	loads := map[string]int{}
	load := func(kind string, other func() *model.Model) func() (*model.Model, error) {
		return func() (*model.Model, error) {
			if other() != nil {
				t.Errorf("loading %s while the other model is still held", kind)
			}
			if dev.held != 0 {
				t.Errorf("loading %s with %d bytes of the other model's weights still uploaded", kind, dev.held)
			}
			loads[kind]++
			return DetModel(dev, kind)
		}
	}
	p = &Pipeline{Device: dev, OneModel: true}
	p.LoadBase = load("tiny-base", func() *model.Model { return p.Upsampler })
	p.LoadUpsampler = load("tiny-upsample", func() *model.Model { return p.Base })

	both := tinyPipeline(t)
	ctx := context.Background()
	for run := 1; run <= 2; run++ {
		got, err := p.Generate(ctx, quickOptions("a red apple", 7))
		if err != nil {
			t.Fatal(err)
		}
		want, err := both.Generate(ctx, quickOptions("a red apple", 7))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Images[0].Pix, want.Images[0].Pix) {
			t.Errorf("run %d: one model at a time gave another image", run)
		}
		if loads["tiny-base"] != run || loads["tiny-upsample"] != run {
			t.Errorf("run %d: loads %v, want each model loaded once per run", run, loads)
		}
		if got.PeakMemory[StageBase] <= 0 || got.PeakMemory[StageUpsample] <= 0 {
			t.Errorf("run %d: peak memory per stage %v", run, got.PeakMemory)
		}
	}
	if dev.trims != 3 {
		t.Errorf("%d trims, want 3 (before each load but the first)", dev.trims)
	}
}
