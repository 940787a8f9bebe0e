// add: elementwise sum of two tensors of the same shape.
//
// Go twin: nn.CPU.Add:
//
//	for i := range y { y[i] = a[i] + b[i] }

struct Params {
  n: u32, // number of elements
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<st>; // (n,)
@group(0) @binding(2) var<storage, read> b: array<st>; // (n,)
@group(0) @binding(3) var<storage, read_write> y: array<st>; // (n,) a + b

// Workgroup size (1-D).
override wg: u32 = 256;

@compute @workgroup_size(wg)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.y * nwg.x + wid.x) * wg + li;
  if (i >= params.n) {
    return;
  }
  y[i] = st(f32(a[i]) + f32(b[i]));
}
