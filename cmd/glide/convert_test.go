package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/weights"
)

func glideCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

type ptCase struct {
	dir, caseJSON, checkpoint, sha256 string
}

// goldenPTCases discovers the golden cases that ship a .pt checkpoint.
func goldenPTCases(t *testing.T) []ptCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*", "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []ptCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cj struct {
			Checkpoint *struct {
				File   string `json:"file"`
				SHA256 string `json:"sha256"`
			} `json:"checkpoint"`
		}
		if err := json.Unmarshal(b, &cj); err != nil {
			t.Fatal(err)
		}
		if cj.Checkpoint != nil && cj.Checkpoint.File != "" {
			d := filepath.Dir(f)
			out = append(out, ptCase{d, f, filepath.Join(d, cj.Checkpoint.File), cj.Checkpoint.SHA256})
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d golden checkpoints, want the tiny base and upsample ones", len(out))
	}
	return out
}

func TestConvertCLI(t *testing.T) {
	for _, c := range goldenPTCases(t) {
		out := filepath.Join(t.TempDir(), "bundle")
		// Flags after the positional arguments work too.
		code, stdout, stderr := glideCLI("convert", c.checkpoint, out, "--config", c.caseJSON)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", c.checkpoint, code, stderr)
		}
		if !strings.Contains(stdout, "wrote") || !strings.Contains(stderr, "100%") {
			t.Errorf("stdout %q stderr %q", stdout, stderr)
		}
		b, err := weights.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Verify(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConvertCLIErrors(t *testing.T) {
	c := goldenPTCases(t)[0]
	if code, stdout, _ := glideCLI("convert", "--help"); code != 0 || !strings.Contains(stdout, "usage: glide convert") {
		t.Errorf("--help: %d %q", code, stdout)
	}
	for _, args := range [][]string{
		{"convert"},
		{"convert", "a.pt"},
		{"convert", "--bogus", "a.pt", "out"},
		{"convert", "--kind", "huge", "a.pt", "out"},
	} {
		if code, _, stderr := glideCLI(args...); code != 2 || !strings.Contains(stderr, "usage: glide convert") && !strings.Contains(stderr, "unknown model kind") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	// The full-size preset does not match the tiny checkpoint: refused with the list.
	code, _, stderr := glideCLI("convert", c.checkpoint, filepath.Join(t.TempDir(), "b"))
	if code != 1 || !strings.Contains(stderr, "does not match") || !strings.Contains(stderr, "want [") {
		t.Errorf("mismatch: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = glideCLI("convert", filepath.Join(t.TempDir(), "missing.pt"), filepath.Join(t.TempDir(), "b"))
	if code != 1 || !strings.Contains(stderr, "missing.pt") {
		t.Errorf("missing input: exit %d, stderr %q", code, stderr)
	}
}
