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
// Kernel variants, chosen per shape and adapter: convolutions and
// attention split their reduction into slices when their grid would leave
// a large GPU idle (conv2d.wgsl + splitk_sum.wgsl, attention.wgsl +
// attention_merge.wgsl); convolutions on large images take 128-pixel
// tiles; few-row linears take linear_rows.wgsl; CPU adapters (SwiftShader,
// lavapipe), slow with workgroup memory, take conv2d_direct.wgsl.
//
// Memory: the device counts the bytes of its buffers (Memory, ResetPeak)
// and Trim gives the pool's free buffers back, so that one model can be
// released before the next is loaded. Profiles: with Options.Timestamps,
// StartProfile/StopProfile time every dispatch (timestamp queries).
//
// Only the files ending in _js.go use syscall/js.
package webgpu
