package nn

import (
	"fmt"
	"runtime"
)

// CPU is the float32 reference Device. Every op is a plain loop over a
// []float32 (the matrix products share one cache-blocked sgemm, see gemm.go),
// parallelised over up to Threads goroutines. A CPU tensor's Buf holds its
// []float32; views made by Tensor.Reshape share it.
//
// The CPU device never fails: Err always returns nil and Release is a no-op
// (the garbage collector owns the storage).
type CPU struct {
	threads  int
	winograd bool // 3×3 convolutions by Winograd F(2×2, 3×3) where they pay (winograd.go)
}

var _ Device = (*CPU)(nil)

// NewCPU returns a CPU device that runs on up to threads goroutines;
// threads <= 0 means runtime.GOMAXPROCS(0).
func NewCPU(threads int) *CPU {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &CPU{threads: threads, winograd: true}
}

// NewCPUDirect is NewCPU without the Winograd convolutions: every Conv2D
// is the im2col GEMM (for comparing the two, in tests and benchmarks).
func NewCPUDirect(threads int) *CPU {
	c := NewCPU(threads)
	c.winograd = false
	return c
}

// Threads is the number of goroutines the device splits work over.
func (c *CPU) Threads() int { return c.threads }

// Name implements Device.Name, e.g. "cpu (2 threads)".
func (c *CPU) Name() string {
	if c.threads == 1 {
		return "cpu (1 thread)"
	}
	return fmt.Sprintf("cpu (%d threads)", c.threads)
}

// Upload implements Device.Upload: it copies data into a new f32 tensor.
func (c *CPU) Upload(data []float32, shape ...int) *Tensor {
	if len(data) != Numel(shape) {
		panic(fmt.Sprintf("nn: Upload of %d values into shape %s", len(data), ShapeString(shape)))
	}
	t := c.alloc(shape...)
	copy(cpuData(t), data)
	return t
}

// UploadF16 implements Device.UploadF16: the CPU widens every binary16 value
// to float32 (F16ToF32) and stores an f32 tensor.
func (c *CPU) UploadF16(bits []uint16, shape ...int) *Tensor {
	if len(bits) != Numel(shape) {
		panic(fmt.Sprintf("nn: UploadF16 of %d values into shape %s", len(bits), ShapeString(shape)))
	}
	t := c.alloc(shape...)
	d := cpuData(t)
	c.parallelRange(len(bits), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = F16ToF32(bits[i])
		}
	})
	return t
}

// Download implements Device.Download: a copy of the tensor's values.
func (c *CPU) Download(t *Tensor) ([]float32, error) {
	return append([]float32(nil), cpuData(t)...), nil
}

// Release implements Device.Release; on the CPU it does nothing.
func (c *CPU) Release(ts ...*Tensor) {}

// Err implements Device.Err; the CPU device never fails, so it is always nil.
func (c *CPU) Err() error { return nil }

// alloc makes a zeroed f32 tensor of the given shape.
func (c *CPU) alloc(shape ...int) *Tensor {
	s := append([]int(nil), shape...)
	for _, d := range s {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in %s", ShapeString(s)))
		}
	}
	return &Tensor{Shape: s, DType: F32, Buf: make([]float32, Numel(s))}
}

// cpuData returns the []float32 behind a CPU tensor, panicking with a clear
// message for tensors made by another device.
func cpuData(t *Tensor) []float32 {
	if t == nil {
		panic("nn: nil tensor")
	}
	d, ok := t.Buf.([]float32)
	if !ok {
		panic(fmt.Sprintf("nn: tensor %s is not a CPU tensor (Buf is %T)", t, t.Buf))
	}
	if len(d) != t.Numel() {
		panic(fmt.Sprintf("nn: tensor %s has %d values", t, len(d)))
	}
	return d
}

// mustShape panics unless t has exactly the given shape.
func mustShape(op string, t *Tensor, shape ...int) {
	if !SameShape(t.Shape, shape) {
		panic(fmt.Sprintf("nn: %s: tensor %s, want shape %s", op, ShapeString(t.Shape), ShapeString(shape)))
	}
}
