package model

import (
	"fmt"

	"github.com/webglide/webglide/glide/nn"
)

// Model is one GLIDE network (text transformer + UNet) with its weights on
// a device. The forward code only talks to nn.Device.
type Model struct {
	Cfg  Config
	dev  nn.Device
	w    Weights
	arch *arch
}

// New checks the weights against cfg and returns the model.
func New(dev nn.Device, cfg Config, w Weights) (*Model, error) {
	a, err := cfg.buildArch()
	if err != nil {
		return nil, err
	}
	if err := w.Check(cfg); err != nil {
		return nil, err
	}
	return &Model{Cfg: cfg, dev: dev, w: w, arch: a}, nil
}

// Device is the device the model runs on.
func (m *Model) Device() nn.Device { return m.dev }

// Weights returns the model's weights.
func (m *Model) Weights() Weights { return m.w }

// Release frees every weight tensor.
func (m *Model) Release() {
	for _, t := range m.w {
		m.dev.Release(t)
	}
	m.w = nil
}

// attnLayers lists every attention layer in forward order.
func (m *Model) attnLayers() []layer {
	var ls []layer
	visit := func(b block) {
		for _, l := range b.Layers {
			if l.Kind == layerAttn {
				ls = append(ls, l)
			}
		}
	}
	for _, b := range m.arch.Input {
		visit(b)
	}
	visit(m.arch.Middle)
	for _, b := range m.arch.Output {
		visit(b)
	}
	return ls
}

// conv1x1 returns a Conv1d weight (out, in, 1) as a 2-D conv weight
// (out, in, 1, 1) view.
func (m *Model) conv1x1(key string) *nn.Tensor {
	t := m.w[key]
	if t == nil {
		panic(fmt.Sprintf("model: no weight %s", key))
	}
	return t.Reshape(t.Shape[0], t.Shape[1], 1, 1)
}
