package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // source images may be JPEG
	_ "image/png"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	_ "golang.org/x/image/webp" // and WebP

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

func init() {
	register(command{
		name:    "inpaint",
		summary: "regenerate the masked region of an image from a text prompt on the CPU",
		run:     runInpaint,
	})
}

func runInpaint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inpaint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := glide.DefaultInpaintOptions()
	f := addRunFlags(fs, def, inpaintWeightsHelp, "the text prompt for the regenerated region",
		"upsampler respacing (ancestral sampling, as the inpaint notebook)")
	imagePath := fs.String("image", "", "the source image (PNG, JPEG or WebP; a non-square one is centre-cropped)")
	maskPath := fs.String("mask", "", "the mask (PNG): white where the image is regenerated, black where it is kept; any size")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide inpaint --weights W --image IN.png --mask MASK.png --prompt TEXT [--seed N] [--guidance 5]")
		fmt.Fprintln(stderr, "                     [--steps 100] [--upsample-steps fast27] [--batch N] [--out out.png] [--out64 out64.png]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Edits an image with GLIDE's inpainting models on the CPU: the region painted white in the mask")
		fmt.Fprintln(stderr, "is regenerated from the prompt, the rest of the image is kept. The mask is reduced to the")
		fmt.Fprintln(stderr, "model's 64×64 grid (a cell is regenerated when it is at least 50 % white). The PNG carries")
		fmt.Fprintln(stderr, "the prompt, seed, settings and the source's sha256 as text chunks.")
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
		fmt.Fprintf(stderr, "glide inpaint: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (quote the prompt and pass it with --prompt)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case !set["prompt"]:
		return usageErr("--prompt is required (what to paint in the masked region)")
	case *f.weights == "":
		return usageErr("--weights is required\n%s", inpaintWeightsHelp)
	case *imagePath == "":
		return usageErr("--image is required (the picture to edit)")
	case *maskPath == "":
		return usageErr("--mask is required (a PNG, white where the image is to be regenerated)")
	}
	opts, err := f.options(def)
	if err != nil {
		return usageErr("%v", err)
	}
	src, srcSum, err := readImage("--image", *imagePath)
	if err != nil {
		return usageErr("%v", err)
	}
	maskImg, _, err := readImage("--mask", *maskPath)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := sameShape(src.Bounds(), maskImg.Bounds()); err != nil {
		return usageErr("%v", err)
	}
	if err := f.checkOutputs(); err != nil {
		return usageErr("%v", err)
	}

	dev := nn.NewCPU(*f.threads)
	start := time.Now()
	pipe, err := loadInpaintPipeline(dev, *f.weights)
	if err != nil {
		fmt.Fprintf(stderr, "glide inpaint: %v\n", err)
		if glide.KindOf(err) == glide.BadInput {
			return 2
		}
		return 1
	}
	mask := glide.MaskFromImage(maskImg, pipe.Base.Cfg.ImageSize, pipe.Base.Cfg.ImageSize)
	fmt.Fprintf(stderr, "glide inpaint: models ready in %.1fs on %s; seed %d; %d of %d mask cells regenerated\n",
		time.Since(start).Seconds(), dev.Name(), opts.Seed, len(mask.Keep)-mask.Kept(), len(mask.Keep))
	if !*f.quiet {
		bar := newProgressBar(stderr)
		opts.Progress = bar.update
		defer bar.finish()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := pipe.Inpaint(ctx, opts, src, mask)
	if err != nil {
		fmt.Fprintf(stderr, "\nglide inpaint: %v\n", err)
		if glide.KindOf(err) == glide.BadInput {
			return 2
		}
		return 1
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "glide inpaint: warning: %s\n", w)
	}
	meta := glide.PNGText("WebGLIDE (glide inpaint)", opts, *f.weights)
	meta["glide:mode"] = "inpaint"
	meta["glide:source-sha256"] = srcSum
	meta["glide:mask"] = mask.String()
	if err := writeImages(*f.out, res.Images, opts.Prompt, meta); err != nil {
		fmt.Fprintf(stderr, "glide inpaint: %v\n", err)
		return 1
	}
	if *f.out64 != "" {
		if err := writeImages(*f.out64, res.Base, opts.Prompt, meta); err != nil {
			fmt.Fprintf(stderr, "glide inpaint: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s\n", strings.Join(outputPaths(*f.out, *f.batch), "\n"))
	return 0
}

const inpaintWeightsHelp = `weights: a folder holding the base-inpaint/ and upsample-inpaint/ bundles made by
'glide fetch --models base-inpaint,upsample-inpaint' or 'glide convert',
or detweights:tiny (the golden fixtures' tiny inpainting models with deterministic weights, for smoke tests),
or detweights:full (the real configurations with deterministic weights; images are noise)`

// loadInpaintPipeline builds an inpainting pipeline on dev from a
// --weights value.
func loadInpaintPipeline(dev nn.Device, spec string) (*glide.Pipeline, error) {
	switch spec {
	case "detweights:tiny":
		return glide.DetPipeline(dev, "tiny-base-inpaint", "tiny-upsample-inpaint")
	case "detweights:full":
		return glide.DetPipeline(dev, "base-inpaint", "upsample-inpaint")
	}
	if strings.HasPrefix(spec, "detweights:") {
		return nil, glide.Errorf("load weights", glide.BadInput, "unknown %q (want detweights:tiny or detweights:full)", spec)
	}
	return glide.LoadPipelineDirBundles(dev, spec, glide.BaseInpaintBundle, glide.UpsampleInpaintBundle)
}

// readImage decodes a PNG, JPEG or WebP file and returns it with the
// sha256 of its bytes; errors name the flag.
func readImage(flagName, path string) (image.Image, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", flagName, err)
	}
	img, _, err := image.Decode(strings.NewReader(string(data)))
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: not a PNG, JPEG or WebP image we can read (%v)", flagName, path, err)
	}
	if img.Bounds().Empty() {
		return nil, "", fmt.Errorf("%s %s: the image has no pixels", flagName, path)
	}
	sum := sha256.Sum256(data)
	return img, hex.EncodeToString(sum[:]), nil
}

// sameShape checks that a mask lines up with the source: it is square
// (drawn on the cropped square) or has the source's aspect ratio (drawn
// on the whole source, and cropped the same way).
func sameShape(src, mask image.Rectangle) error {
	if mask.Dx() == mask.Dy() || mask.Dx()*src.Dy() == mask.Dy()*src.Dx() {
		return nil
	}
	return fmt.Errorf("--mask is %d×%d but --image is %d×%d: draw the mask at the image's size (or as a square over its centre)",
		mask.Dx(), mask.Dy(), src.Dx(), src.Dy())
}
