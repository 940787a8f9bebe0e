package glide

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"

	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// Options are the settings of one text-to-image run. DefaultOptions gives
// the reference notebook's values.
type Options struct {
	Prompt        string
	Seed          uint64
	GuidanceScale float64 // classifier-free guidance scale s (3 in the notebook)
	BaseSteps     string  // base respacing: "100", "50", "ddim25", "10,10,3,2,2", …
	UpsampleSteps string  // upsampler respacing, "fast27" in the notebook (DDIM, η = 0)
	UpsampleTemp  float64 // upsampler start-noise scale (0.997)
	BatchSize     int     // images per run (≥ 1)

	// Progress, if set, is called after every sampling step.
	Progress func(Progress)
	// PreviewEvery > 0 asks for the x0 prediction as a small image every
	// PreviewEvery steps (and on each stage's last step).
	PreviewEvery int
}

// DefaultOptions returns the text2im notebook's settings.
func DefaultOptions() Options {
	return Options{GuidanceScale: 3, BaseSteps: "100", UpsampleSteps: "fast27", UpsampleTemp: 0.997, BatchSize: 1}
}

// Limits on the options: more steps than the 1000 trained timesteps are
// meaningless; the batch bound keeps a typo from allocating gigabytes.
const (
	MaxSteps     = 1000
	MaxBatchSize = 16
)

// Validate checks the options before any compute starts. Every problem is
// a BadInput *Error naming the option.
func (o Options) Validate() error {
	bad := func(f string, a ...any) error { return Errorf("options", BadInput, f, a...) }
	if math.IsNaN(o.GuidanceScale) || math.IsInf(o.GuidanceScale, 0) || o.GuidanceScale < 0 {
		return bad("guidance scale must be a finite number ≥ 0, got %v", o.GuidanceScale)
	}
	if math.IsNaN(o.UpsampleTemp) || math.IsInf(o.UpsampleTemp, 0) || o.UpsampleTemp <= 0 || o.UpsampleTemp > 2 {
		return bad("upsample temperature must be in (0, 2], got %v", o.UpsampleTemp)
	}
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		return bad("batch size must be between 1 and %d, got %d", MaxBatchSize, o.BatchSize)
	}
	for _, s := range []struct{ name, spec string }{{"steps", o.BaseSteps}, {"upsample steps", o.UpsampleSteps}} {
		ts, err := diffusion.SpaceTimesteps(MaxSteps, s.spec)
		if err != nil {
			return bad("%s %q: %v (use a count such as 100, \"ddimN\", \"fast27\" or a comma list such as 10,10,3,2,2)", s.name, s.spec, err)
		}
		if len(ts) == 0 || len(ts) > MaxSteps {
			return bad("%s %q gives %d steps, want 1..%d", s.name, s.spec, len(ts), MaxSteps)
		}
	}
	if o.PreviewEvery < 0 {
		return bad("preview interval must be ≥ 0, got %d", o.PreviewEvery)
	}
	return nil
}

// Stage names a phase of the pipeline.
type Stage string

const (
	StageBase     Stage = "base"
	StageUpsample Stage = "upsample"
)

// Progress reports one finished sampling step.
type Progress struct {
	Stage       Stage
	Step, Total int // Step counts 1..Total
	// Preview holds the current x0 prediction of each image (64×64 or
	// 256×256) when Options.PreviewEvery asked for one on this step.
	Preview []*image.RGBA
}

// Result is the output of Generate.
type Result struct {
	Images    []*image.RGBA // final images (256×256, or 64×64 without an upsampler)
	Base      []*image.RGBA // the 64×64 base samples
	Tokens    int           // prompt tokens used
	Truncated int           // prompt tokens dropped beyond the text context
	Warnings  []string
	// PeakMemory is the most memory the device held during each stage,
	// in bytes (devices that account for it: nn.MemoryStats; the WebGPU
	// device counts its GPU buffers, the models' weights included).
	PeakMemory map[Stage]int64
}

// Pipeline generates images from text with a base model and an optional
// upsampler on one device. Models are loaded by the caller and reused across
// runs; text encodings are made once per run and stage.
type Pipeline struct {
	Device    nn.Device
	Base      *model.Model
	Upsampler *model.Model // nil: stop at the 64×64 base sample (unless LoadUpsampler is set)

	// OneModel keeps one model at a time on the device, for GPUs too small
	// for both: the base model is released (and the device trimmed,
	// nn.Trimmer) before LoadUpsampler loads the upsampler, and the
	// upsampler before LoadBase loads the base model again on the next run.
	OneModel bool
	// LoadBase and LoadUpsampler load a model when its slot is empty (nil:
	// that model is not loaded on demand).
	LoadBase, LoadUpsampler func() (*model.Model, error)
}

// release frees m's weights and, on a device that keeps freed memory for
// reuse, gives that memory back.
func (p *Pipeline) release(m *model.Model) {
	if m == nil {
		return
	}
	m.Release()
	if t, ok := p.Device.(nn.Trimmer); ok {
		t.Trim()
	}
}

// ensureBase loads the base model if its slot is empty (OneModel: after
// releasing the upsampler).
func (p *Pipeline) ensureBase() error {
	if p.Base != nil || p.LoadBase == nil {
		return nil
	}
	if p.OneModel {
		p.release(p.Upsampler)
		p.Upsampler = nil
	}
	m, err := p.LoadBase()
	if err != nil {
		return err
	}
	p.Base = m
	return nil
}

// ensureUpsampler loads the upsampler if its slot is empty (OneModel:
// after releasing the base model); inpaint says which kind the run needs.
func (p *Pipeline) ensureUpsampler(inpaint bool) error {
	if p.Upsampler != nil || p.LoadUpsampler == nil {
		return nil
	}
	if p.OneModel {
		p.release(p.Base)
		p.Base = nil
	}
	m, err := p.LoadUpsampler()
	if err != nil {
		return err
	}
	if !m.Cfg.SuperRes || m.Cfg.Inpaint != inpaint {
		m.Release()
		return Errorf("load upsampler", BadWeights, "the upsampler slot holds a %s model", m.Cfg.Kind())
	}
	p.Upsampler = m
	return nil
}

// stagePeak starts (start) or ends a stage's memory accounting.
func (p *Pipeline) stagePeak(res *Result, stage Stage, start bool) {
	ms, ok := p.Device.(nn.MemoryStats)
	if !ok {
		return
	}
	if start {
		ms.ResetPeak()
		return
	}
	if res.PeakMemory == nil {
		res.PeakMemory = map[Stage]int64{}
	}
	_, res.PeakMemory[stage] = ms.Memory()
}

// Generate runs prompt → tokens → guided base sampling → 8-bit
// quantisation → upsampling. One PCG generator seeded by opts.Seed supplies
// all noise in a fixed order (base x_T, base step noise in step order,
// upsampler x_T, upsampler step noise), so a seed gives the same image on
// every device and platform up to the device's arithmetic.
// Cancellation through ctx is honoured between steps.
func (p *Pipeline) Generate(ctx context.Context, opts Options) (*Result, error) {
	return p.run(ctx, "generate", opts, nil)
}

// onStep adapts the sampler's per-step callback to Options.Progress. On a
// device that queues work (a GPU), it first waits for the step to finish:
// otherwise the loop would record all steps in a moment, progress would
// run ahead of the GPU, and a cancel would only arrive after all the work.
func (p *Pipeline) onStep(stage Stage, opts Options) func(diffusion.Step) error {
	syncer, _ := p.Device.(nn.Syncer)
	if opts.Progress == nil && syncer == nil {
		return nil
	}
	return func(s diffusion.Step) error {
		if syncer != nil {
			if err := syncer.Sync(); err != nil {
				return err
			}
		}
		if opts.Progress == nil {
			return nil
		}
		pr := Progress{Stage: stage, Step: s.Index + 1, Total: s.Total}
		if opts.PreviewEvery > 0 && (pr.Step%opts.PreviewEvery == 0 || pr.Step == pr.Total) {
			x0, err := p.Device.Download(s.X0)
			if err != nil {
				return err
			}
			pr.Preview = toImages(x0, s.X0.Shape[0], s.X0.Shape[2], s.X0.Shape[3])
		}
		opts.Progress(pr)
		return nil
	}
}

// toImages converts B planar (3, H, W) images in [−1, 1] to RGBA.
func toImages(x []float32, b, h, w int) []*image.RGBA {
	imgs := make([]*image.RGBA, b)
	plane := h * w
	for n := range b {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		base := n * 3 * plane
		for i := range plane {
			img.SetRGBA(i%w, i/w, color.RGBA{
				R: ToByte(x[base+i]), G: ToByte(x[base+plane+i]), B: ToByte(x[base+2*plane+i]), A: 255,
			})
		}
		imgs[n] = img
	}
	return imgs
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// stepErr classifies an error from a sampling loop.
func stepErr(op string, err error) error {
	if isCanceled(err) {
		return &Error{Op: op, Kind: Canceled, Err: err}
	}
	return deviceErr(op, err)
}

// deviceErr keeps a typed error's kind, or marks the error as unknown.
func deviceErr(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Kind: KindUnknown, Err: err}
}
