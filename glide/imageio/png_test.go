package imageio

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func TestPNGTextRoundTrip(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{200, 10, 20, 255})
	text := map[string]string{"Title": "a red apple", "glide:seed": "7", "Description": "corgi ☃ in snow"}
	var buf bytes.Buffer
	if err := EncodePNG(&buf, img, text); err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the standard decoder rejects our PNG: %v", err)
	}
	if r, g, b, _ := dec.At(1, 1).RGBA(); r>>8 != 200 || g>>8 != 10 || b>>8 != 20 {
		t.Errorf("pixel changed: %v", dec.At(1, 1))
	}
	got, err := ReadText(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range text {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if err := EncodePNG(&buf, img, map[string]string{"": "x"}); err == nil {
		t.Error("empty keyword accepted")
	}
}
