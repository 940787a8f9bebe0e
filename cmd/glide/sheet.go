package main

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The contact sheet of a --batch run (the CLI only: its font would add to
// the worker wasm, which links glide/imageio).

// contactSheet lays images out in a grid (up to 4 per row) with a margin
// and a caption line at the bottom, truncated with "…" to fit.
func contactSheet(imgs []image.Image, caption string) *image.RGBA {
	const margin, captionH = 8, 24
	if len(imgs) == 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	cw, ch := imgs[0].Bounds().Dx(), imgs[0].Bounds().Dy()
	cols := min(len(imgs), 4)
	rows := (len(imgs) + cols - 1) / cols
	W := cols*cw + (cols+1)*margin
	H := rows*ch + (rows+1)*margin + captionH
	sheet := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.RGBA{24, 24, 24, 255}), image.Point{}, draw.Src)
	for i, img := range imgs {
		x := margin + (i%cols)*(cw+margin)
		y := margin + (i/cols)*(ch+margin)
		draw.Draw(sheet, image.Rect(x, y, x+cw, y+ch), img, img.Bounds().Min, draw.Src)
	}
	face := basicfont.Face7x13
	maxChars := (W - 2*margin) / 7
	text := []rune(caption)
	if len(text) > maxChars && maxChars > 1 {
		text = append(text[:maxChars-1], '…')
	}
	d := font.Drawer{
		Dst:  sheet,
		Src:  image.NewUniform(color.RGBA{230, 230, 230, 255}),
		Face: face,
		Dot:  fixed.P(margin, H-margin-4),
	}
	d.DrawString(string(text))
	return sheet
}
