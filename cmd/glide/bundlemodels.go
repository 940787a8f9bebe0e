package main

import (
	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

// loadBundlePipeline loads the base and upsample bundles under dir.
func loadBundlePipeline(dev nn.Device, dir string) (*glide.Pipeline, error) {
	return glide.LoadPipelineDir(dev, dir)
}
