// layer_norm: LayerNorm over the last axis, one workgroup per row, two-pass
// statistics in f32.
//
// Go twin: nn.CPU.LayerNorm:
//
//	μ, σ² = mean and biased variance of x[r, :]
//	y[r, i] = (x[r, i] − μ)/√(σ² + eps)·gamma[i] + beta[i]
//
// Dispatch: rows workgroups, laid out as (x, y) when rows > 65535.

struct Params {
  d: u32,    // row length
  rows: u32, // number of rows
  eps: f32,  // variance epsilon
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (rows, d)
@group(0) @binding(2) var<storage, read> gamma: array<st>; // (d,)
@group(0) @binding(3) var<storage, read> beta: array<st>; // (d,)
@group(0) @binding(4) var<storage, read_write> y: array<st>; // (rows, d)

// Workgroup size; a power of two (tree reduction).
override wg: u32 = 256;

var<workgroup> red: array<f32, wg>;

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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row = wid.y * nwg.x + wid.x;
  // row is uniform across the workgroup, so this early exit keeps the
  // barriers in uniform control flow.
  if (row >= params.rows) {
    return;
  }
  let base = row * params.d;
  var sum = 0.0;
  for (var i = li; i < params.d; i += wg) {
    sum += f32(x[base + i]);
  }
  red[li] = sum;
  let mean = reduce(li) / f32(params.d);
  var sq = 0.0;
  for (var i = li; i < params.d; i += wg) {
    let dv = f32(x[base + i]) - mean;
    sq += dv * dv;
  }
  red[li] = sq;
  let rstd = 1.0 / sqrt(reduce(li) / f32(params.d) + params.eps);
  for (var i = li; i < params.d; i += wg) {
    y[base + i] = st((f32(x[base + i]) - mean) * rstd * f32(gamma[i]) + f32(beta[i]));
  }
}
