// linear: y = x·wᵀ + b over the last axis.
//
// Go twin: nn.CPU.Linear:
//
//	y[r,o] = b[o] + Σ_k x[r,k]·w[o,k]     x (rows, in), w (out, in), y (rows, out)
//
// Tiling as conv2d.wgsl: a workgroup of 64 invocations (8×8) computes a
// 32-row × 32-output tile, each invocation 4 rows × 4 outputs in four named
// vec4 accumulators (acc_r: row ty·4+r, component s: output tx+8s); K
// advances 16 at a time through two 16×32 f32 tiles in workgroup memory.
// Dispatch: (ceil(out/32), ceil(rows/32), 1). Accumulation is f32.

struct Params {
  rows: u32,  // rows of x (product of the leading axes)
  k: u32,     // in
  out: u32,   // out
  flags: u32, // bit 0: add bias
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (rows, in)
@group(0) @binding(2) var<storage, read> wt: array<st>; // (out, in)
@group(0) @binding(3) var<storage, read> bias: array<st>; // (out,) or a dummy when flags bit 0 is clear
@group(0) @binding(4) var<storage, read_write> y: array<st>; // (rows, out)

const TM: u32 = 32u; // rows per tile
const TN: u32 = 32u; // outputs per tile
const TK: u32 = 16u; // reduction depth per step

var<workgroup> xtile: array<f32, 512>; // [TK][TM]
var<workgroup> wtile: array<f32, 512>; // [TK][TN]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let o0 = wid.x * TN;
  let r0 = wid.y * TM;
  let K = params.k;
  let tx = li % 8u;
  let ty = li / 8u;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var r = 0u; r < 8u; r++) {
      let e = r * 64u + li;
      let m = e / TK;
      let kk = e % TK;
      var xv = 0.0;
      if (r0 + m < params.rows && k0 + kk < K) {
        xv = f32(x[(r0 + m) * K + k0 + kk]);
      }
      xtile[kk * TM + m] = xv;
      var wv = 0.0;
      if (o0 + m < params.out && k0 + kk < K) {
        wv = f32(wt[(o0 + m) * K + k0 + kk]);
      }
      wtile[kk * TN + m] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let xa = kk * TM + ty * 4u;
      let a = vec4<f32>(xtile[xa], xtile[xa + 1u], xtile[xa + 2u], xtile[xa + 3u]);
      let wb = kk * TN + tx;
      let b = vec4<f32>(wtile[wb], wtile[wb + 8u], wtile[wb + 16u], wtile[wb + 24u]);
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let row = r0 + ty * 4u + r;
    if (row >= params.rows) {
      break;
    }
    var acc: vec4<f32>;
    switch r {
      case 0u: { acc = acc0; }
      case 1u: { acc = acc1; }
      case 2u: { acc = acc2; }
      default: { acc = acc3; }
    }
    for (var s = 0u; s < 4u; s++) {
      let o = o0 + tx + 8u * s;
      if (o < params.out) {
        var v = acc[s];
        if ((params.flags & 1u) != 0u) {
          v += f32(bias[o]);
        }
        y[row * params.out + o] = st(v);
      }
    }
  }
}
