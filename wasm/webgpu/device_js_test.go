package webgpu

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/nn"
)

func ramp(n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i)*0.731)) * scale
	}
	return v
}

// step runs a small, model-like sequence of ops and returns its outputs.
func step(d *Device, x, w, b, gamma, beta *nn.Tensor) []*nn.Tensor {
	h := d.GroupNorm(x, gamma, beta, nn.GroupNormOpts{Groups: 32, Eps: 1e-5, SiLU: true})
	c := d.Conv2D(h, w, b, x, 1)
	u := d.Upsample2x(c)
	p := d.AvgPool2x(u)
	s := d.Slice(p, 1, 0, 3)
	cat := d.Concat(1, s, s)
	return []*nn.Tensor{h, c, u, p, s, cat}
}

type stepInputs struct{ x, w, b, gamma, beta *nn.Tensor }

func newStepInputs(d *Device) stepInputs {
	const ch, hw = 64, 6
	return stepInputs{
		x:     d.Upload(ramp(2*ch*hw*hw, 1), 2, ch, hw, hw),
		w:     d.Upload(ramp(ch*ch*9, 0.05), ch, ch, 3, 3),
		b:     d.Upload(ramp(ch, 0.1), ch),
		gamma: d.Upload(ramp(ch, 1), ch),
		beta:  d.Upload(ramp(ch, 0.2), ch),
	}
}

// TestGuards fills the slack past every new tensor with a NaN pattern and
// checks, after a sequence of ops, that no kernel wrote past its output.
func TestGuards(t *testing.T) {
	d := newDevice(t, Options{})
	d.guard = true
	in := newStepInputs(d)
	outs := step(d, in.x, in.w, in.b, in.gamma, in.beta)
	outs = append(outs, d.Attention(d.Upload(ramp(1*3*64*7, 1), 1, 3*64, 7), d.Upload(ramp(2*64*5, 1), 1, 2*64, 5), 1))
	outs = append(outs, d.Linear(d.Upload(ramp(5*13, 1), 5, 13), d.Upload(ramp(11*13, 1), 11, 13), nil))
	outs = append(outs, d.UploadF16([]uint16{0x3c00, 0x4000, 0x4200}, 3))
	outs = append(outs, d.TokenEmbedding(d.Upload(ramp(10*4, 1), 10, 4), d.Upload(ramp(3*4, 1), 3, 4), nil, []int32{1, 2, 3}, []bool{true, true, true}))
	for _, o := range outs {
		g := o.Buf.(*gbuf)
		raw, err := d.readRaw(g.p)
		if err != nil {
			t.Fatal(err)
		}
		if g.p.size-g.bytes < guardSlack {
			t.Fatalf("%s: only %d bytes of slack", o, g.p.size-g.bytes)
		}
		for i := g.bytes; i+4 <= len(raw); i += 4 {
			if w := binary.LittleEndian.Uint32(raw[i:]); w != guardWord {
				t.Errorf("%s: guard word at byte %d of %d is %#08x: a kernel wrote past the tensor", o, i, g.bytes, w)
				break
			}
		}
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestPoolAndBindGroupCache checks that a repeated op sequence reuses the
// released buffers and hits the bind-group cache, and that ops are only
// submitted at Download, in one flush.
func TestPoolAndBindGroupCache(t *testing.T) {
	d := newDevice(t, Options{})
	in := newStepInputs(d)
	var first []float32
	for it := range 3 {
		before := d.Stats()
		outs := step(d, in.x, in.w, in.b, in.gamma, in.beta)
		mid := d.Stats()
		if mid.Flushes != before.Flushes {
			t.Errorf("iteration %d: ops submitted before Download (%d flushes)", it, mid.Flushes-before.Flushes)
		}
		got, err := d.Download(outs[len(outs)-1])
		if err != nil {
			t.Fatal(err)
		}
		after := d.Stats()
		if after.Flushes != before.Flushes+1 {
			t.Errorf("iteration %d: %d flushes, want 1", it, after.Flushes-before.Flushes)
		}
		if it == 0 {
			first = got
		} else {
			for i := range got {
				if got[i] != first[i] {
					t.Fatalf("iteration %d differs at %d: %v vs %v", it, i, got[i], first[i])
				}
			}
			if n := after.BuffersCreated - before.BuffersCreated; n != 0 {
				t.Errorf("iteration %d created %d buffers; the pool should serve them all", it, n)
			}
			// The first repeat may pair buffers differently from the fresh
			// allocations of iteration 0; from then on the pool's LIFO order
			// repeats exactly.
			if n := after.BindGroupMisses - before.BindGroupMisses; n != 0 && it >= 2 {
				t.Errorf("iteration %d: %d bind-group misses, want 0", it, n)
			}
			if after.BindGroupHits-before.BindGroupHits < 7 && it >= 2 {
				t.Errorf("iteration %d: only %d bind-group hits", it, after.BindGroupHits-before.BindGroupHits)
			}
		}
		t.Logf("iteration %d: %+v", it, after)
		d.Release(outs...)
		d.Release(outs[0], nil) // double release and nil are ignored
	}
}

// TestShaderCompileError breaks one kernel and expects a sticky
// ShaderCompile error naming it, returned by Download.
func TestShaderCompileError(t *testing.T) {
	d := newDevice(t, Options{})
	sourceHook = func(name, src string) string {
		if name == "add" {
			return strings.Replace(src, "y[i] = st(", "y[i] = undefined_thing + st(", 1)
		}
		return src
	}
	defer func() { sourceHook = nil }()
	a := d.Upload([]float32{1, 2, 3}, 3)
	y := d.Add(a, a)
	_, err := d.Download(y)
	if glide.KindOf(err) != glide.ShaderCompile || !strings.Contains(err.Error(), "add") {
		t.Fatalf("Download error = %v (kind %v), want ShaderCompile naming kernel add", err, glide.KindOf(err))
	}
	t.Logf("as expected: %v", err)
	if d.Err() != err {
		t.Error("Err is not sticky")
	}
	d.Release(a, y)
}

// TestSelfTestRefusesGarbage injects a wrong self-test result: the f16
// path falls back to f32, and a wrong f32 result refuses the adapter.
func TestSelfTestRefusesGarbage(t *testing.T) {
	defer func() { selfTestHook = nil }()
	selfTestHook = func(f16 bool, got []float32) {
		if f16 {
			got[3] += 1
		}
	}
	d := newDevice(t, Options{})
	if d.F16() {
		t.Fatal("the f16 path was kept although its self-test computed garbage")
	}
	if d.adapter.HasF16() && !strings.Contains(d.F16Refused(), "self-test") {
		t.Errorf("F16Refused = %q, want the self-test's message", d.F16Refused())
	}
	t.Logf("%s; f16 refused: %q", d.Name(), d.F16Refused())

	selfTestHook = func(_ bool, got []float32) { got[0] = float32(math.NaN()) }
	if d2, err := New(Options{}); err == nil {
		d2.Close()
		t.Fatal("New accepted an adapter whose self-test computes garbage")
	} else {
		t.Logf("as expected: %v", err)
	}
}

// TestDeviceLostRetry loses the device (destroy), expects DeviceLost from
// Download, and then makes a new device that works.
func TestDeviceLostRetry(t *testing.T) {
	d := newDevice(t, Options{})
	a := d.Upload([]float32{1, 2, 3}, 3)
	d.gd.Destroy() // what a driver reset looks like to the page
	var err error
	for range 100 { // the lost promise resolves asynchronously
		y := d.Add(a, a)
		if _, err = d.Download(y); err != nil {
			break
		}
	}
	if glide.KindOf(err) != glide.DeviceLost {
		t.Fatalf("after destroy: %v (kind %v), want DeviceLost", err, glide.KindOf(err))
	}
	t.Logf("as expected: %v", err)
	d.closed = true

	d2 := newDevice(t, Options{})
	x := d2.Upload([]float32{1, 2, 3}, 3)
	got, err := d2.Download(d2.Add(x, x))
	if err != nil || got[2] != 6 {
		t.Fatalf("new device after loss: %v, %v", got, err)
	}
}
