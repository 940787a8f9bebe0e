//go:build !faults

// Production builds: no fault switches (faults_js.go, build tag faults,
// has them). A "fault" message is an unknown request here.

package main

import (
	"syscall/js"

	"github.com/webglide/webglide/glide"
	"github.com/webglide/webglide/glide/model"
)

func initFaults() {}

func (w *worker) fault(id float64, _ js.Value) {
	postError(id, glide.Errorf("worker", glide.BadInput, "unknown request type %q", "fault"))
}

func (w *worker) faultAtStep(glide.Progress) {}

func faultLoad(m *model.Model, err error) (*model.Model, error) { return m, err }
