package model

import (
	"fmt"

	"github.com/webglide/webglide/glide/nn"
)

// Text is the text side of one stage for a batch of prompts, computed once
// per prompt and stage (the reference recomputes it on every call; the
// result is identical since tokens never change during sampling).
type Text struct {
	Batch  int
	XFProj *nn.Tensor            // (B, E) transformer_proj of the last position
	XFOut  *nn.Tensor            // (B, D, L) final_ln output, channels first
	KV     map[string]*nn.Tensor // attention prefix → (B, 2C, L) encoder_kv(xf_out)
}

// Release frees the text tensors.
func (t *Text) Release(dev nn.Device) {
	dev.Release(t.XFProj, t.XFOut)
	for _, kv := range t.KV {
		dev.Release(kv)
	}
}

// Hook, when non-nil, receives named intermediate tensors during a forward
// pass (for tests against the reference's hooked activations). The tensor
// must not be released by the hook.
type Hook func(name string, t *nn.Tensor)

// EncodeText runs the text transformer on B prompts (tokens and mask of
// length B·text_ctx) and precomputes every attention block's text K/V.
//
// Hook names: text/xf_in, text/resblocks.<i>, text/transformer_out,
// text/xf_out, text/xf_proj.
func (m *Model) EncodeText(tokens []int32, mask []bool, hook Hook) (*Text, error) {
	c, d := m.Cfg, m.dev
	L, D := c.TextCtx, c.XFWidth
	if len(tokens) == 0 || len(tokens)%L != 0 || len(mask) != len(tokens) {
		return nil, fmt.Errorf("model: EncodeText: %d tokens and %d mask values, want a multiple of text_ctx %d", len(tokens), len(mask), L)
	}
	for _, tok := range tokens {
		if tok < 0 || int(tok) >= VocabSize {
			return nil, fmt.Errorf("model: token id %d outside the vocabulary [0, %d)", tok, VocabSize)
		}
	}
	B := len(tokens) / L
	emit := func(name string, t *nn.Tensor) {
		if hook != nil {
			hook(name, t)
		}
	}
	w := m.w
	// (B, L, D): token + position embedding; padding positions take
	// padding_embedding instead (xf_padding).
	var pad *nn.Tensor
	if c.XFPadding {
		pad = w["padding_embedding"]
	}
	x := d.TokenEmbedding(w["token_embedding.weight"], w["positional_embedding"], pad, tokens, mask)
	emit("text/xf_in", x)

	for i := range c.XFLayers {
		p := fmt.Sprintf("transformer.resblocks.%d.", i)
		// x = x + c_proj(attn(c_qkv(ln_1(x))))
		h := d.LayerNorm(x, w[p+"ln_1.weight"], w[p+"ln_1.bias"], 1e-5)
		qkv := d.Linear(h, w[p+"attn.c_qkv.weight"], w[p+"attn.c_qkv.bias"]) // (B, L, 3D), per-head [q|k|v]
		qkvT := d.Transpose(qkv)                                             // (B, 3D, L)
		a := d.Attention(qkvT, nil, c.XFHeads)                               // (B, D, L)
		aT := d.Transpose(a)                                                 // (B, L, D)
		pr := d.Linear(aT, w[p+"attn.c_proj.weight"], w[p+"attn.c_proj.bias"])
		x2 := d.Add(x, pr)
		d.Release(h, qkv, qkvT, a, aT, pr, x)
		x = x2
		// x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))
		h = d.LayerNorm(x, w[p+"ln_2.weight"], w[p+"ln_2.bias"], 1e-5)
		f := d.Linear(h, w[p+"mlp.c_fc.weight"], w[p+"mlp.c_fc.bias"]) // (B, L, 4D)
		g := d.GELU(f)
		o := d.Linear(g, w[p+"mlp.c_proj.weight"], w[p+"mlp.c_proj.bias"])
		x2 = d.Add(x, o)
		d.Release(h, f, g, o, x)
		x = x2
		emit(fmt.Sprintf("text/resblocks.%d", i), x)
	}
	emit("text/transformer_out", x)
	if c.XFFinalLN {
		x2 := d.LayerNorm(x, w["final_ln.weight"], w["final_ln.bias"], 1e-5)
		d.Release(x)
		x = x2
	}
	t := &Text{Batch: B, KV: map[string]*nn.Tensor{}}
	t.XFOut = d.Transpose(x) // (B, D, L)
	emit("text/xf_out", t.XFOut)
	// xf_proj reads the last position, which is usually padding.
	last := d.Slice(x, 1, L-1, L).Reshape(B, D)
	t.XFProj = d.Linear(last, w["transformer_proj.weight"], w["transformer_proj.bias"]) // (B, E)
	emit("text/xf_proj", t.XFProj)
	d.Release(x, last)

	// encoder_kv of every attention block: a 1×1 conv over the text.
	xf := t.XFOut.Reshape(B, D, 1, L)
	for _, l := range m.attnLayers() {
		kv := d.Conv2D(xf, m.conv1x1(l.Prefix+".encoder_kv.weight"), w[l.Prefix+".encoder_kv.bias"], nil, 0)
		t.KV[l.Prefix] = kv.Reshape(B, 2*l.In, L)
	}
	return t, d.Err()
}
