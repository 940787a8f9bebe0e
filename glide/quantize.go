package glide

import "math"

// Quantize8 rounds images in [−1, 1] to the 256 levels of an 8-bit image and
// maps them back: round((x + 1)·127.5)/127.5 − 1, as the reference notebook
// does between the base model and the upsampler. Rounding is half to even
// (torch.round); values are clamped to [0, 255] first, which changes nothing
// for clipped samples.
func Quantize8(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		q := float32(math.RoundToEven(float64((v + 1) * 127.5)))
		q = min(max(q, 0), 255)
		out[i] = q/127.5 - 1
	}
	return out
}

// ToByte maps a sample value in [−1, 1] to an 8-bit channel value:
// clamp(round((x + 1)·127.5), 0, 255).
func ToByte(v float32) uint8 {
	q := math.RoundToEven(float64((v + 1) * 127.5))
	return uint8(min(max(q, 0), 255))
}
