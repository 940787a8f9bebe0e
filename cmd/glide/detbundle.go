package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights"
)

func init() {
	register(command{
		name:    "detbundle",
		summary: "write a weight bundle of deterministic test weights (detweights v1) for a model kind",
		run:     runDetBundle,
	})
}

// runDetBundle writes the bundle that --weights detweights:… builds in
// memory, so that the browser (which loads bundles only) can run the same
// smoke tests: the tiny inpainting models, for example, ship no checkpoint.
func runDetBundle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("detbundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide detbundle KIND OUTDIR")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Writes a bundle (manifest.json + float16 shards) of detweights v1 for KIND, one of")
		fmt.Fprintf(stderr, "%s or their tiny- variants, into the new or empty folder OUTDIR. For smoke tests:\n", strings.Join(model.Kinds, ", "))
		fmt.Fprintln(stderr, "the images such weights make are noise.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "glide detbundle: want KIND and OUTDIR, got %d arguments\n", fs.NArg())
		fs.Usage()
		return 2
	}
	kind, dir := fs.Arg(0), fs.Arg(1)
	cfg, err := model.Preset(kind)
	if err != nil {
		fmt.Fprintf(stderr, "glide detbundle: %v\n", err)
		return 2
	}
	if err := writeDetBundle(cfg, dir); err != nil {
		fmt.Fprintf(stderr, "glide detbundle: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "glide detbundle: wrote a %s bundle of detweights to %s\n", kind, dir)
	return 0
}

func writeDetBundle(cfg model.Config, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	params, err := cfg.Params()
	if err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	w, err := weights.NewWriter(dir, 0)
	if err != nil {
		return err
	}
	defer w.Close()
	for _, p := range params {
		v, err := detrand.Weight(p.Name, p.Shape)
		if err != nil {
			return err
		}
		if err := w.AddFloat32(p.Name, p.Shape, v); err != nil {
			return err
		}
	}
	if _, err := w.Finish(cfg.Kind(), cfgJSON, weights.TokenizerGLIDE); err != nil {
		os.RemoveAll(filepath.Join(dir, "manifest.json"))
		return err
	}
	return nil
}
