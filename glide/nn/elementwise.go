package nn

import (
	"fmt"
	"math"
)

// elementwiseGrain is the smallest chunk of elements worth a goroutine.
const elementwiseGrain = 1 << 14

// GELU implements Device.GELU: y = x/2·(1 + erf(x/√2)), exact erf (evaluated
// in float64, rounded to float32).
func (c *CPU) GELU(x *Tensor) *Tensor {
	return c.unary(x, func(v float32) float32 {
		return float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	})
}

// SiLU implements Device.SiLU: y = x·sigmoid(x) = x/(1 + e^−x) in float32,
// with the float32 exponential of fastmath.go.
func (c *CPU) SiLU(x *Tensor) *Tensor {
	xd := cpuData(x)
	y := c.alloc(x.Shape...)
	yd := cpuData(y)
	c.parallelRange(len(yd), elementwiseGrain, func(lo, hi int) {
		siluSlice(yd[lo:hi], xd[lo:hi])
	})
	return y
}

// Add implements Device.Add: y = a + b elementwise, same shapes.
func (c *CPU) Add(a, b *Tensor) *Tensor {
	if !SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: Add of %s and %s", ShapeString(a.Shape), ShapeString(b.Shape)))
	}
	ad, bd := cpuData(a), cpuData(b)
	y := c.alloc(a.Shape...)
	yd := cpuData(y)
	c.parallelRange(len(yd), elementwiseGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			yd[i] = ad[i] + bd[i]
		}
	})
	return y
}

// unary applies f to every element of x.
func (c *CPU) unary(x *Tensor, f func(float32) float32) *Tensor {
	xd := cpuData(x)
	y := c.alloc(x.Shape...)
	yd := cpuData(y)
	c.parallelRange(len(yd), elementwiseGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			yd[i] = f(xd[i])
		}
	})
	return y
}
