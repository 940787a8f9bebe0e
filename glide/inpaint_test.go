package glide

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

// tinyInpaint loads the fixtures' tiny inpainting models with detweights.
func tinyInpaint(t *testing.T) *Pipeline {
	t.Helper()
	p, err := DetPipeline(nn.NewCPU(0), "tiny-base-inpaint", "tiny-upsample-inpaint")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func quickInpaintOptions(prompt string, seed uint64) Options {
	o := DefaultInpaintOptions()
	o.Prompt, o.Seed = prompt, seed
	o.BaseSteps, o.UpsampleSteps = "3", "2"
	return o
}

// testSource is a w×h picture with smooth colour gradients.
func testSource(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x + y) % 256), A: 255})
		}
	}
	return img
}

// topMask keeps the top rows of a 64×64 grid, as the inpaint notebook's
// mask keeps its top 20 rows.
func topMask(rows int) *Mask {
	m := NewMask(64, 64)
	for i := rows * 64; i < len(m.Keep); i++ {
		m.Keep[i] = false
	}
	return m
}

// maxLevelDiff is the largest channel difference between a and b over the
// pixels where in(x, y) holds, and how many pixels differ by more than
// tol levels there.
func maxLevelDiff(a, b *image.RGBA, tol int, in func(x, y int) bool) (worst, over int) {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !in(x, y) {
				continue
			}
			pa, pb := a.RGBAAt(x, y), b.RGBAAt(x, y)
			d := max(absDiff(pa.R, pb.R), absDiff(pa.G, pb.G), absDiff(pa.B, pb.B))
			worst = max(worst, d)
			if d > tol {
				over++
			}
		}
	}
	return worst, over
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestInpaintKeepsSource: the kept region of the 64×64 and 256×256
// results equals the source (≤ 1 level after 8-bit quantisation), and the
// regenerated region does not.
//
// One step per stage is checked too: a single-step process once had an
// infinite variance log that made NaN pixels where the model's v left
// [−1, 1].
func TestInpaintKeepsSource(t *testing.T) {
	p := tinyInpaint(t)
	for _, steps := range [][2]string{{"3", "2"}, {"1", "1"}} {
		t.Run(steps[0]+"+"+steps[1], func(t *testing.T) {
			o := quickInpaintOptions("a corgi in a field", 7)
			o.BaseSteps, o.UpsampleSteps = steps[0], steps[1]
			checkKeepsSource(t, p, o)
		})
	}
}

func checkKeepsSource(t *testing.T, p *Pipeline, o Options) {
	src := testSource(256, 256) // at the upsampler's size: used as it is
	mask := topMask(20)
	res, err := p.Inpaint(context.Background(), o, src, mask)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Bounds().Dx() != 256 || res.Base[0].Bounds().Dx() != 64 {
		t.Fatalf("got %d images of %v, base %v", len(res.Images), res.Images[0].Bounds(), res.Base[0].Bounds())
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings for a square source: %q", res.Warnings)
	}
	kept256 := func(x, y int) bool { return y < 80 } // 20 rows × 4
	if worst, _ := maxLevelDiff(res.Images[0], src, 1, kept256); worst > 1 {
		t.Errorf("256×256 kept region differs from the source by up to %d levels", worst)
	}
	if _, over := maxLevelDiff(res.Images[0], src, 8, func(x, y int) bool { return !kept256(x, y) }); over < 256*176/4 {
		t.Errorf("only %d regenerated pixels differ from the source by more than 8 levels", over)
	}

	// The 64×64 stage keeps the source as the pipeline resized it.
	planes, _, err := (&known{src: src, mask: mask}).at(64)
	if err != nil {
		t.Fatal(err)
	}
	src64 := toImages(planes, 1, 64, 64)[0]
	kept64 := func(x, y int) bool { return y < 20 }
	if worst, _ := maxLevelDiff(res.Base[0], src64, 1, kept64); worst > 1 {
		t.Errorf("64×64 kept region differs from the resized source by up to %d levels", worst)
	}
	if _, over := maxLevelDiff(res.Base[0], src64, 8, func(x, y int) bool { return !kept64(x, y) }); over < 64*44/4 {
		t.Errorf("only %d regenerated base pixels differ from the source by more than 8 levels", over)
	}
}

func TestInpaintDeterministic(t *testing.T) {
	p := tinyInpaint(t)
	ctx := context.Background()
	src := testSource(300, 200)
	run := func(seed uint64) *Result {
		t.Helper()
		res, err := p.Inpaint(ctx, quickInpaintOptions("a red apple", seed), src, topMask(30))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(5), run(5), run(6)
	if !bytes.Equal(a.Images[0].Pix, b.Images[0].Pix) {
		t.Error("the same seed gave different images")
	}
	if bytes.Equal(a.Images[0].Pix, c.Images[0].Pix) {
		t.Error("another seed gave the same image")
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "300×200: its centre 200×200 square was used") {
		t.Errorf("warnings %q, want one about the centre crop", a.Warnings)
	}
}

// TestInpaintBatchAndOneModel: a batch of two, holding one model at a
// time, gives the same images as holding both, and each kept region is the
// source.
func TestInpaintBatchAndOneModel(t *testing.T) {
	dev := nn.NewCPU(0)
	one := &Pipeline{Device: dev, OneModel: true}
	loads := 0
	one.LoadBase = func() (*model.Model, error) { loads++; return DetModel(dev, "tiny-base-inpaint") }
	one.LoadUpsampler = func() (*model.Model, error) { loads++; return DetModel(dev, "tiny-upsample-inpaint") }
	both := tinyInpaint(t)
	o := quickInpaintOptions("two apples", 3)
	o.BatchSize = 2
	src := testSource(256, 256)
	got, err := one.Inpaint(context.Background(), o, src, topMask(32))
	if err != nil {
		t.Fatal(err)
	}
	want, err := both.Inpaint(context.Background(), o, src, topMask(32))
	if err != nil {
		t.Fatal(err)
	}
	if loads != 2 || len(got.Images) != 2 {
		t.Fatalf("%d loads, %d images; want 2 and 2", loads, len(got.Images))
	}
	for i := range 2 {
		if !bytes.Equal(got.Images[i].Pix, want.Images[i].Pix) {
			t.Errorf("image %d: one model at a time gave another image", i+1)
		}
		if worst, _ := maxLevelDiff(got.Images[i], src, 1, func(x, y int) bool { return y < 128 }); worst > 1 {
			t.Errorf("image %d: kept region off by %d levels", i+1, worst)
		}
	}
	if bytes.Equal(got.Images[0].Pix, got.Images[1].Pix) {
		t.Error("the two images of a batch are the same")
	}
}

func TestInpaintBadInputs(t *testing.T) {
	p := tinyInpaint(t)
	ctx := context.Background()
	src := testSource(64, 64)
	allKeep := NewMask(64, 64)
	none := NewMask(64, 64)
	for i := range none.Keep {
		none.Keep[i] = false
	}
	for _, c := range []struct {
		name string
		src  image.Image
		mask *Mask
		want string
	}{
		{"no mask", src, nil, "mask: none given"},
		{"wrong size", src, NewMask(32, 32), "mask is 32×32"},
		{"short data", src, &Mask{W: 64, H: 64, Keep: make([]bool, 10)}, "mask is 64×64 with 10 values"},
		{"all keep", src, allKeep, "mask keeps every pixel"},
		{"all regenerate", src, none, "mask regenerates every pixel"},
		{"no image", nil, topMask(10), "source image: none given"},
		{"empty image", image.NewRGBA(image.Rect(0, 0, 0, 5)), topMask(10), "source image: none given"},
	} {
		_, err := p.Inpaint(ctx, quickInpaintOptions("x", 1), c.src, c.mask)
		if KindOf(err) != BadInput || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v (kind %v), want a BadInput error containing %q", c.name, err, KindOf(err), c.want)
		}
	}
	o := quickInpaintOptions("x", 1)
	o.BaseSteps = "0"
	if _, err := p.Inpaint(ctx, o, src, topMask(10)); KindOf(err) != BadInput || !strings.Contains(err.Error(), "steps") {
		t.Errorf("steps 0: err = %v, want a BadInput error naming steps", err)
	}

	// The wrong models for the run: Unsupported, saying which are needed.
	if _, err := p.Generate(ctx, quickOptions("x", 1)); KindOf(err) != Unsupported || !strings.Contains(err.Error(), "need a source image and mask") {
		t.Errorf("Generate on the inpainting models: err = %v", err)
	}
	if _, err := tinyPipeline(t).Inpaint(ctx, quickInpaintOptions("x", 1), src, topMask(10)); KindOf(err) != Unsupported || !strings.Contains(err.Error(), "base-inpaint") {
		t.Errorf("Inpaint on the text-to-image models: err = %v", err)
	}
}

func TestInpaintCancel(t *testing.T) {
	p := tinyInpaint(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := quickInpaintOptions("a boat", 1)
	o.BaseSteps = "10"
	steps := 0
	o.PreviewEvery = 1
	o.Progress = func(pr Progress) {
		steps++
		if len(pr.Preview) != 1 || pr.Preview[0].Bounds().Dx() != 64 {
			t.Errorf("step %d: previews %v", pr.Step, pr.Preview)
		}
		if pr.Step == 2 {
			cancel()
		}
	}
	_, err := p.Inpaint(ctx, o, testSource(64, 64), topMask(20))
	if KindOf(err) != Canceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v (kind %v), want Canceled", err, KindOf(err))
	}
	if steps != 2 {
		t.Errorf("%d steps ran; want the cancel honoured right after step 2", steps)
	}
}

func TestMaskFromImage(t *testing.T) {
	// A 200×100 picture, black with a white right half of its centre
	// square: the crop keeps x 50..150, so cells with x ≥ 32 regenerate.
	pic := image.NewGray(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := 100; x < 200; x++ {
			pic.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	m := MaskFromImage(pic, 64, 64)
	for y := range 64 {
		for x := range 64 {
			if got, want := m.Keep[y*64+x], x < 32; got != want {
				t.Fatalf("cell (%d, %d): keep = %v, want %v", x, y, got, want)
			}
		}
	}
	// Grey at 40 % keeps, at 60 % regenerates (the 50 % threshold), and
	// a picture smaller than the grid still fills every cell.
	for _, c := range []struct {
		level uint8
		keep  bool
	}{{102, true}, {153, false}} {
		small := image.NewGray(image.Rect(0, 0, 16, 16))
		for i := range small.Pix {
			small.Pix[i] = c.level
		}
		if k := MaskFromImage(small, 64, 64).Kept(); (k == 64*64) != c.keep || (k == 0) == c.keep {
			t.Errorf("grey %d: %d cells kept", c.level, k)
		}
	}
}

// TestInpaintSourceResize: a flat source stays flat at every size (the
// bicubic filter's weights sum to one), and a source already at a stage's
// size is used pixel for pixel.
func TestInpaintSourceResize(t *testing.T) {
	flat := image.NewRGBA(image.Rect(0, 0, 333, 250))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []byte{200, 40, 90, 255})
	}
	k := &known{src: flat, mask: topMask(10)}
	for _, size := range []int{64, 256} {
		img, keep, err := k.at(size)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []float32{200, 40, 90} {
			if v := img[i*size*size+size*size/2]; v != want/127.5-1 {
				t.Errorf("size %d channel %d: %v, want %v", size, i, v, want/127.5-1)
			}
		}
		if keep[(10*size/64-1)*size] != 1 {
			t.Errorf("size %d: row %d should be kept", size, 10*size/64-1)
		}
		if keep[(10*size/64)*size] != 0 {
			t.Errorf("size %d: row %d should be regenerated", size, 10*size/64)
		}
	}
	src := testSource(256, 256)
	img, _, err := (&known{src: src, mask: topMask(10)}).at(256)
	if err != nil {
		t.Fatal(err)
	}
	if got := toImages(img, 1, 256, 256)[0]; !bytes.Equal(got.Pix, src.Pix) {
		t.Error("a 256×256 source was not used as it is at 256×256")
	}
}
