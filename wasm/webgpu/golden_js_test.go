package webgpu

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/goldencheck"
)

// envGoldenRun selects golden cases (a regular expression over case names)
// for TestGoldenCases, which runs goldencheck's checkers on this device
// with the fixtures read from the file system (Deno has one; in a browser
// use make check-golden, which serves them over HTTP). The sampling
// trajectories take tens of minutes on CPU adapters, so the test runs only
// when asked — on a real GPU, for example.
const envGoldenRun = "GLIDE_GOLDEN_RUN"

func TestGoldenCases(t *testing.T) {
	pattern := os.Getenv(envGoldenRun)
	if pattern == "" {
		t.Skipf("set %s=REGEXP to run golden cases on this device", envGoldenRun)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatal(err)
	}
	d := newDevice(t, Options{ForceF32: os.Getenv("GLIDE_FORCE_F32") == "1"})
	dir := filepath.Join("..", "..", "testdata", "golden")
	if g := os.Getenv("GLIDE_GOLDEN"); g != "" {
		dir = g
	}
	cases, err := golden.Discover(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	// The tolerances: f32 path 1e-3·max|ref| (10× the CPU's
	// 1e-4), f16 path 1e-2 (100×); trajectories scale the same way on the
	// f32 path and are judged by their RMS on the f16 path (Env.Half).
	scale := 10.0
	if d.F16() {
		scale = 100
	}
	checkers := goldencheck.Checkers(&goldencheck.Env{Device: d, TolScale: scale, Half: d.F16()})
	var picked []*golden.Case
	for _, c := range cases {
		if re.MatchString(c.Name) {
			picked = append(picked, c)
		}
	}
	if len(picked) == 0 {
		t.Fatalf("no golden case under %s matches %q", dir, pattern)
	}
	s := golden.Run(context.Background(), picked, checkers, testWriter{t})
	if !s.OK() {
		t.Errorf("%s on %s", s, d.Name())
	}
}

// testWriter sends the runner's lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}
