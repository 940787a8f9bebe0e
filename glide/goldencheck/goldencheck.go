// Package goldencheck checks WebGLIDE against the golden fixtures: one
// checker per fixture kind, each with an explicit tolerance. The same
// checkers run natively (glide check-golden, go test) and, with the WebGPU
// device, inside a browser.
package goldencheck

import (
	"context"
	"io"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/nn"
)

// Env is what checkers run with.
type Env struct {
	// Device runs the model and sampler kinds.
	Device nn.Device
	// Weights, when set, supplies model weights for a case's configuration
	// instead of detweights (check-golden --weights).
	Weights WeightSource
	// Tol scales the model tolerances for devices less exact than the CPU
	// (1 on the CPU device).
	TolScale float64
	// Half says the device keeps weights and activations in binary16 (the
	// WebGPU f16 path): sampling trajectories are then judged by their RMS
	// difference (halfTrajectoryTol in sample.go says why).
	Half bool
	// Log receives progress notes (may be nil).
	Log io.Writer
}

// kindChecker checks one case in an environment.
type kindChecker func(ctx context.Context, env *Env, c *golden.Case) golden.Result

var kinds = map[string]kindChecker{}

// Checkers returns the checker for every supported kind, bound to env.
func Checkers(env *Env) map[string]golden.Checker {
	if env.TolScale == 0 {
		env.TolScale = 1
	}
	m := map[string]golden.Checker{}
	for k, f := range kinds {
		m[k] = func(ctx context.Context, c *golden.Case) golden.Result { return f(ctx, env, c) }
	}
	return m
}
