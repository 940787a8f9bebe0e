// WebGLIDE compute worker (a classic dedicated worker): loads Go's
// wasm_exec.js and build/webglide.wasm (wasm/cmd/worker) and runs it. The
// Go program talks to the page with postMessage (protocol: see
// wasm/cmd/worker/main_js.go); it posts {type: 'ready'} once it listens.
// site/store.js, loaded first, is the shard store the Go side uses.

// Where this script lives: its own location, or, when site/client.js
// started it from a blob: (the widget on another origin), the absolute URL
// the blob passed in self.webglideBase.
const scriptBase = self.webglideBase || self.location.href;

importScripts(new URL('store.js', scriptBase).href, new URL('../build/wasm_exec.js', scriptBase).href);
try {
  // The WebGPU command encoder as a script (wasm/webgpu/encode.js, copied
  // by make wasm): defines self.webglideEncode, so that the Go side
  // evaluates no string, which a CSP without 'unsafe-eval' (the widget's
  // embedding pages) forbids. Without it (an older build, or offline
  // before the service worker has it) the Go side evaluates its own copy.
  importScripts(new URL('../build/webgpu-encode.js', scriptBase).href);
} catch { /* see above */ }

async function run() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(
    fetch(new URL('../build/webglide.wasm', scriptBase)), go.importObject);
  await go.run(instance);
}

run().catch((err) => {
  self.postMessage({ type: 'fatal', kind: 'unknown', message: `Cannot start WebGLIDE: ${err.message || err}` });
});
