package main

import (
	"strings"

	"github.com/webglide/webglide/glide"
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
		return glide.LoadPipelineDir(dev, spec)
	}
	return glide.DetPipeline(dev, baseKind, upKind)
}
