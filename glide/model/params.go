package model

import "fmt"

// Param is one state_dict entry: its key and shape.
type Param struct {
	Name  string
	Shape []int
}

// Numel is the parameter's element count.
func (p Param) Numel() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Params returns the model's state_dict keys and shapes in the order the
// reference's state_dict() lists them: the model's own parameters
// (positional_embedding, padding_embedding), then the children in
// registration order: time_embed, input_blocks, middle_block,
// output_blocks, out, transformer, final_ln, token_embedding,
// transformer_proj.
func (c Config) Params() ([]Param, error) {
	a, err := c.buildArch()
	if err != nil {
		return nil, err
	}
	var ps []Param
	add := func(name string, shape ...int) { ps = append(ps, Param{name, shape}) }
	mc, E, D, L := c.NumChannels, c.TimeEmbedDim(), c.XFWidth, c.TextCtx

	add("positional_embedding", L, D)
	if c.XFPadding {
		add("padding_embedding", L, D)
	}
	add("time_embed.0.weight", E, mc)
	add("time_embed.0.bias", E)
	add("time_embed.2.weight", E, E)
	add("time_embed.2.bias", E)

	addLayer := func(l layer) {
		p := l.Prefix
		switch l.Kind {
		case layerConv:
			add(p+".weight", l.Out, l.In, 3, 3)
			add(p+".bias", l.Out)
		case layerRes:
			add(p+".in_layers.0.weight", l.In)
			add(p+".in_layers.0.bias", l.In)
			add(p+".in_layers.2.weight", l.Out, l.In, 3, 3)
			add(p+".in_layers.2.bias", l.Out)
			add(p+".emb_layers.1.weight", 2*l.Out, E)
			add(p+".emb_layers.1.bias", 2*l.Out)
			add(p+".out_layers.0.weight", l.Out)
			add(p+".out_layers.0.bias", l.Out)
			add(p+".out_layers.3.weight", l.Out, l.Out, 3, 3)
			add(p+".out_layers.3.bias", l.Out)
			if l.In != l.Out {
				add(p+".skip_connection.weight", l.Out, l.In, 1, 1)
				add(p+".skip_connection.bias", l.Out)
			}
		case layerAttn:
			C := l.In
			add(p+".norm.weight", C)
			add(p+".norm.bias", C)
			add(p+".qkv.weight", 3*C, C, 1)
			add(p+".qkv.bias", 3*C)
			add(p+".encoder_kv.weight", 2*C, D, 1)
			add(p+".encoder_kv.bias", 2*C)
			add(p+".proj_out.weight", C, C, 1)
			add(p+".proj_out.bias", C)
		}
	}
	for _, b := range a.Input {
		for _, l := range b.Layers {
			addLayer(l)
		}
	}
	for _, l := range a.Middle.Layers {
		addLayer(l)
	}
	for _, b := range a.Output {
		for _, l := range b.Layers {
			addLayer(l)
		}
	}
	add("out.0.weight", mc)
	add("out.0.bias", mc)
	add("out.2.weight", c.OutChannels(), mc, 3, 3)
	add("out.2.bias", c.OutChannels())

	for i := range c.XFLayers {
		p := fmt.Sprintf("transformer.resblocks.%d", i)
		add(p+".attn.c_qkv.weight", 3*D, D)
		add(p+".attn.c_qkv.bias", 3*D)
		add(p+".attn.c_proj.weight", D, D)
		add(p+".attn.c_proj.bias", D)
		add(p+".ln_1.weight", D)
		add(p+".ln_1.bias", D)
		add(p+".mlp.c_fc.weight", 4*D, D)
		add(p+".mlp.c_fc.bias", 4*D)
		add(p+".mlp.c_proj.weight", D, 4*D)
		add(p+".mlp.c_proj.bias", D)
		add(p+".ln_2.weight", D)
		add(p+".ln_2.bias", D)
	}
	if c.XFFinalLN {
		add("final_ln.weight", D)
		add("final_ln.bias", D)
	}
	add("token_embedding.weight", VocabSize, D)
	add("transformer_proj.weight", E, D)
	add("transformer_proj.bias", E)
	return ps, nil
}

// VocabSize is the GPT-2 BPE vocabulary size (token_embedding rows).
const VocabSize = 50257

// NumParams is the total parameter count.
func (c Config) NumParams() (int, error) {
	ps, err := c.Params()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		n += p.Numel()
	}
	return n, nil
}
