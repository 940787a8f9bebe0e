package nn

import "fmt"

// Conv2D implements Device.Conv2D (stride 1, zero padding pad):
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−pad,j+v−pad] (+ residual[n,o,i,j])
//
// It is an implicit GEMM per sample: Y (Co × H'W') = W (Co × Ci·k·k) ·
// X̂ (Ci·k·k × H'W'), where X̂ is the im2col matrix. W is packed once; X̂ is
// never built whole, only packed block by block (kc rows × nc columns, 256
// KiB per goroutine) straight from the image. Tasks are (sample, column
// block, row block) tiles of Y.
func (c *CPU) Conv2D(x, w, b, residual *Tensor, pad int) *Tensor {
	n, ci, h, wd := bchw("Conv2D", x)
	if len(w.Shape) != 4 || w.Shape[1] != ci || w.Shape[2] != w.Shape[3] {
		panic(fmt.Sprintf("nn: Conv2D of %s with weights %s", ShapeString(x.Shape), ShapeString(w.Shape)))
	}
	co, ks := w.Shape[0], w.Shape[2]
	oh, ow := h+2*pad-ks+1, wd+2*pad-ks+1
	if oh <= 0 || ow <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn: Conv2D of %s with weights %s and pad %d", ShapeString(x.Shape), ShapeString(w.Shape), pad))
	}
	var bd, rd []float32
	if b != nil {
		mustShape("Conv2D bias", b, co)
		bd = cpuData(b)
	}
	if residual != nil {
		mustShape("Conv2D residual", residual, n, co, oh, ow)
		rd = cpuData(residual)
	}
	xd := cpuData(x)
	if c.winograd && useWinograd(n, ks, pad, h, wd) {
		return c.conv3x3Winograd(xd, cpuData(w), bd, rd, n, ci, h, wd, co)
	}
	k := ci * ks * ks // GEMM depth
	npix := oh * ow   // GEMM columns per sample

	// Ā: W (Co × k) as ⌈Co/mr⌉ micro-panels spanning all of k: read in place
	// by the strided micro-kernel when there is one and Co fills whole
	// panels, else packed once here.
	wd32 := cpuData(w)
	pa, aStride, lda := wd32, 0, k
	if !stridedA() || co%mr != 0 {
		panels := tiles(co, mr)
		pa, aStride, lda = make([]float32, panels*mr*k), mr*k, 0
		wmat := rowMajor(wd32, 0, k)
		c.parallelRange(panels, 4, func(lo, hi int) {
			packA(pa[lo*mr*k:hi*mr*k], wmat, lo*mr, min(hi*mr, co)-lo*mr, 0, k)
		})
	}

	y := c.alloc(n, co, oh, ow)
	yd := cpuData(y)
	colTiles := tiles(npix, nc)
	tm := tiles(co, mr) * mr // rows per task, halved until there is work for every goroutine
	for n*colTiles*tiles(co, tm) < 4*c.threads && tm > mc {
		tm = tiles(tm/2, mr) * mr
	}
	rowTiles := tiles(co, tm)
	scratch := make([][]float32, c.threads)
	c.parallelTasks(n*colTiles*rowTiles, func(wk, task int) {
		if scratch[wk] == nil {
			scratch[wk] = make([]float32, kc*nc)
		}
		pb := scratch[wk]
		s := task / (colTiles * rowTiles)
		j0 := (task / rowTiles % colTiles) * nc
		r0 := task % rowTiles * tm
		nb, rows := min(nc, npix-j0), min(tm, co-r0)
		ys := yd[s*co*npix : (s+1)*co*npix]
		for o := r0; o < r0+rows; o++ {
			dst := ys[o*npix+j0 : o*npix+j0+nb]
			if bd != nil {
				for i := range dst {
					dst[i] = bd[o]
				}
			}
		}
		xs := xd[s*ci*h*wd : (s+1)*ci*h*wd]
		for k0 := 0; k0 < k; k0 += kc {
			kb := min(kc, k-k0)
			packIm2col(pb, xs, h, wd, ks, pad, ow, k0, kb, j0, nb)
			for i0 := r0; i0 < r0+rows; i0 += mc {
				mb := min(mc, r0+rows-i0)
				aoff := i0/mr*aStride + k0*mr // packed: panel i0/mr, column k0
				if lda > 0 {
					aoff = i0*lda + k0 // in place: row i0, column k0
				}
				macroKernel(mb, nb, kb, pa[aoff:], aStride, lda, pb, ys[i0*npix+j0:], npix)
			}
		}
		if rd != nil {
			rs := rd[s*co*npix : (s+1)*co*npix]
			for o := r0; o < r0+rows; o++ {
				dst := ys[o*npix+j0 : o*npix+j0+nb]
				src := rs[o*npix+j0 : o*npix+j0+nb]
				for i, v := range src {
					dst[i] += v
				}
			}
		}
	})
	return y
}

// packIm2col packs rows [k0, k0+kb) × columns [j0, j0+nb) of one sample's
// im2col matrix into dst as ⌈nb/nr⌉ B micro-panels (kb×nr, k-major, the last
// zero-padded), where
//
//	X̂(k, p) = x[c, i+u−pad, j+v−pad] (0 outside the image), k = (c·ks + u)·ks + v, p = i·ow + j
//
// x is one sample, (Ci, h, w).
func packIm2col(dst, x []float32, h, w, ks, pad, ow, k0, kb, j0, nb int) {
	end := j0 + nb
	for kk := range kb {
		kidx := k0 + kk
		ch, u, v := kidx/(ks*ks), kidx/ks%ks, kidx%ks
		plane := x[ch*h*w : (ch+1)*h*w]
		p := j0
		for p < end {
			i, j := p/ow, p%ow
			q := p - j0
			lane := q % nr
			cnt := min(end-p, nr-lane, ow-j) // stay inside one panel and one output row
			d := dst[q/nr*kb*nr+kk*nr+lane : q/nr*kb*nr+kk*nr+lane+cnt]
			si, sj := i+u-pad, j+v-pad
			if si < 0 || si >= h {
				clear(d)
			} else {
				row := plane[si*w : si*w+w]
				t0, t1 := max(0, -sj), min(cnt, w-sj)
				if t1 <= t0 {
					clear(d)
				} else {
					clear(d[:t0])
					copy(d[t0:t1], row[sj+t0:sj+t1])
					clear(d[t1:])
				}
			}
			p += cnt
		}
	}
	if tail := nb % nr; tail != 0 {
		last := dst[nb/nr*kb*nr : nb/nr*kb*nr+kb*nr]
		for kk := range kb {
			clear(last[kk*nr+tail : kk*nr+nr])
		}
	}
}
