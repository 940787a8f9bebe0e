package glide

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// tinyPipeline loads the fixtures' tiny base and upsampler with detweights.
func tinyPipeline(t *testing.T) *Pipeline {
	t.Helper()
	p, err := DetPipeline(nn.NewCPU(0), "tiny-base", "tiny-upsample")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func quickOptions(prompt string, seed uint64) Options {
	o := DefaultOptions()
	o.Prompt, o.Seed = prompt, seed
	o.BaseSteps, o.UpsampleSteps = "4", "2"
	return o
}

func TestGenerateDeterministic(t *testing.T) {
	p := tinyPipeline(t)
	ctx := context.Background()
	a, err := p.Generate(ctx, quickOptions("a red apple", 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Images) != 1 || a.Images[0].Bounds().Dx() != 256 || a.Base[0].Bounds().Dx() != 64 {
		t.Fatalf("got %d images of %v, base %v", len(a.Images), a.Images[0].Bounds(), a.Base[0].Bounds())
	}
	b, err := p.Generate(ctx, quickOptions("a red apple", 7))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Images[0].Pix, b.Images[0].Pix) {
		t.Error("the same seed gave different images")
	}
	c, err := p.Generate(ctx, quickOptions("a red apple", 8))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Images[0].Pix, c.Images[0].Pix) {
		t.Error("another seed gave the same image")
	}
}

func TestGenerateCancelWithinOneStep(t *testing.T) {
	p := tinyPipeline(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := quickOptions("a corgi", 1)
	o.BaseSteps = "10"
	steps := 0
	o.Progress = func(pr Progress) {
		steps++
		if pr.Stage == StageBase && pr.Step == 3 {
			cancel()
		}
	}
	_, err := p.Generate(ctx, o)
	if KindOf(err) != Canceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v (kind %v), want a Canceled error", err, KindOf(err))
	}
	if steps > 4 {
		t.Errorf("%d steps ran after cancelling at step 3; want at most one more", steps-3)
	}
}

func TestGenerateProgressAndPreview(t *testing.T) {
	p := tinyPipeline(t)
	o := quickOptions("", 3) // the empty prompt is valid (unconditional)
	o.BatchSize = 2
	o.PreviewEvery = 2
	var got []Progress
	o.Progress = func(pr Progress) { got = append(got, pr) }
	res, err := p.Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 2 {
		t.Fatalf("%d images, want 2", len(res.Images))
	}
	if len(got) != 4+2 {
		t.Fatalf("%d progress calls, want 6", len(got))
	}
	for i, pr := range got {
		wantPreview := pr.Step%2 == 0 || pr.Step == pr.Total
		if (pr.Preview != nil) != wantPreview || (pr.Preview != nil && len(pr.Preview) != 2) {
			t.Errorf("progress %d (%s %d/%d): preview %v", i, pr.Stage, pr.Step, pr.Total, pr.Preview != nil)
		}
	}
	if got[0].Stage != StageBase || got[len(got)-1].Stage != StageUpsample || got[len(got)-1].Step != 2 {
		t.Errorf("stages: first %+v last %+v", got[0], got[len(got)-1])
	}
}

func TestOptionsValidate(t *testing.T) {
	for name, mut := range map[string]func(*Options){
		"guidance NaN":      func(o *Options) { o.GuidanceScale = math.NaN() },
		"guidance Inf":      func(o *Options) { o.GuidanceScale = math.Inf(1) },
		"guidance negative": func(o *Options) { o.GuidanceScale = -1 },
		"steps 0":           func(o *Options) { o.BaseSteps = "0" },
		"steps 1001":        func(o *Options) { o.BaseSteps = "1001" },
		"steps junk":        func(o *Options) { o.BaseSteps = "fast" },
		"upsample junk":     func(o *Options) { o.UpsampleSteps = "ddim0" },
		"batch 0":           func(o *Options) { o.BatchSize = 0 },
		"batch huge":        func(o *Options) { o.BatchSize = 1000 },
		"temp 0":            func(o *Options) { o.UpsampleTemp = 0 },
	} {
		o := DefaultOptions()
		mut(&o)
		err := o.Validate()
		if KindOf(err) != BadInput {
			t.Errorf("%s: err = %v, want a BadInput error", name, err)
		}
	}
	if err := DefaultOptions().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestQuantize8(t *testing.T) {
	in := []float32{-1, 1, 0, -0.5, 0.999, 2, -3}
	got := Quantize8(in)
	for i, v := range got {
		q := (v + 1) * 127.5
		if math.Abs(float64(q-float32(math.Round(float64(q))))) > 1e-4 || v < -1 || v > 1 {
			t.Errorf("Quantize8(%v) = %v is not an 8-bit level in [-1, 1]", in[i], v)
		}
	}
	if got[0] != -1 || got[1] != 1 {
		t.Errorf("ends: %v", got[:2])
	}
}

// syncCounter is a CPU device that claims to queue work, counting syncs.
type syncCounter struct {
	*nn.CPU
	syncs int
}

func (s *syncCounter) Sync() error { s.syncs++; return nil }

// On a device that queues work the pipeline waits for every step, so that
// progress and cancellation follow the device.
func TestGenerateSyncsEveryStep(t *testing.T) {
	p := tinyPipeline(t)
	dev := &syncCounter{CPU: p.Device.(*nn.CPU)}
	p.Device = dev
	if _, err := p.Generate(context.Background(), quickOptions("x", 2)); err != nil {
		t.Fatal(err)
	}
	if dev.syncs != 4+2 {
		t.Errorf("%d syncs, want one per step (6)", dev.syncs)
	}
}
