// Command checkgolden runs goldencheck's checkers inside wasm, on a chosen
// device, against golden fixtures served over HTTP. It prints the same
// lines as `glide check-golden` (PASS/FAIL/SKIP per case, then
// "N passed, M failed, K skipped") and exits 1 when a case failed or none
// was checked.
//
// It is started by tools/checkgolden.mjs (make check-golden), which serves
// the fixture folder with JSON directory listings and runs this program in
// Node (cpu-wasm), headless Chromium (webgpu) or Deno (webgpu-f16):
//
//	checkgolden.wasm -url http://127.0.0.1:PORT/ -backend cpu-wasm [-run REGEXP] [-tol-scale S]
//
// Every flag may also come from the environment: GLIDE_GOLDEN_URL,
// GLIDE_BACKEND, GLIDE_GOLDEN_RUN, GLIDE_TOL_SCALE.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/webglide/webglide/glide/bpe"
	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/goldencheck"
	"github.com/webglide/webglide/wasm/cmd/internal/backend"
	"github.com/webglide/webglide/wasm/httpfs"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	const me = "check-golden (wasm)"
	envOr := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	fl := flag.NewFlagSet("checkgolden", flag.ContinueOnError)
	url := fl.String("url", envOr("GLIDE_GOLDEN_URL", ""), "base `URL` of the fixture folder (served with JSON listings)")
	name := fl.String("backend", envOr("GLIDE_BACKEND", backend.CPUWasm), "device: cpu-wasm, webgpu or webgpu-f16")
	only := fl.String("run", envOr("GLIDE_GOLDEN_RUN", ""), "only check cases whose name matches this regular expression")
	vocab := fl.String("vocab", envOr("GLIDE_VOCAB_URL", ""), "`URL` of the tokenizer's vocabulary file (glide/bpe VocabFile), which this wasm, like the worker's, does not embed")
	scaleDef, _ := strconv.ParseFloat(envOr("GLIDE_TOL_SCALE", "0"), 64)
	scale := fl.Float64("tol-scale", scaleDef, "tolerance scale (0: the backend's own, see wasm/cmd/internal/backend)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *url == "" {
		fmt.Fprintf(os.Stderr, "%s: no fixture URL (-url or GLIDE_GOLDEN_URL)\n", me)
		return 2
	}
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			fmt.Fprintf(os.Stderr, "%s: -run: %v\n", me, err)
			return 2
		}
	}
	tol, err := backend.TolScale(*name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", me, err)
		return 2
	}
	if *scale > 0 {
		tol = *scale
	}
	dev, info, err := backend.Open(*name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: backend %s: %v\n", me, *name, err)
		return 1
	}
	adapter := info.Adapter
	if adapter == "" {
		adapter = "none"
	}
	fmt.Fprintf(os.Stderr, "%s: backend %s, device %s, WebGPU adapter %s, tolerance scale %g\n", me, info.Backend, info.Device, adapter, tol)

	if *vocab != "" {
		if err := installVocab(*vocab); err != nil {
			fmt.Fprintf(os.Stderr, "%s: -vocab: %v\n", me, err)
			return 1
		}
	}

	start := time.Now()
	all, err := golden.Discover(httpfs.New(*url), ".")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: reading the fixtures at %s: %v\n", me, *url, err)
		return 1
	}
	var cases []*golden.Case
	for _, c := range all {
		if filter == nil || filter.MatchString(c.Name) {
			cases = append(cases, c)
		}
	}
	env := &goldencheck.Env{Device: dev, TolScale: tol, Half: info.Backend == backend.WebGPUF16, Log: os.Stderr}
	s := golden.Run(context.Background(), cases, goldencheck.Checkers(env), os.Stdout)
	fmt.Fprintf(os.Stderr, "%s: %d of %d cases in %.1fs\n", me, len(cases), len(all), time.Since(start).Seconds())
	if len(cases) == 0 {
		fmt.Fprintf(os.Stderr, "%s: no cases found at %s", me, *url)
		if filter != nil {
			fmt.Fprintf(os.Stderr, " matching %q", *only)
		}
		fmt.Fprintln(os.Stderr)
	}
	if err := dev.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: device error: %v\n", me, err)
		return 1
	}
	if !s.OK() {
		return 1
	}
	return 0
}

// installVocab fetches the vocabulary file at u and installs it, as the
// worker does (the tokenizer cases then check the tokenizer the page runs).
func installVocab(u string) error {
	i := strings.LastIndex(u, "/")
	if i < 0 {
		return fmt.Errorf("%q is not a URL", u)
	}
	data, err := fs.ReadFile(httpfs.New(u[:i+1]), u[i+1:])
	if err != nil {
		return err
	}
	return bpe.Install(data)
}
