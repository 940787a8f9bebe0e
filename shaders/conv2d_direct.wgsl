// conv2d_direct: conv2d.wgsl's convolution for CPU adapters (SwiftShader,
// lavapipe), which run workgroup memory and barriers slowly: no
// workgroup memory at all; each invocation computes 4 output channels ×
// 4 consecutive pixels straight from the input and the weights.
//
// Go twin: nn.CPU.Conv2D:
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−pad,j+v−pad] (+ res[n,o,i,j])
//
// Dispatch: (ceil(OH·OW/256), ceil(Co/4), B) of 64 invocations.
// Accumulation is f32.

struct Params {
  ci: u32,    // input channels
  h: u32,     // input height
  w: u32,     // input width
  co: u32,    // output channels
  ks: u32,    // kernel size (square); equals the override KS
  pad: i32,   // zero padding on every side
  oh: u32,    // output height = h + 2·pad − ks + 1
  ow: u32,    // output width
  flags: u32, // bit 0: add bias; bit 1: add residual
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, Ci, H, W)
@group(0) @binding(2) var<storage, read> wt: array<st>; // (Co, Ci, ks, ks)
@group(0) @binding(3) var<storage, read> bias: array<st>; // (Co,) or a dummy when flags bit 0 is clear
@group(0) @binding(4) var<storage, read> res: array<st>; // (B, Co, OH, OW) or a dummy when bit 1 is clear
@group(0) @binding(5) var<storage, read_write> y: array<st>; // (B, Co, OH, OW)

override KS: u32 = 3; // kernel size

fn xAt(cb: u32, i: i32, j: i32, ok: bool) -> f32 {
  if (ok && i >= 0 && i < i32(params.h) && j >= 0 && j < i32(params.w)) {
    return f32(x[cb + u32(i) * params.w + u32(j)]);
  }
  return 0.0;
}

fn wAt(i: u32, ok: bool) -> f32 {
  if (ok) {
    return f32(wt[i]);
  }
  return 0.0;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wid.z;
  let o0 = wid.y * 4u;
  let p0 = (wid.x * 64u + li) * 4u;
  let ohw = params.oh * params.ow;
  if (p0 >= ohw) {
    return;
  }
  let K = params.ci * KS * KS;
  let lp = vec4<u32>(p0) + vec4<u32>(0u, 1u, 2u, 3u);
  let pin = lp < vec4<u32>(ohw);
  let pi = vec4<i32>(lp / params.ow) - params.pad;
  let pj = vec4<i32>(lp % params.ow) - params.pad;
  let ook = vec4<u32>(o0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.co);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var c = 0u; c < params.ci; c++) {
    let cb = (n * params.ci + c) * params.h * params.w;
    for (var u = 0u; u < KS; u++) {
      for (var v = 0u; v < KS; v++) {
        let iu = i32(u);
        let jv = i32(v);
        let b = vec4<f32>(xAt(cb, pi.x + iu, pj.x + jv, pin.x), xAt(cb, pi.y + iu, pj.y + jv, pin.y),
                          xAt(cb, pi.z + iu, pj.z + jv, pin.z), xAt(cb, pi.w + iu, pj.w + jv, pin.w));
        let k = (c * KS + u) * KS + v;
        acc0 += wAt(o0 * K + k, ook.x) * b;
        acc1 += wAt((o0 + 1u) * K + k, ook.y) * b;
        acc2 += wAt((o0 + 2u) * K + k, ook.z) * b;
        acc3 += wAt((o0 + 3u) * K + k, ook.w) * b;
      }
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let o = o0 + r;
    if (o >= params.co) {
      break;
    }
    var acc: vec4<f32>;
    switch r {
      case 0u: { acc = acc0; }
      case 1u: { acc = acc1; }
      case 2u: { acc = acc2; }
      default: { acc = acc3; }
    }
    if ((params.flags & 1u) != 0u) {
      acc += vec4<f32>(f32(bias[o]));
    }
    let yb = (n * params.co + o) * ohw;
    for (var s = 0u; s < 4u; s++) {
      if (p0 + s < ohw) {
        var r2 = acc[s];
        if ((params.flags & 2u) != 0u) {
          r2 += f32(res[yb + p0 + s]);
        }
        y[yb + p0 + s] = st(r2);
      }
    }
  }
}
