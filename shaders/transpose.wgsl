// transpose: swap the last two axes, (P, M, N) → (P, N, M).
//
// Go twin: nn.CPU.Transpose:
//
//	y[p, j, i] = x[p, i, j]
//
// A pure copy of `st` values (bit-exact on both paths); one invocation
// per output element, reads strided.

struct Params {
  n: u32, // elements P·M·N
  m: u32, // M (rows of x)
  k: u32, // N (columns of x)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (P, M, N)
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (P, N, M)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let o = (wid.y * nwg.x + wid.x) * wg + li;
  if (o >= params.n) {
    return;
  }
  let i = o % params.m;
  let j = (o / params.m) % params.k;
  let p = o / (params.m * params.k);
  y[o] = x[(p * params.m + i) * params.k + j];
}
