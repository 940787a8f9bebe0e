// sampler_step: one reverse-diffusion step, elementwise; every coefficient
// is computed in float64 by glide/diffusion and arrives here as f32.
//
// Go twin: nn.CPU.SamplerStep (the math is nn.StepCoefs' documentation):
//
//	x0 = SqrtRecipAlphaBar·x − SqrtRecipM1AlphaBar·eps
//	x0 = x0·(1 − m) + img·m          (known region, if any)
//	x0 = clamp(x0, −1, 1)            (if Clip)
//	DDIM:      e' = (SqrtRecipAlphaBar·x − x0)/SqrtRecipM1AlphaBar
//	           next = x0·SqrtAlphaBarPrev + DirCoef·e' + Sigma·z
//	ancestral: frac = (v + 1)/2; logVar = frac·MaxLog + (1 − frac)·MinLog
//	           next = PostCoef1·x0 + PostCoef2·x + NoiseScale·exp(logVar/2)·z

struct Params {
  n: u32,       // elements B·3·H·W of x
  chw: u32,     // 3·H·W: one sample of x
  hw: u32,      // H·W
  flags: u32,   // bit 0: DDIM; bit 1: Clip; bit 2: noise present; bit 3: known present
  sra: f32,     // SqrtRecipAlphaBar
  srm1: f32,    // SqrtRecipM1AlphaBar
  pc1: f32,     // PostCoef1
  pc2: f32,     // PostCoef2
  minlog: f32,  // MinLog
  maxlog: f32,  // MaxLog
  nscale: f32,  // NoiseScale
  sabp: f32,    // SqrtAlphaBarPrev
  dir: f32,     // DirCoef
  sigma: f32,   // Sigma
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, 3, H, W) x_t
@group(0) @binding(2) var<storage, read> out: array<st>; // (B, 6, H, W) eps | v
@group(0) @binding(3) var<storage, read> noise: array<st>; // (B, 3, H, W) or a dummy
@group(0) @binding(4) var<storage, read> img: array<st>; // (B, 3, H, W) known image or a dummy
@group(0) @binding(5) var<storage, read> mask: array<st>; // (B, 1, H, W) known mask or a dummy
@group(0) @binding(6) var<storage, read_write> next: array<st>; // (B, 3, H, W) x_{t−1}
@group(0) @binding(7) var<storage, read_write> x0out: array<st>; // (B, 3, H, W) x0 prediction

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  let b = i / params.chw;
  let r = i % params.chw; // q·HW + p
  let p = r % params.hw;
  let oi = b * 2u * params.chw + r; // eps at oi, v at oi + chw
  let xt = f32(x[i]);
  let eps = f32(out[oi]);
  var pred = params.sra * xt - params.srm1 * eps;
  if ((params.flags & 8u) != 0u) {
    let m = f32(mask[b * params.hw + p]);
    pred = pred * (1.0 - m) + f32(img[i]) * m;
  }
  if ((params.flags & 2u) != 0u) {
    pred = clamp(pred, -1.0, 1.0);
  }
  x0out[i] = st(pred);
  var z = 0.0;
  if ((params.flags & 4u) != 0u) {
    z = f32(noise[i]);
  }
  if ((params.flags & 1u) != 0u) {
    let e = (params.sra * xt - pred) / params.srm1;
    next[i] = st(pred * params.sabp + params.dir * e + params.sigma * z);
  } else {
    let v = f32(out[oi + params.chw]);
    let frac = (v + 1.0) / 2.0;
    let logvar = frac * params.maxlog + (1.0 - frac) * params.minlog;
    let mean = params.pc1 * pred + params.pc2 * xt;
    next[i] = st(mean + params.nscale * exp(0.5 * logvar) * z);
  }
}
