// conv2d: 2-D convolution, stride 1, zero padding, with the bias and the
// residual add fused into the epilogue. Implicit GEMM: M = output channels,
// N = output pixels of one sample, K = Ci·KS·KS; the KS×KS input windows
// are gathered straight into workgroup memory (no im2col buffer).
//
// Go twin: nn.CPU.Conv2D:
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i+u−pad,j+v−pad] (+ res[n,o,i,j])
//
// Specialised on the kernel size KS (an override: 1 and 3 in GLIDE), so
// the (c, u, v) split of a K index divides by constants.
//
// Tiling: a workgroup of 256 invocations (16×16) computes a 64-channel ×
// 64-pixel tile; each invocation holds 4 channels × 4 consecutive pixels in
// four named vec4 accumulators (acc_r: channel ty·4+r, component s: pixel
// tx·4+s). K advances 16 at a time through a 16×64 weight tile and a 16×64
// input tile in workgroup memory, both held as vec4s so that a step's
// inner product reads two vec4s per 16 multiply-adds; while a step
// computes, each invocation already holds the next step's 4 weights (4
// channels of one K index) and 4 inputs (4 pixels of one K index) in
// registers (they were loaded before the step's arithmetic). A loading
// invocation's pixels are fixed, so their (row, column) are computed once.
// Dispatch: (ceil(OH·OW/64), ceil(Co/64), B·S). Accumulation is f32.
//
// Split K: where that grid is too small to fill the GPU (the 8×8 and
// 16×16 layers: 24 workgroups for 768 channels at 8×8), the reduction is
// cut into S = ksplit slices of kchunk; workgroup z = n·S + s sums slice s
// alone and stores its raw f32 sums in part[s] (no bias, no residual), and
// splitk_sum.wgsl adds the slices in order and applies the epilogue. With
// S = 1 the kernel writes y itself and part is a dummy.

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
  ksplit: u32, // S: K slices (1: no split)
  kchunk: u32, // K indices per slice, a multiple of TK
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, Ci, H, W)
@group(0) @binding(2) var<storage, read> wt: array<st>; // (Co, Ci, ks, ks) = (Co, K) row-major
@group(0) @binding(3) var<storage, read> bias: array<st>; // (Co,) or a dummy when flags bit 0 is clear
@group(0) @binding(4) var<storage, read> res: array<st>; // (B, Co, OH, OW) or a dummy when bit 1 is clear
@group(0) @binding(5) var<storage, read_write> y: array<st>; // (B, Co, OH, OW), or a dummy when S > 1
@group(0) @binding(6) var<storage, read_write> part: array<f32>; // (S, B, Co, OH, OW) when S > 1, else a dummy

override KS: u32 = 3; // kernel size
override KK: u32 = KS * KS;

const TM: u32 = 64u; // output channels per tile
const TN: u32 = 64u; // output pixels per tile
const TK: u32 = 16u; // reduction depth per step

var<workgroup> wtile: array<vec4<f32>, 256>; // [TK][TM/4]: weights of the tile's channels
var<workgroup> xtile: array<vec4<f32>, 256>; // [TK][TN/4]: gathered input windows

// xAt is input value (i, j) of channel base cb, or 0 outside the image.
fn xAt(cb: u32, i: i32, j: i32, ok: bool) -> f32 {
  if (ok && i >= 0 && i < i32(params.h) && j >= 0 && j < i32(params.w)) {
    return f32(x[cb + u32(i) * params.w + u32(j)]);
  }
  return 0.0;
}

// loadX gathers K index k for the loader's 4 pixels (window origins pi,
// pj with the padding applied; pin: the pixel exists).
fn loadX(k: u32, K: u32, xbase: u32, pi: vec4<i32>, pj: vec4<i32>, pin: vec4<bool>) -> vec4<f32> {
  let c = k / KK;
  let rem = k % KK;
  let u = i32(rem / KS);
  let v = i32(rem % KS);
  let cb = xbase + c * params.h * params.w;
  let ok = k < K;
  return vec4<f32>(xAt(cb, pi.x + u, pj.x + v, ok && pin.x), xAt(cb, pi.y + u, pj.y + v, ok && pin.y),
                   xAt(cb, pi.z + u, pj.z + v, ok && pin.z), xAt(cb, pi.w + u, pj.w + v, ok && pin.w));
}

// wAt is weight k of the row starting at wrow, or 0 past the row or the channels.
fn wAt(wrow: u32, k: u32, K: u32, ok: bool) -> f32 {
  if (ok && k < K) {
    return f32(wt[wrow + k]);
  }
  return 0.0;
}

// loadW reads K index k of 4 consecutive channels' rows (row length kr,
// the first at wrow; ok: each channel exists).
fn loadW(wrow: u32, kr: u32, k: u32, K: u32, ok: vec4<bool>) -> vec4<f32> {
  return vec4<f32>(wAt(wrow, k, K, ok.x), wAt(wrow + kr, k, K, ok.y), wAt(wrow + 2u * kr, k, K, ok.z), wAt(wrow + 3u * kr, k, K, ok.w));
}

// put stores output pixel p of row base yb (bias bo, residual per flags).
fn put(yb: u32, p: u32, ohw: u32, v: f32) {
  if (p < ohw) {
    var r = v;
    if ((params.flags & 2u) != 0u) {
      r += f32(res[yb + p]);
    }
    y[yb + p] = st(r);
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let n = wid.z / params.ksplit;
  let slice = wid.z % params.ksplit;
  let p0 = wid.x * TN;
  let o0 = wid.y * TM;
  let ohw = params.oh * params.ow;
  // This workgroup's K range [kb, K): a slice of the reduction (the whole
  // of it when S = 1). Loads past K read zeros.
  let kb = slice * params.kchunk;
  let K = min(params.ci * KK, kb + params.kchunk);
  let xbase = n * params.ci * params.h * params.w;

  // Compute roles.
  let tx = li % 16u; // pixels tx·4 .. tx·4+3
  let ty = li / 16u; // channels ty·4 .. ty·4+3

  // Input loader: row lk (a K index within the step) of pixels lq·4 .. +3;
  // their window origins are fixed for the whole reduction.
  let lk = li / 16u;
  let lq = li % 16u;
  let lp = vec4<u32>(p0 + lq * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  let pin = lp < vec4<u32>(ohw);
  let pi = vec4<i32>(lp / params.ow) - params.pad;
  let pj = vec4<i32>(lp % params.ow) - params.pad;
  // Weight loader: channels o0 + lmq·4 .. +3 at K index lkw of the step
  // (neighbouring invocations read neighbouring weights of a row).
  let lkw = li % 16u;
  let lmq = li / 16u;
  let kr = params.ci * KK; // rows are the whole reduction long
  let wrow = (o0 + lmq * 4u) * kr;
  let wok = vec4<u32>(o0 + lmq * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.co);

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  var xr = loadX(kb + lk, K, xbase, pi, pj, pin);
  var wr = loadW(wrow, kr, kb + lkw, K, wok);

  for (var k0 = kb; k0 < K; k0 += TK) {
    xtile[lk * (TN / 4u) + lq] = xr;
    wtile[lkw * (TM / 4u) + lmq] = wr;
    workgroupBarrier();

    // Load the next step while this one computes.
    let k1 = k0 + TK;
    if (k1 < K) {
      xr = loadX(k1 + lk, K, xbase, pi, pj, pin);
      wr = loadW(wrow, kr, k1 + lkw, K, wok);
    }

    for (var kk = 0u; kk < TK; kk++) {
      let a = wtile[kk * (TM / 4u) + ty];
      let b = xtile[kk * (TN / 4u) + tx];
      acc0 += a.x * b;
      acc1 += a.y * b;
      acc2 += a.z * b;
      acc3 += a.w * b;
    }
    workgroupBarrier();
  }

  let pb = p0 + tx * 4u;
  let nb = nwg.z / params.ksplit; // batch size
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
    if (params.ksplit > 1u) {
      let pbase = ((slice * nb + n) * params.co + o) * ohw;
      for (var s = 0u; s < 4u; s++) {
        if (pb + s < ohw) {
          part[pbase + pb + s] = acc[s];
        }
      }
      continue;
    }
    if ((params.flags & 1u) != 0u) {
      acc += vec4<f32>(f32(bias[o]));
    }
    let yb = (n * params.co + o) * ohw;
    put(yb, pb, ohw, acc.x);
    put(yb, pb + 1u, ohw, acc.y);
    put(yb, pb + 2u, ohw, acc.z);
    put(yb, pb + 3u, ohw, acc.w);
  }
}
