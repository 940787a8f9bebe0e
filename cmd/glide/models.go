package main

import (
	"fmt"
	"strings"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// weightsHelp documents the --weights values every command accepts.
const weightsHelp = `weights: a folder holding the base/ and upsample/ bundles made by 'glide fetch' or 'glide convert',
or detweights:tiny (the golden fixtures' tiny models with deterministic weights, for smoke tests),
or detweights:full (the real configurations with deterministic weights; images are noise)`

// loadPipeline builds a text-to-image pipeline on dev from a --weights value.
func loadPipeline(dev nn.Device, spec string) (*glide.Pipeline, error) {
	var baseKind, upKind string
	switch spec {
	case "":
		return nil, glide.Errorf("load weights", glide.BadInput, "no weights given (--weights)")
	case "detweights:tiny":
		baseKind, upKind = "tiny-base", "tiny-upsample"
	case "detweights:full":
		baseKind, upKind = "base", "upsample"
	default:
		if strings.HasPrefix(spec, "detweights:") {
			return nil, glide.Errorf("load weights", glide.BadInput, "unknown %q (want detweights:tiny or detweights:full)", spec)
		}
		return loadBundlePipeline(dev, spec)
	}
	p := &glide.Pipeline{Device: dev}
	var err error
	if p.Base, err = detModel(dev, baseKind); err != nil {
		return nil, err
	}
	if p.Upsampler, err = detModel(dev, upKind); err != nil {
		return nil, err
	}
	return p, nil
}

// detModel builds a preset model with detweights v1.
func detModel(dev nn.Device, kind string) (*model.Model, error) {
	cfg, err := model.Preset(kind)
	if err != nil {
		return nil, err
	}
	w, err := model.LoadWeights(dev, cfg, func(p model.Param) ([]float32, error) { return detrand.Weight(p.Name, p.Shape) })
	if err != nil {
		return nil, fmt.Errorf("detweights for %s: %w", kind, err)
	}
	return model.New(dev, cfg, w)
}
