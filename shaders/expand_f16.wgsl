// expand_f16: widen IEEE binary16 bit patterns to f32 on the GPU (the f32
// path's UploadF16, so fp16 weights never pass through a Go []float32).
//
// Go twin: nn.F16ToF32 (glide/f16.ToFloat32), used by nn.CPU.UploadF16:
//
//	for i := range bits { y[i] = F16ToF32(bits[i]) }
//
// The conversion is done with integer operations, so subnormal halves and
// signed zeros come out bit-exact (no reliance on unpack2x16float's
// flush-to-zero freedom). Does not use `st`: it always writes f32.

struct Params {
  n: u32, // number of halves to widen
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>; // (ceil(n/2),) two halves per word, little-endian
@group(0) @binding(2) var<storage, read_write> dst: array<f32>; // (n,) f32 output

// Workgroup size (1-D); set at pipeline creation.
override wg: u32 = 256;

fn h2f(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    // zero or subnormal: m·2^−24, exact in f32
    let v = f32(m) * 5.9604644775390625e-8;
    return bitcast<f32>(bitcast<u32>(v) | s);
  }
  if (e == 31u) {
    return bitcast<f32>(s | 0x7f800000u | (m << 13u)); // Inf / NaN
  }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  let word = src[i / 2u];
  dst[i] = h2f((word >> (16u * (i % 2u))) & 0xffffu);
}
