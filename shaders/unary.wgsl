// unary: elementwise activation, chosen by the override `op`.
//
// Go twins: nn.CPU.GELU (op 0) and nn.CPU.SiLU (op 1):
//
//	op 0 (GELU, exact erf form): y = x/2·(1 + erf(x/√2))
//	op 1 (SiLU):                 y = x·sigmoid(x) = x/(1 + e^−x)
//
// WGSL has no erf; erfAS below is Abramowitz & Stegun 7.1.26 (|error| ≤
// 1.5e−7 absolute), evaluated in f32. Storage is `st` (see
// shaders.Prelude); arithmetic is f32.

struct Params {
  n: u32, // number of elements
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (n,) input
@group(0) @binding(2) var<storage, read_write> y: array<st>; // (n,) output

// Workgroup size (1-D).
override wg: u32 = 256;
// Which activation: 0 = GELU, 1 = SiLU.
override op: u32 = 0;

fn erfAS(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(r, -r, z < 0.0);
}

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  let v = f32(x[i]);
  var r: f32;
  if (op == 0u) {
    r = 0.5 * v * (1.0 + erfAS(v * 0.70710678118654752));
  } else {
    r = v / (1.0 + exp(-v));
  }
  y[i] = st(r);
}
