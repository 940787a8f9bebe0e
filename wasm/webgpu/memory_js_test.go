package webgpu

import (
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// TestMemoryAndTrim follows the device's buffer accounting through
// allocations, releases and a Trim, and checks that the device still
// computes correctly with the same shapes afterwards (the bind groups of
// destroyed buffers must be gone from the cache).
func TestMemoryAndTrim(t *testing.T) {
	d := newDevice(t, Options{})
	var _ nn.MemoryStats = d
	var _ nn.Trimmer = d
	held0, _ := d.Memory()
	if held0 <= 0 {
		t.Fatalf("a new device holds %d bytes (the arenas at least)", held0)
	}
	const n = 1 << 16
	a := d.Upload(make([]float32, n), n)
	b := d.Upload(make([]float32, n), n)
	c := d.Add(a, b)
	held1, peak1 := d.Memory()
	if min := held0 + 3*int64(n*d.esize); held1 < min || peak1 < held1 {
		t.Fatalf("after three %d-element tensors: held %d, peak %d; want held ≥ %d, peak ≥ held", n, held1, peak1, min)
	}
	d.Release(a, b, c)
	if held, _ := d.Memory(); held != held1 {
		t.Errorf("released tensors stay in the pool: held %d, want %d", held, held1)
	}
	d.ResetPeak()
	if _, peak := d.Memory(); peak != held1 {
		t.Errorf("peak after ResetPeak %d, want %d", peak, held1)
	}
	d.Trim()
	// Trim gives back every free buffer: ours and those the start-up
	// self-test left in the pool.
	held2, peak2 := d.Memory()
	if held2 > held0 || held1-held2 < 3*int64(n*d.esize) || peak2 != held1 {
		t.Errorf("after Trim: held %d (want ≤ %d, a new device's, and ≤ %d), peak %d (want %d)",
			held2, held0, held1-3*int64(n*d.esize), peak2, held1)
	}
	// Same shapes again: new buffers, new bind groups, right answer.
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i % 97)
	}
	a = d.Upload(x, n)
	b = d.Upload(x, n)
	c = d.Add(a, b)
	got, err := d.Download(c)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != 2*x[i] {
			t.Fatalf("after Trim, Add gives y[%d] = %v, want %v", i, v, 2*x[i])
		}
	}
	d.Release(a, b, c)
}
