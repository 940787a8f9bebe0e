// upsample2x: nearest-neighbour ×2, (P, H, W) → (P, 2H, 2W) planes.
//
// Go twin: nn.CPU.Upsample2x:
//
//	y[p, i, j] = x[p, i/2, j/2]
//
// A pure copy of `st` values (bit-exact on both paths).

struct Params {
  n: u32, // output elements P·2H·2W
  h: u32, // input height
  w: u32, // input width
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (P, H, W)
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (P, 2H, 2W)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let o = (wid.y * nwg.x + wid.x) * wg + li;
  if (o >= params.n) {
    return;
  }
  let ow = 2u * params.w;
  let j = o % ow;
  let i = (o / ow) % (2u * params.h);
  let p = o / (ow * 2u * params.h);
  y[o] = x[(p * params.h + i / 2u) * params.w + j / 2u];
}
