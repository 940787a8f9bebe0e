// Package webgpu is the WebGPU implementation of nn.Device: WGSL compute
// kernels (package shaders) driven from Go compiled to js/wasm.
//
// Execution model: ops record dispatches (pipeline, bind group, uniform
// offset, workgroup counts) into a pending list; Download (or a full list)
// encodes and submits them all at once through a small JS function
// (encode.js) that receives the list as one Uint32Array. Tensors live in
// pooled GPU buffers with size classes, so a repeated sequence of ops (a
// sampling step) reuses the same buffers and the same cached bind groups.
// Uniforms of one flush are packed into one arena buffer (one writeBuffer)
// and addressed with dynamic offsets.
//
// Two precision paths, chosen at creation: f16 storage with f32
// arithmetic when the adapter has shader-f16 and a numeric self-test
// passes, f32 otherwise (fp16 weights are widened on the GPU).
//
// Only the files ending in _js.go use syscall/js.
package webgpu
