package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/imageio"
)

// writeTestPNG writes img as a PNG file and returns its path.
func writeTestPNG(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// gradient is a w×h test picture.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: 255})
		}
	}
	return img
}

// halfMask is a w×h mask picture, white (regenerate) below the middle.
func halfMask(w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := h / 2 * w; i < w*h; i++ {
		m.Pix[i] = 255
	}
	return m
}

// checkKept compares the top half of a 256×256 result with the source and
// counts the bottom half's pixels that changed by more than 8 levels.
func checkKept(t *testing.T, out string, src *image.RGBA) {
	t.Helper()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("result is %v, want 256×256", img.Bounds())
	}
	worst, changed := 0, 0
	for y := range 256 {
		for x := range 256 {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			s := src.RGBAAt(x, y)
			d := max(absInt(int(r1>>8)-int(s.R)), absInt(int(g1>>8)-int(s.G)), absInt(int(b1>>8)-int(s.B)))
			if y < 128 {
				worst = max(worst, d)
			} else if d > 8 {
				changed++
			}
		}
	}
	if worst > 1 {
		t.Errorf("the kept region differs from the source by up to %d levels", worst)
	}
	if changed < 256*128/4 {
		t.Errorf("only %d pixels of the regenerated region changed", changed)
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestInpaintTinyKeepsSource(t *testing.T) {
	dir := t.TempDir()
	src := gradient(256, 256)
	srcPath := writeTestPNG(t, dir, "src.png", src)
	maskPath := writeTestPNG(t, dir, "mask.png", halfMask(512, 512)) // any size
	run := func(name, seed string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		code, stdout, stderr := runGlide(t, "inpaint", "--weights", "detweights:tiny", "--image", srcPath, "--mask", maskPath,
			"--prompt", "a corgi in a field", "--seed", seed, "--steps", "3", "--upsample-steps", "2", "--quiet", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, out) || !strings.Contains(stderr, "2048 of 4096 mask cells regenerated") {
			t.Errorf("stdout %q, stderr %q", stdout, stderr)
		}
		checkKept(t, out, src)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	a, b, c := run("a.png", "7"), run("b.png", "7"), run("c.png", "8")
	if !bytes.Equal(a, b) {
		t.Error("the same command gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("another seed gave the same image")
	}
	text, err := imageio.ReadText(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(srcPath)
	sum := sha256.Sum256(raw)
	for k, want := range map[string]string{
		"glide:prompt": "a corgi in a field", "glide:seed": "7", "glide:steps": "3", "glide:guidance": "5",
		"glide:upsample": "2 temp=0.997", "glide:mode": "inpaint", "glide:source-sha256": hex.EncodeToString(sum[:]),
		"Software": "WebGLIDE (glide inpaint)",
	} {
		if text[k] != want {
			t.Errorf("text chunk %s = %q, want %q", k, text[k], want)
		}
	}
	// 64×64 cells, the bottom 32 rows regenerated: 2048 set bits.
	if m := text["glide:mask"]; !strings.HasPrefix(m, "64x64:"+strings.Repeat("00", 256)+"ff") {
		t.Errorf("glide:mask = %.40q…", m)
	}
}

// TestInpaintBundles runs the same edit from a weights folder of bundles
// (base-inpaint/, upsample-inpaint/), as glide fetch or glide convert
// write them, with a JPEG source.
func TestInpaintBundles(t *testing.T) {
	dir := t.TempDir()
	w := filepath.Join(dir, "weights")
	for _, k := range [][2]string{{"tiny-base-inpaint", "base-inpaint"}, {"tiny-upsample-inpaint", "upsample-inpaint"}} {
		if code, _, stderr := runGlide(t, "detbundle", k[0], filepath.Join(w, k[1])); code != 0 {
			t.Fatalf("detbundle %s: exit %d: %s", k[0], code, stderr)
		}
	}
	// A flat JPEG is decoded to flat colour (nearly: JPEG), so compare
	// with the decoded pixels.
	var jb bytes.Buffer
	flat := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []byte{30, 160, 220, 255})
	}
	if err := jpeg.Encode(&jb, flat, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	srcPath := filepath.Join(dir, "src.jpg")
	if err := os.WriteFile(srcPath, jb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dec, _ := jpeg.Decode(bytes.NewReader(jb.Bytes()))
	src := image.NewRGBA(dec.Bounds())
	for y := range 256 {
		for x := range 256 {
			src.Set(x, y, dec.At(x, y))
		}
	}
	out := filepath.Join(dir, "out.png")
	code, _, stderr := runGlide(t, "inpaint", "--weights", w, "--image", srcPath, "--mask", writeTestPNG(t, dir, "m.png", halfMask(64, 64)),
		"--prompt", "a boat", "--seed", "1", "--steps", "2", "--upsample-steps", "2", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkKept(t, out, src)

	// A folder without the inpainting bundles says how to get them.
	code, _, stderr = runGlide(t, "inpaint", "--weights", dir, "--image", srcPath, "--mask", filepath.Join(dir, "m.png"),
		"--prompt", "a", "--out", filepath.Join(dir, "x.png"))
	if code != 1 || !strings.Contains(stderr, "no base-inpaint/manifest.json") || !strings.Contains(stderr, "glide fetch --models base-inpaint,upsample-inpaint") {
		t.Errorf("missing bundles: exit %d, %q", code, stderr)
	}
}

func TestInpaintBadInput(t *testing.T) {
	dir := t.TempDir()
	src := writeTestPNG(t, dir, "src.png", gradient(120, 80))
	mask := writeTestPNG(t, dir, "mask.png", halfMask(120, 80))
	black := writeTestPNG(t, dir, "black.png", image.NewGray(image.Rect(0, 0, 64, 64)))
	white := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	whitePath := writeTestPNG(t, dir, "white.png", white)
	wrongAspect := writeTestPNG(t, dir, "tall.png", halfMask(50, 100))
	notImage := filepath.Join(dir, "notes.png")
	os.WriteFile(notImage, []byte("<html>not a picture</html>"), 0o644)
	out := filepath.Join(dir, "out.png")
	base := []string{"inpaint", "--weights", "detweights:tiny", "--steps", "1", "--upsample-steps", "1", "--quiet", "--out", out}
	for _, c := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"no prompt", []string{"--image", src, "--mask", mask}, "--prompt is required"},
		{"no image", []string{"--prompt", "a", "--mask", mask}, "--image is required"},
		{"no mask", []string{"--prompt", "a", "--image", src}, "--mask is required"},
		{"missing image", []string{"--prompt", "a", "--image", filepath.Join(dir, "nope.png"), "--mask", mask}, "--image:"},
		{"image does not decode", []string{"--prompt", "a", "--image", notImage, "--mask", mask}, "--image " + notImage + ": not a PNG, JPEG or WebP"},
		{"mask does not decode", []string{"--prompt", "a", "--image", src, "--mask", notImage}, "--mask " + notImage + ": not a PNG"},
		{"all keep", []string{"--prompt", "a", "--image", src, "--mask", black}, "mask keeps every pixel"},
		{"all regenerate", []string{"--prompt", "a", "--image", src, "--mask", whitePath}, "mask regenerates every pixel"},
		{"mask aspect", []string{"--prompt", "a", "--image", src, "--mask", wrongAspect}, "--mask is 50×100 but --image is 120×80"},
		{"guidance", []string{"--prompt", "a", "--image", src, "--mask", mask, "--guidance", "-2"}, "guidance scale"},
		{"steps", []string{"--prompt", "a", "--image", src, "--mask", mask, "--steps", "fast999"}, "steps"},
		{"detweights", []string{"--prompt", "a", "--image", src, "--mask", mask, "--weights", "detweights:huge"}, "detweights:huge"},
	} {
		code, _, stderr := runGlide(t, append(append([]string{}, base...), c.extra...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", c.name, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed run wrote an output file")
	}
	// A non-square source with a mask of its size works, with a warning.
	code, _, stderr := runGlide(t, append(append([]string{}, base...), "--prompt", "a", "--image", src, "--mask", mask)...)
	if code != 0 || !strings.Contains(stderr, "warning: the source image is 120×80: its centre 80×80 square was used") {
		t.Errorf("non-square source: exit %d, stderr %q", code, stderr)
	}
}
