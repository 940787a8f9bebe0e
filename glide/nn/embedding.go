package nn

import (
	"fmt"
	"math"
)

// TimestepEmbedding implements Device.TimestepEmbedding, in float32 as the
// reference's timestep_embedding does:
//
//	f_i = exp(float32(i)·float32(−ln 10000)/half), i < half = dim/2
//	y[b] = [cos(t_b·f_i) | sin(t_b·f_i)]   (an odd dim appends one zero)
func (c *CPU) TimestepEmbedding(t []float32, dim int) *Tensor {
	half := dim / 2
	negLog := float32(-math.Log(10000))
	freqs := make([]float32, half)
	for i := range freqs {
		v := float32(i) * negLog / float32(half)
		freqs[i] = float32(math.Exp(float64(v)))
	}
	y := c.alloc(len(t), dim)
	yd := cpuData(y)
	for b, tb := range t {
		row := yd[b*dim : (b+1)*dim]
		for i, f := range freqs {
			arg := float64(tb * f)
			row[i] = float32(math.Cos(arg))
			row[half+i] = float32(math.Sin(arg))
		}
	}
	return y
}

// TokenEmbedding implements Device.TokenEmbedding:
//
//	y[b,l] = mask[b,l] ? table[tokens[b,l]] + pos[l] : pad[l]
func (c *CPU) TokenEmbedding(table, pos, pad *Tensor, tokens []int32, mask []bool) *Tensor {
	if len(table.Shape) != 2 || len(pos.Shape) != 2 || pos.Shape[1] != table.Shape[1] {
		panic(fmt.Sprintf("nn: TokenEmbedding table %s pos %s", ShapeString(table.Shape), ShapeString(pos.Shape)))
	}
	v, d := table.Shape[0], table.Shape[1]
	l := pos.Shape[0]
	if pad != nil {
		mustShape("TokenEmbedding pad", pad, l, d)
	}
	if len(tokens)%l != 0 || len(mask) != len(tokens) {
		panic(fmt.Sprintf("nn: TokenEmbedding of %d tokens and %d mask values with context %d", len(tokens), len(mask), l))
	}
	b := len(tokens) / l
	td, pd := cpuData(table), cpuData(pos)
	var padd []float32
	if pad != nil {
		padd = cpuData(pad)
	}
	y := c.alloc(b, l, d)
	yd := cpuData(y)
	for r, tok := range tokens {
		p := r % l
		out := yd[r*d : (r+1)*d]
		if pad != nil && !mask[r] {
			copy(out, padd[p*d:(p+1)*d])
			continue
		}
		if tok < 0 || int(tok) >= v {
			panic(fmt.Sprintf("nn: TokenEmbedding token %d outside vocabulary %d", tok, v))
		}
		e := td[int(tok)*d : (int(tok)+1)*d]
		pp := pd[p*d : (p+1)*d]
		for i := range out {
			out[i] = e[i] + pp[i]
		}
	}
	return y
}
