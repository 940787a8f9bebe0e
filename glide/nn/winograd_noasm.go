//go:build !amd64 || purego

package nn

// winoAVX2 is false: the Go transforms only.
const winoAVX2 = false

func winoIn8AVX2(src *float32, ld int, dst *float32, set int, scratch *float32) {
	panic("nn: no AVX2 Winograd transforms on this platform")
}

func winoOut8AVX2(m *float32, set int, bias float32, y *float32, ldy int, res *float32) {
	panic("nn: no AVX2 Winograd transforms on this platform")
}

// setWinoAVX2 does nothing here: there are no AVX2 transforms.
func setWinoAVX2(on bool) bool { return false }
