// Memory figures after each run, for the page's soak test
// (e2e/soak.test.mjs): a leak shows as a figure that grows run over run.

package main

import (
	"runtime"

	"github.com/webglide/webglide/glide/nn"
)

// postMemory posts the "memory" message of job id: the device's GPU
// bytes (nn.MemoryStats) and buffers, and the Go heap after a collection.
func postMemory(id float64, dev nn.Device) {
	msg := map[string]any{"type": "memory", "id": id, "bytes": -1, "buffers": -1}
	if ms, ok := dev.(nn.MemoryStats); ok {
		held, _ := ms.Memory()
		msg["bytes"] = held
	}
	if b, ok := dev.(interface{ Buffers() int }); ok {
		msg["buffers"] = b.Buffers()
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	msg["goHeap"] = m.HeapAlloc
	msg["goSys"] = m.Sys
	post(msg)
}
