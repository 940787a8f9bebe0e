package goldencheck

import (
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// WeightSource supplies a model's weights on a device for a configuration
// (check-golden --weights uses a bundle folder).
type WeightSource interface {
	// Weights returns the parameters for cfg, or ok=false when the source
	// has no weights for this configuration (the case then uses detweights).
	Weights(dev nn.Device, cfg model.Config) (w model.Weights, tolRel float64, ok bool, err error)
}
