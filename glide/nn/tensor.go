// Package nn holds the tensor type, the Device interface that every
// compute backend implements, and the CPU reference device.
//
// The CPU device is the numeric oracle: every op is written as a plain
// float32 loop (parallelised over goroutines), and every GPU kernel in
// shaders/ names its twin here.
package nn

import (
	"fmt"
	"slices"
	"strings"
)

// DType is the element type of a tensor's storage.
type DType uint8

const (
	F32 DType = iota // IEEE-754 binary32
	F16              // IEEE-754 binary16 (storage only; math is f32)
)

func (d DType) String() string {
	switch d {
	case F32:
		return "f32"
	case F16:
		return "f16"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Tensor is a dense, row-major (C order) tensor owned by a Device.
// The storage is opaque: only the device that made a tensor may use it.
// Reshape returns a view that shares the storage.
type Tensor struct {
	Shape []int
	DType DType
	// Buf is the device-specific storage (for the CPU device a []float32).
	Buf any
	// Label names the tensor for debugging and GPU object labels.
	Label string
}

// Numel is the number of elements.
func (t *Tensor) Numel() int { return Numel(t.Shape) }

// Dim returns size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Reshape returns a view of t with another shape of the same element count.
// One axis may be -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range s {
		if d == -1 {
			if infer >= 0 {
				panic("nn: Reshape with two -1 axes")
			}
			infer = i
			continue
		}
		known *= d
	}
	if infer >= 0 {
		s[infer] = t.Numel() / known
	}
	if Numel(s) != t.Numel() {
		panic(fmt.Sprintf("nn: cannot reshape %v to %v", t.Shape, shape))
	}
	return &Tensor{Shape: s, DType: t.DType, Buf: t.Buf, Label: t.Label}
}

func (t *Tensor) String() string {
	return fmt.Sprintf("%s%s %s", t.Label, ShapeString(t.Shape), t.DType)
}

// Numel is the product of the dimensions.
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ShapeString formats a shape as (a, b, c).
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool { return slices.Equal(a, b) }
