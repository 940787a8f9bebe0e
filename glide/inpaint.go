package glide

// Text-guided editing as the reference's notebooks/inpaint.ipynb does it:
// the base-inpaint and upsample-inpaint models regenerate the masked
// region of a source image from a prompt (GLIDE §5.2 in
// ../shared/docs/glide-spec.md).

import (
	"context"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	xdraw "golang.org/x/image/draw"
)

// Mask is an inpainting mask on the base model's pixel grid (64×64 for
// GLIDE): Keep[y·W + x] is true where the source is kept and false where
// the model regenerates it. The upsampler stage uses its nearest-neighbour
// enlargement, as the notebook does.
type Mask struct {
	W, H int
	Keep []bool
}

// NewMask returns a w×h mask that keeps every pixel.
func NewMask(w, h int) *Mask {
	m := &Mask{W: w, H: h, Keep: make([]bool, w*h)}
	for i := range m.Keep {
		m.Keep[i] = true
	}
	return m
}

// MaskFromImage reads a mask picture in the convention of the popular
// image editors: white where the image is to be regenerated, black where
// it is kept. The picture may have any size: it is centre-cropped to a
// square like the source (so a mask drawn at the source's size lines up),
// each cell of the w×h grid takes the mean luminance of the pixels it
// covers, and a cell whose mean is 50 % white or more is regenerated.
func MaskFromImage(img image.Image, w, h int) *Mask {
	sq := centreSquare(img.Bounds())
	// Box-average each cell: accumulate the luminance (0..1) of every
	// picture pixel into the cell it falls in.
	sum := make([]float64, w*h)
	cnt := make([]int, w*h)
	side := sq.Dx()
	for y := sq.Min.Y; y < sq.Max.Y; y++ {
		cy := (y - sq.Min.Y) * h / side
		for x := sq.Min.X; x < sq.Max.X; x++ {
			cx := (x - sq.Min.X) * w / side
			g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
			sum[cy*w+cx] += float64(g.Y) / 0xffff
			cnt[cy*w+cx]++
		}
	}
	m := &Mask{W: w, H: h, Keep: make([]bool, w*h)}
	for i := range m.Keep {
		// A picture smaller than the grid leaves cells empty: take the
		// nearest picture pixel for those.
		if cnt[i] == 0 {
			x, y := i%w, i/w
			g := color.Gray16Model.Convert(img.At(sq.Min.X+x*side/w, sq.Min.Y+y*side/h)).(color.Gray16)
			sum[i], cnt[i] = float64(g.Y)/0xffff, 1
		}
		m.Keep[i] = sum[i]/float64(cnt[i]) < 0.5
	}
	return m
}

// Kept counts the kept pixels.
func (m *Mask) Kept() int {
	n := 0
	for _, k := range m.Keep {
		if k {
			n++
		}
	}
	return n
}

// String writes the mask as "WxH:" and its regenerated cells in hex, one
// bit per cell in row-major order, a set bit regenerated (the glide:mask
// text chunk of edited PNGs, so a file says exactly which region was
// edited).
func (m *Mask) String() string {
	bits := make([]byte, (len(m.Keep)+7)/8)
	for i, k := range m.Keep {
		if !k {
			bits[i/8] |= 0x80 >> (i % 8)
		}
	}
	return fmt.Sprintf("%dx%d:%s", m.W, m.H, hex.EncodeToString(bits))
}

// check validates the mask for a base model of size×size pixels.
func (m *Mask) check(op string, size int) error {
	if m == nil {
		return Errorf(op, BadInput, "mask: none given (paint the region to regenerate)")
	}
	if m.W != size || m.H != size || len(m.Keep) != m.W*m.H {
		return Errorf(op, BadInput, "mask is %d×%d with %d values; the base model needs %d×%d", m.W, m.H, len(m.Keep), size, size)
	}
	switch m.Kept() {
	case len(m.Keep):
		return Errorf(op, BadInput, "mask keeps every pixel: paint the region to regenerate")
	case 0:
		return Errorf(op, BadInput, "mask regenerates every pixel, so nothing of the source is kept: leave some of the image unpainted, or use text-to-image")
	}
	return nil
}

// DefaultInpaintOptions returns the inpaint notebook's settings: guidance
// scale 5, 100 base steps, the upsampler over the fast27 respacing with
// start noise × 0.997.
func DefaultInpaintOptions() Options {
	o := DefaultOptions()
	o.GuidanceScale = 5
	return o
}

// Inpaint regenerates the region of src where mask is not kept, guided by
// opts.Prompt, with the inpainting models in the pipeline's slots
// (base-inpaint as Base, upsample-inpaint as Upsampler; nil Upsampler
// stops at 64×64). src may have any size: a non-square source is
// centre-cropped (said in the result's warnings), then resized to each
// stage's size with an antialiased bicubic filter. Everything else
// (noise order, progress, previews, cancel, batch, one model at a time)
// is as in Generate; the kept region of every result equals the source.
func (p *Pipeline) Inpaint(ctx context.Context, opts Options, src image.Image, mask *Mask) (*Result, error) {
	const op = "inpaint"
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if src == nil || src.Bounds().Empty() {
		return nil, Errorf(op, BadInput, "source image: none given, or it has no pixels")
	}
	size := 64
	if p.Base != nil {
		size = p.Base.Cfg.ImageSize
	}
	if err := mask.check(op, size); err != nil {
		return nil, err
	}
	kn := &known{src: src, mask: mask}
	b := src.Bounds()
	if b.Dx() != b.Dy() {
		sq := centreSquare(b)
		kn.warnings = append(kn.warnings, fmt.Sprintf("the source image is %d×%d: its centre %d×%d square was used", b.Dx(), b.Dy(), sq.Dx(), sq.Dy()))
	}
	return p.run(ctx, op, opts, kn)
}

// known is the source of an inpainting run; nil for text-to-image.
type known struct {
	src      image.Image
	mask     *Mask // on the base model's grid
	warnings []string
}

// at returns the source resized to size×size as planar (3, size, size)
// values in [−1, 1], and the mask enlarged to size×size (nearest) as
// (1, size, size) values, 1 = keep.
func (k *known) at(size int) (img, keep []float32, err error) {
	if size%k.mask.W != 0 || size%k.mask.H != 0 {
		return nil, nil, Errorf("inpaint", BadInput, "a %d×%d mask cannot be enlarged to %d×%d", k.mask.W, k.mask.H, size, size)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, size, size))
	sq := centreSquare(k.src.Bounds())
	if sq.Dx() == size {
		draw.Draw(rgba, rgba.Bounds(), k.src, sq.Min, draw.Src)
	} else {
		// Catmull-Rom is the a = −0.5 bicubic kernel of PIL's BICUBIC,
		// which the notebook uses; x/image/draw widens it when shrinking,
		// as PIL does, so a large photo is antialiased.
		xdraw.CatmullRom.Scale(rgba, rgba.Bounds(), k.src, sq, xdraw.Src, nil)
	}
	plane := size * size
	img = make([]float32, 3*plane)
	for i := range plane {
		// 8-bit levels / 127.5 − 1, as the notebook's read_image. A
		// translucent source is taken as drawn over black.
		px := rgba.Pix[4*i : 4*i+3]
		for c := range 3 {
			img[c*plane+i] = float32(px[c])/127.5 - 1
		}
	}
	keep = make([]float32, plane)
	fy, fx := size/k.mask.H, size/k.mask.W
	for y := range size {
		for x := range size {
			if k.mask.Keep[(y/fy)*k.mask.W+x/fx] {
				keep[y*size+x] = 1
			}
		}
	}
	return img, keep, nil
}

// centreSquare is the largest square centred in r.
func centreSquare(r image.Rectangle) image.Rectangle {
	side := min(r.Dx(), r.Dy())
	x0 := r.Min.X + (r.Dx()-side)/2
	y0 := r.Min.Y + (r.Dy()-side)/2
	return image.Rect(x0, y0, x0+side, y0+side)
}
