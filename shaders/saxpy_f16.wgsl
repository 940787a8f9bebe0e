// saxpy_f16: y[i] = a * x[i] + b with x stored and the arithmetic done in
// f16 (the shader-f16 path), widened to f32 on store.
//
// Go twin: saxpyRef in wasm/gpu/gpu_js_test.go, on inputs that f16 holds
// exactly:
//
//	for i := range x { y[i] = a*x[i] + b }

enable f16;

// Scalars of the op, kept f32 in the uniform and narrowed in the kernel.
struct Params {
  a: f32, // scale
  b: f32, // offset
  n: u32, // number of elements to write
}

@group(0) @binding(0) var<uniform> params: Params; // (a, b, n)
@group(0) @binding(1) var<storage, read> x: array<f16>; // (n,) f16 input
@group(0) @binding(2) var<storage, read_write> y: array<f32>; // (n,) f32 output

// Workgroup size; set with `constants` at pipeline creation.
override wg: u32 = 64;

@compute @workgroup_size(wg)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) {
    return;
  }
  y[i] = f32(f16(params.a) * x[i] + f16(params.b));
}
