// saxpy: y[i] = a * x[i] + b, elementwise over n f32 values.
//
// Go twin: saxpyRef in wasm/gpu/gpu_js_test.go (the harness's smoke kernel):
//
//	for i := range x { y[i] = a*x[i] + b }
//
// One invocation per element; the host dispatches ceil(n / wg) workgroups
// and invocations past n do nothing, so y's trailing guard elements stay
// untouched.

// Scalars of the op.
struct Params {
  a: f32, // scale
  b: f32, // offset
  n: u32, // number of elements to write (x and y may be longer)
}

@group(0) @binding(0) var<uniform> params: Params; // (a, b, n)
@group(0) @binding(1) var<storage, read> x: array<f32>; // (n,) f32 input
@group(0) @binding(2) var<storage, read_write> y: array<f32>; // (n,) f32 output

// Workgroup size; set with `constants` at pipeline creation.
override wg: u32 = 64;

@compute @workgroup_size(wg)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) {
    return;
  }
  y[i] = params.a * x[i] + params.b;
}
