package glide

import "testing"

func TestPNGText(t *testing.T) {
	o := DefaultOptions()
	o.Prompt, o.Seed, o.BaseSteps, o.UpsampleSteps, o.BatchSize = "a corgi", 42, "25", "ddim25", 2
	got := PNGText("WebGLIDE (test)", o, "weights/")
	want := map[string]string{
		"Title": "a corgi", "Software": "WebGLIDE (test)", "glide:prompt": "a corgi", "glide:seed": "42",
		"glide:guidance": "3", "glide:steps": "25", "glide:upsample": "ddim25 temp=0.997",
		"glide:weights": "weights/", "glide:batch": "2",
	}
	if len(got) != len(want) {
		t.Errorf("PNGText has %d keys, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("PNGText[%q] = %q, want %q", k, got[k], v)
		}
	}
}
