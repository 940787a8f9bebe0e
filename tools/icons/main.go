// Command icons draws WebGLIDE's app icons into site/icons/ (run from the
// repository root: go run ./tools/icons). The motif is the model's own
// process: a square of coarse noise pixels on the left that settles,
// column by column, into a clean picture on the right, a warm sun over
// hills on a night sky, the way a diffusion sampler turns noise into an
// image. Everything is computed here (no source images), with a fixed
// seed, so the PNGs are the same on every run.
//
//	icon-192.png, icon-512.png  purpose "any": a rounded square
//	maskable-512.png            purpose "maskable": full bleed, the motif
//	                            inside the central 80 % safe zone
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	dir := filepath.Join("site", "icons")
	if len(os.Args) == 2 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	for _, ic := range []struct {
		name     string
		size     int
		maskable bool
	}{
		{"icon-192.png", 192, false},
		{"icon-512.png", 512, false},
		{"maskable-512.png", 512, true},
	} {
		img := draw(ic.size, ic.maskable)
		f, err := os.Create(filepath.Join(dir, ic.name))
		if err != nil {
			fail(err)
		}
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(f, img); err != nil {
			fail(err)
		}
		if err := f.Close(); err != nil {
			fail(err)
		}
		fmt.Printf("icons: %s (%d×%d)\n", filepath.Join(dir, ic.name), ic.size, ic.size)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "icons: %v\n", err)
	os.Exit(1)
}

// rgb is a colour with float channels in [0, 1].
type rgb struct{ r, g, b float64 }

func mix(a, b rgb, t float64) rgb {
	t = math.Max(0, math.Min(1, t))
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

var (
	skyTop    = rgb{0.10, 0.11, 0.27} // night indigo
	skyLow    = rgb{0.45, 0.27, 0.55} // dusk violet
	sunCore   = rgb{1.00, 0.86, 0.45}
	sunEdge   = rgb{0.98, 0.55, 0.32}
	hillFar   = rgb{0.20, 0.36, 0.52}
	hillNear  = rgb{0.10, 0.22, 0.33}
	noiseDark = rgb{0.08, 0.08, 0.12}
)

// scene is the clean picture at (u, v) in [0, 1]² (v down).
func scene(u, v float64) rgb {
	c := mix(skyTop, skyLow, v*1.2)
	// The sun, with a soft glow.
	d := math.Hypot(u-0.62, v-0.42)
	if d < 0.2 {
		c = mix(sunCore, sunEdge, d/0.2)
	} else {
		c = mix(c, sunEdge, 0.35*math.Exp(-(d-0.2)*14))
	}
	far := 0.62 + 0.06*math.Sin(u*7.5+0.6)
	near := 0.74 + 0.05*math.Sin(u*5.2+2.4) + 0.03*math.Sin(u*13)
	if v > far {
		c = mix(hillFar, hillNear, (v-far)*2)
	}
	if v > near {
		c = mix(hillNear, noiseDark, (v-near)*1.5)
	}
	return c
}

// draw renders one icon: size pixels square; maskable fills the square
// and keeps the motif within the safe zone, else a rounded square.
func draw(size int, maskable bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// The motif's square within the icon, in icon units [0, 1].
	inset, radius := 0.06, 0.2
	if maskable {
		inset, radius = 0.14, 0 // the 80 % safe circle holds the central 72 %
	}
	const cells = 16 // the noise pixels per side
	rng := rand.New(rand.NewPCG(0x61696465, 0x676c6964))
	noise := make([]rgb, cells*cells)
	for i := range noise {
		noise[i] = rgb{rng.Float64(), rng.Float64(), rng.Float64()}
	}
	const ss = 4 // supersampling per axis
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var acc rgb
			var alpha float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := (float64(x) + (float64(sx)+0.5)/ss) / float64(size)
					py := (float64(y) + (float64(sy)+0.5)/ss) / float64(size)
					c, a := sample(px, py, inset, radius, maskable, noise, cells)
					acc.r += c.r * a
					acc.g += c.g * a
					acc.b += c.b * a
					alpha += a
				}
			}
			n := float64(ss * ss)
			if alpha > 0 {
				acc = rgb{acc.r / alpha, acc.g / alpha, acc.b / alpha}
			}
			img.SetNRGBA(x, y, color.NRGBA{q(acc.r), q(acc.g), q(acc.b), q(alpha / n)})
		}
	}
	return img
}

func q(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, v)))) }

// sample is the colour and coverage at icon point (px, py).
func sample(px, py, inset, radius float64, maskable bool, noise []rgb, cells int) (rgb, float64) {
	if !maskable && !inRounded(px, py, radius) {
		return rgb{}, 0
	}
	u := (px - inset) / (1 - 2*inset)
	v := (py - inset) / (1 - 2*inset)
	if u < 0 || u >= 1 || v < 0 || v >= 1 {
		// Outside the motif: the sky's colours (maskable bleed, and the
		// rounded square's frame).
		return mix(skyTop, skyLow, py), 1
	}
	// t: how far denoising has gone at this column (0 noise, 1 clean),
	// a smooth sweep from left to right.
	t := smooth((u - 0.12) / 0.62)
	cx, cy := int(u*float64(cells)), int(v*float64(cells))
	cellU, cellV := (float64(cx)+0.5)/float64(cells), (float64(cy)+0.5)/float64(cells)
	n := noise[cy*cells+cx]
	// Noisy end: a pixel of the picture's cell plus strong noise; the
	// cells shrink into the continuous picture as t grows.
	coarse := scene(cellU, cellV)
	noisy := rgb{coarse.r*0.35 + n.r*0.65, coarse.g*0.35 + n.g*0.65, coarse.b*0.35 + n.b*0.65}
	fine := scene(u, v)
	c := mix(noisy, mix(coarse, fine, t), t)
	// Thin gaps between the noise pixels, fading out with the noise.
	fu, fv := u*float64(cells)-float64(cx), v*float64(cells)-float64(cy)
	if (1-t) > 0.05 && (fu < 0.06 || fv < 0.06) {
		c = mix(c, skyTop, 0.6*(1-t))
	}
	return c, 1
}

func smooth(t float64) float64 {
	t = math.Max(0, math.Min(1, t))
	return t * t * (3 - 2*t)
}

// inRounded reports whether (x, y) lies in the unit square with corners
// of radius r.
func inRounded(x, y, r float64) bool {
	if r == 0 {
		return true
	}
	cx := math.Max(r, math.Min(1-r, x))
	cy := math.Max(r, math.Min(1-r, y))
	return math.Hypot(x-cx, y-cy) <= r
}
