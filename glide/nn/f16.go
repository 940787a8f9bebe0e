package nn

import "github.com/webglide/webglide/glide/f16"

// F16ToF32 widens IEEE-754 binary16 bits to float32 exactly (see f16.ToFloat32).
func F16ToF32(h uint16) float32 { return f16.ToFloat32(h) }

// F32ToF16 narrows a float32 to binary16 bits, rounding to nearest with ties
// to even; values beyond the binary16 range become ±Inf (see f16.FromFloat32).
func F32ToF16(f float32) uint16 {
	h, _ := f16.FromFloat32(f)
	return h
}
