package goldencheck

import (
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
)

// bundleTol is the model tolerance with fp16 weights from a bundle:
// max|out − ref| ≤ 1e-2·max|ref|. Rounding every weight to fp16 perturbs it
// by up to 2⁻¹¹ ≈ 4.9e-4 relative; through the ~40 layers of a UNet these
// perturbations add up to about 1e-3–3e-3 of the output's range on the tiny
// fixtures (measured: see the closing note), so 1e-2 leaves room
// without hiding a real error (a wrong layer moves outputs by O(1)).
const bundleTol = 1e-2

type bundleSource struct {
	bundles []*weights.Bundle
	configs []model.Config
	dirs    []string
}

// BundleSource finds every weight bundle (a folder with manifest.json, at
// any depth) under dir. A model case whose configuration equals a bundle's
// uses that bundle's weights instead of detweights.
func BundleSource(dir string) (WeightSource, error) {
	fsys := os.DirFS(dir)
	s := &bundleSource{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "manifest.json" {
			return err
		}
		sub, err := fs.Sub(fsys, path.Dir(p))
		if err != nil {
			return err
		}
		b, err := weights.OpenFS(sub)
		if err != nil {
			return fmt.Errorf("%s: %w", path.Dir(p), err)
		}
		cfg, err := model.ConfigFromJSON(b.Manifest.Config)
		if err != nil {
			return fmt.Errorf("%s: %w", path.Dir(p), err)
		}
		s.bundles, s.configs, s.dirs = append(s.bundles, b), append(s.configs, cfg), append(s.dirs, path.Dir(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(s.bundles) == 0 {
		return nil, fmt.Errorf("goldencheck: no weight bundles (manifest.json) under %s", dir)
	}
	return s, nil
}

func (s *bundleSource) Weights(dev nn.Device, cfg model.Config) (model.Weights, float64, bool, error) {
	for i, c := range s.configs {
		if sameModel(c, cfg) {
			w, err := s.bundles[i].Load(dev)
			if err != nil {
				return nil, 0, false, fmt.Errorf("bundle %s: %w", s.dirs[i], err)
			}
			return model.Weights(w), bundleTol, true, nil
		}
	}
	return nil, 0, false, nil
}

// sameModel compares the fields that decide the network's parameters and
// function (not sampling settings such as the respacing).
func sameModel(a, b model.Config) bool {
	a.TimestepRespacing, b.TimestepRespacing = "", ""
	a.Dropout, b.Dropout = 0, 0
	a.UseFP16, b.UseFP16 = false, false
	a.CacheTextEmb, b.CacheTextEmb = false, false
	return a == b
}
