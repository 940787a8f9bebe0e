package nn

import "fmt"

// Concat implements Device.Concat: the tensors joined along axis, in order.
// Viewing every tensor as (outer, size_axis·inner), the output row r is the
// concatenation of the inputs' rows r.
func (c *CPU) Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("nn: Concat of no tensors")
	}
	rank := len(ts[0].Shape)
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		panic(fmt.Sprintf("nn: Concat axis %d of rank %d", axis, rank))
	}
	shape := append([]int(nil), ts[0].Shape...)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.Shape) != rank {
			panic(fmt.Sprintf("nn: Concat of %s and %s", ShapeString(ts[0].Shape), ShapeString(t.Shape)))
		}
		for i, d := range t.Shape {
			if i != axis && d != ts[0].Shape[i] {
				panic(fmt.Sprintf("nn: Concat of %s and %s on axis %d", ShapeString(ts[0].Shape), ShapeString(t.Shape), axis))
			}
		}
		shape[axis] += t.Shape[axis]
	}
	outer := Numel(shape[:axis])
	inner := Numel(shape[axis+1:])
	y := c.alloc(shape...)
	yd := cpuData(y)
	rowLen := shape[axis] * inner
	c.parallelRange(outer, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			off := r * rowLen
			for _, t := range ts {
				n := t.Shape[axis] * inner
				copy(yd[off:off+n], cpuData(t)[r*n:(r+1)*n])
				off += n
			}
		}
	})
	return y
}

// Transpose implements Device.Transpose: y[..., j, i] = x[..., i, j].
func (c *CPU) Transpose(x *Tensor) *Tensor {
	rank := len(x.Shape)
	if rank < 2 {
		panic(fmt.Sprintf("nn: Transpose of %s", ShapeString(x.Shape)))
	}
	m, n := x.Shape[rank-2], x.Shape[rank-1]
	shape := append([]int(nil), x.Shape...)
	shape[rank-2], shape[rank-1] = n, m
	xd := cpuData(x)
	y := c.alloc(shape...)
	yd := cpuData(y)
	const tile = 32 // cache tile: 32×32 float32 blocks
	batches := Numel(x.Shape[:rank-2])
	tilesI, tilesJ := (m+tile-1)/tile, (n+tile-1)/tile
	c.parallelRange(batches*tilesI, 1, func(lo, hi int) {
		for q := lo; q < hi; q++ {
			bi, ti := q/tilesI, q%tilesI
			src := xd[bi*m*n : (bi+1)*m*n]
			dst := yd[bi*m*n : (bi+1)*m*n]
			i0, i1 := ti*tile, min(ti*tile+tile, m)
			for tj := range tilesJ {
				j0, j1 := tj*tile, min(tj*tile+tile, n)
				for i := i0; i < i1; i++ {
					for j := j0; j < j1; j++ {
						dst[j*m+i] = src[i*n+j]
					}
				}
			}
		}
	})
	return y
}
