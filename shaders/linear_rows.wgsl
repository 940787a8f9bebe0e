// linear_rows: y = x·wᵀ + b for a few rows (at most 8): the timestep and
// scale-shift projections of every ResBlock, where a tiled matrix product
// (linear.wgsl) would leave most of its tile empty and read the weights
// with too few workgroups.
//
// Go twin: nn.CPU.Linear:
//
//	y[r,o] = b[o] + Σ_k x[r,k]·w[o,k]     x (rows, in), w (out, in), y (rows, out)
//
// A workgroup of 256 invocations computes 16 outputs for all rows: 16
// invocations share an output, invocation lane reading k = lane, lane+16,
// ... of its weight row (neighbouring invocations read neighbouring
// weights), each keeping one partial sum per row; the 16 partials are
// then added in workgroup memory. Dispatch: (ceil(out/16), 1, 1).
// Accumulation is f32.

struct Params {
  rows: u32,  // rows of x (≤ 8)
  k: u32,     // in
  out: u32,   // out
  flags: u32, // bit 0: add bias
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (rows, in)
@group(0) @binding(2) var<storage, read> wt: array<st>; // (out, in)
@group(0) @binding(3) var<storage, read> bias: array<st>; // (out,) or a dummy when flags bit 0 is clear
@group(0) @binding(4) var<storage, read_write> y: array<st>; // (rows, out)

const NO: u32 = 16u; // outputs per workgroup
const NL: u32 = 16u; // invocations per output
const MR: u32 = 8u;  // most rows

var<workgroup> red: array<f32, 2048>; // [NO][MR][NL] partial sums

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let K = params.k;
  let R = params.rows;
  let lane = li % NL;
  let oo = li / NL;
  let o = wid.x * NO + oo;
  var acc: array<f32, 8>;
  for (var r = 0u; r < MR; r++) {
    acc[r] = 0.0;
  }
  if (o < params.out) {
    let wrow = o * K;
    for (var k = lane; k < K; k += NL) {
      let w = f32(wt[wrow + k]);
      for (var r = 0u; r < MR; r++) {
        if (r < R) {
          acc[r] += w * f32(x[r * K + k]);
        }
      }
    }
  }
  for (var r = 0u; r < MR; r++) {
    red[(oo * MR + r) * NL + lane] = acc[r];
  }
  workgroupBarrier();
  // Invocation li < 128 adds the partials of output li / 8, row li % 8.
  if (li < NO * MR) {
    let po = li / MR;
    let r = li % MR;
    let oy = wid.x * NO + po;
    if (r < R && oy < params.out) {
      var s = 0.0;
      for (var l = 0u; l < NL; l++) {
        s += red[(po * MR + r) * NL + l];
      }
      if ((params.flags & 1u) != 0u) {
        s += f32(bias[oy]);
      }
      y[r * params.out + oy] = st(s);
    }
  }
}
