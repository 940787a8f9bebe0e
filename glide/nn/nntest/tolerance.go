// Package nntest is the conformance suite that every nn.Device must pass.
//
// Conformance runs each op on shapes taken from real GLIDE layers and
// compares the device's output with an independent float64 twin written
// here as plain loops (the twins never call a Device). Comparisons use two
// numbers per op, both relative to the expected values:
//
//	max-abs: max|got − ref| / max|ref|   over the checked elements
//	NMSE:    Σ(got − ref)² / Σref²
package nntest

import "fmt"

// Tol bounds the error of one op's output.
type Tol struct {
	MaxRel float64 // bound on max|got − ref| / max|ref|
	NMSE   float64 // bound on Σ(got − ref)² / Σref²
}

func (t Tol) String() string {
	return fmt.Sprintf("max-abs/max|ref| ≤ %.1e, NMSE ≤ %.1e", t.MaxRel, t.NMSE)
}

// Tolerances holds one Tol per op (ops that only move data share Exact).
type Tolerances struct {
	Exact             Tol // Upload(F16)/Download, Reshape, Concat, Slice, Transpose, Upsample2x, TokenEmbedding: bit-exact
	Conv2D            Tol
	GroupNorm         Tol
	LayerNorm         Tol
	Linear            Tol
	Attention         Tol
	GELU              Tol
	SiLU              Tol
	Add               Tol
	AvgPool2x         Tol
	BilinearResize    Tol
	TimestepEmbedding Tol
	Guidance          Tol
	SamplerStep       Tol
}

// F32Tolerances is the budget for a device that stores and computes in
// float32 (the CPU device, WebGPU without shader-f16). A float32 result
// rounds to a relative 6e-8; anything looser says why.
func F32Tolerances() Tolerances {
	return Tolerances{
		Exact: Tol{0, 0},
		// Sums of up to 13824 (1536·3·3) float32 products in an order unlike
		// the twin's: the rounding walk grows like √K·2^−24 of the partial sums.
		Conv2D: Tol{MaxRel: 2e-5, NMSE: 1e-10},
		// (x − μ)·rstd·γ + β in float32 on O(1) values, plus SiLU's exp.
		GroupNorm: Tol{MaxRel: 2e-6, NMSE: 1e-12},
		LayerNorm: Tol{MaxRel: 2e-6, NMSE: 1e-12},
		// 512-long float32 dot products.
		Linear: Tol{MaxRel: 1e-5, NMSE: 1e-11},
		// Two float32 products (64-deep logits, up to 1152-deep mixing) and a
		// float32 softmax whose exp inputs carry the logits' rounding.
		Attention:      Tol{MaxRel: 2e-5, NMSE: 1e-10},
		GELU:           Tol{MaxRel: 2e-7, NMSE: 1e-13},
		SiLU:           Tol{MaxRel: 2e-7, NMSE: 1e-13},
		Add:            Tol{MaxRel: 2e-7, NMSE: 1e-13},
		AvgPool2x:      Tol{MaxRel: 2e-7, NMSE: 1e-13},
		BilinearResize: Tol{MaxRel: 5e-7, NMSE: 1e-13},
		// The frequencies and t·f are float32 by definition (the twin does the
		// same); only cos/sin and their rounding remain.
		TimestepEmbedding: Tol{MaxRel: 2e-7, NMSE: 1e-13},
		Guidance:          Tol{MaxRel: 5e-7, NMSE: 1e-13},
		// A chain of ~6 float32 operations per element, the step's exp included.
		SamplerStep: Tol{MaxRel: 2e-6, NMSE: 1e-12},
	}
}
