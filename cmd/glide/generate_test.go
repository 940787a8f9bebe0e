package main

import (
	"bytes"
	"image/png"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/imageio"
)

func runGlide(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestGenerateTinyReproducible(t *testing.T) {
	dir := t.TempDir()
	gen := func(name, seed string) []byte {
		out := filepath.Join(dir, name)
		code, _, stderr := runGlide(t, "generate", "--weights", "detweights:tiny", "--prompt", "a red apple",
			"--seed", seed, "--steps", "3", "--upsample-steps", "2", "--quiet", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	a, b, c := gen("a.png", "7"), gen("b.png", "7"), gen("c.png", "8")
	if !bytes.Equal(a, b) {
		t.Error("the same command gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("another seed gave the same image")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Errorf("image is %v, want 256×256", img.Bounds())
	}
	text, err := imageio.ReadText(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if text["glide:prompt"] != "a red apple" || text["glide:seed"] != "7" || text["glide:steps"] != "3" {
		t.Errorf("text chunks: %v", text)
	}
}

func TestGenerateBatchWritesSheet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sheet.png")
	code, stdout, stderr := runGlide(t, "generate", "--weights", "detweights:tiny", "--prompt", "two", "--seed", "1",
		"--steps", "2", "--upsample-steps", "1", "--batch", "2", "--quiet", "--out", out, "--out64", filepath.Join(dir, "small.png"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"sheet.png", "sheet-1.png", "sheet-2.png", "small.png", "small-1.png", "small-2.png"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if !strings.Contains(stdout, "sheet-2.png") {
		t.Errorf("stdout does not list the files: %q", stdout)
	}
}

func TestGenerateBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	base := []string{"generate", "--weights", "detweights:tiny", "--out", out}
	for name, extra := range map[string][]string{
		"no prompt":          {},
		"guidance NaN":       {"--prompt", "a", "--guidance", "NaN"},
		"guidance Inf":       {"--prompt", "a", "--guidance", "+Inf"},
		"guidance negative":  {"--prompt", "a", "--guidance", "-1"},
		"steps 0":            {"--prompt", "a", "--steps", "0"},
		"steps 1001":         {"--prompt", "a", "--steps", "1001"},
		"unknown respacing":  {"--prompt", "a", "--upsample-steps", "fast99"},
		"batch 0":            {"--prompt", "a", "--batch", "0"},
		"bad seed":           {"--prompt", "a", "--seed", "-3"},
		"unwritable":         {"--prompt", "a", "--out", filepath.Join(dir, "missing", "x.png")},
		"unknown detweights": {"--prompt", "a", "--weights", "detweights:huge"},
		"unknown flag":       {"--prompt", "a", "--colour", "red"},
		"stray argument":     {"--prompt", "a", "b"},
	} {
		code, _, stderr := runGlide(t, append(append([]string{}, base...), extra...)...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, stderr)
		}
		if stderr == "" {
			t.Errorf("%s: no message", name)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run wrote an output file")
	}
}
