// Package convert turns a PyTorch GLIDE checkpoint into a weight bundle:
// it checks the checkpoint's names and shapes against a model
// configuration, converts every tensor to float16 one at a time, and
// installs the finished bundle atomically (a temporary folder beside the
// target, renamed at the end).
package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/glide/weights/torchpt"
)

// Options tune Run.
type Options struct {
	// Kind is "base", "upsample", "base-inpaint" or "upsample-inpaint";
	// empty means: Config's kind, else inferred from the checkpoint.
	Kind string
	// Config is the model configuration; nil means model.Preset(kind).
	Config *model.Config
	// MaxShardBytes bounds a shard; 0 means weights.MaxShardBytes.
	MaxShardBytes int64
	// Progress, if set, is called after each tensor is written.
	Progress func(done, total int, name string, bytes int64)
}

// MismatchError is a checkpoint whose key set or shapes differ from the
// configuration. Diffs lists every difference, one per line.
type MismatchError struct {
	Kind  string
	Diffs []string
}

func (e *MismatchError) Error() string {
	const show = 40
	d := e.Diffs
	more := ""
	if len(d) > show {
		more = fmt.Sprintf("\n  ... and %d more", len(d)-show)
		d = d[:show]
	}
	return fmt.Sprintf("convert: the checkpoint does not match the %s configuration (%d differences):\n  %s%s",
		e.Kind, len(e.Diffs), strings.Join(d, "\n  "), more)
}

// InputConvKey is the first conv of the UNet; its input channel count tells
// the model kind apart.
const InputConvKey = "input_blocks.0.0.weight"

// InferKind guesses the model kind from a checkpoint's tensors: the input
// conv's channels (3 base, 6 upsample, 7 base-inpaint, 10 upsample-inpaint).
func InferKind(ts []torchpt.TensorInfo) (string, error) {
	for _, t := range ts {
		if t.Name != InputConvKey {
			continue
		}
		if len(t.Shape) != 4 {
			return "", fmt.Errorf("convert: %s has shape %v, want [C, Cin, 3, 3]", InputConvKey, t.Shape)
		}
		switch t.Shape[1] {
		case 3:
			return "base", nil
		case 6:
			return "upsample", nil
		case 7:
			return "base-inpaint", nil
		case 10:
			return "upsample-inpaint", nil
		}
		return "", fmt.Errorf("convert: %s has %d input channels; no GLIDE model has that (3, 6, 7 or 10)", InputConvKey, t.Shape[1])
	}
	if len(ts) > 0 && !hasPrefix(ts, "transformer.") {
		return "", errors.New("convert: this checkpoint is not a GLIDE text-conditional model (no " + InputConvKey + ", no transformer); the CLIP checkpoints are not supported")
	}
	return "", errors.New("convert: cannot infer the model kind: no " + InputConvKey + " in the checkpoint (use --kind or --config)")
}

func hasPrefix(ts []torchpt.TensorInfo, p string) bool {
	for _, t := range ts {
		if strings.HasPrefix(t.Name, p) {
			return true
		}
	}
	return false
}

// Diff lists the differences between the configuration's parameters and a
// checkpoint's tensors: missing keys, unexpected keys, wrong shapes. The
// result is sorted; empty means they match.
func Diff(params []model.Param, ts []torchpt.TensorInfo) []string {
	have := make(map[string][]int, len(ts))
	for _, t := range ts {
		have[t.Name] = t.Shape
	}
	want := make(map[string]bool, len(params))
	var diffs []string
	for _, p := range params {
		want[p.Name] = true
		s, ok := have[p.Name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s %v", p.Name, p.Shape))
		case !slices.Equal(s, p.Shape):
			diffs = append(diffs, fmt.Sprintf("%s has shape %v, want %v", p.Name, s, p.Shape))
		}
	}
	for _, t := range ts {
		if !want[t.Name] {
			diffs = append(diffs, fmt.Sprintf("unexpected %s %v", t.Name, t.Shape))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// Resolve picks the kind and configuration for a checkpoint's tensors from
// the options (see Options.Kind and Options.Config).
func Resolve(ts []torchpt.TensorInfo, opt Options) (string, model.Config, error) {
	kind := opt.Kind
	if opt.Config != nil {
		if kind != "" && kind != opt.Config.Kind() {
			return "", model.Config{}, fmt.Errorf("convert: --kind %s disagrees with the configuration, which is a %s model", kind, opt.Config.Kind())
		}
		if err := opt.Config.Validate(); err != nil {
			return "", model.Config{}, err
		}
		return opt.Config.Kind(), *opt.Config, nil
	}
	if kind == "" {
		k, err := InferKind(ts)
		if err != nil {
			return "", model.Config{}, err
		}
		kind = k
	}
	cfg, err := model.Preset(kind)
	if err != nil {
		return "", model.Config{}, err
	}
	return kind, cfg, nil
}

// Plan is a checkpoint checked against its configuration, ready to be
// written by Write.
type Plan struct {
	Kind   string
	Config model.Config
	Params []model.Param
	json   []byte
}

// Check resolves the kind and configuration of ck's tensors (see Options)
// and checks its names and shapes: a difference is a *MismatchError.
func Check(ck *torchpt.Checkpoint, opt Options) (*Plan, error) {
	kind, cfg, err := Resolve(ck.Tensors, opt)
	if err != nil {
		return nil, err
	}
	params, err := cfg.Params()
	if err != nil {
		return nil, err
	}
	if d := Diff(params, ck.Tensors); len(d) > 0 {
		return nil, &MismatchError{Kind: kind, Diffs: d}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return &Plan{Kind: kind, Config: cfg, Params: params, json: cfgJSON}, nil
}

// Write converts ck's tensors one at a time, in the configuration's
// (state_dict) order, into w and finishes the bundle.
func (p *Plan) Write(ck *torchpt.Checkpoint, w *weights.Writer, progress func(done, total int, name string, bytes int64)) (*weights.Manifest, error) {
	byName := make(map[string]*torchpt.TensorInfo, len(ck.Tensors))
	for i := range ck.Tensors {
		byName[ck.Tensors[i].Name] = &ck.Tensors[i]
	}
	var written int64
	for i, prm := range p.Params {
		t := byName[prm.Name]
		v, err := ck.ReadFloat32(t)
		if err != nil {
			return nil, err
		}
		if err := w.AddFloat32(prm.Name, prm.Shape, v); err != nil {
			return nil, err
		}
		written += int64(2 * len(v))
		if progress != nil {
			progress(i+1, len(p.Params), prm.Name, written)
		}
	}
	return w.Finish(p.Kind, p.json, weights.TokenizerGLIDE)
}

// Run converts the checkpoint at in into a bundle at outDir. outDir must
// not exist, be empty, or already hold a bundle (which is replaced only
// once the new one is complete). The checkpoint's tensors are read one at
// a time.
func Run(in, outDir string, opt Options) (*weights.Manifest, error) {
	ck, err := torchpt.Open(in)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	plan, err := Check(ck, opt)
	if err != nil {
		return nil, err
	}
	if err := checkTarget(outDir); err != nil {
		return nil, err
	}
	parent, base := filepath.Split(filepath.Clean(outDir))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	w, err := weights.NewWriter(tmp, opt.MaxShardBytes)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	m, err := plan.Write(ck, w, opt.Progress)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it 0700
		return nil, err
	}
	if err := install(tmp, outDir); err != nil {
		return nil, err
	}
	ok = true
	return m, nil
}

// checkTarget refuses to replace anything but a missing folder, an empty
// folder or a bundle.
func checkTarget(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("convert: %s exists and is not a folder", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return nil
	}
	return fmt.Errorf("convert: %s exists and is neither empty nor a bundle; not replacing it", dir)
}

// install moves the finished tmp folder to dir, replacing an old bundle.
func install(tmp, dir string) error {
	if err := checkTarget(dir); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
