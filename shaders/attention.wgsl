// attention: QKV attention (legacy head layout) with text keys/values
// prepended, flash style: keys are visited 16 at a time with an online
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
// y (B, W, T). A workgroup of 64 invocations handles 16 queries of one
// (sample, head); invocation c owns output channel c (ch ≤ 64) and keeps
// its 16 query accumulators in four named vec4s. Invocations 0..15 keep
// the running max and sum of their query's softmax.
// Dispatch: (ceil(T/16), heads, B).

struct Params {
  t: u32,      // image positions T
  l: u32,      // text tokens L (0: no encoder keys)
  width: u32,  // W = heads·ch
  ch: u32,     // channels per head (≤ 64)
  scale2: f32, // s² = 1/√ch, applied to the dot product once
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<st>; // (B, 3W, T)
@group(0) @binding(2) var<storage, read> enc: array<st>; // (B, 2W, L) or a dummy when L = 0
@group(0) @binding(3) var<storage, read_write> y: array<st>; // (B, W, T)

const TQ: u32 = 16u; // queries per workgroup
const TK: u32 = 16u; // keys per step
const CH: u32 = 64u; // most channels per head
const NEG: f32 = -3.0e38; // "minus infinity" for masked keys

var<workgroup> qs: array<f32, 1024>; // [CH][TQ] queries
var<workgroup> kt: array<f32, 1024>; // [CH][TK] keys of this step
var<workgroup> vt: array<f32, 1024>; // [CH][TK] values of this step
var<workgroup> ps: array<f32, 256>; // [TQ][TK] logits, then probabilities
var<workgroup> corr: array<f32, 16>; // per query: factor rescaling the accumulators

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = wid.z;
  let hd = wid.y;
  let t0 = wid.x * TQ;
  let T = params.t;
  let L = params.l;
  let ch = params.ch;
  let qbase = (n * 3u * params.width + hd * 3u * ch) * T;
  let kbase = qbase + ch * T;
  let vbase = qbase + 2u * ch * T;
  let ebase = (n * 2u * params.width + hd * 2u * ch) * L;
  let evbase = ebase + ch * L;
  let nkeys = L + T;

  for (var r = 0u; r < 16u; r++) {
    let e = r * 64u + li;
    let c = e / TQ;
    let q = e % TQ;
    var v = 0.0;
    if (c < ch && t0 + q < T) {
      v = f32(qkv[qbase + c * T + t0 + q]);
    }
    qs[c * TQ + q] = v;
  }

  var mrun = NEG; // running max (invocations < TQ)
  var lrun = 0.0; // running sum (invocations < TQ)
  var acc0 = vec4<f32>(0.0); // queries 0..3 of channel li
  var acc1 = vec4<f32>(0.0); // queries 4..7
  var acc2 = vec4<f32>(0.0); // queries 8..11
  var acc3 = vec4<f32>(0.0); // queries 12..15

  for (var j0 = 0u; j0 < nkeys; j0 += TK) {
    for (var r = 0u; r < 16u; r++) {
      let e = r * 64u + li;
      let c = e / TK;
      let kk = e % TK;
      let j = j0 + kk;
      var kv = 0.0;
      var vv = 0.0;
      if (c < ch && j < nkeys) {
        if (j < L) {
          kv = f32(enc[ebase + c * L + j]);
          vv = f32(enc[evbase + c * L + j]);
        } else {
          kv = f32(qkv[kbase + c * T + j - L]);
          vv = f32(qkv[vbase + c * T + j - L]);
        }
      }
      kt[c * TK + kk] = kv;
      vt[c * TK + kk] = vv;
    }
    workgroupBarrier();

    for (var r = 0u; r < 4u; r++) {
      let e = r * 64u + li;
      let q = e / TK;
      let kk = e % TK;
      var d = 0.0;
      for (var c = 0u; c < ch; c++) {
        d += qs[c * TQ + q] * kt[c * TK + kk];
      }
      ps[q * TK + kk] = select(NEG, d * params.scale2, j0 + kk < nkeys);
    }
    workgroupBarrier();

    if (li < TQ) {
      var mx = mrun;
      for (var kk = 0u; kk < TK; kk++) {
        mx = max(mx, ps[li * TK + kk]);
      }
      var sum = 0.0;
      for (var kk = 0u; kk < TK; kk++) {
        let p = select(0.0, exp(ps[li * TK + kk] - mx), j0 + kk < nkeys);
        ps[li * TK + kk] = p;
        sum += p;
      }
      let cf = exp(mrun - mx);
      lrun = lrun * cf + sum;
      mrun = mx;
      corr[li] = cf;
    }
    workgroupBarrier();

    if (li < ch) {
      acc0 *= vec4<f32>(corr[0], corr[1], corr[2], corr[3]);
      acc1 *= vec4<f32>(corr[4], corr[5], corr[6], corr[7]);
      acc2 *= vec4<f32>(corr[8], corr[9], corr[10], corr[11]);
      acc3 *= vec4<f32>(corr[12], corr[13], corr[14], corr[15]);
      for (var kk = 0u; kk < TK; kk++) {
        let v = vt[li * TK + kk];
        acc0 += v * vec4<f32>(ps[kk], ps[TK + kk], ps[2u * TK + kk], ps[3u * TK + kk]);
        acc1 += v * vec4<f32>(ps[4u * TK + kk], ps[5u * TK + kk], ps[6u * TK + kk], ps[7u * TK + kk]);
        acc2 += v * vec4<f32>(ps[8u * TK + kk], ps[9u * TK + kk], ps[10u * TK + kk], ps[11u * TK + kk]);
        acc3 += v * vec4<f32>(ps[12u * TK + kk], ps[13u * TK + kk], ps[14u * TK + kk], ps[15u * TK + kk]);
      }
    }
    workgroupBarrier();
  }

  if (li < TQ) {
    corr[li] = 1.0 / lrun;
  }
  workgroupBarrier();
  if (li < ch) {
    let ybase = (n * params.width + hd * ch + li) * T + t0;
    for (var q = 0u; q < TQ; q++) {
      if (t0 + q < T) {
        var v: f32;
        switch q / 4u {
          case 0u: { v = acc0[q % 4u]; }
          case 1u: { v = acc1[q % 4u]; }
          case 2u: { v = acc2[q % 4u]; }
          default: { v = acc3[q % 4u]; }
        }
        y[ybase + q] = st(v * corr[q]);
      }
    }
  }
}
