// bilinear_resize: PyTorch bilinear resize, align_corners=False, no
// antialiasing, (P, H, W) → (P, OH, OW).
//
// Go twin: nn.CPU.BilinearResize. Per axis, for output index d:
//
//	src = max((d + 0.5)·in/out − 0.5, 0);  i0 = min(⌊src⌋, in − 1);  i1 = min(i0 + 1, in − 1);  λ = src − i0
//	y = (1−λy)·((1−λx)·x[y0,x0] + λx·x[y0,x1]) + λy·((1−λx)·x[y1,x0] + λx·x[y1,x1])

struct Params {
  n: u32,  // output elements P·OH·OW
  h: u32,  // input height
  w: u32,  // input width
  oh: u32, // output height
  ow: u32, // output width
  sy: f32, // in/out along y, as f32
  sx: f32, // in/out along x, as f32
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (P, H, W)
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (P, OH, OW)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let o = (wid.y * nwg.x + wid.x) * wg + li;
  if (o >= params.n) {
    return;
  }
  let j = o % params.ow;
  let i = (o / params.ow) % params.oh;
  let p = o / (params.ow * params.oh);
  let srcy = max((f32(i) + 0.5) * params.sy - 0.5, 0.0);
  let srcx = max((f32(j) + 0.5) * params.sx - 0.5, 0.0);
  let y0 = min(u32(floor(srcy)), params.h - 1u);
  let x0 = min(u32(floor(srcx)), params.w - 1u);
  let y1 = min(y0 + 1u, params.h - 1u);
  let x1 = min(x0 + 1u, params.w - 1u);
  let ly = srcy - f32(y0);
  let lx = srcx - f32(x0);
  let b = p * params.h * params.w;
  let top = (1.0 - lx) * f32(x[b + y0 * params.w + x0]) + lx * f32(x[b + y0 * params.w + x1]);
  let bot = (1.0 - lx) * f32(x[b + y1 * params.w + x0]) + lx * f32(x[b + y1 * params.w + x1]);
  y[o] = st((1.0 - ly) * top + ly * bot);
}
