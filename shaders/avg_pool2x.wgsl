// avg_pool2x: 2×2 average pool, stride 2, (P, H, W) → (P, H/2, W/2).
//
// Go twin: nn.CPU.AvgPool2x:
//
//	y[p, i, j] = (x[p,2i,2j] + x[p,2i,2j+1] + x[p,2i+1,2j] + x[p,2i+1,2j+1]) / 4

struct Params {
  n: u32, // output elements P·(H/2)·(W/2)
  h: u32, // input height
  w: u32, // input width
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (P, H, W)
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (P, H/2, W/2)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let o = (wid.y * nwg.x + wid.x) * wg + li;
  if (o >= params.n) {
    return;
  }
  let oh = params.h / 2u;
  let ow = params.w / 2u;
  let j = o % ow;
  let i = (o / ow) % oh;
  let p = o / (ow * oh);
  let b = (p * params.h + 2u * i) * params.w + 2u * j;
  let s = (f32(x[b]) + f32(x[b + 1u])) + (f32(x[b + params.w]) + f32(x[b + params.w + 1u]));
  y[o] = st(s * 0.25);
}
