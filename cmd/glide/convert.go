package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights/convert"
)

func init() {
	register(command{
		name:    "convert",
		summary: "convert a PyTorch GLIDE checkpoint (.pt) into a weight bundle",
		run:     runConvert,
	})
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runConvert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "", "model `kind`: "+strings.Join(model.Kinds, ", ")+" (default: inferred from the checkpoint)")
	cfgFile := fs.String("config", "", "model configuration `FILE.json` for a non-preset model (a bare config object or a golden case.json holding \"config\")")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: glide convert [--kind base|upsample|base-inpaint|upsample-inpaint] [--config FILE.json] IN.pt OUTDIR")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Reads a torch.save checkpoint (zip format; float32, float16 or bfloat16),")
		fmt.Fprintln(w, "checks its names and shapes against the model configuration, and writes a")
		fmt.Fprintln(w, "bundle: OUTDIR/manifest.json plus float16 shards NNNN.bin of at most 64 MiB.")
		fmt.Fprintln(w, "Only the globals needed to rebuild tensors are accepted from the pickle.")
		fmt.Fprintln(w, "The bundle is written beside OUTDIR and renamed into place when complete;")
		fmt.Fprintln(w, "an existing bundle at OUTDIR is replaced, any other non-empty folder is not.")
		fmt.Fprintln(w)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() { usage(stderr) }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		return 2
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "glide convert: want IN.pt and OUTDIR, got %d arguments\n", len(pos))
		usage(stderr)
		return 2
	}
	opt := convert.Options{Kind: *kind, Progress: progressPrinter(stderr, "convert")}
	if *kind != "" {
		if _, err := model.Preset(*kind); err != nil {
			fmt.Fprintf(stderr, "glide convert: %v\n", err)
			return 2
		}
	}
	if *cfgFile != "" {
		b, err := os.ReadFile(*cfgFile)
		if err != nil {
			fmt.Fprintf(stderr, "glide convert: %v\n", err)
			return 1
		}
		cfg, err := model.ConfigFromJSON(b)
		if err != nil {
			fmt.Fprintf(stderr, "glide convert: %s: %v\n", *cfgFile, err)
			return 1
		}
		opt.Config = &cfg
	}
	m, err := convert.Run(pos[0], pos[1], opt)
	if err != nil {
		fmt.Fprintf(stderr, "glide convert: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "glide convert: wrote %s bundle %s: %d tensors in %d shards\n", m.Kind, pos[1], len(m.Tensors), len(m.Shards))
	return 0
}

// progressPrinter reports conversion progress on w about every 10%.
func progressPrinter(w io.Writer, prefix string) func(done, total int, name string, n int64) {
	last := -1
	return func(done, total int, name string, n int64) {
		pct := 100 * done / total
		if pct/10 == last/10 && done != total {
			return
		}
		last = pct
		fmt.Fprintf(w, "%s: %3d%%  %d/%d tensors, %s written  (%s)\n", prefix, pct, done, total, humanBytes(n), name)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
