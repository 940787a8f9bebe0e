// group_norm: GroupNorm with the optional scale-shift and SiLU fused in.
// One workgroup per (group, sample) makes three passes over the group's
// contiguous C/groups·S values: the mean, the biased variance (two-pass,
// so no cancellation), then the normalise-affine-scale-shift-SiLU apply.
// Statistics are f32 whatever the storage type.
//
// Go twin: nn.CPU.GroupNorm:
//
//	μ, σ² = mean and biased variance of x[n, g·cpg : (g+1)·cpg, :]
//	y = (x − μ)/√(σ² + eps)·gamma[c] + beta[c]
//	if scale-shift: y = y·(1 + ss[n, c]) + ss[n, C + c]
//	if SiLU:        y = y/(1 + e^−y)
//
// Dispatch: (groups, B, 1).

struct Params {
  c: u32,     // channels C
  s: u32,     // positions per channel (H·W)
  cpg: u32,   // channels per group
  eps: f32,   // variance epsilon
  flags: u32, // bit 0: scale-shift; bit 1: SiLU
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, C, S)
@group(0) @binding(2) var<storage, read> gamma: array<st>; // (C,)
@group(0) @binding(3) var<storage, read> beta: array<st>; // (C,)
@group(0) @binding(4) var<storage, read> ss: array<st>; // (B, 2C) [scale | shift] or a dummy
@group(0) @binding(5) var<storage, read_write> y: array<st>; // (B, C, S)

// Workgroup size; a power of two (tree reduction).
override wg: u32 = 256;

var<workgroup> red: array<f32, wg>;

// reduce sums red[0..wg) into red[0]; every invocation must call it.
fn reduce(li: u32) -> f32 {
  for (var h = wg / 2u; h > 0u; h /= 2u) {
    workgroupBarrier();
    if (li < h) {
      red[li] += red[li + h];
    }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wid.x;
  let n = wid.y;
  let cnt = params.cpg * params.s;
  let base = (n * params.c + g * params.cpg) * params.s;

  var sum = 0.0;
  for (var i = li; i < cnt; i += wg) {
    sum += f32(x[base + i]);
  }
  red[li] = sum;
  let mean = reduce(li) / f32(cnt);

  var sq = 0.0;
  for (var i = li; i < cnt; i += wg) {
    let d = f32(x[base + i]) - mean;
    sq += d * d;
  }
  red[li] = sq;
  let variance = reduce(li) / f32(cnt);
  let rstd = 1.0 / sqrt(variance + params.eps);

  for (var i = li; i < cnt; i += wg) {
    let ch = g * params.cpg + i / params.s;
    var v = (f32(x[base + i]) - mean) * rstd * f32(gamma[ch]) + f32(beta[ch]);
    if ((params.flags & 1u) != 0u) {
      v = v * (1.0 + f32(ss[n * 2u * params.c + ch])) + f32(ss[n * 2u * params.c + params.c + ch]);
    }
    if ((params.flags & 2u) != 0u) {
      v = v / (1.0 + exp(-v));
    }
    y[base + i] = st(v);
  }
}
