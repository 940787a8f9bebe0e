package nn

// Single-precision matrix multiply (sgemm) in the Goto/BLIS style:
//
//	C (m×n, row stride ldc) += A (m×k) · B (k×n)
//
// A is packed into micro-panels of mr rows and B into micro-panels of nr
// columns, each laid out k-major so that the micro-kernel streams both
// linearly; K is cut into blocks of kc so a B micro-panel stays in L1 and
// an mc×kc block of A stays in L2. The micro-kernel (kernel_*.go) keeps the
// whole mr×nr tile of C in registers for one K block. Partial tiles at the
// right and bottom edges are zero-padded in the packed panels and computed
// into a scratch tile.

const (
	mr = 6   // micro-tile rows (A micro-panel width)
	nr = 16  // micro-tile columns (B micro-panel width)
	kc = 256 // K block: a kc×nr B micro-panel is 16 KiB
	mc = 96  // M block (a multiple of mr): an mc×kc A block is 96 KiB
	nc = 256 // N block (a multiple of nr): a kc×nc B block is 256 KiB
)

// matrix is a strided read-only view: element (i, j) is
// scale·data[off + i·rs + j·cs]. Packing applies the scale, so a product of
// pre-scaled operands (attention's q·s and k·s) rounds exactly as the
// reference does.
type matrix struct {
	data   []float32
	off    int
	rs, cs int
	scale  float32
}

// rowMajor views data[off:] as a row-major matrix with row stride ld.
func rowMajor(data []float32, off, ld int) matrix {
	return matrix{data: data, off: off, rs: ld, cs: 1, scale: 1}
}

// transposed views data[off:] as the transpose of a row-major matrix with
// row stride ld: element (i, j) is data[off + j·ld + i].
func transposed(data []float32, off, ld int) matrix {
	return matrix{data: data, off: off, rs: 1, cs: ld, scale: 1}
}

// gemmScratch holds one goroutine's packing buffers.
type gemmScratch struct {
	a []float32 // mc×kc packed A block
	b []float32 // kc×nc packed B block
}

func newGemmScratch() *gemmScratch {
	return &gemmScratch{a: make([]float32, mc*kc), b: make([]float32, kc*nc)}
}

// gemm computes C += A·B on the calling goroutine. c[i*ldc + j] is C(i, j).
func gemm(m, n, k int, a, b matrix, c []float32, ldc int, ws *gemmScratch) {
	for k0 := 0; k0 < k; k0 += kc {
		kb := min(kc, k-k0)
		for j0 := 0; j0 < n; j0 += nc {
			nb := min(nc, n-j0)
			packB(ws.b, b, k0, kb, j0, nb)
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				packA(ws.a, a, i0, mb, k0, kb)
				macroKernel(mb, nb, kb, ws.a, kb*mr, 0, ws.b, c[i0*ldc+j0:], ldc)
			}
		}
	}
}

// gemmParallel computes C += A·B split into tiles over the device's
// goroutines (each tile is an independent serial gemm).
func (cp *CPU) gemmParallel(m, n, k int, a, b matrix, c []float32, ldc int) {
	// Tile sizes: whole mc×nc blocks, shrunk when there are fewer tiles than
	// goroutines so every goroutine gets work.
	tm, tn := mc*2, nc
	for tiles(m, tm)*tiles(n, tn) < 2*cp.threads && (tm > mr || tn > nr) {
		if tn > nr && (tn >= tm || tm <= mr) {
			tn /= 2
		} else {
			tm = max(mr, tm/2/mr*mr)
		}
	}
	gm, gn := tiles(m, tm), tiles(n, tn)
	scratch := make([]*gemmScratch, cp.threads)
	cp.parallelTasks(gm*gn, func(w, task int) {
		if scratch[w] == nil {
			scratch[w] = newGemmScratch()
		}
		i0, j0 := task/gn*tm, task%gn*tn
		mb, nb := min(tm, m-i0), min(tn, n-j0)
		ai := a
		ai.off += i0 * a.rs
		bj := b
		bj.off += j0 * b.cs
		gemm(mb, nb, k, ai, bj, c[i0*ldc+j0:], ldc, scratch[w])
	})
}

// tiles is ⌈n/t⌉.
func tiles(n, t int) int { return (n + t - 1) / t }

// packA packs rows [i0, i0+mb) × columns [k0, k0+kb) of a into dst as
// ⌈mb/mr⌉ micro-panels of kb×mr values (k-major), zero-padding the last.
func packA(dst []float32, a matrix, i0, mb, k0, kb int) {
	for p := 0; p < mb; p += mr {
		panel := dst[p*kb : (p+mr)*kb]
		rows := min(mr, mb-p)
		if rows == mr && a.cs == 1 && a.scale == 1 {
			packA6(panel, a.data, a.off+(i0+p)*a.rs+k0, a.rs, kb)
			continue
		}
		for i := range mr {
			if i >= rows {
				for k := range kb {
					panel[k*mr+i] = 0
				}
				continue
			}
			base := a.off + (i0+p+i)*a.rs + k0*a.cs
			if a.cs == 1 {
				src := a.data[base : base+kb]
				for k, v := range src {
					panel[k*mr+i] = v * a.scale
				}
				continue
			}
			for k := range kb {
				panel[k*mr+i] = a.data[base+k*a.cs] * a.scale
			}
		}
	}
}

// packB packs rows [k0, k0+kb) × columns [j0, j0+nb) of b into dst as
// ⌈nb/nr⌉ micro-panels of kb×nr values (k-major), zero-padding the last.
func packB(dst []float32, b matrix, k0, kb, j0, nb int) {
	for q := 0; q < nb; q += nr {
		panel := dst[q*kb : (q+nr)*kb]
		cols := min(nr, nb-q)
		if b.cs == 1 {
			for k := range kb {
				base := b.off + (k0+k)*b.rs + j0 + q
				row := panel[k*nr : k*nr+nr]
				src := b.data[base : base+cols]
				for j, v := range src {
					row[j] = v * b.scale
				}
				clear(row[cols:])
			}
			continue
		}
		if cols == nr && b.rs == 1 && b.scale == 1 {
			var src [nr][]float32
			for j := range src {
				base := b.off + k0 + (j0+q+j)*b.cs
				src[j] = b.data[base : base+kb]
			}
			for k := range kb {
				row := panel[k*nr : k*nr+nr : k*nr+nr]
				for j := range row {
					row[j] = src[j][k]
				}
			}
			continue
		}
		for j := range nr {
			if j >= cols {
				for k := range kb {
					panel[k*nr+j] = 0
				}
				continue
			}
			base := b.off + k0*b.rs + (j0+q+j)*b.cs
			if b.rs == 1 {
				src := b.data[base : base+kb]
				for k, v := range src {
					panel[k*nr+j] = v * b.scale
				}
				continue
			}
			for k := range kb {
				panel[k*nr+j] = b.data[base+k*b.rs] * b.scale
			}
		}
	}
}

// macroKernel computes C (mb×nb) += Ā·B̄ for packed operands: A micro-panel
// p starts at pa[p·aStride] and holds kb×mr values, B micro-panel q starts at
// pb[q·kb·nr] and holds kb×nr values.
//
// With lda > 0, A is not packed: A(i, k) = pa[i·lda + k], mb is a multiple
// of mr, and the strided micro-kernel reads it in place (aStride unused).
func macroKernel(mb, nb, kb int, pa []float32, aStride, lda int, pb []float32, c []float32, ldc int) {
	var edge [mr * nr]float32
	for q := 0; q < nb; q += nr {
		bp := pb[q*kb : q*kb+kb*nr]
		cols := min(nr, nb-q)
		for p := 0; p < mb; p += mr {
			if lda > 0 {
				ap := pa[p*lda:]
				if cols == nr {
					microKernelStrided(kb, ap, lda, bp, c[p*ldc+q:], ldc)
					continue
				}
				clear(edge[:])
				microKernelStrided(kb, ap, lda, bp, edge[:], nr)
				addEdge(c[p*ldc+q:], ldc, edge[:], mr, cols)
				continue
			}
			ap := pa[p/mr*aStride : p/mr*aStride+kb*mr]
			rows := min(mr, mb-p)
			if rows == mr && cols == nr {
				microKernel(kb, ap, bp, c[p*ldc+q:], ldc)
				continue
			}
			clear(edge[:])
			microKernel(kb, ap, bp, edge[:], nr)
			addEdge(c[p*ldc+q:], ldc, edge[:], rows, cols)
		}
	}
}

// addEdge adds the top-left rows×cols of an mr×nr scratch tile into c.
func addEdge(c []float32, ldc int, edge []float32, rows, cols int) {
	for i := range rows {
		dst := c[i*ldc : i*ldc+cols]
		for j := range dst {
			dst[j] += edge[i*nr+j]
		}
	}
}

// packA6 packs one full A micro-panel of six contiguous rows (row i starts
// at data[off + i·ld]) of length kb, writing the panel sequentially.
func packA6(panel, data []float32, off, ld, kb int) {
	r0 := data[off : off+kb]
	r1 := data[off+ld : off+ld+kb]
	r2 := data[off+2*ld : off+2*ld+kb]
	r3 := data[off+3*ld : off+3*ld+kb]
	r4 := data[off+4*ld : off+4*ld+kb]
	r5 := data[off+5*ld : off+5*ld+kb]
	panel = panel[:kb*mr]
	for k := range kb {
		p := panel[k*mr : k*mr+mr : k*mr+mr]
		p[0], p[1], p[2], p[3], p[4], p[5] = r0[k], r1[k], r2[k], r3[k], r4[k], r5[k]
	}
}
