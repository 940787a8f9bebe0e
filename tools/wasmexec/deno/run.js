// Runs a Go js/wasm program under Deno: deno run -A run.js WASM_EXEC_JS WASM ARGS...
//
// Like Go's own wasm_exec_node.js, it hands the program Node's fs,
// process and path (Deno's node: modules), so stdout/stderr, files
// (testdata) and the working directory behave as natively. WebGPU is
// Deno's built-in navigator.gpu.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [wasmExecJS, wasmPath, ...args] = Deno.args;
globalThis.fs = fs;
globalThis.path = path;
globalThis.process = process;
await import(pathToFileURL(wasmExecJS).href);

const go = new Go();
go.argv = [wasmPath, ...args];
go.env = { TMPDIR: Deno.env.get('TMPDIR') ?? '/tmp', ...Deno.env.toObject() };
let exitCode = 0;
go.exit = (code) => { exitCode = code; };

// When the event loop runs dry before the program exits, every goroutine
// is blocked: resume Go once so that it reports the deadlock with stacks.
globalThis.addEventListener('beforeunload', (e) => {
  if (!go.exited) {
    go._pendingEvent = { id: 0 };
    go._resume();
    e.preventDefault();
  }
});

const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject);
go.run(instance).then(() => Deno.exit(exitCode), (err) => {
  console.error('go_js_wasm_exec (deno): running the wasm failed:', err);
  Deno.exit(1);
});
