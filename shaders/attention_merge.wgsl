// attention_merge: combines the key slices of a split attention
// (attention.wgsl with S > 1): each slice s left an unnormalised output
// o_s, its running max m_s and sum l_s; with M = max_s m_s,
//
//	y[n, h·ch+c, t] = Σ_s e^(m_s − M)·o_s[n, h·ch+c, t] / Σ_s e^(m_s − M)·l_s
//
// Go twin: nn.CPU.Attention (the softmax normalisation).

struct Params {
  t: u32,      // image positions T
  width: u32,  // W = heads·ch
  ch: u32,     // channels per head
  slices: u32, // S
  n: u32,      // outputs: B·W·T
  b: u32,      // batch size B
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>; // (S, B, W, T) f32
@group(0) @binding(2) var<storage, read> ml: array<f32>; // (S, B, heads, T, 2) f32
@group(0) @binding(3) var<storage, read_write> y: array<st>; // (B, W, T)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  let T = params.t;
  let t = i % T;
  let row = i / T; // n·W + channel
  let n = row / params.width;
  let hd = (row % params.width) / params.ch;
  let heads = params.width / params.ch;
  var mx = -3.0e38;
  for (var s = 0u; s < params.slices; s++) {
    mx = max(mx, ml[(((s * params.b + n) * heads + hd) * T + t) * 2u]);
  }
  var num = 0.0;
  var den = 0.0;
  for (var s = 0u; s < params.slices; s++) {
    let mb = (((s * params.b + n) * heads + hd) * T + t) * 2u;
    let f = exp(ml[mb] - mx);
    num += f * part[s * params.n + i];
    den += f * ml[mb + 1u];
  }
  y[i] = st(num / den);
}
