package glide

import (
	"fmt"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// DetModel builds the preset model kind ("base", "tiny-upsample", …) on dev
// with detweights v1: deterministic weights for tests and smoke runs (the
// images they make are noise).
func DetModel(dev nn.Device, kind string) (*model.Model, error) {
	cfg, err := model.Preset(kind)
	if err != nil {
		return nil, &Error{Op: "load weights", Kind: BadInput, Err: err}
	}
	w, err := model.LoadWeights(dev, cfg, detrand.Weight)
	if err != nil {
		return nil, fmt.Errorf("detweights for %s: %w", kind, err)
	}
	return model.New(dev, cfg, w)
}

// DetPipeline is a pipeline of two preset models with detweights v1
// (upsample may be "" for a 64×64-only pipeline).
func DetPipeline(dev nn.Device, base, upsample string) (*Pipeline, error) {
	p := &Pipeline{Device: dev}
	var err error
	if p.Base, err = DetModel(dev, base); err != nil {
		return nil, err
	}
	if upsample != "" {
		if p.Upsampler, err = DetModel(dev, upsample); err != nil {
			p.Base.Release()
			return nil, err
		}
	}
	return p, nil
}
