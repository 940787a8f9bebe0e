package nn

import (
	"fmt"
	"math"
)

// attnChunk is the number of queries one task handles: its logits block is
// attnChunk × (L + T) floats, never the whole T × (L + T) matrix.
const attnChunk = 128

// Attention implements Device.Attention (QKVAttentionLegacy with encoder
// keys/values). For sample n, head h and query t, with s = ch^(−1/4):
//
//	logits[t, j] = Σ_c (q[c,t]·s)·(k̂[c,j]·s),  k̂ = [ek | k] (L + T keys)
//	p[t, :]     = softmax(logits[t, :])          (float32, max subtracted)
//	y[h·ch+c, t] = Σ_j p[t, j]·v̂[c, j],          v̂ = [ev | v]
//
// Both products run on the sgemm; tasks are (sample, head, query chunk).
func (c *CPU) Attention(qkv, encKV *Tensor, heads int) *Tensor {
	if len(qkv.Shape) < 3 || heads <= 0 || qkv.Shape[1]%(3*heads) != 0 {
		panic(fmt.Sprintf("nn: Attention of %s with %d heads", ShapeString(qkv.Shape), heads))
	}
	b, width := qkv.Shape[0], qkv.Shape[1]/3
	ch := width / heads
	t := Numel(qkv.Shape[2:])
	var ed []float32
	l := 0
	if encKV != nil {
		if len(encKV.Shape) != 3 || encKV.Shape[0] != b || encKV.Shape[1] != 2*width {
			panic(fmt.Sprintf("nn: Attention of %s with encoder keys %s", ShapeString(qkv.Shape), ShapeString(encKV.Shape)))
		}
		l = encKV.Shape[2]
		ed = cpuData(encKV)
	}
	sl := l + t // keys per query
	scale := float32(1 / math.Sqrt(math.Sqrt(float64(ch))))
	qd := cpuData(qkv)
	shape := append([]int{b, width}, qkv.Shape[2:]...)
	y := c.alloc(shape...)
	yd := cpuData(y)
	chunks := tiles(t, attnChunk)
	type scratch struct {
		logits []float32
		ws     *gemmScratch
	}
	scr := make([]*scratch, c.threads)
	c.parallelTasks(b*heads*chunks, func(w, task int) {
		if scr[w] == nil {
			scr[w] = &scratch{logits: make([]float32, attnChunk*sl), ws: newGemmScratch()}
		}
		n, h, t0 := task/(heads*chunks), task/chunks%heads, task%chunks*attnChunk
		tq := min(attnChunk, t-t0)
		logits := scr[w].logits[:tq*sl]
		clear(logits)
		qoff := (n*3*width + h*3*ch) * t // q rows of this head; k at +ch·t, v at +2ch·t
		eoff := (n*2*width + h*2*ch) * l // ek rows; ev at +ch·l
		// qT (tq × ch): element (t', c) = q[c, t0+t']·s.
		qT := matrix{data: qd, off: qoff + t0, rs: 1, cs: t, scale: scale}
		if l > 0 {
			ek := matrix{data: ed, off: eoff, rs: l, cs: 1, scale: scale}
			gemm(tq, l, ch, qT, ek, logits, sl, scr[w].ws)
		}
		k := matrix{data: qd, off: qoff + ch*t, rs: t, cs: 1, scale: scale}
		gemm(tq, t, ch, qT, k, logits[l:], sl, scr[w].ws)
		for r := range tq {
			softmax(logits[r*sl : (r+1)*sl])
		}
		// y (ch × tq) += v̂ (ch × sl) · pᵀ (sl × tq), in two K ranges.
		out := yd[(n*width+h*ch)*t+t0:]
		if l > 0 {
			ev := rowMajor(ed, eoff+ch*l, l)
			gemm(ch, tq, l, ev, transposed(logits, 0, sl), out, t, scr[w].ws)
		}
		v := rowMajor(qd, qoff+2*ch*t, t)
		gemm(ch, tq, t, v, transposed(logits, l, sl), out, t, scr[w].ws)
	})
	return y
}
