package nn

// The 3×3 convolutions with padding 1 (every ResBlock convolution of the
// UNets) by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016). Each 2×2 output
// tile comes from the 4×4 input tile d at its top-left minus one and the
// filter g as
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
//	Bᵀ = | 1  0 −1  0 |   G = | 1    0    0  |   Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |       | ½    ½    ½  |        | 0  1 −1 −1 |
//	     | 0 −1  1  0 |       | ½   −½    ½  |
//	     | 0  1  0 −1 |       | 0    0    1  |
//
// so a tile costs 16 multiplies per (input, output) channel pair where the
// direct convolution spends 36. Summed over the input channels, the 16
// elementwise products are 16 independent GEMMs, M_ξ (Co × tiles) = U_ξ
// (Co × Ci) · V_ξ (Ci × tiles), on the device's sgemm micro-kernel. F(2,3)
// rather than F(4,3): its transforms are additions and halvings only, so
// the rounding it adds is a few float32 ulps per term (the conformance
// suite's Conv2D budget holds with room), and they are cheap enough in
// plain Go to leave the GEMMs most of the time.
//
// Work is split into blocks of winoBlock tiles, numbered across the batch
// (small images still fill the panels); each block is transformed, multiplied
// and transformed back by one goroutine in its own scratch (V and M: 16 ×
// (Ci + Co) × winoBlock floats), so the intermediate never leaves the cache
// hierarchy's outer levels. The filter transform U is made per call, laid
// out as the micro-kernel's packed A panels: its cost is that of a few
// tiles per channel pair, small next to the GEMMs wherever useWinograd
// chooses this path.

// winoBlock is the tiles per task: a multiple of nr (2 B micro-panels;
// larger blocks measured slower: V and M outgrow the L2 cache).
const winoBlock = 2 * nr

// useWinograd says whether Conv2D takes the Winograd path: a 3×3 filter
// with padding 1, and enough tiles over the batch (n·⌈h/2⌉·⌈w/2⌉) that the
// per-call filter transform and the transforms' fixed costs pay. Measured
// on the models' shapes (BenchmarkConv*, bench_test.go): 64×64 and larger
// at batch 2, 32×32 at batch 2 gain; 16×16 and 8×8 do not.
func useWinograd(n, ks, pad, h, w int) bool {
	return ks == 3 && pad == 1 && n*tiles(h, 2)*tiles(w, 2) >= 512
}

// winogradFilter returns U as 16 sets of packed A panels, ⌈co/mr⌉ panels of
// ci×mr each (rows past co zero): U_ξ[o][c] = (G g Gᵀ)[ξ/4][ξ%4] for the 3×3
// filter g = w[o][c], computed in float64 and rounded once.
func (cp *CPU) winogradFilter(w []float32, co, ci int) []float32 {
	panels := tiles(co, mr)
	set := panels * ci * mr // floats per ξ
	u := make([]float32, 16*set)
	cp.parallelRange(co, 8, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			base := o/mr*ci*mr + o%mr
			for c := range ci {
				g := w[(o*ci+c)*9 : (o*ci+c)*9+9 : (o*ci+c)*9+9]
				var t [4][3]float64 // G g: 4 rows of 3
				for v := range 3 {
					g0, g1, g2 := float64(g[v]), float64(g[3+v]), float64(g[6+v])
					t[0][v], t[1][v], t[2][v], t[3][v] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
				}
				for a := range 4 {
					g0, g1, g2 := t[a][0], t[a][1], t[a][2]
					at := base + c*mr + a*4*set
					u[at] = float32(g0)
					u[at+set] = float32((g0 + g1 + g2) / 2)
					u[at+2*set] = float32((g0 - g1 + g2) / 2)
					u[at+3*set] = float32(g2)
				}
			}
		}
	})
	return u
}

// winoPad separates the 16 sets of V and of M by one cache line more than
// their size: sets a multiple of 4 KiB apart would alias in the L1 cache,
// and the transforms touch all 16 at once.
const winoPad = 16

// winoScratch is one goroutine's V (16 sets of ⌈winoBlock/nr⌉ packed B
// panels of ci×nr), M (16 row-major co×winoBlock products) and its block's
// tile table.
type winoScratch struct {
	v, m  []float32
	tiles [winoBlock]winoTile
	tmp   [128]float32    // the AVX2 input transform's row results
	strip [4 * 18]float32 // 4 zero-padded rows of 18 at the image's border
}

// winoTile locates one tile: in is the offset of its input window's
// top-left (which may lie outside the image) in channel 0 of its sample,
// out that of its output's top-left in output channel 0; rows and cols
// are its output's extent (2, or 1 at an odd edge), edge says the window
// crosses the image border.
type winoTile struct {
	in, out    int
	i0, j0     int // window top-left, in the sample's plane
	rows, cols int
	edge       bool
	// runIn, runOut (tiles at a multiple of 8 in the block only): the 8
	// tiles from here lie in one tile row, so the AVX2 input transform
	// takes them; and their outputs are whole 2×2s, so the output one does.
	runIn, runOut bool
}

// conv3x3Winograd is Conv2D for a 3×3 filter with padding 1 (useWinograd).
// x (n, ci, h, wd), w (co, ci, 3, 3), b (co) or nil, res (n, co, h, wd) or
// nil; returns (n, co, h, wd).
func (cp *CPU) conv3x3Winograd(x, w, b, res []float32, n, ci, h, wd, co int) *Tensor {
	u := cp.winogradFilter(w, co, ci)
	uSet := tiles(co, mr) * ci * mr
	vSet, mSet := ci*winoBlock+winoPad, co*winoBlock+winoPad
	th, tw := tiles(h, 2), tiles(wd, 2)
	perSample := th * tw
	total := n * perSample
	y := cp.alloc(n, co, h, wd)
	yd := cpuData(y)
	scratch := make([]*winoScratch, cp.threads)
	cp.parallelTasks(tiles(total, winoBlock), func(wk, task int) {
		ws := scratch[wk]
		if ws == nil {
			ws = &winoScratch{v: make([]float32, 16*vSet), m: make([]float32, 16*mSet)}
			scratch[wk] = ws
		}
		t0 := task * winoBlock
		tb := min(winoBlock, total-t0)
		for t := range tb {
			g := t0 + t
			s, r := g/perSample, g%perSample
			i, j := r/tw*2, r%tw*2
			ws.tiles[t] = winoTile{
				in: s*ci*h*wd + (i-1)*wd + j - 1, out: s*co*h*wd + i*wd + j,
				i0: i - 1, j0: j - 1, rows: min(2, h-i), cols: min(2, wd-j),
				edge: i == 0 || j == 0 || i+3 > h || j+3 > wd,
			}
		}
		blk := ws.tiles[:tb]
		if winoAVX2 {
			for t := 0; t+8 <= tb; t += 8 {
				run := sameRow(blk[t : t+8])
				blk[t].runIn, blk[t].runOut = run, run && blk[t+7].rows == 2 && blk[t+7].cols == 2
			}
		}
		winoInput(ws.v, vSet, x, ci, h, wd, blk, ws)
		for xi := range 16 {
			mx := ws.m[xi*mSet : xi*mSet+co*winoBlock]
			clear(mx)
			ux := u[xi*uSet : (xi+1)*uSet]
			vx := ws.v[xi*vSet : xi*vSet+ci*winoBlock]
			// One A panel (mr×ci, in L1) against every B panel of the block.
			for p := 0; p < co; p += mr {
				macroKernel(min(mr, co-p), tb, ci, ux[p/mr*ci*mr:], ci*mr, 0, vx, mx[p*winoBlock:], winoBlock)
			}
		}
		winoOutput(yd, ws.m, mSet, b, res, co, h, wd, blk)
	})
	return y
}

// winoInput writes V = Bᵀ d B for the block's tiles of x (n, ci, h, w):
// v[ξ·set + q·ci·nr + c·nr + j] for the block's tile q·nr + j, d the 4×4
// window of the tile, zero outside the image. Runs of 8 tiles in one tile
// row go to the AVX2 transform where there is one (from x itself, or from
// a zero-padded copy of the rows at the image's border).
func winoInput(v []float32, set int, x []float32, ci, h, w int, blk []winoTile, ws *winoScratch) {
	hw := h * w
	for c := range ci {
		for t := 0; t < len(blk); {
			at := t/nr*ci*nr + c*nr + t%nr
			if blk[t].runIn {
				tl := &blk[t]
				_ = v[at+15*set+7]
				if !tl.edge && !blk[t+7].edge {
					off := tl.in + c*hw
					_ = x[off+3*w+17]
					winoIn8AVX2(&x[off], w, &v[at], set, &ws.tmp[0])
				} else {
					plane := tl.in - tl.i0*w - tl.j0 + c*hw
					for a := range 4 {
						row := ws.strip[a*18 : a*18+18]
						i := tl.i0 + a
						for m := range row {
							row[m] = 0
							if j := tl.j0 + m; i >= 0 && i < h && j >= 0 && j < w {
								row[m] = x[plane+i*w+j]
							}
						}
					}
					winoIn8AVX2(&ws.strip[0], 18, &v[at], set, &ws.tmp[0])
				}
				t += 8
				continue
			}
			tl := &blk[t]
			var d [16]float32
			if !tl.edge {
				off := tl.in + c*hw
				r0 := x[off : off+4 : off+4]
				r1 := x[off+w : off+w+4 : off+w+4]
				r2 := x[off+2*w : off+2*w+4 : off+2*w+4]
				r3 := x[off+3*w : off+3*w+4 : off+3*w+4]
				d = [16]float32{r0[0], r0[1], r0[2], r0[3], r1[0], r1[1], r1[2], r1[3],
					r2[0], r2[1], r2[2], r2[3], r3[0], r3[1], r3[2], r3[3]}
			} else {
				plane := tl.in - tl.i0*w - tl.j0 + c*hw
				for a := range 4 {
					if i := tl.i0 + a; i >= 0 && i < h {
						for bb := range 4 {
							if j := tl.j0 + bb; j >= 0 && j < w {
								d[a*4+bb] = x[plane+i*w+j]
							}
						}
					}
				}
			}
			// Bᵀ d, down each column (the AVX2 code's order: the same roundings).
			for bb := range 4 {
				d0, d1, d2, d3 := d[bb], d[4+bb], d[8+bb], d[12+bb]
				d[bb], d[4+bb], d[8+bb], d[12+bb] = d0-d2, d1+d2, d2-d1, d1-d3
			}
			// (Bᵀ d) B, along each row, stored as ξ = 4a + b.
			for a := range 4 {
				e0, e1, e2, e3 := d[a*4], d[a*4+1], d[a*4+2], d[a*4+3]
				k := at + a*4*set
				v[k] = e0 - e2
				v[k+set] = e1 + e2
				v[k+2*set] = e2 - e1
				v[k+3*set] = e1 - e3
			}
			t++
		}
	}
}

// sameRow says whether 8 consecutive tiles of a block lie in one tile row
// of one sample (their windows 2 columns apart).
func sameRow(run []winoTile) bool {
	return run[7].in == run[0].in+14 && run[7].out == run[0].out+14 && run[7].i0 == run[0].i0
}

// winoOutput writes Y = Aᵀ M A (+ bias, + residual) for the block's tiles
// into y (n, co, h, w); m[ξ·set + o·winoBlock + t] are the products. Runs
// of 8 whole tiles in one row go to the AVX2 transform where there is one.
func winoOutput(y, m []float32, set int, b, res []float32, co, h, w int, blk []winoTile) {
	hw := h * w
	for o := range co {
		var bias float32
		if b != nil {
			bias = b[o]
		}
		for t := 0; t < len(blk); {
			tl := &blk[t]
			at := o*winoBlock + t
			off := tl.out + o*hw
			if tl.runOut {
				_ = m[at+15*set+7]
				_ = y[off+w+15]
				var r *float32
				if res != nil {
					_ = res[off+w+15]
					r = &res[off]
				}
				winoOut8AVX2(&m[at], set, bias, &y[off], w, r)
				t += 8
				continue
			}
			var q [16]float32
			for xi := range 16 {
				q[xi] = m[at+xi*set]
			}
			// Aᵀ M: two rows of four.
			var e [8]float32
			for j := range 4 {
				e[j] = q[j] + q[4+j] + q[8+j]
				e[4+j] = q[4+j] - q[8+j] - q[12+j]
			}
			out := [4]float32{
				e[0] + e[1] + e[2] + bias, e[1] - e[2] - e[3] + bias,
				e[4] + e[5] + e[6] + bias, e[5] - e[6] - e[7] + bias,
			}
			t++
			if tl.rows == 2 && tl.cols == 2 {
				y0 := y[off : off+2 : off+2]
				y1 := y[off+w : off+w+2 : off+w+2]
				if res != nil {
					r0 := res[off : off+2 : off+2]
					r1 := res[off+w : off+w+2 : off+w+2]
					out[0] += r0[0]
					out[1] += r0[1]
					out[2] += r1[0]
					out[3] += r1[1]
				}
				y0[0], y0[1], y1[0], y1[1] = out[0], out[1], out[2], out[3]
				continue
			}
			for a := range tl.rows {
				row := off + a*w
				for bb := range tl.cols {
					val := out[a*2+bb]
					if res != nil {
						val += res[row+bb]
					}
					y[row+bb] = val
				}
			}
		}
	}
}
