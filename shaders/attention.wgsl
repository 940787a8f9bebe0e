// attention: QKV attention (legacy head layout) with text keys/values
// prepended, flash style: keys are visited 32 at a time with an online
// softmax, so the T×(L+T) logits are never stored. Softmax and
// accumulation are f32.
//
// Go twin: nn.CPU.Attention. For sample n, head h, query t, s = ch^(−1/4):
//
//	logits[t, j] = Σ_c (q[c,t]·s)·(k̂[c,j]·s),  k̂ = [ek | k]  (L + T keys)
//	p[t, :]      = softmax(logits[t, :])
//	y[h·ch+c, t] = Σ_j p[t, j]·v̂[c, j],         v̂ = [ev | v]
//
// Layouts: qkv (B, 3·W, T) with head h's q, k, v at rows h·3ch + [0, ch,
// 2ch); enc (B, 2·W, L) with head h's k, v at rows h·2ch + [0, ch);
// y (B, W, T).
//
// A workgroup of 64 invocations handles 64 queries of one (sample, head):
// invocation i owns query t0 + i, keeps it and its output row (≤ 64
// channels) in registers as vec4s, and runs its own online softmax, so no
// invocation waits for another except to share a tile of 32 keys and
// values in workgroup memory (read by all at the same address: a
// broadcast). Where that grid is small, the keys are split in S slices:
// workgroup z = n·S + s visits slice s only and stores its unnormalised
// output row and its running max and sum in part and ml;
// attention_merge.wgsl combines the slices. With S = 1 the kernel
// normalises and writes y itself, and part and ml are dummies.
// Dispatch: (ceil(T/64), heads, B·S).

struct Params {
  t: u32,      // image positions T
  l: u32,      // text tokens L (0: no encoder keys)
  width: u32,  // W = heads·ch
  ch: u32,     // channels per head (≤ 64)
  scale2: f32, // s² = 1/√ch, applied to the dot product once
  slices: u32, // S: key slices (1: no split)
  kchunk: u32, // keys per slice, a multiple of TK
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<st>; // (B, 3W, T)
@group(0) @binding(2) var<storage, read> enc: array<st>; // (B, 2W, L) or a dummy when L = 0
@group(0) @binding(3) var<storage, read_write> y: array<st>; // (B, W, T), or a dummy when S > 1
@group(0) @binding(4) var<storage, read_write> part: array<f32>; // (S, B, W, T) f32 when S > 1
@group(0) @binding(5) var<storage, read_write> ml: array<f32>; // (S, B, heads, T, 2) running max and sum when S > 1

const TQ: u32 = 64u; // queries per workgroup
const TK: u32 = 32u; // keys per step
const C4: u32 = 16u; // vec4s of the most channels per head (64): the tiles' row stride
override CH4: u32 = 16u; // vec4s of this pipeline's channels per head, ceil(ch/4) ≤ C4
const NEG: f32 = -3.0e38; // "minus infinity"

var<workgroup> kt: array<vec4<f32>, 512>; // [TK][C4] keys of this step
var<workgroup> vt: array<vec4<f32>, 512>; // [TK][C4] values of this step

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let S = params.slices;
  let n = wid.z / S;
  let slice = wid.z % S;
  let nb = nwg.z / S;
  let hd = wid.y;
  let heads = nwg.y;
  let T = params.t;
  let L = params.l;
  let ch = params.ch;
  let t = wid.x * TQ + li;
  let qbase = (n * 3u * params.width + hd * 3u * ch) * T;
  let kbase = qbase + ch * T;
  let vbase = qbase + 2u * ch * T;
  let ebase = (n * 2u * params.width + hd * 2u * ch) * L;
  let evbase = ebase + ch * L;
  let jb = slice * params.kchunk;
  let je = min(L + T, jb + params.kchunk);

  var q: array<vec4<f32>, 16>;
  var o: array<vec4<f32>, 16>;
  for (var c4 = 0u; c4 < CH4; c4++) {
    var v = vec4<f32>(0.0);
    for (var r = 0u; r < 4u; r++) {
      let c = c4 * 4u + r;
      if (c < ch && t < T) {
        v[r] = f32(qkv[qbase + c * T + t]);
      }
    }
    q[c4] = v;
    o[c4] = vec4<f32>(0.0);
  }

  var mrun = NEG; // running max of the logits
  var lrun = 0.0; // running sum of exp(logit − mrun)
  for (var j0 = jb; j0 < je; j0 += TK) {
    // Tile load: invocation li fetches key j0 + li % 32 of channels
    // li / 32, +2, +4, ... (neighbouring invocations read neighbouring
    // keys), up to the pipeline's CH4·4 channels.
    for (var r = 0u; r < CH4 * 2u; r++) {
      let e = r * 64u + li;
      let kk = e % TK;
      let c = e / TK;
      let j = j0 + kk;
      var kv = 0.0;
      var vv = 0.0;
      if (c < ch && j < je) {
        if (j < L) {
          kv = f32(enc[ebase + c * L + j]);
          vv = f32(enc[evbase + c * L + j]);
        } else {
          kv = f32(qkv[kbase + c * T + j - L]);
          vv = f32(qkv[vbase + c * T + j - L]);
        }
      }
      kt[kk * C4 + c / 4u][c % 4u] = kv;
      vt[kk * C4 + c / 4u][c % 4u] = vv;
    }
    workgroupBarrier();

    // Loops of constant length per pipeline (the channels past ch and
    // the keys past the slice are zeros and −∞), so that q and o live in
    // registers. The online softmax advances four keys at a time: their
    // logits as one vec4 (each from a vec4 of partial sums: sixteen
    // independent multiply-add chains instead of one long dot chain),
    // then one rescale of o and the four keys' values added.
    for (var kk = 0u; kk < TK; kk += 4u) {
      var d0 = vec4<f32>(0.0);
      var d1 = vec4<f32>(0.0);
      var d2 = vec4<f32>(0.0);
      var d3 = vec4<f32>(0.0);
      for (var c4 = 0u; c4 < CH4; c4++) {
        let qv = q[c4];
        d0 += qv * kt[kk * C4 + c4];
        d1 += qv * kt[(kk + 1u) * C4 + c4];
        d2 += qv * kt[(kk + 2u) * C4 + c4];
        d3 += qv * kt[(kk + 3u) * C4 + c4];
      }
      let one = vec4<f32>(1.0);
      let d = vec4<f32>(dot(d0, one), dot(d1, one), dot(d2, one), dot(d3, one)) * params.scale2;
      let valid = vec4<u32>(j0 + kk) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(je);
      let l4 = select(vec4<f32>(NEG), d, valid);
      let mx = max(mrun, max(max(l4.x, l4.y), max(l4.z, l4.w)));
      let cf = exp(mrun - mx);
      let p = exp(l4 - vec4<f32>(mx)); // 0 for the keys past the slice
      lrun = lrun * cf + dot(p, one);
      for (var c4 = 0u; c4 < CH4; c4++) {
        o[c4] = o[c4] * cf + p.x * vt[kk * C4 + c4] + p.y * vt[(kk + 1u) * C4 + c4] +
                p.z * vt[(kk + 2u) * C4 + c4] + p.w * vt[(kk + 3u) * C4 + c4];
      }
      mrun = mx;
    }
    workgroupBarrier();
  }

  if (t >= T) {
    return;
  }
  if (S > 1u) {
    let pbase = ((slice * nb + n) * params.width + hd * ch) * T + t;
    for (var c4 = 0u; c4 < CH4; c4++) {
      for (var r = 0u; r < 4u; r++) {
        let c = c4 * 4u + r;
        if (c < ch) {
          part[pbase + c * T] = o[c4][r];
        }
      }
    }
    let mb = (((slice * nb + n) * heads + hd) * T + t) * 2u;
    ml[mb] = mrun;
    ml[mb + 1u] = lrun;
    return;
  }
  let inv = 1.0 / lrun;
  let ybase = (n * params.width + hd * ch) * T + t;
  for (var c4 = 0u; c4 < CH4; c4++) {
    for (var r = 0u; r < 4u; r++) {
      let c = c4 * 4u + r;
      if (c < ch) {
        y[ybase + c * T] = st(o[c4][r] * inv);
      }
    }
  }
}
