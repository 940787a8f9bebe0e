// splitk_sum: the epilogue of a split-K convolution (conv2d.wgsl with
// S > 1): adds the S partial sums of every output in slice order, then the
// bias and the residual, and stores the result.
//
// Go twin: nn.CPU.Conv2D (its epilogue):
//
//	y[n,o,i,j] = (Σ_s part[s,n,o,i,j]) + b[o] (+ res[n,o,i,j])

struct Params {
  n: u32,     // outputs: B·Co·OH·OW
  slices: u32, // S
  co: u32,    // output channels
  ohw: u32,   // OH·OW
  flags: u32, // bit 0: add bias; bit 1: add residual
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>; // (S, B, Co, OH, OW) f32
@group(0) @binding(2) var<storage, read> bias: array<st>; // (Co,) or a dummy when flags bit 0 is clear
@group(0) @binding(3) var<storage, read> res: array<st>; // (B, Co, OH, OW) or a dummy when bit 1 is clear
@group(0) @binding(4) var<storage, read_write> y: array<st>; // (B, Co, OH, OW)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  var v = part[i];
  for (var s = 1u; s < params.slices; s++) {
    v += part[s * params.n + i];
  }
  if ((params.flags & 1u) != 0u) {
    v += f32(bias[(i / params.ohw) % params.co]);
  }
  if ((params.flags & 2u) != 0u) {
    v += f32(res[i]);
  }
  y[i] = st(v);
}
