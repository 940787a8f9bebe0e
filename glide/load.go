package glide

import (
	"errors"
	"io/fs"
	"os"
	"path"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
)

// LoadModel loads one weight bundle (a folder, or any fs.FS) onto dev:
// the manifest's configuration, every shard verified by sha256 before use,
// and the parameter table checked against the configuration. Problems with
// the bundle are BadWeights errors naming the shard and its tensors.
func LoadModel(dev nn.Device, fsys fs.FS) (*model.Model, error) {
	const op = "load weights"
	b, err := weights.OpenFS(fsys)
	if err != nil {
		return nil, weightsErr(op, err)
	}
	cfg, err := model.ConfigFromJSON(b.Manifest.Config)
	if err != nil {
		return nil, &Error{Op: op, Kind: BadWeights, Err: err}
	}
	w, err := b.Load(dev)
	if err != nil {
		return nil, weightsErr(op, err)
	}
	m, err := model.New(dev, cfg, model.Weights(w))
	if err != nil {
		for _, t := range w {
			dev.Release(t)
		}
		return nil, &Error{Op: op, Kind: BadWeights, Err: err}
	}
	return m, nil
}

func weightsErr(op string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &Error{Op: op, Kind: BadWeights, Err: err}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Kind: BadWeights, Err: err}
}

// Bundle folder names inside a weights folder, as glide fetch writes them.
const (
	BaseBundle            = "base"
	UpsampleBundle        = "upsample"
	BaseInpaintBundle     = "base-inpaint"
	UpsampleInpaintBundle = "upsample-inpaint"
)

// LoadPipeline loads the base/ and upsample/ bundles of a weights folder.
// A folder without upsample/ gives a pipeline that stops at 64×64.
func LoadPipeline(dev nn.Device, fsys fs.FS) (*Pipeline, error) {
	return LoadPipelineBundles(dev, fsys, BaseBundle, UpsampleBundle)
}

// LoadInpaintPipeline loads the base-inpaint/ and upsample-inpaint/
// bundles of a weights folder, for Pipeline.Inpaint.
func LoadInpaintPipeline(dev nn.Device, fsys fs.FS) (*Pipeline, error) {
	return LoadPipelineBundles(dev, fsys, BaseInpaintBundle, UpsampleInpaintBundle)
}

// LoadPipelineBundles loads the bundles base and upsample (folder names)
// of a weights folder; a missing upsample bundle gives a pipeline that
// stops at 64×64.
func LoadPipelineBundles(dev nn.Device, fsys fs.FS, base, upsample string) (*Pipeline, error) {
	sub := func(name string) (fs.FS, bool) {
		if _, err := fs.Stat(fsys, path.Join(name, "manifest.json")); err != nil {
			return nil, false
		}
		s, err := fs.Sub(fsys, name)
		return s, err == nil
	}
	baseFS, ok := sub(base)
	if !ok {
		return nil, Errorf("load weights", BadWeights, "no %s/manifest.json in the weights folder (run 'glide fetch --models %s,%s' or 'glide convert' first)", base, base, upsample)
	}
	p := &Pipeline{Device: dev}
	var err error
	if p.Base, err = LoadModel(dev, baseFS); err != nil {
		return nil, err
	}
	if upFS, ok := sub(upsample); ok {
		if p.Upsampler, err = LoadModel(dev, upFS); err != nil {
			p.Base.Release()
			return nil, err
		}
	}
	return p, nil
}

// LoadPipelineDir is LoadPipeline for a folder on disk.
func LoadPipelineDir(dev nn.Device, dir string) (*Pipeline, error) {
	return LoadPipelineDirBundles(dev, dir, BaseBundle, UpsampleBundle)
}

// LoadPipelineDirBundles is LoadPipelineBundles for a folder on disk.
func LoadPipelineDirBundles(dev nn.Device, dir, base, upsample string) (*Pipeline, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, Errorf("load weights", BadInput, "weights folder %s does not exist (run 'glide fetch --dir %s --models %s,%s' first)", dir, dir, base, upsample)
	}
	return LoadPipelineBundles(dev, os.DirFS(dir), base, upsample)
}
