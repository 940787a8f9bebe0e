package webgpu

import (
	"testing"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/detrand"
)

// TestProfile times a convolution and an add with timestamp queries and
// checks what the profile attributes to them; without timestamp-query,
// StartProfile must say so as MissingFeature.
func TestProfile(t *testing.T) {
	d := newDevice(t, Options{Timestamps: true})
	if !d.Timestamps() {
		err := d.StartProfile()
		if glide.KindOf(err) != glide.MissingFeature {
			t.Fatalf("StartProfile without timestamp-query: %v, want a MissingFeature error", err)
		}
		t.Skipf("%s offers no timestamp-query (StartProfile refuses it as it should)", d.Name())
	}
	const n, ci, co, h = 1, 64, 96, 16
	x := d.Upload(detrand.Noise("profile/x", n*ci*h*h), n, ci, h, h)
	w := d.Upload(detrand.Noise("profile/w", co*ci*9), co, ci, 3, 3)
	defer d.Release(x, w)
	d.direct, d.splitTarget = false, 0 // one conv2d dispatch

	before := d.Stats().Dispatches
	if err := d.StartProfile(); err != nil {
		t.Fatal(err)
	}
	y := d.Conv2D(x, w, nil, nil, 1)
	z := d.Add(y, y)
	p, err := d.StopProfile()
	d.Release(y, z)
	if err != nil {
		t.Fatal(err)
	}
	if want := d.Stats().Dispatches - before; p.Dispatches != want || want != 2 {
		t.Fatalf("profile counts %d dispatches, the device %d (want 2)", p.Dispatches, want)
	}
	var conv, add *OpTime
	for i := range p.Ops {
		switch p.Ops[i].Kernel {
		case "conv2d":
			conv = &p.Ops[i]
		case "add":
			add = &p.Ops[i]
		}
	}
	if conv == nil || add == nil {
		t.Fatalf("profile %+v lacks conv2d or add", p.Ops)
	}
	if want := 2.0 * n * co * h * h * ci * 9; conv.FLOP != want {
		t.Errorf("conv2d FLOP %g, want %g", conv.FLOP, want)
	}
	if conv.Shape != "3×3 64→96 16×16 b1" {
		t.Errorf("conv2d shape %q", conv.Shape)
	}
	if conv.GPU <= 0 || p.GPU < conv.GPU+add.GPU {
		t.Errorf("GPU times: conv %v, add %v, total %v", conv.GPU, add.GPU, p.GPU)
	}
	if _, err := d.StopProfile(); err == nil {
		t.Error("a second StopProfile succeeded")
	}
}
