//go:build amd64 && !purego

package nn

// winoAVX2 says whether the AVX2 Winograd transforms (winograd_amd64.s)
// run; winoInput and winoOutput take them for every run of 8 tiles in one
// tile row, and their Go loops for the rest (and on other platforms).
var winoAVX2 = useAVX2

// winoIn8AVX2 is winoInput for 8 tiles of one tile row and one channel:
// src is row 0 of the windows (lane k's window at src[2k:2k+4], rows ld
// apart; 18 floats a row are read), dst lane 0's place in V for ξ = 0 (ξ at
// dst + ξ·set), scratch 128 floats.
//
//go:noescape
func winoIn8AVX2(src *float32, ld int, dst *float32, set int, scratch *float32)

// winoOut8AVX2 is winoOutput for 8 tiles of one tile row and one output
// channel: m lane 0's product for ξ = 0 (ξ at m + ξ·set), y the top-left of
// tile 0's 2×2 (rows ldy apart; 16 floats a row), res the residual at the
// same places or nil.
//
//go:noescape
func winoOut8AVX2(m *float32, set int, bias float32, y *float32, ldy int, res *float32)

// setWinoAVX2 switches the AVX2 transforms (tests); it returns the old value.
func setWinoAVX2(on bool) bool {
	old := winoAVX2
	winoAVX2 = on && useAVX2
	return old
}
