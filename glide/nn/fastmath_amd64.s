//go:build amd64 && !purego

#include "textflag.h"

// AVX2 kernels of fastmath.go. The exponential (EXPF) performs exactly the
// float32 operations of expf, in the same order and without FMA, so the
// results are bit-identical to the scalar Go code.

#define VEC8(name, bits) \
	DATA name<>+0(SB)/4, bits \
	DATA name<>+4(SB)/4, bits \
	DATA name<>+8(SB)/4, bits \
	DATA name<>+12(SB)/4, bits \
	DATA name<>+16(SB)/4, bits \
	DATA name<>+20(SB)/4, bits \
	DATA name<>+24(SB)/4, bits \
	DATA name<>+28(SB)/4, bits \
	GLOBL name<>(SB), RODATA|NOPTR, $32

VEC8(expLo, $0xc2d00000)
VEC8(expHi, $0x42b20000)
VEC8(expLog2e, $0x3fb8aa3b)
VEC8(expMagic, $0x4b400000)
VEC8(expLn2Hi, $0x3f317200)
VEC8(expLn2Lo, $0x35bfbe8e)
VEC8(expC2, $0x3f000000)
VEC8(expC3, $0x3e2aaaab)
VEC8(expC4, $0x3d2aaaab)
VEC8(expC5, $0x3c088889)
VEC8(expC6, $0x3ab60b61)
VEC8(expC7, $0x39500d01)
VEC8(one, $0x3f800000)
VEC8(bias127, $127)
VEC8(signBit, $0x80000000)

// EXPF sets Y0 = expf(Y0), clobbering Y1–Y3. Y15 must hold expLo and Y14
// expHi. The clamp keeps x as the second source so that a NaN passes.
#define EXPF \
	VMAXPS Y0, Y15, Y0 \
	VMINPS Y0, Y14, Y0 \
	VMULPS expLog2e<>(SB), Y0, Y1 \
	VADDPS expMagic<>(SB), Y1, Y1 \
	VSUBPS expMagic<>(SB), Y1, Y2 \
	VPSUBD expMagic<>(SB), Y1, Y1 \
	VMULPS expLn2Hi<>(SB), Y2, Y3 \
	VSUBPS Y3, Y0, Y0 \
	VMULPS expLn2Lo<>(SB), Y2, Y3 \
	VSUBPS Y3, Y0, Y0 \
	VMULPS expC7<>(SB), Y0, Y2 \
	VADDPS expC6<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS expC5<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS expC4<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS expC3<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS expC2<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS one<>(SB), Y2, Y2 \
	VMULPS Y0, Y2, Y2 \
	VADDPS one<>(SB), Y2, Y2 \
	VPSRAD $1, Y1, Y3 \
	VPSUBD Y3, Y1, Y1 \
	VPADDD bias127<>(SB), Y3, Y3 \
	VPSLLD $23, Y3, Y3 \
	VPADDD bias127<>(SB), Y1, Y1 \
	VPSLLD $23, Y1, Y1 \
	VMULPS Y3, Y2, Y2 \
	VMULPS Y1, Y2, Y0

// func affineSiluAVX2(dst, src *float32, n int, a, b, a2, b2 float32, act int)
TEXT ·affineSiluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Y12
	VBROADCASTSS b+28(FP), Y11
	VBROADCASTSS a2+32(FP), Y10
	VBROADCASTSS b2+36(FP), Y9
	MOVQ act+40(FP), AX
	VMOVUPS expLo<>(SB), Y15
	VMOVUPS expHi<>(SB), Y14
	VMOVUPS signBit<>(SB), Y13
	TESTQ AX, AX
	JNZ silu

affine:
	VMULPS (SI), Y12, Y4
	VADDPS Y11, Y4, Y4
	VMULPS Y10, Y4, Y4
	VADDPS Y9, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ affine
	VZEROUPPER
	RET

silu:
	VMULPS (SI), Y12, Y4
	VADDPS Y11, Y4, Y4
	VMULPS Y10, Y4, Y4
	VADDPS Y9, Y4, Y4
	VXORPS Y13, Y4, Y0
	EXPF
	VADDPS one<>(SB), Y0, Y0
	VDIVPS Y0, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ silu
	VZEROUPPER
	RET

// func maxAVX2(row *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ row+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS (SI), Y0
maxloop:
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ maxloop
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func expShiftSumAVX2(row *float32, n int, m float32) float64
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-32
	MOVQ row+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y13
	VMOVUPS expLo<>(SB), Y15
	VMOVUPS expHi<>(SB), Y14
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
exploop:
	VMOVUPS (SI), Y0
	VSUBPS Y13, Y0, Y0
	EXPF
	VMOVUPS Y0, (SI)
	VCVTPS2PD X0, Y1
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD X2, Y2
	VADDPD Y1, Y8, Y8
	VADDPD Y2, Y9, Y9
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ exploop
	VADDPD Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPD X9, X8, X8
	VUNPCKHPD X8, X8, X9
	VADDSD X9, X8, X8
	VZEROUPPER
	MOVSD X8, ret+24(FP)
	RET

// func divAVX2(row *float32, n int, s float32)
TEXT ·divAVX2(SB), NOSPLIT, $0-20
	MOVQ row+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS s+16(FP), Y1
scaleloop:
	VMOVUPS (SI), Y0
	VDIVPS Y1, Y0, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ scaleloop
	VZEROUPPER
	RET

// func sumSquaresAVX2(v *float32, n int, k float32) (s, q float64)
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	MOVSS k+16(FP), X0
	CVTSS2SD X0, X0
	VBROADCASTSD X0, Y13
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
sqloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VSUBPD Y13, Y0, Y0
	VSUBPD Y13, Y1, Y1
	VADDPD Y0, Y8, Y8
	VADDPD Y1, Y9, Y9
	VMULPD Y0, Y0, Y0
	VMULPD Y1, Y1, Y1
	VADDPD Y0, Y10, Y10
	VADDPD Y1, Y11, Y11
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ sqloop
	VADDPD Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPD X9, X8, X8
	VUNPCKHPD X8, X8, X9
	VADDSD X9, X8, X8
	VADDPD Y11, Y10, Y10
	VEXTRACTF128 $1, Y10, X11
	VADDPD X11, X10, X10
	VUNPCKHPD X10, X10, X11
	VADDSD X11, X10, X10
	VZEROUPPER
	MOVSD X8, s+24(FP)
	MOVSD X10, q+32(FP)
	RET
