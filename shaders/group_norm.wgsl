// group_norm: GroupNorm with the optional scale-shift and SiLU fused in,
// in two dispatches so that a big group is spread over many workgroups.
// A group's C/groups·S values are contiguous; they are cut into `splits`
// chunks of `chunk` values, one workgroup per (chunk, group, sample):
//
//   stats: the chunk's sum, then the sum of squared deviations from the
//          chunk's own mean (a second read of the same chunk, so no
//          cancellation), written to part[(n·groups + g)·splits + chunk].
//   main:  every workgroup merges its group's chunk statistics (Chan et
//          al.: M2 = Σ M2_i + n_i·(mean_i − mean)²), then normalises its
//          chunk with the affine, scale-shift and SiLU.
//
// Statistics are f32 whatever the storage type.
//
// Go twin: nn.CPU.GroupNorm:
//
//	μ, σ² = mean and biased variance of x[n, g·cpg : (g+1)·cpg, :]
//	y = (x − μ)/√(σ² + eps)·gamma[c] + beta[c]
//	if scale-shift: y = y·(1 + ss[n, c]) + ss[n, C + c]
//	if SiLU:        y = y/(1 + e^−y)
//
// Dispatch, both entry points: (splits, groups, B).

struct Params {
  c: u32,      // channels C
  s: u32,      // positions per channel (H·W)
  cpg: u32,    // channels per group
  eps: f32,    // variance epsilon
  flags: u32,  // bit 0: scale-shift; bit 1: SiLU
  splits: u32, // chunks per group
  chunk: u32,  // values per chunk (the last one may be shorter)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // (B, C, S)
@group(0) @binding(2) var<storage, read> gamma: array<st>; // (C,)
@group(0) @binding(3) var<storage, read> beta: array<st>; // (C,)
@group(0) @binding(4) var<storage, read> ss: array<st>; // (B, 2C) [scale | shift] or a dummy
@group(0) @binding(5) var<storage, read_write> part: array<vec2<f32>>; // (B, groups, splits): (sum, M2) per chunk
@group(0) @binding(6) var<storage, read_write> y: array<st>; // (B, C, S)

// Workgroup size; a power of two (tree reduction).
override wg: u32 = 256;

var<workgroup> red: array<vec2<f32>, wg>;

// reduce sums red[0..wg) into red[0]; every invocation must call it.
fn reduce(li: u32) -> vec2<f32> {
  for (var h = wg / 2u; h > 0u; h /= 2u) {
    workgroupBarrier();
    if (li < h) {
      red[li] += red[li + h];
    }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier();
  return r;
}

// chunkRange returns the chunk's first value (relative to the group) and
// its length.
fn chunkRange(k: u32) -> vec2<u32> {
  let cnt = params.cpg * params.s;
  let lo = min(k * params.chunk, cnt);
  return vec2<u32>(lo, min(lo + params.chunk, cnt) - lo);
}

@compute @workgroup_size(wg)
fn stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) li: u32) {
  let g = wid.y;
  let n = wid.z;
  let r = chunkRange(wid.x);
  let base = (n * params.c + g * params.cpg) * params.s + r.x;

  var sum = 0.0;
  for (var i = li; i < r.y; i += wg) {
    sum += f32(x[base + i]);
  }
  red[li] = vec2<f32>(sum, 0.0);
  let total = reduce(li).x;
  let mean = total / f32(max(r.y, 1u));

  var sq = 0.0;
  for (var i = li; i < r.y; i += wg) {
    let d = f32(x[base + i]) - mean;
    sq += d * d;
  }
  red[li] = vec2<f32>(sq, 0.0);
  let m2 = reduce(li).x;
  if (li == 0u) {
    part[(n * nwg.y + g) * params.splits + wid.x] = vec2<f32>(total, m2);
  }
}

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let g = wid.y;
  let n = wid.z;
  let cnt = params.cpg * params.s;
  let pbase = (n * nwg.y + g) * params.splits;

  // The group's mean: Σ sums / count.
  var sum = 0.0;
  for (var k = li; k < params.splits; k += wg) {
    sum += part[pbase + k].x;
  }
  red[li] = vec2<f32>(sum, 0.0);
  let mean = reduce(li).x / f32(cnt);
  // M2 = Σ M2_k + n_k·(mean_k − mean)².
  var m2 = 0.0;
  for (var k = li; k < params.splits; k += wg) {
    let p = part[pbase + k];
    let nk = f32(chunkRange(k).y);
    if (nk > 0.0) {
      let dm = p.x / nk - mean;
      m2 += p.y + nk * dm * dm;
    }
  }
  red[li] = vec2<f32>(m2, 0.0);
  let variance = reduce(li).x / f32(cnt);
  let rstd = 1.0 / sqrt(variance + params.eps);

  let r = chunkRange(wid.x);
  let gbase = (n * params.c + g * params.cpg) * params.s;
  let ssb = n * 2u * params.c;
  // Walk the chunk channel by channel: per-channel factors once, no
  // division per value.
  var i = r.x + li;
  let end = r.x + r.y;
  var ch = i / params.s;
  var next = (ch + 1u) * params.s;
  while (i < end) {
    let cc = g * params.cpg + ch;
    // y = (x − μ)·a + b with the affine and the scale-shift folded in.
    var a = rstd * f32(gamma[cc]);
    var b = f32(beta[cc]);
    if ((params.flags & 1u) != 0u) {
      let sc = 1.0 + f32(ss[ssb + cc]);
      a *= sc;
      b = b * sc + f32(ss[ssb + params.c + cc]);
    }
    let stop = min(next, end);
    for (; i < stop; i += wg) {
      var v = (f32(x[gbase + i]) - mean) * a + b;
      if ((params.flags & 2u) != 0u) {
        v = v / (1.0 + exp(-v));
      }
      y[gbase + i] = st(v);
    }
    ch += 1u;
    next += params.s;
  }
}
