// guidance: classifier-free guidance on the model output; the scale comes
// from Go.
//
// Go twin: nn.CPU.Guidance. out (2B, C, H, W) holds conditional rows
// first; y (B, C, H, W):
//
//	y[n,k] = k < C/2 ? u + scale·(c − u) : c,   c = out[n,k], u = out[B+n,k]

struct Params {
  n: u32,     // output elements B·C·H·W (also the offset of the unconditional half)
  chw: u32,   // C·H·W, one sample
  epshw: u32, // (C/2)·H·W: the eps channels of one sample
  scale: f32, // guidance scale
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> out: array<st>; // (2B, C, H, W)
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (B, C, H, W)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  if (i % params.chw < params.epshw) {
    let c = f32(out[i]);
    let u = f32(out[params.n + i]);
    y[i] = st(u + params.scale * (c - u));
  } else {
    y[i] = out[i];
  }
}
