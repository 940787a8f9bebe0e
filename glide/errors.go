package glide

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what a user can do about it. The values are
// frozen: the browser UI and the widget's glide-error event expose them.
type Kind int

const (
	KindUnknown    Kind = iota // a bug or an unexpected failure
	BadInput                   // a prompt or parameter is invalid: fix the input
	BadWeights                 // weights missing, corrupt or mismatched: re-download or re-convert
	NoWebGPU                   // the browser has no WebGPU: use another browser or enable it
	NoAdapter                  // no GPU adapter was offered
	MissingFeature             // an adapter feature (e.g. shader-f16) is missing; a slower path may exist
	LimitTooLow                // an adapter limit is below what the model needs
	OutOfMemory                // the device ran out of memory: close other tabs, smaller batch
	DeviceLost                 // the GPU device was lost: retry (no page reload needed)
	ShaderCompile              // a kernel failed to compile (names the kernel)
	Unsupported                // the request is valid but not supported by this build
	Canceled                   // the user canceled
	Network                    // a download failed: check the connection and retry
	Storage                    // local storage failed or is full
)

var kindNames = [...]string{
	KindUnknown: "unknown", BadInput: "bad-input", BadWeights: "bad-weights",
	NoWebGPU: "no-webgpu", NoAdapter: "no-adapter", MissingFeature: "missing-feature",
	LimitTooLow: "limit-too-low", OutOfMemory: "out-of-memory", DeviceLost: "device-lost",
	ShaderCompile: "shader-compile", Unsupported: "unsupported", Canceled: "canceled",
	Network: "network", Storage: "storage",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is WebGLIDE's typed error: the operation that failed, what kind of
// failure it is, and the underlying error.
type Error struct {
	Op   string // e.g. "generate", "load weights"
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Err.Error()
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error of kind k.
func Errorf(op string, k Kind, format string, a ...any) *Error {
	return &Error{Op: op, Kind: k, Err: fmt.Errorf(format, a...)}
}

// KindOf returns the Kind of the first *Error in err's chain, Canceled for
// context cancellation, and KindUnknown otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if isCanceled(err) {
		return Canceled
	}
	return KindUnknown
}
