// The one client of the compute worker (site/worker.js → wasm/cmd/worker),
// shared by the page's modules and the widget (site/widget.js). It starts the
// worker, hands out request ids, and fans the worker's messages out to
// subscribers by message type. The message protocol itself is documented
// in one place: wasm/cmd/worker/main_js.go.
//
//   import { client } from './client.js';
//   client.on('progress', (msg) => …);   // every message of that type
//   const id = client.request({ type: 'generate', … });
//   client.post({ type: 'cancel', id });
//
// client.decorate(fn) lets a module amend every request before it is sent
// (site/model.js adds the weights URL and noStore); fn(msg) returns the
// message to send.
//
// client.on('*', fn) sees every message; the pseudo-types 'crash' (the
// worker failed to load or died) and 'started' (a worker is running) come
// from this module, not from the worker.

export class WorkerClient {
  #url;
  #worker = null;
  #subs = new Map(); // type → Set of handlers
  #nextId = 1;
  #decorators = [];

  constructor(url) {
    this.#url = url;
  }

  // start creates the worker (again, after a crash). It throws when the
  // browser refuses to create it.
  start() {
    this.#worker?.terminate();
    const w = createWorker(this.#url);
    w.addEventListener('message', ({ data }) => {
      if (w !== this.#worker || !data || typeof data.type !== 'string') return;
      this.#emit(data.type, data);
    });
    w.addEventListener('error', (e) => {
      if (w !== this.#worker) return;
      e.preventDefault?.();
      this.#emit('crash', { type: 'crash', message: e.message || 'the compute worker could not load' });
    });
    this.#worker = w;
    this.#emit('started', { type: 'started' });
    return this;
  }

  get running() { return this.#worker !== null; }

  // stop terminates the worker (start() makes a new one).
  stop() {
    this.#worker?.terminate();
    this.#worker = null;
  }

  // on subscribes fn to messages of type; it returns the unsubscribe function.
  on(type, fn) {
    if (!this.#subs.has(type)) this.#subs.set(type, new Set());
    this.#subs.get(type).add(fn);
    return () => this.#subs.get(type)?.delete(fn);
  }

  // post sends a message as it is.
  post(msg, transfer = []) {
    this.#worker?.postMessage(msg, transfer);
  }

  // decorate adds fn to the functions every request passes through.
  decorate(fn) {
    this.#decorators.push(fn);
  }

  // request sends msg with a fresh id and returns the id.
  request(msg, transfer = []) {
    const id = this.#nextId++;
    for (const fn of this.#decorators) msg = fn(msg);
    this.post({ ...msg, id }, transfer);
    return id;
  }

  #emit(type, data) {
    for (const fn of [...(this.#subs.get(type) ?? []), ...(this.#subs.get('*') ?? [])]) {
      try {
        fn(data);
      } catch (err) {
        console.error(`WebGLIDE: a handler of worker message ${type} failed`, err);
      }
    }
  }
}

// createWorker starts the classic worker script at url. From another
// origin (the <glide-image> widget embedded on some site) new Worker(url)
// throws SecurityError, so the worker is a blob: that importScripts() the
// script by its absolute URL and tells it, in self.webglideBase, where it
// came from (site/worker.js resolves store.js, wasm_exec.js and the wasm
// against it; inside a blob relative URLs would resolve against blob:).
// The blob worker runs as the embedding page's origin: its storage (the
// weight store) is that site's, and it inherits the page's CSP, which must
// allow worker-src blob: and script-src/connect-src for url's origin.
function createWorker(url) {
  const abs = new URL(url, location.href);
  if (abs.origin === location.origin) return new Worker(abs);
  const src = `self.webglideBase = ${JSON.stringify(abs.href)};\nimportScripts(self.webglideBase);\n`;
  const blob = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  const w = new Worker(blob);
  // The worker has surely read its script once it speaks (or fails).
  const revoke = () => URL.revokeObjectURL(blob);
  w.addEventListener('message', revoke, { once: true });
  w.addEventListener('error', revoke, { once: true });
  return w;
}

// client is the page's worker client (not started: the page calls start()).
// The page's ?faults=… (the e2e reliability tests, issue 17) goes on to
// the worker, which then runs the test build with fault switches; its
// ?backend=cpu goes on too (compute on the CPU in wasm, site/worker.js).
// The widget (site/widget-jobs.js) starts its worker the same way. extra
// adds parameters of its own (site/model.js: {import: '1'}, the importer).
export function workerURL(extra = {}) {
  const url = new URL('./worker.js', import.meta.url);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  const pageParams = new URLSearchParams(globalThis.location?.search ?? '');
  for (const key of ['faults', 'backend']) {
    if (pageParams.get(key)) url.searchParams.set(key, pageParams.get(key));
  }
  return url;
}
export const client = new WorkerClient(workerURL());
