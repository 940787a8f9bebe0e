// token_embedding: gather token rows, add positions, or take the padding
// row where the mask is off.
//
// Go twin: nn.CPU.TokenEmbedding:
//
//	y[b,l] = mask[b,l] ? table[tokens[b,l]] + pos[l] : pad[l]
//
// The host folds the mask into ids: id = −1 marks a padded position (only
// when a pad table is given).

struct Params {
  n: u32, // elements B·L·D
  l: u32, // context length L
  d: u32, // width D
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>; // (B·L,) token id or −1
@group(0) @binding(2) var<storage, read> table: array<st>; // (V, D)
@group(0) @binding(3) var<storage, read> pos: array<st>; // (L, D)
@group(0) @binding(4) var<storage, read> pad: array<st>; // (L, D) or a dummy when no id is −1
@group(0) @binding(5) var<storage, read_write> y: array<st>; // (B, L, D)

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let o = (wid.y * nwg.x + wid.x) * wg + li;
  if (o >= params.n) {
    return;
  }
  let k = o % params.d;
  let r = o / params.d;
  let l = r % params.l;
  let id = ids[r];
  if (id < 0) {
    y[o] = pad[l * params.d + k];
  } else {
    y[o] = st(f32(table[u32(id) * params.d + k]) + f32(pos[l * params.d + k]));
  }
}
