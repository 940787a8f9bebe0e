//go:build !amd64 || purego

package nn

// microKernel is the portable Go micro-kernel on this platform.
func microKernel(kb int, a, b, c []float32, ldc int) { microKernelGo(kb, a, b, c, ldc) }

// stridedA is false: the portable kernel always reads packed A panels.
func stridedA() bool { return false }

// microKernelStrided is never called without an assembly kernel.
func microKernelStrided(kb int, a []float32, lda int, b, c []float32, ldc int) {
	panic("nn: no strided micro-kernel on this platform")
}
