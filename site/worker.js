// WebGLIDE compute worker (a classic dedicated worker): loads Go's
// wasm_exec.js and build/webglide.wasm (wasm/cmd/worker) and runs it. The
// Go program talks to the page with postMessage (protocol: see
// wasm/cmd/worker/main_js.go); it posts {type: 'ready'} once it listens.
// site/store.js, loaded first, is the shard store the Go side uses.

importScripts('store.js', '../build/wasm_exec.js');

async function run() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(
    fetch(new URL('../build/webglide.wasm', self.location)), go.importObject);
  await go.run(instance);
}

run().catch((err) => {
  self.postMessage({ type: 'fatal', kind: 'unknown', message: `Cannot start WebGLIDE: ${err.message || err}` });
});
