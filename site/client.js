// The one client of the compute worker (site/worker.js → wasm/cmd/worker),
// shared by the page's modules (and later the widget). It starts the
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
    const w = new Worker(this.#url);
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

// client is the page's worker client (not started: the page calls start()).
export const client = new WorkerClient(new URL('./worker.js', import.meta.url));
