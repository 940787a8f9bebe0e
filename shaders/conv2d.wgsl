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
// the (c, u, v) split of a K index divides by constants, and on PX, the
// pixel quads per invocation (1 or 2).
//
// Tiling: a workgroup of 256 invocations (16×16) computes a 64-channel ×
// 64·PX-pixel tile; each invocation holds 4 channels × PX quads of 4
// consecutive pixels (quad q at pixel q·64 + tx·4 of the tile) in named
// vec4 accumulators (acc_r, acc_r + 4: channel ty·4+r). K advances 16 at a
// time through a 16×64 weight tile and a 16×64·PX input tile in workgroup
// memory, both held as vec4s, so that a step's inner product reads 1 + PX
// vec4s per 16·PX multiply-adds (PX = 2 on large images halves the loads
// per multiply-add of the weights). While a step computes, each
// invocation already holds the next step's 4 weights (4 channels of one K
// index) and PX·4 inputs in registers (they were loaded before the step's
// arithmetic). A loading invocation's pixels are fixed, so their (row,
// column) are computed once.
// Dispatch: (ceil(OH·OW/(64·PX)), ceil(Co/64), B·S). Accumulation is f32.
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
override PX: u32 = 1; // pixel quads per invocation: 1 or 2

const TM: u32 = 64u; // output channels per tile
const TK: u32 = 16u; // reduction depth per step
override RS: u32 = 16u * PX; // vec4s per input tile row: the tile's 64·PX pixels

var<workgroup> wtile: array<vec4<f32>, 256>; // [TK][TM/4]: weights of the tile's channels
var<workgroup> xtile: array<vec4<f32>, 512>; // [TK][RS]: gathered input windows (half used when PX = 1)

// xAt is input value (i, j) of channel base cb, or 0 outside the image.
fn xAt(cb: u32, i: i32, j: i32, ok: bool) -> f32 {
  if (ok && i >= 0 && i < i32(params.h) && j >= 0 && j < i32(params.w)) {
    return f32(x[cb + u32(i) * params.w + u32(j)]);
  }
  return 0.0;
}

// loadX gathers K index k for a loader's 4 pixels (window origins pi,
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

// store finishes output channel o at pixels pb .. pb+3 of sample n: into
// part (slice `slice` of S) when the reduction is split, else with the
// bias and the residual into y.
fn store(acc: vec4<f32>, n: u32, o: u32, pb: u32, ohw: u32, slice: u32, nb: u32) {
  if (params.ksplit > 1u) {
    let pbase = ((slice * nb + n) * params.co + o) * ohw;
    for (var s = 0u; s < 4u; s++) {
      if (pb + s < ohw) {
        part[pbase + pb + s] = acc[s];
      }
    }
    return;
  }
  var a = acc;
  if ((params.flags & 1u) != 0u) {
    a += vec4<f32>(f32(bias[o]));
  }
  let yb = (n * params.co + o) * ohw;
  for (var s = 0u; s < 4u; s++) {
    if (pb + s < ohw) {
      var r = a[s];
      if ((params.flags & 2u) != 0u) {
        r += f32(res[yb + pb + s]);
      }
      y[yb + pb + s] = st(r);
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let n = wid.z / params.ksplit;
  let slice = wid.z % params.ksplit;
  let p0 = wid.x * 64u * PX;
  let o0 = wid.y * TM;
  let ohw = params.oh * params.ow;
  // This workgroup's K range [kb, K): a slice of the reduction (the whole
  // of it when S = 1). Loads past K read zeros.
  let kb = slice * params.kchunk;
  let K = min(params.ci * KK, kb + params.kchunk);
  let xbase = n * params.ci * params.h * params.w;

  // Compute roles.
  let tx = li % 16u; // pixel quads tx and 16 + tx of the tile
  let ty = li / 16u; // channels ty·4 .. ty·4+3

  // Input loader: row lk (a K index within the step) of pixel quads lq
  // and 16 + lq; their window origins are fixed for the whole reduction.
  let lk = li / 16u;
  let lq = li % 16u;
  let lp0 = vec4<u32>(p0 + lq * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  let lp1 = lp0 + vec4<u32>(64u);
  let pin0 = lp0 < vec4<u32>(ohw);
  let pin1 = (lp1 < vec4<u32>(ohw)) & vec4<bool>(PX == 2u);
  let pi0 = vec4<i32>(lp0 / params.ow) - params.pad;
  let pj0 = vec4<i32>(lp0 % params.ow) - params.pad;
  let pi1 = vec4<i32>(lp1 / params.ow) - params.pad;
  let pj1 = vec4<i32>(lp1 % params.ow) - params.pad;
  // Weight loader: channels o0 + lmq·4 .. +3 at K index lkw of the step
  // (neighbouring invocations read neighbouring weights of a row).
  let lkw = li % 16u;
  let lmq = li / 16u;
  let kr = params.ci * KK; // rows are the whole reduction long
  let wrow = (o0 + lmq * 4u) * kr;
  let wok = vec4<u32>(o0 + lmq * 4u) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.co);

  var acc0 = vec4<f32>(0.0); // channel ty·4 + 0, quad 0
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0); // channel ty·4 + 0, quad 1 (PX = 2)
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);

  var xr0 = loadX(kb + lk, K, xbase, pi0, pj0, pin0);
  var xr1 = vec4<f32>(0.0);
  if (PX == 2u) {
    xr1 = loadX(kb + lk, K, xbase, pi1, pj1, pin1);
  }
  var wr = loadW(wrow, kr, kb + lkw, K, wok);

  for (var k0 = kb; k0 < K; k0 += TK) {
    xtile[lk * RS + lq] = xr0;
    if (PX == 2u) {
      xtile[lk * RS + 16u + lq] = xr1;
    }
    wtile[lkw * (TM / 4u) + lmq] = wr;
    workgroupBarrier();

    // Load the next step while this one computes.
    let k1 = k0 + TK;
    if (k1 < K) {
      xr0 = loadX(k1 + lk, K, xbase, pi0, pj0, pin0);
      if (PX == 2u) {
        xr1 = loadX(k1 + lk, K, xbase, pi1, pj1, pin1);
      }
      wr = loadW(wrow, kr, k1 + lkw, K, wok);
    }

    for (var kk = 0u; kk < TK; kk++) {
      let a = wtile[kk * (TM / 4u) + ty];
      let b0 = xtile[kk * RS + tx];
      acc0 += a.x * b0;
      acc1 += a.y * b0;
      acc2 += a.z * b0;
      acc3 += a.w * b0;
      if (PX == 2u) {
        let b1 = xtile[kk * RS + 16u + tx];
        acc4 += a.x * b1;
        acc5 += a.y * b1;
        acc6 += a.z * b1;
        acc7 += a.w * b1;
      }
    }
    workgroupBarrier();
  }

  let nb = nwg.z / params.ksplit; // batch size
  let o = o0 + ty * 4u;
  for (var q = 0u; q < PX; q++) {
    let pb = p0 + q * 64u + tx * 4u;
    var a0 = acc0;
    var a1 = acc1;
    var a2 = acc2;
    var a3 = acc3;
    if (q == 1u) {
      a0 = acc4;
      a1 = acc5;
      a2 = acc6;
      a3 = acc7;
    }
    if (o < params.co) {
      store(a0, n, o, pb, ohw, slice, nb);
    }
    if (o + 1u < params.co) {
      store(a1, n, o + 1u, pb, ohw, slice, nb);
    }
    if (o + 2u < params.co) {
      store(a2, n, o + 2u, pb, ohw, slice, nb);
    }
    if (o + 3u < params.co) {
      store(a3, n, o + 3u, pb, ohw, slice, nb);
    }
  }
}
