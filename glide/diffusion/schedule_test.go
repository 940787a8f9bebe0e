package diffusion

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// cosBig is cos(x) by its Taylor series in 192-bit math/big arithmetic,
// rounded once to float64: the reference cosRounded is checked against.
func cosBig(x float64) float64 {
	const prec = 192
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -prec)
	for n := int64(1); ; n++ {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64((2*n-1)*(2*n)))
		term.Neg(term)
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	f, _ := sum.Float64()
	return f
}

// TestCosRounded: the double-double cosine equals the correctly rounded
// one on every input the cosine schedule evaluates for these step counts,
// and on random arguments in [−4, 4].
func TestCosRounded(t *testing.T) {
	bad := 0
	check := func(x float64) {
		if got, want := cosRounded(x), cosBig(x); got != want && bad < 10 {
			bad++
			t.Errorf("cosRounded(%v) = %v, want %v (%d ulp)", x, got, want, int64(math.Float64bits(got))-int64(math.Float64bits(want)))
		}
	}
	for _, n := range []int{1000, 4000, 100, 250, 27} {
		for i := 0; i <= n; i++ {
			check((float64(i)/float64(n) + 0.008) / 1.008 * math.Pi / 2)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		check(rng.Float64()*8 - 4)
	}
	// math.Cos is off by an ulp on some of these (why cosRounded exists):
	// make sure the test could tell.
	diff := 0
	for i := 0; i <= 1000; i++ {
		x := (float64(i)/1000 + 0.008) / 1.008 * math.Pi / 2
		if math.Cos(x) != cosBig(x) {
			diff++
		}
	}
	t.Logf("math.Cos differs from the correctly rounded cosine on %d of 1001 schedule inputs", diff)
}
