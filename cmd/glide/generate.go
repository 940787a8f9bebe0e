package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/imageio"
	"github.com/webglide/webglide/glide/nn"
)

func init() {
	register(command{
		name:    "generate",
		summary: "generate images from a text prompt on the CPU",
		run:     runGenerate,
	})
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := glide.DefaultOptions()
	f := addRunFlags(fs, def, weightsHelp, "the text prompt (\"\" is valid: an unconditional image)", "upsampler respacing (DDIM)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide generate --weights W --prompt TEXT [--seed N] [--guidance 3] [--steps 100]")
		fmt.Fprintln(stderr, "                      [--upsample-steps fast27] [--upsample-temp 0.997] [--batch N] [--out out.png] [--out64 out64.png]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Generates 256×256 images with GLIDE on the CPU. The PNGs carry the prompt, seed and settings")
		fmt.Fprintln(stderr, "as text chunks, so the same command reproduces the same bytes.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "glide generate: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (quote the prompt and pass it with --prompt)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["prompt"] {
		return usageErr("--prompt is required (use --prompt \"\" for an unconditional image)")
	}
	if *f.weights == "" {
		return usageErr("--weights is required\n%s", weightsHelp)
	}
	opts, err := f.options(def)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := f.checkOutputs(); err != nil {
		return usageErr("%v", err)
	}

	dev := nn.NewCPU(*f.threads)
	start := time.Now()
	pipe, err := loadPipeline(dev, *f.weights)
	if err != nil {
		fmt.Fprintf(stderr, "glide generate: %v\n", err)
		if glide.KindOf(err) == glide.BadInput {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stderr, "glide generate: models ready in %.1fs on %s; seed %d\n", time.Since(start).Seconds(), dev.Name(), opts.Seed)
	if !*f.quiet {
		bar := newProgressBar(stderr)
		opts.Progress = bar.update
		defer bar.finish()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := pipe.Generate(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "\nglide generate: %v\n", err)
		return 1
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "glide generate: warning: %s\n", w)
	}
	meta := glide.PNGText("WebGLIDE (glide generate)", opts, *f.weights)
	if err := writeImages(*f.out, res.Images, opts.Prompt, meta); err != nil {
		fmt.Fprintf(stderr, "glide generate: %v\n", err)
		return 1
	}
	if *f.out64 != "" {
		if err := writeImages(*f.out64, res.Base, opts.Prompt, meta); err != nil {
			fmt.Fprintf(stderr, "glide generate: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s\n", strings.Join(outputPaths(*f.out, *f.batch), "\n"))
	return 0
}

// outputPaths lists the files a run writes for out: out itself, and with a
// batch also out-1.png … out-N.png.
func outputPaths(out string, batch int) []string {
	paths := []string{out}
	if batch > 1 {
		ext := filepath.Ext(out)
		stem := strings.TrimSuffix(out, ext)
		if ext == "" {
			ext = ".png"
		}
		for i := 1; i <= batch; i++ {
			paths = append(paths, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
	}
	return paths
}

// checkWritable tells whether path can be written, without touching an
// existing file: it creates and removes a temporary file beside it.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return errors.New("it is a folder")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".glide-write-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeImages writes one image to out, or a contact sheet to out plus
// out-N.png for a batch. Each file is written to a temporary name and
// renamed, so a failed write never leaves a half PNG.
func writeImages(out string, imgs []*image.RGBA, caption string, meta map[string]string) error {
	paths := outputPaths(out, len(imgs))
	if len(imgs) == 1 {
		return writePNG(paths[0], imgs[0], meta)
	}
	all := make([]image.Image, len(imgs))
	for i, img := range imgs {
		all[i] = img
		m := map[string]string{"glide:index": strconv.Itoa(i + 1)}
		for k, v := range meta {
			m[k] = v
		}
		if err := writePNG(paths[i+1], img, m); err != nil {
			return err
		}
	}
	return writePNG(paths[0], contactSheet(all, caption), meta)
}

func writePNG(path string, img image.Image, meta map[string]string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".glide-*.png")
	if err != nil {
		return err
	}
	if err := imageio.EncodePNG(tmp, img, meta); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progressBar draws "stage [####....] step/total rate ETA" on one line.
type progressBar struct {
	w         io.Writer
	stage     glide.Stage
	stageFrom time.Time // when the current stage started
	last      time.Time // when the last step finished
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, stageFrom: time.Now()} }

func (b *progressBar) update(p glide.Progress) {
	if p.Stage != b.stage {
		if b.stage != "" {
			fmt.Fprintln(b.w)
			b.stageFrom = b.last // the new stage started when the last one ended
		}
		b.stage = p.Stage
	}
	const width = 30
	filled := width * p.Step / max(p.Total, 1)
	b.last = time.Now()
	elapsed := b.last.Sub(b.stageFrom).Seconds()
	rate := float64(p.Step) / max(elapsed, 1e-9)
	left := time.Duration(float64(p.Total-p.Step)/max(rate, 1e-9)) * time.Second
	fmt.Fprintf(b.w, "\r%-8s [%s%s] %3d/%-3d %6.2f steps/s  %s left ",
		p.Stage, strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Step, p.Total, rate, left.Round(time.Second))
}

func (b *progressBar) finish() {
	if b.stage != "" {
		fmt.Fprintln(b.w)
	}
}
