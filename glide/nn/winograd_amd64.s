//go:build amd64 && !purego

#include "textflag.h"

// AVX2 Winograd F(2×2, 3×3) transforms for 8 tiles at once, one per lane:
// the same float32 operations in the same order as winoInput's and
// winoOutput's Go code (no FMA), so the results are bit-identical.

// ROWLOAD loads row R (18 floats from R) of the 8 windows, whose lane k
// starts at column 2k, as d0..d3 = columns 2k, 2k+1, 2k+2, 2k+3, and
// stores them at OFF(BX) (d_b at OFF + 32b). Clobbers Y0–Y5.
#define ROWLOAD(R, OFF) \
	VMOVUPS 0(R), Y0 \
	VMOVUPS 32(R), Y1 \
	VSHUFPS $0x88, Y1, Y0, Y2 \
	VSHUFPS $0xDD, Y1, Y0, Y3 \
	VPERMPD $0xD8, Y2, Y2 \
	VPERMPD $0xD8, Y3, Y3 \
	VMOVUPS 8(R), Y0 \
	VMOVUPS 40(R), Y1 \
	VSHUFPS $0x88, Y1, Y0, Y4 \
	VSHUFPS $0xDD, Y1, Y0, Y5 \
	VPERMPD $0xD8, Y4, Y4 \
	VPERMPD $0xD8, Y5, Y5 \
	VMOVUPS Y2, (OFF+0)(BX) \
	VMOVUPS Y3, (OFF+32)(BX) \
	VMOVUPS Y4, (OFF+64)(BX) \
	VMOVUPS Y5, (OFF+96)(BX)

// COLPASS applies Bᵀ down column B of the windows (d_ab at 128a + 32B in
// BX): u0 = d0−d2, u1 = d1+d2, u2 = d2−d1, u3 = d1−d3, written back in place.
#define COLPASS(B) \
	VMOVUPS (32*B)(BX), Y0 \
	VMOVUPS (32*B+128)(BX), Y1 \
	VMOVUPS (32*B+256)(BX), Y2 \
	VMOVUPS (32*B+384)(BX), Y3 \
	VSUBPS Y2, Y0, Y4 \
	VADDPS Y2, Y1, Y5 \
	VSUBPS Y1, Y2, Y6 \
	VSUBPS Y3, Y1, Y7 \
	VMOVUPS Y4, (32*B)(BX) \
	VMOVUPS Y5, (32*B+128)(BX) \
	VMOVUPS Y6, (32*B+256)(BX) \
	VMOVUPS Y7, (32*B+384)(BX)

// ROWPASS applies B along row A of u (at 128A in BX): v0 = u0−u2,
// v1 = u1+u2, v2 = u2−u1, v3 = u1−u3, stored at DI + b·CX (ξ = 4A + b).
// DI must hold dst + 4A·CX on entry.
#define ROWPASS(A) \
	VMOVUPS (128*A)(BX), Y0 \
	VMOVUPS (128*A+32)(BX), Y1 \
	VMOVUPS (128*A+64)(BX), Y2 \
	VMOVUPS (128*A+96)(BX), Y3 \
	VSUBPS Y2, Y0, Y4 \
	VADDPS Y2, Y1, Y5 \
	VSUBPS Y1, Y2, Y6 \
	VSUBPS Y3, Y1, Y7 \
	VMOVUPS Y4, (DI) \
	VMOVUPS Y5, (DI)(CX*1) \
	VMOVUPS Y6, (DI)(CX*2) \
	VMOVUPS Y7, (DI)(R9*1)

// func winoIn8AVX2(src *float32, ld int, dst *float32, set int, scratch *float32)
TEXT ·winoIn8AVX2(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ ld+8(FP), DX
	SHLQ $2, DX
	MOVQ dst+16(FP), DI
	MOVQ set+24(FP), CX
	SHLQ $2, CX
	MOVQ scratch+32(FP), BX
	ROWLOAD(SI, 0)
	ADDQ DX, SI
	ROWLOAD(SI, 128)
	ADDQ DX, SI
	ROWLOAD(SI, 256)
	ADDQ DX, SI
	ROWLOAD(SI, 384)
	COLPASS(0)
	COLPASS(1)
	COLPASS(2)
	COLPASS(3)
	// v_ab goes to dst + (4a+b)·set: R9 = 3·set, R8 = 4·set (next a).
	LEAQ (CX)(CX*2), R9
	MOVQ CX, R8
	SHLQ $2, R8
	ROWPASS(0)
	ADDQ R8, DI
	ROWPASS(1)
	ADDQ R8, DI
	ROWPASS(2)
	ADDQ R8, DI
	ROWPASS(3)
	VZEROUPPER
	RET

// OUTCOL loads column j of the products (q_j at AX, q_{4+j}, q_{8+j},
// q_{12+j} at AX + 4·set·{1, 2, 3}: R8 = 4·set, R10 = 12·set) and sets
// E = (q_j + q_{4+j}) + q_{8+j}, F = (q_{4+j} − q_{8+j}) − q_{12+j}.
// Clobbers Y0–Y3.
#define OUTCOL(E, F) \
	VMOVUPS (AX), Y0 \
	VMOVUPS (AX)(R8*1), Y1 \
	VMOVUPS (AX)(R8*2), Y2 \
	VMOVUPS (AX)(R10*1), Y3 \
	VADDPS Y1, Y0, E \
	VADDPS Y2, E, E \
	VSUBPS Y2, Y1, F \
	VSUBPS Y3, F, F

// func winoOut8AVX2(m *float32, set int, bias float32, y *float32, ldy int, res *float32)
//
// For lanes k = 0..7: q_ξ = m[ξ·set + k]; e_j = (q_j + q_{4+j}) + q_{8+j},
// e_{4+j} = (q_{4+j} − q_{8+j}) − q_{12+j}; out = ((e0+e1)+e2)+bias,
// ((e1−e2)−e3)+bias, ((e4+e5)+e6)+bias, ((e5−e6)−e7)+bias, plus res when
// res ≠ nil; tile k's 2×2 goes to y[2k], y[2k+1], y[ldy+2k], y[ldy+2k+1].
TEXT ·winoOut8AVX2(SB), NOSPLIT, $0-48
	MOVQ m+0(FP), SI
	MOVQ set+8(FP), CX
	SHLQ $2, CX
	VBROADCASTSS bias+16(FP), Y15
	MOVQ y+24(FP), DI
	MOVQ ldy+32(FP), DX
	SHLQ $2, DX
	MOVQ res+40(FP), BX
	MOVQ CX, R8
	SHLQ $2, R8         // 4·set: from q_j to q_{4+j}
	// Column j of the 4×4 products: q_j, q_{4+j}, q_{8+j}, q_{12+j}.
	// e_j into Y8+j, e_{4+j} into Y12+j (e7 into Y7: Y15 holds the bias).
	LEAQ (R8)(R8*2), R10 // 12·set
	MOVQ SI, AX
	OUTCOL(Y8, Y12)
	ADDQ CX, AX
	OUTCOL(Y9, Y13)
	ADDQ CX, AX
	OUTCOL(Y10, Y14)
	ADDQ CX, AX
	OUTCOL(Y11, Y7)
	// Outputs: Y0 = out0, Y1 = out1, Y2 = out2, Y3 = out3.
	VADDPS Y9, Y8, Y0
	VADDPS Y10, Y0, Y0
	VADDPS Y15, Y0, Y0
	VSUBPS Y10, Y9, Y1
	VSUBPS Y11, Y1, Y1
	VADDPS Y15, Y1, Y1
	VADDPS Y13, Y12, Y2
	VADDPS Y14, Y2, Y2
	VADDPS Y15, Y2, Y2
	VSUBPS Y14, Y13, Y3
	VSUBPS Y7, Y3, Y3
	VADDPS Y15, Y3, Y3
	// Interleave per output row: (out0_k, out1_k) pairs, then (out2_k, out3_k).
	VUNPCKLPS Y1, Y0, Y4
	VUNPCKHPS Y1, Y0, Y5
	VPERM2F128 $0x20, Y5, Y4, Y0 // tiles 0–3 of row 0
	VPERM2F128 $0x31, Y5, Y4, Y1 // tiles 4–7 of row 0
	VUNPCKLPS Y3, Y2, Y4
	VUNPCKHPS Y3, Y2, Y5
	VPERM2F128 $0x20, Y5, Y4, Y2 // tiles 0–3 of row 1
	VPERM2F128 $0x31, Y5, Y4, Y3 // tiles 4–7 of row 1
	TESTQ BX, BX
	JZ store
	VADDPS 0(BX), Y0, Y0
	VADDPS 32(BX), Y1, Y1
	VADDPS 0(BX)(DX*1), Y2, Y2
	VADDPS 32(BX)(DX*1), Y3, Y3
store:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 0(DI)(DX*1)
	VMOVUPS Y3, 32(DI)(DX*1)
	VZEROUPPER
	RET
