// copy_block: strided block copy, the data movement behind Concat and
// Slice: `outer` runs of `inner` consecutive elements.
//
// Go twins: nn.CPU.Concat and nn.CPU.Slice (cpu_slice.go, layout.go):
//
//	for o := range outer { for i := range inner {
//	    y[dOff + o·dStride + i] = x[sOff + o·sStride + i] } }
//
// A pure copy of `st` values (bit-exact on both paths).

struct Params {
  n: u32,       // outer·inner elements to copy
  inner: u32,   // run length
  sstride: u32, // source stride between runs
  soff: u32,    // source offset
  dstride: u32, // destination stride between runs
  doff: u32,    // destination offset
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<st>; // source
@group(0) @binding(2) var<storage, read_write> y: array<st>; // destination

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let e = (wid.y * nwg.x + wid.x) * wg + li;
  if (e >= params.n) {
    return;
  }
  let o = e / params.inner;
  let i = e % params.inner;
  y[params.doff + o * params.dstride + i] = x[params.soff + o * params.sstride + i];
}
