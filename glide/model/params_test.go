package model

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPresetParamCounts(t *testing.T) {
	// Totals from glide-spec §2.1 (the reference notebooks print the same).
	want := map[string]int{
		"base": 385030726, "upsample": 398361286,
		"base-inpaint": 385037638, "upsample-inpaint": 398368198,
	}
	for kind, n := range want {
		c, err := Preset(kind)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.NumParams()
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s: %d params, want %d", kind, got, n)
		}
	}
}

// The tiny presets must equal the golden fixtures' tiny configurations.
func TestTinyPresetsMatchFixtures(t *testing.T) {
	for preset, fixture := range map[string]string{
		"tiny-base":             "tiny_base_model",
		"tiny-upsample":         "tiny_upsample_model",
		"tiny-base-inpaint":     "tiny_base_inpaint_model",
		"tiny-upsample-inpaint": "tiny_upsample_inpaint_model",
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", fixture, "case.json"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ConfigFromJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s:\n got %+v\nwant %+v", preset, got, want)
		}
	}
}
