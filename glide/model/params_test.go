package model

import (
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
