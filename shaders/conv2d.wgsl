// conv2d: 2-D convolution, stride 1, zero padding, with the bias and the
// residual add fused into the epilogue. Implicit GEMM: M = output channels,
// N = output pixels of one sample, K = Ci·ks·ks; the ks×ks input windows are
// gathered straight into workgroup memory (no im2col buffer).
//
// Go twin: nn.CPU.Conv2D:
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−pad,j+v−pad] (+ res[n,o,i,j])
//
// Tiling: a workgroup of 64 invocations (8×8) computes a 32-channel ×
// 32-pixel tile; each invocation holds 4 channels × 4 pixels in four named
// vec4 accumulators (acc_r holds channel ty·4+r, component s pixel tx+8s).
// K advances 16 at a time through two 16×32 f32 tiles in workgroup memory.
// Dispatch: (ceil(OH·OW/32), ceil(Co/32), B). Accumulation is f32.

struct Params {
  ci: u32,    // input channels
  h: u32,     // input height
  w: u32,     // input width
  co: u32,    // output channels
  ks: u32,    // kernel size (square)
  pad: i32,   // zero padding on every side
  oh: u32,    // output height = h + 2·pad − ks + 1
  ow: u32,    // output width
  flags: u32, // bit 0: add bias; bit 1: add residual
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, Ci, H, W)
@group(0) @binding(2) var<storage, read> wt: array<st>; // (Co, Ci, ks, ks) = (Co, K) row-major
@group(0) @binding(3) var<storage, read> bias: array<st>; // (Co,) or a dummy when flags bit 0 is clear
@group(0) @binding(4) var<storage, read> res: array<st>; // (B, Co, OH, OW) or a dummy when bit 1 is clear
@group(0) @binding(5) var<storage, read_write> y: array<st>; // (B, Co, OH, OW)

const TM: u32 = 32u; // output channels per tile
const TN: u32 = 32u; // output pixels per tile
const TK: u32 = 16u; // reduction depth per step

var<workgroup> wtile: array<f32, 512>; // [TK][TM]: weights of the tile's channels
var<workgroup> xtile: array<f32, 512>; // [TK][TN]: gathered input windows

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wid.z;
  let p0 = wid.x * TN;
  let o0 = wid.y * TM;
  let ohw = params.oh * params.ow;
  let kk2 = params.ks * params.ks;
  let K = params.ci * kk2;
  let tx = li % 8u;
  let ty = li / 8u;
  let xbase = n * params.ci * params.h * params.w;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var r = 0u; r < 8u; r++) {
      let e = r * 64u + li; // 0..511
      // Weights: row m (channel) of TK consecutive k, read along k.
      let m = e / TK;
      let kw = e % TK;
      var wv = 0.0;
      if (o0 + m < params.co && k0 + kw < K) {
        wv = f32(wt[(o0 + m) * K + k0 + kw]);
      }
      wtile[kw * TM + m] = wv;
      // Input windows: row kx (a (c, u, v) triple) of TN pixels.
      let kx = e / TN;
      let q = e % TN;
      let k = k0 + kx;
      let p = p0 + q;
      var xv = 0.0;
      if (k < K && p < ohw) {
        let c = k / kk2;
        let rem = k % kk2;
        let i = i32(p / params.ow) + i32(rem / params.ks) - params.pad;
        let j = i32(p % params.ow) + i32(rem % params.ks) - params.pad;
        if (i >= 0 && i < i32(params.h) && j >= 0 && j < i32(params.w)) {
          xv = f32(x[xbase + (c * params.h + u32(i)) * params.w + u32(j)]);
        }
      }
      xtile[kx * TN + q] = xv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let wa = kk * TM + ty * 4u;
      let a = vec4<f32>(wtile[wa], wtile[wa + 1u], wtile[wa + 2u], wtile[wa + 3u]);
      let xb = kk * TN + tx;
      let b = vec4<f32>(xtile[xb], xtile[xb + 8u], xtile[xb + 16u], xtile[xb + 24u]);
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let o = o0 + ty * 4u + r;
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
    var bo = 0.0;
    if ((params.flags & 1u) != 0u) {
      bo = f32(bias[o]);
    }
    for (var s = 0u; s < 4u; s++) {
      let p = p0 + tx + 8u * s;
      if (p < ohw) {
        let yi = (n * params.co + o) * ohw + p;
        var v = acc[s] + bo;
        if ((params.flags & 2u) != 0u) {
          v += f32(res[yi]);
        }
        y[yi] = st(v);
      }
    }
  }
}
