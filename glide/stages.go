package glide

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/webglide/webglide/glide/bpe"
	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// noiseStream is the PCG stream constant of the pipeline's generator; with
// the seed it fixes every noise value ("glide" in ASCII).
const noiseStream = 0x676c696465

// repeat returns n copies of v end to end (the same image for every row of
// a batch).
func repeat(v []float32, n int) []float32 {
	out := make([]float32, 0, n*len(v))
	for range n {
		out = append(out, v...)
	}
	return out
}

// checkModels says whether the loaded models fit the run: the inpainting
// pair when inpaint is set, the text-to-image pair otherwise.
func (p *Pipeline) checkModels(op string, inpaint bool) error {
	if p.Base == nil {
		return Errorf(op, BadWeights, "no base model loaded")
	}
	if p.Base.Cfg.SuperRes {
		return Errorf(op, BadWeights, "the base model slot holds an upsampler (%s)", p.Base.Cfg.Kind())
	}
	if p.Upsampler != nil && !p.Upsampler.Cfg.SuperRes {
		return Errorf(op, BadWeights, "the upsampler slot holds a %s model", p.Upsampler.Cfg.Kind())
	}
	for _, m := range []*model.Model{p.Base, p.Upsampler} {
		if m == nil || m.Cfg.Inpaint == inpaint {
			continue
		}
		if inpaint {
			return Errorf(op, Unsupported, "editing needs the inpainting models (base-inpaint, upsample-inpaint); the %s model is a text-to-image model", m.Cfg.Kind())
		}
		return Errorf(op, Unsupported, "the inpainting models need a source image and mask; text-to-image generation uses the base and upsample models")
	}
	return nil
}

// run is the two-stage sampler behind Generate and Inpaint: guided base
// sampling at 64×64, 8-bit quantisation, then the upsampler. kn != nil
// makes it the inpainting notebook's run: the source and mask are extra
// model inputs, the known region is forced into every x0 prediction, and
// the upsampler samples ancestrally.
func (p *Pipeline) run(ctx context.Context, op string, opts Options, kn *known) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := p.ensureBase(); err != nil {
		return nil, err
	}
	if err := p.checkModels(op, kn != nil); err != nil {
		return nil, err
	}
	dev := p.Device
	B := opts.BatchSize
	rng := rand.New(rand.NewPCG(opts.Seed, noiseStream))
	normal := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
			if scale != 1 {
				v[i] *= scale // float32 multiply, as the reference scales x_T
			}
		}
		return v
	}
	noise := func(i int, shape []int) (*nn.Tensor, error) {
		return dev.Upload(normal(nn.Numel(shape), 1), shape...), nil
	}
	res := &Result{}
	if kn != nil {
		res.Warnings = append(res.Warnings, kn.warnings...)
	}

	// Tokens: the prompt for B rows and the empty prompt for B rows (the
	// unconditional half of classifier-free guidance).
	ids := bpe.Encode(opts.Prompt)
	bc := p.Base.Cfg
	tok, mask := bpe.PaddedTokensAndMask(ids, bc.TextCtx)
	res.Tokens = min(len(ids), bc.TextCtx)
	if res.Truncated = bpe.Truncated(ids, bc.TextCtx); res.Truncated > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the prompt has %d tokens; the last %d beyond the model's %d were dropped", len(ids), res.Truncated, bc.TextCtx))
	}
	empty, emptyMask := bpe.PaddedTokensAndMask(nil, bc.TextCtx)
	var tokens []int32
	var masks []bool
	for range B {
		tokens, masks = append(tokens, tok...), append(masks, mask...)
	}
	for range B {
		tokens, masks = append(tokens, empty...), append(masks, emptyMask...)
	}

	// Stage 1: the base model at 64×64 with guidance.
	p.stagePeak(res, StageBase, true)
	baseDiff, err := diffusion.New(bc.NoiseSchedule, bc.DiffusionSteps, opts.BaseSteps)
	if err != nil {
		return nil, Errorf(op, BadInput, "steps: %v", err)
	}
	S := bc.ImageSize
	var in model.Inputs
	var kb *nn.Known
	if kn != nil {
		// The model sees image·mask and mask on all 2B rows (the notebook
		// repeats them for the unconditional half too); the sampler steps
		// B rows.
		src, keep, err := kn.at(S)
		if err != nil {
			return nil, err
		}
		if in.Masked, in.Mask, err = model.InpaintInputs(dev, repeat(src, 2*B), repeat(keep, 2*B), 2*B, S, S); err != nil {
			return nil, &Error{Op: op, Kind: BadInput, Err: err}
		}
		kb = &nn.Known{Image: dev.Upload(repeat(src, B), B, 3, S, S), Mask: dev.Upload(repeat(keep, B), B, 1, S, S)}
		defer dev.Release(in.Masked, in.Mask, kb.Image, kb.Mask)
	}
	text, err := p.Base.EncodeText(tokens, masks, nil)
	if err != nil {
		return nil, deviceErr(op, err)
	}
	defer text.Release(dev)
	net := func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		return p.Base.Forward(x, t, text, in, nil)
	}
	xT := dev.Upload(normal(B*3*S*S, 1), B, 3, S, S)
	sample, err := baseDiff.Sample(ctx, dev, diffusion.Guided(net, dev, float32(opts.GuidanceScale)), xT, noise,
		diffusion.SampleOptions{Sampler: diffusion.Ancestral, Known: kb, OnStep: p.onStep(StageBase, opts)})
	dev.Release(xT)
	text.Release(dev)
	if err != nil {
		return nil, stepErr(op, err)
	}
	base, err := dev.Download(sample)
	dev.Release(sample)
	if err != nil {
		return nil, deviceErr(op, err)
	}
	res.Base = toImages(base, B, S, S)
	p.stagePeak(res, StageBase, false)
	if err := p.ensureUpsampler(kn != nil); err != nil {
		return nil, err
	}
	if p.Upsampler == nil {
		res.Images = res.Base
		return res, nil
	}

	// Stage 2: the upsampler, conditioned on the 8-bit quantised base
	// sample and the prompt (its own tokens, no guidance).
	p.stagePeak(res, StageUpsample, true)
	uc := p.Upsampler.Cfg
	U := uc.ImageSize
	upDiff, err := diffusion.New(uc.NoiseSchedule, uc.DiffusionSteps, opts.UpsampleSteps)
	if err != nil {
		return nil, Errorf(op, BadInput, "upsample steps: %v", err)
	}
	utok, umask := bpe.PaddedTokensAndMask(ids, uc.TextCtx)
	tokens, masks = nil, nil
	for range B {
		tokens, masks = append(tokens, utok...), append(masks, umask...)
	}
	utext, err := p.Upsampler.EncodeText(tokens, masks, nil)
	if err != nil {
		return nil, deviceErr(op, err)
	}
	defer utext.Release(dev)
	uin := model.Inputs{LowRes: dev.Upload(Quantize8(base), B, 3, S, S)}
	defer dev.Release(uin.LowRes)
	// Text-to-image upsamples with DDIM (η = 0), as the text2im notebook
	// does; the inpaint notebook instead runs the ancestral p_sample loop
	// for its upsampler, and we follow each notebook so that the same
	// settings give the reference's images.
	sampler := diffusion.DDIM(0)
	var ku *nn.Known
	if kn != nil {
		sampler = diffusion.Ancestral
		src, keep, err := kn.at(U)
		if err != nil {
			return nil, err
		}
		if uin.Masked, uin.Mask, err = model.InpaintInputs(dev, repeat(src, B), repeat(keep, B), B, U, U); err != nil {
			return nil, &Error{Op: op, Kind: BadInput, Err: err}
		}
		ku = &nn.Known{Image: dev.Upload(repeat(src, B), B, 3, U, U), Mask: dev.Upload(repeat(keep, B), B, 1, U, U)}
		defer dev.Release(uin.Masked, uin.Mask, ku.Image, ku.Mask)
	}
	unet := func(ctx context.Context, x *nn.Tensor, t []float32) (*nn.Tensor, error) {
		return p.Upsampler.Forward(x, t, utext, uin, nil)
	}
	uxT := dev.Upload(normal(B*3*U*U, float32(opts.UpsampleTemp)), B, 3, U, U)
	up, err := upDiff.Sample(ctx, dev, unet, uxT, noise,
		diffusion.SampleOptions{Sampler: sampler, Known: ku, OnStep: p.onStep(StageUpsample, opts)})
	dev.Release(uxT)
	if err != nil {
		return nil, stepErr(op, err)
	}
	out, err := dev.Download(up)
	dev.Release(up)
	if err != nil {
		return nil, deviceErr(op, err)
	}
	res.Images = toImages(out, B, U, U)
	p.stagePeak(res, StageUpsample, false)
	return res, nil
}
