//go:build amd64 && !purego

package nn

// useAVX2 selects the AVX2+FMA micro-kernel (kernel_amd64.s) when the CPU
// and OS support it; otherwise the portable microKernelGo runs. Build with
// -tags purego to use only Go code.
var useAVX2 = hasAVX2FMA()

// microKernel computes C (mr×nr, row stride ldc) += Ā·B̄ (see microKernelGo).
func microKernel(kb int, a, b, c []float32, ldc int) {
	if !useAVX2 || kb == 0 {
		microKernelGo(kb, a, b, c, ldc)
		return
	}
	_ = a[kb*mr-1]
	_ = b[kb*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16AVX2(kb, &a[0], &b[0], &c[0], ldc)
}

// stridedA reports whether microKernelStrided is available, so that callers
// may skip packing A.

func stridedA() bool { return useAVX2 }

// microKernelStrided is microKernel with A read in place: A[k][i] =
// a[i*lda + k]. Only called when stridedA() is true.
func microKernelStrided(kb int, a []float32, lda int, b, c []float32, ldc int) {
	if kb == 0 {
		return
	}
	_ = a[(mr-1)*lda+kb-1]
	_ = b[kb*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16AVX2Strided(kb, &a[0], lda, &b[0], &c[0], ldc)
}

// kernel6x16AVX2Strided is kernel6x16AVX2 reading A in place.
//
//go:noescape
func kernel6x16AVX2Strided(kb int, a *float32, lda int, b, c *float32, ldc int)

// kernel6x16AVX2 is microKernelGo for a full 6×16 tile with kb ≥ 1, the 12
// accumulators held in YMM registers and one fused multiply-add per k, row
// and 8 columns. Note: FMA rounds once per step where the Go kernel rounds
// twice, so the two differ in the last bits.
//
//go:noescape
func kernel6x16AVX2(kb int, a, b, c *float32, ldc int)

// cpuid executes CPUID with the given EAX and ECX inputs.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads XCR0.
func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA and the OS saves the
// YMM registers.
func hasAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}
