package goldencheck

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

func init() {
	kinds["tiny_model"] = checkModelCase
	kinds["full_forward"] = checkModelCase
}

// modelTol is the tolerance for model tensors on the CPU device: max|out −
// ref| ≤ 1e-4·max|ref| per tensor (issue 3). The reference's own BLAS
// builds differ by about 1e-6 relative (fixtures README §6).
const modelTol = 1e-4

// loadModel builds the model of cfg on env's device with weights from
// env.Weights when it has them, else detweights. It returns the relative
// tolerance to use for the model's outputs.
func loadModel(env *Env, cfg model.Config) (*model.Model, float64, error) {
	tol := modelTol * env.TolScale
	if env.Weights != nil {
		w, wtol, ok, err := env.Weights.Weights(env.Device, cfg)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			m, err := model.New(env.Device, cfg, w)
			return m, max(tol, wtol), err
		}
	}
	w, err := model.LoadWeights(env.Device, cfg, detrand.Weight)
	if err != nil {
		return nil, 0, err
	}
	m, err := model.New(env.Device, cfg, w)
	return m, tol, err
}

// tensorIn reads an input tensor of the case and uploads it.
func tensorIn(env *Env, c *golden.Case, name string) (*nn.Tensor, error) {
	v, shape, err := c.F32(name)
	if err != nil {
		return nil, err
	}
	return env.Device.Upload(v, shape...), nil
}

// timestepsIn reads an i32 timestep tensor as float32 original timesteps.
func timestepsIn(c *golden.Case, name string) ([]float32, error) {
	ts, _, err := c.I32(name)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(ts))
	for i, t := range ts {
		out[i] = float32(t)
	}
	return out, nil
}

// hookCollector downloads hooked tensors that the case stores.
type hookCollector struct {
	env    *Env
	c      *golden.Case
	prefix string // "act/" or "text/"
	acc    *golden.Accumulator
	tol    golden.Tolerance
	seen   map[string]bool
}

func (h *hookCollector) hook(name string, t *nn.Tensor) {
	key := name
	if h.prefix != "" && !strings.HasPrefix(name, h.prefix) {
		key = h.prefix + name
	}
	d, err := h.c.Desc(key)
	if err != nil {
		return
	}
	got, err := h.env.Device.Download(t)
	if err != nil {
		h.acc.Fail("%s: %v", key, err)
		return
	}
	want, _, err := h.c.F32(key)
	if err != nil {
		h.acc.Fail("%v", err)
		return
	}
	if len(d.FullShape) == 4 && !nn.SameShape(d.FullShape, d.Shape) {
		if !nn.SameShape(t.Shape, d.FullShape) {
			h.acc.Fail("%s: shape %v, want %v", key, t.Shape, d.FullShape)
			return
		}
		got = golden.Crop(got, t.Shape, d.Shape[2], d.Shape[3])
	} else if t.Numel() != d.Numel() {
		h.acc.Fail("%s: shape %v, want %v", key, t.Shape, d.Shape)
		return
	}
	h.acc.Check(h.tol, key, got, want)
	h.seen[key] = true
}

// checkModelCase checks a tiny_model or full_forward case: the text
// encoder tensors (if stored), one forward, and every hooked activation.
func checkModelCase(ctx context.Context, env *Env, c *golden.Case) golden.Result {
	cfgJSON := c.RawField("config")
	if cfgJSON == nil {
		return golden.Failed("case has no config")
	}
	cfg, err := model.ConfigFromJSON(cfgJSON)
	if err != nil {
		return golden.Failed("%v", err)
	}
	start := time.Now()
	m, tolRel, err := loadModel(env, cfg)
	if err != nil {
		return golden.Failed("%v", err)
	}
	defer m.Release()
	if env.Log != nil && strings.HasPrefix(c.Kind, "full") {
		fmt.Fprintf(env.Log, "  %s: weights ready in %.1fs\n", c.Name, time.Since(start).Seconds())
	}
	tol := golden.Tolerance{Rel: tolRel}
	var acc golden.Accumulator
	dev := env.Device

	// Text encoder on its own prompts (tiny cases store text/*).
	if c.HasTensor("text/tokens") {
		tokens, _, err1 := c.I32("text/tokens")
		mask, _, err2 := c.Bool("text/mask")
		if err := firstErr(err1, err2); err != nil {
			return golden.Failed("%v", err)
		}
		hc := &hookCollector{env: env, c: c, acc: &acc, tol: tol, seen: map[string]bool{}}
		text, err := m.EncodeText(tokens, mask, hc.hook)
		if err != nil {
			return golden.Failed("text encoder: %v", err)
		}
		text.Release(dev)
		for _, d := range c.Tensors {
			if strings.HasPrefix(d.Name, "text/") && d.Role != "input" && !hc.seen[d.Name] {
				acc.Fail("%s: stored but never produced", d.Name)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return golden.Failed("%v", err)
	}

	// One forward. Tiny cases prefix their tensors with fwd/.
	p := ""
	if c.HasTensor("fwd/x_t") {
		p = "fwd/"
	}
	tokens, _, err1 := c.I32(p + "tokens")
	mask, _, err2 := c.Bool(p + "mask")
	ts, err3 := timestepsIn(c, p+"timesteps")
	x, err4 := tensorIn(env, c, p+"x_t")
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return golden.Failed("%v", err)
	}
	var in model.Inputs
	if c.HasTensor(p + "low_res") {
		if in.LowRes, err = tensorIn(env, c, p+"low_res"); err != nil {
			return golden.Failed("%v", err)
		}
	}
	if c.HasTensor(p + "inpaint_image") {
		img, shape, err1 := c.F32(p + "inpaint_image")
		msk, _, err2 := c.F32(p + "inpaint_mask")
		if err := firstErr(err1, err2); err != nil {
			return golden.Failed("%v", err)
		}
		if in.Masked, in.Mask, err = model.InpaintInputs(dev, img, msk, shape[0], shape[2], shape[3]); err != nil {
			return golden.Failed("%v", err)
		}
	}
	hc := &hookCollector{env: env, c: c, prefix: "act/", acc: &acc, tol: tol, seen: map[string]bool{}}
	text, err := m.EncodeText(tokens, mask, func(name string, t *nn.Tensor) {
		if name == "text/xf_proj" {
			hc.hook("transformer_proj", t)
		}
	})
	if err != nil {
		return golden.Failed("text encoder: %v", err)
	}
	out, err := m.Forward(x, ts, text, in, hc.hook)
	if err != nil {
		return golden.Failed("forward: %v", err)
	}
	got, err := dev.Download(out)
	if err != nil {
		return golden.Failed("%v", err)
	}
	want, _, err := c.F32(p + "output")
	if err != nil {
		return golden.Failed("%v", err)
	}
	acc.Check(tol, p+"output", got, want)
	dev.Release(out, x, in.LowRes, in.Masked, in.Mask)
	text.Release(dev)
	for _, d := range c.Tensors {
		if strings.HasPrefix(d.Name, "act/") && !hc.seen[d.Name] {
			acc.Fail("%s: hook never fired", d.Name)
		}
	}
	if env.Log != nil && strings.HasPrefix(c.Kind, "full") {
		fmt.Fprintf(env.Log, "  %s: checked in %.1fs\n", c.Name, time.Since(start).Seconds())
	}
	return acc.Result("max_rel_err")
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
