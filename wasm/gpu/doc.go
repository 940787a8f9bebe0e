// Package gpu is a thin syscall/js binding for the part of WebGPU that
// WebGLIDE uses: adapter and device, buffers, shader modules, compute
// pipelines, bind groups, command encoders and buffer readback.
//
// It mirrors the JavaScript API closely (same names, same descriptors,
// labels on every object) and adds nothing clever: one Go call is one JS
// call. Calls that return promises block the calling goroutine until the
// promise settles, so they must not be made from inside a JS callback
// (a js.FuncOf function); call them from main or from a goroutine.
//
// Only the files ending in _js.go use syscall/js; on other platforms the
// package holds just this doc and the byte helpers.
package gpu
