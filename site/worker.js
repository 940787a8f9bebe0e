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

// ?faults=… on this script's URL (site/client.js passes the page's on):
// the test build with the fault switches (make wasm-faults; issue 17),
// never part of the static site. Its value reaches the Go side as
// self.webglideFaults (wasm/cmd/worker/faults_js.go).
const params = new URL(scriptBase).searchParams;
const faults = params.get('faults');
if (faults) self.webglideFaults = faults;
// ?backend=cpu (passed on the same way): compute on the CPU in wasm even
// where WebGPU works (wasm/cmd/worker/backend_js.go).
if (params.get('backend')) self.webglideBackend = params.get('backend');
// ?import=1 (site/model.js): the importer, a worker of its own for the
// page's checkpoint import, running the build that has the converter
// (build/webglide-import.wasm; the compute worker's wasm goes without it).
// It opens no device and tokenizes nothing.
const importer = params.get('import') === '1';
if (importer) self.webglideImportOnly = true;
const wasmFile = faults ? 'webglide-faults.wasm' : importer ? 'webglide-import.wasm' : 'webglide.wasm';

// The tokenizer's vocabulary (glide/bpe's VocabFile; make wasm writes it
// beside the wasm): fetched now, while the wasm compiles, and handed to the
// Go side, which checks its SHA-256, on the first prompt
// (wasm/cmd/worker/vocab_js.go). webglideVocab(true) drops a fetched copy
// the Go side refused; a failed fetch is tried again on the next call.
let vocab = null;
self.webglideVocab = (again) => {
  if (again) vocab = null;
  if (!vocab) {
    vocab = fetch(new URL('../build/glide-bpe.vocab', scriptBase))
      .then((res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.arrayBuffer();
      })
      .then((buf) => new Uint8Array(buf));
    vocab.catch(() => { vocab = null; });
  }
  return vocab;
};
if (!importer) self.webglideVocab();

// A worker that closes itself sends no event to the page: say so first.
const close = self.close.bind(self);
self.close = () => {
  self.postMessage({ type: 'exit', code: -1, message: 'the compute worker closed itself' });
  close();
};

async function run() {
  const go = new Go();
  let code = 0;
  const exit = go.exit.bind(go);
  go.exit = (c) => { code = c; exit(c); };
  const res = await fetch(new URL(`../build/${wasmFile}`, scriptBase));
  if (!res.ok) throw new Error(`build/${wasmFile}: HTTP ${res.status}${faults ? ' (make wasm-faults builds it)' : ''}`);
  const { instance } = await WebAssembly.instantiateStreaming(res, go.importObject);
  await go.run(instance);
  // The Go program never returns by itself: it panicked (code 2) or exited.
  self.postMessage({
    type: 'exit', code,
    message: `the compute worker's Go program ended (${code === 2 ? 'a Go panic' : `exit code ${code}`}; its console has the details)`,
  });
}

run().catch((err) => {
  self.postMessage({ type: 'fatal', kind: 'unknown', message: `Cannot start WebGLIDE: ${err.message || err}` });
});
