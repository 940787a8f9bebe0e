// Package model holds GLIDE's configurations, the parameter table derived
// from a configuration, and the text transformer and UNet written once
// against nn.Device.
//
// Ported from glide-text2im model_creation.py, text2im_model.py, unet.py and
// xf.py @69b5307 (read, not copied): the layer layout, key names and
// semantics follow the reference; the code is ours.
package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Config is the reference's create_model_and_diffusion argument set. The
// JSON field names are the reference's, so a golden case.json "config"
// object or a bundle manifest's config decodes directly.
type Config struct {
	ImageSize            int     `json:"image_size"`
	NumChannels          int     `json:"num_channels"`
	NumResBlocks         int     `json:"num_res_blocks"`
	ChannelMult          string  `json:"channel_mult"`
	NumHeads             int     `json:"num_heads"`
	NumHeadChannels      int     `json:"num_head_channels"`
	NumHeadsUpsample     int     `json:"num_heads_upsample"`
	AttentionResolutions string  `json:"attention_resolutions"`
	Dropout              float64 `json:"dropout"`
	TextCtx              int     `json:"text_ctx"`
	XFWidth              int     `json:"xf_width"`
	XFLayers             int     `json:"xf_layers"`
	XFHeads              int     `json:"xf_heads"`
	XFFinalLN            bool    `json:"xf_final_ln"`
	XFPadding            bool    `json:"xf_padding"`
	DiffusionSteps       int     `json:"diffusion_steps"`
	NoiseSchedule        string  `json:"noise_schedule"`
	TimestepRespacing    string  `json:"timestep_respacing"`
	UseScaleShiftNorm    bool    `json:"use_scale_shift_norm"`
	ResblockUpdown       bool    `json:"resblock_updown"`
	UseFP16              bool    `json:"use_fp16"`
	CacheTextEmb         bool    `json:"cache_text_emb"`
	Inpaint              bool    `json:"inpaint"`
	SuperRes             bool    `json:"super_res"`
}

// Kinds of released model, in the order the reference lists them.
var Kinds = []string{"base", "upsample", "base-inpaint", "upsample-inpaint"}

// baseDefaults is model_and_diffusion_defaults() of the reference.
func baseDefaults() Config {
	return Config{
		ImageSize: 64, NumChannels: 192, NumResBlocks: 3, ChannelMult: "",
		NumHeads: 1, NumHeadChannels: 64, NumHeadsUpsample: -1,
		AttentionResolutions: "32,16,8", Dropout: 0.1,
		TextCtx: 128, XFWidth: 512, XFLayers: 16, XFHeads: 8,
		XFFinalLN: true, XFPadding: true,
		DiffusionSteps: 1000, NoiseSchedule: "squaredcos_cap_v2", TimestepRespacing: "",
		UseScaleShiftNorm: true, ResblockUpdown: true, UseFP16: false,
	}
}

// Preset returns the default configuration of a released model kind
// ("base", "upsample", "base-inpaint", "upsample-inpaint"), with use_fp16
// off (our devices choose their own precision).
func Preset(kind string) (Config, error) {
	c := baseDefaults()
	switch kind {
	case "base":
	case "base-inpaint":
		c.Inpaint = true
	case "upsample", "upsample-inpaint":
		// model_and_diffusion_defaults_upsampler() changes four fields.
		c.ImageSize = 256
		c.NumResBlocks = 2
		c.NoiseSchedule = "linear"
		c.SuperRes = true
		c.Inpaint = kind == "upsample-inpaint"
	case "tiny-base", "tiny-base-inpaint":
		// The golden fixtures' tiny base model: the real layout with small
		// widths, for tests and smoke runs.
		c.NumChannels, c.ChannelMult, c.NumResBlocks = 32, "1,1,2,2", 2
		c.XFWidth, c.XFLayers, c.XFHeads, c.NumHeadChannels = 32, 2, 2, 16
		c.TimestepRespacing = "100"
		c.Inpaint = kind == "tiny-base-inpaint"
	case "tiny-upsample", "tiny-upsample-inpaint":
		// The golden fixtures' tiny upsampler.
		c.ImageSize, c.NoiseSchedule, c.SuperRes = 256, "linear", true
		c.NumChannels, c.ChannelMult, c.NumResBlocks = 32, "1,1,1,1,1,2", 1
		c.XFWidth, c.XFLayers, c.XFHeads, c.NumHeadChannels = 16, 2, 2, 16
		c.TimestepRespacing = "fast27"
		c.Inpaint = kind == "tiny-upsample-inpaint"
	default:
		return Config{}, fmt.Errorf("model: unknown model kind %q (want one of %s, or a tiny- variant)", kind, strings.Join(Kinds, ", "))
	}
	return c, nil
}

// ConfigFromJSON decodes a configuration object. It accepts a bare config
// or any object holding one under "config" (a golden case.json, a bundle
// manifest), and validates it.
func ConfigFromJSON(data []byte) (Config, error) {
	var wrapped struct {
		Config *json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(data, &wrapped); err != nil {
		return Config{}, fmt.Errorf("model: config JSON: %w", err)
	}
	raw := data
	if wrapped.Config != nil {
		raw = *wrapped.Config
	}
	c := baseDefaults()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("model: config JSON: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Kind names the model class: "base", "upsample", "base-inpaint" or
// "upsample-inpaint" (for any size of configuration).
func (c Config) Kind() string {
	k := "base"
	if c.SuperRes {
		k = "upsample"
	}
	if c.Inpaint {
		k += "-inpaint"
	}
	return k
}

// ModelClass is the reference's class name for this configuration.
func (c Config) ModelClass() string {
	switch {
	case c.SuperRes && c.Inpaint:
		return "SuperResInpaintText2ImUnet"
	case c.SuperRes:
		return "SuperResText2ImUNet"
	case c.Inpaint:
		return "InpaintText2ImUNet"
	}
	return "Text2ImUNet"
}

// InChannels is the UNet's input channel count: x (3), plus image·mask (3)
// and mask (1) for inpainting, plus the upsampled low-res image (3) for
// super-resolution.
func (c Config) InChannels() int {
	n := 3
	if c.Inpaint {
		n += 4
	}
	if c.SuperRes {
		n += 3
	}
	return n
}

// OutChannels is 6: eps (3) and the learned-variance values (3).
func (c Config) OutChannels() int { return 6 }

// TimeEmbedDim is the time-embedding width, 4·num_channels.
func (c Config) TimeEmbedDim() int { return 4 * c.NumChannels }

// ChannelMults parses channel_mult, choosing the reference's default for
// the image size when it is empty.
func (c Config) ChannelMults() ([]int, error) {
	if c.ChannelMult == "" {
		switch c.ImageSize {
		case 256:
			return []int{1, 1, 2, 2, 4, 4}, nil
		case 128:
			return []int{1, 1, 2, 3, 4}, nil
		case 64:
			return []int{1, 2, 3, 4}, nil
		}
		return nil, fmt.Errorf("model: no default channel_mult for image_size %d (want 64, 128 or 256, or give channel_mult)", c.ImageSize)
	}
	var m []int
	for _, f := range strings.Split(c.ChannelMult, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("model: bad channel_mult %q", c.ChannelMult)
		}
		m = append(m, v)
	}
	// The reference asserts 2**(len(channel_mult)+2) == image_size.
	if 1<<(len(m)+2) != c.ImageSize {
		return nil, fmt.Errorf("model: channel_mult %q has %d levels, but image_size %d needs %d", c.ChannelMult, len(m), c.ImageSize, bitsLen(c.ImageSize)-3)
	}
	return m, nil
}

func bitsLen(n int) int {
	l := 0
	for n > 0 {
		l++
		n >>= 1
	}
	return l
}

// AttentionDS returns the downsample factors at which attention is used
// (image_size / resolution for each attention resolution).
func (c Config) AttentionDS() (map[int]bool, error) {
	ds := map[int]bool{}
	if strings.TrimSpace(c.AttentionResolutions) == "" {
		return ds, nil
	}
	for _, f := range strings.Split(c.AttentionResolutions, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("model: bad attention_resolutions %q", c.AttentionResolutions)
		}
		ds[c.ImageSize/r] = true
	}
	return ds, nil
}

// Validate checks that the configuration describes a model we can build.
func (c Config) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("model: invalid config: "+f, a...) }
	switch {
	case c.ImageSize <= 0:
		return bad("image_size %d", c.ImageSize)
	case c.NumChannels <= 0 || c.NumChannels%32 != 0:
		return bad("num_channels %d must be a positive multiple of 32 (GroupNorm has 32 groups)", c.NumChannels)
	case c.NumResBlocks <= 0:
		return bad("num_res_blocks %d", c.NumResBlocks)
	case c.TextCtx <= 0:
		return bad("text_ctx %d", c.TextCtx)
	case c.XFWidth <= 0 || c.XFLayers < 0 || c.XFHeads <= 0 || c.XFWidth%c.XFHeads != 0:
		return bad("text transformer xf_width %d, xf_layers %d, xf_heads %d", c.XFWidth, c.XFLayers, c.XFHeads)
	case !c.UseScaleShiftNorm:
		return bad("use_scale_shift_norm=false is not supported (every GLIDE model uses it)")
	case !c.ResblockUpdown:
		return bad("resblock_updown=false is not supported (every GLIDE model uses it)")
	case c.NumHeadChannels == -1 && c.NumHeads <= 0:
		return bad("num_heads %d", c.NumHeads)
	}
	if _, err := c.ChannelMults(); err != nil {
		return err
	}
	if _, err := c.AttentionDS(); err != nil {
		return err
	}
	return nil
}
