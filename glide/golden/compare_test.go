package golden

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompare(t *testing.T) {
	// Differences 0, 0, 0, 2 and 0, 0, 1, 1 worked by hand.
	d, err := Compare([]float32{1, 2, 3, 4}, []float32{1, 2, 3, 6})
	require.NoError(t, err)
	assert.Equal(t, 2.0, d.MaxAbs)
	assert.Equal(t, 6.0, d.MaxRef)
	assert.InDelta(t, 1.0, d.RMS, 1e-15) // √(4/4)
	d, err = Compare([]float32{0, 0, 1, -1}, []float32{0, 0, 0, 0})
	require.NoError(t, err)
	assert.InDelta(t, math.Sqrt(0.5), d.RMS, 1e-15)
	assert.Equal(t, 1.0, d.Rel(), "max|ref| 0: Rel is the max-abs difference")

	_, err = Compare([]float32{1}, []float32{1, 2})
	assert.Error(t, err)
	d, err = Compare([]float32{float32(math.NaN()), 1}, []float32{0, 1})
	require.NoError(t, err)
	assert.True(t, d.NaN)
}

func TestToleranceCheck(t *testing.T) {
	got, want := []float32{0, 0, 0, 2}, []float32{0, 0, 0, 0} // max 2, rms 1
	for _, c := range []struct {
		tol    Tolerance
		metric float64
		fails  bool
	}{
		{Tolerance{Abs: 2}, 2, false},
		{Tolerance{Abs: 1.9}, 2, true},
		{Tolerance{Rel: 1}, 2, true}, // max|ref| 0: relative to nothing, so the max-abs
		{Tolerance{RMS: 1}, 1, false},
		{Tolerance{RMS: 0.9}, 1, true},
		{Tolerance{RMS: 1, Abs: 1.5}, 1, true}, // the max still bounded
		{Tolerance{RMS: 1, Abs: 2}, 1, false},
	} {
		m, why := c.tol.Check("x", got, want)
		assert.InDelta(t, c.metric, m, 1e-15, "%+v", c.tol)
		assert.Equal(t, c.fails, why != "", "%+v: %q", c.tol, why)
	}
	m, why := Tolerance{RMS: 1}.Check("x", []float32{float32(math.Inf(1))}, []float32{0})
	assert.True(t, math.IsInf(m, 1))
	assert.Contains(t, why, "NaN or Inf")
}
