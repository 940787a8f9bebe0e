package main

import (
	"image"
	"testing"
)

func TestContactSheet(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 16, 16))
	s := contactSheet([]image.Image{a, a, a, a, a}, "a prompt that is long enough to be cut off somewhere along the way")
	if s.Bounds().Dx() != 4*16+5*8 || s.Bounds().Dy() != 2*16+3*8+24 {
		t.Errorf("sheet %v", s.Bounds())
	}
}
