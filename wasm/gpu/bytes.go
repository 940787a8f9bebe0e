package gpu

import (
	"encoding/binary"
	"math"
)

// WebGPU buffers are little-endian, like wasm memory; these helpers make
// that explicit instead of reinterpreting Go memory with unsafe.

// Float32Bytes returns the little-endian bytes of v.
func Float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// BytesFloat32 decodes little-endian f32 values from b; a trailing partial
// value is ignored.
func BytesFloat32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// Uint32Bytes returns the little-endian bytes of v.
func Uint32Bytes(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, u := range v {
		binary.LittleEndian.PutUint32(b[4*i:], u)
	}
	return b
}
