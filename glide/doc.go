// Package glide is WebGLIDE's text-to-image pipeline: prompt → tokens →
// guided base sampling at 64×64 → 8-bit quantisation → upsampling to
// 256×256, on any nn.Device, with progress, cancellation and typed errors.
package glide
