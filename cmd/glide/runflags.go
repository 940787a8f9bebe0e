package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/webglide/webglide/glide"
)

// runFlags are the flags glide generate and glide inpaint share: the
// weights, the prompt and sampling settings, the outputs and the CPU.
type runFlags struct {
	weights, prompt, seed, steps, upSteps, out, out64 *string
	guidance, upTemp                                  *float64
	batch, threads                                    *int
	quiet                                             *bool
}

// addRunFlags defines the shared flags on fs with def's values as
// defaults; the texts that differ between the commands are passed in.
func addRunFlags(fs *flag.FlagSet, def glide.Options, weightsHelp, promptHelp, upStepsHelp string) *runFlags {
	return &runFlags{
		weights:  fs.String("weights", "", weightsHelp),
		prompt:   fs.String("prompt", "", promptHelp),
		seed:     fs.String("seed", "", "random seed (an unsigned integer; default: a random seed, printed)"),
		guidance: fs.Float64("guidance", def.GuidanceScale, "classifier-free guidance scale (≥ 0)"),
		steps:    fs.String("steps", def.BaseSteps, "base sampling steps or respacing: a count (1..1000), \"ddimN\", or a comma list"),
		upSteps:  fs.String("upsample-steps", def.UpsampleSteps, upStepsHelp),
		upTemp:   fs.Float64("upsample-temp", def.UpsampleTemp, "upsampler start-noise temperature"),
		batch:    fs.Int("batch", def.BatchSize, fmt.Sprintf("images per run (1..%d)", glide.MaxBatchSize)),
		out:      fs.String("out", "out.png", "output PNG (with --batch > 1: a contact sheet, plus OUT-1.png, OUT-2.png, …)"),
		out64:    fs.String("out64", "", "also write the 64×64 base sample(s) here"),
		threads:  fs.Int("threads", 0, "CPU threads (0 = all cores)"),
		quiet:    fs.Bool("quiet", false, "no progress bar"),
	}
}

// options returns def with the flags' settings and the seed (a random one
// when none was given), validated.
func (f *runFlags) options(def glide.Options) (glide.Options, error) {
	opts := def
	opts.Prompt, opts.GuidanceScale, opts.BaseSteps, opts.UpsampleSteps = *f.prompt, *f.guidance, *f.steps, *f.upSteps
	opts.UpsampleTemp, opts.BatchSize = *f.upTemp, *f.batch
	if *f.seed == "" {
		opts.Seed = rand.Uint64() % 1_000_000_000
	} else {
		s, err := strconv.ParseUint(*f.seed, 10, 64)
		if err != nil {
			return opts, fmt.Errorf("--seed %q: want an unsigned integer", *f.seed)
		}
		opts.Seed = s
	}
	return opts, opts.Validate()
}

// checkOutputs says whether every file the run writes can be written.
func (f *runFlags) checkOutputs() error {
	outputs := outputPaths(*f.out, *f.batch)
	if *f.out64 != "" {
		outputs = append(outputs, outputPaths(*f.out64, *f.batch)...)
	}
	for _, p := range outputs {
		if err := checkWritable(p); err != nil {
			return fmt.Errorf("cannot write %s: %v", p, err)
		}
	}
	return nil
}
