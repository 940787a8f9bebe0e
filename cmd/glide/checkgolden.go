package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/goldencheck"
	"github.com/webglide/webglide/glide/nn"
)

func init() {
	register(command{
		name:    "check-golden",
		summary: "check the implementation against golden fixture folders",
		run:     runCheckGolden,
	})
}

func runCheckGolden(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-golden", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backend := fs.String("backend", "cpu", "compute backend: cpu (webgpu backends run in a browser: make check-golden BACKEND=webgpu)")
	threads := fs.Int("threads", 0, "CPU threads (0 = all cores)")
	only := fs.String("run", "", "only check cases whose name matches this regular expression")
	weightsDir := fs.String("weights", "", "folder of weight bundles to use for the model cases instead of detweights")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide check-golden [--backend cpu] [--run REGEXP] [--weights DIR] DIR...")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Finds every case folder (by its case.json, at any depth) under each DIR, checks")
		fmt.Fprintln(stderr, "each case whose kind is supported, prints one line per case and a summary.")
		fmt.Fprintln(stderr, "Exits 1 on any failure or when no case was checked.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "glide check-golden: give at least one fixture folder")
		fs.Usage()
		return 2
	}
	if *backend != "cpu" {
		fmt.Fprintf(stderr, "glide check-golden: backend %q runs only in a browser; natively use --backend cpu (or: make check-golden BACKEND=%s)\n", *backend, *backend)
		return 2
	}
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			fmt.Fprintf(stderr, "glide check-golden: --run: %v\n", err)
			return 2
		}
	}
	env := &goldencheck.Env{Device: nn.NewCPU(*threads), Log: stderr}
	if *weightsDir != "" {
		src, err := goldencheck.BundleSource(*weightsDir)
		if err != nil {
			fmt.Fprintf(stderr, "glide check-golden: %v\n", err)
			return 1
		}
		env.Weights = src
	}
	var cases []*golden.Case
	for _, dir := range fs.Args() {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "glide check-golden: %s is not a folder\n", dir)
			return 2
		}
		cs, err := golden.Discover(os.DirFS(dir), ".")
		if err != nil {
			fmt.Fprintf(stderr, "glide check-golden: %s: %v\n", dir, err)
			return 1
		}
		for _, c := range cs {
			if filter == nil || filter.MatchString(c.Name) {
				cases = append(cases, c)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s := golden.Run(ctx, cases, goldencheck.Checkers(env), stdout)
	if len(cases) == 0 {
		fmt.Fprintf(stderr, "glide check-golden: no cases found under %v\n", fs.Args())
	}
	if !s.OK() {
		return 1
	}
	return 0
}
