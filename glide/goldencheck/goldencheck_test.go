package goldencheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/nn"
)

// goldenDir is testdata/golden at the repository root, or $GLIDE_GOLDEN.
func goldenDir(t *testing.T) string {
	if d := os.Getenv("GLIDE_GOLDEN"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestGolden runs every discovered case with the CPU device. A folder with
// no cases fails.
func TestGolden(t *testing.T) {
	dir := goldenDir(t)
	cases, err := golden.Discover(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no golden cases (case.json) found under %s", dir)
	}
	env := &Env{Device: nn.NewCPU(0)}
	checkers := Checkers(env)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if testing.Short() && strings.HasPrefix(c.Kind, "full_") {
				t.Skip("full-size forward skipped in -short mode")
			}
			check, ok := checkers[c.Kind]
			if !ok {
				t.Fatalf("no checker for kind %q", c.Kind)
			}
			r := check(context.Background(), c)
			switch r.Status {
			case golden.Pass:
				t.Logf("PASS %s %s=%.3g", c.Name, r.Metric, r.Value)
			default:
				t.Errorf("%s: %s", c.Name, r.Why)
			}
		})
	}
}
