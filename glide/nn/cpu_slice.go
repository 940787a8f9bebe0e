package nn

import "fmt"

// Slice keeps indices start..end−1 of one axis (see Device.Slice).
func (c *CPU) Slice(x *Tensor, axis, start, end int) *Tensor {
	if axis < 0 {
		axis += len(x.Shape)
	}
	if axis < 0 || axis >= len(x.Shape) || start < 0 || end > x.Shape[axis] || start >= end {
		panic(fmt.Sprintf("nn: Slice axis %d [%d:%d] of %s", axis, start, end, ShapeString(x.Shape)))
	}
	outer := Numel(x.Shape[:axis])
	inner := Numel(x.Shape[axis+1:])
	n := x.Shape[axis]
	shape := append([]int(nil), x.Shape...)
	shape[axis] = end - start
	y := c.alloc(shape...)
	src, dst := cpuData(x), cpuData(y)
	w := (end - start) * inner
	for o := 0; o < outer; o++ {
		copy(dst[o*w:(o+1)*w], src[(o*n+start)*inner:])
	}
	return y
}
