package backend

import (
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/nn"
)

// The CPU passes its own self-test; a corrupted op fails it, named.
func TestSelfTest(t *testing.T) {
	if err := SelfTest(nn.NewCPU(1), false); err != nil {
		t.Fatalf("SelfTest(CPU) = %v", err)
	}
	for _, c := range checks {
		t.Run(c.op, func(t *testing.T) {
			defer func() { Corrupt = nil }()
			Corrupt = func(op string, _ bool, got []float32) {
				if op == c.op {
					got[len(got)/2] += 0.5
				}
			}
			err := SelfTest(nn.NewCPU(1), true)
			if err == nil || !strings.Contains(err.Error(), c.op) {
				t.Fatalf("SelfTest with %s corrupted = %v, want an error naming it", c.op, err)
			}
			t.Logf("as expected: %v", err)
		})
	}
}
