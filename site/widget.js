// <glide-image>: WebGLIDE as one element on any site.
//
//   <script type="module" src="https://HOST/PATH/site/widget.js"></script>
//   <glide-image prompt="an oil painting of a corgi" seed="7"></glide-image>
//
// Attributes, reflected as properties (kebab-case ↔ camelCase): prompt,
// seed (empty: a random one), guidance (3), steps (100), upsample-steps
// (fast27), batch (1), weights (the bundles' folder; default: weights/
// beside site/, i.e. new URL('../weights/', widget.js)), autostart
// (boolean: generate once connected; without it the element shows a small
// form with a Generate button), size (display size in CSS pixels, 256).
// Methods: generate() → Promise of glide-done's detail (rejects with an
// Error carrying .kind), cancel(). Events (bubbling, composed):
//   glide-progress  {stage: 'download'|'base'|'upsample', step, total,
//                    bytes?, bytesTotal?, bundle?, fromStore?}
//   glide-done      {blob (the PNG with its text chunks), width, height,
//                    seed, prompt, images: [{blob, width, height}]}
//   glide-error     {kind ('canceled', 'bad-input', 'storage', …), message}
//
// Why a blob-URL worker and not an iframe on the widget's origin: the
// page on origin A cannot start a worker from origin B, so site/client.js
// starts a classic blob: worker that importScripts() worker.js from B.
// That keeps the one worker client (site/client.js) and the one protocol
// unchanged, needs no second HTML document nor a postMessage relay between
// frames, and lets the elements talk to their worker directly (previews
// are transferred, not copied twice). The storage is partitioned by the
// embedding site either way (docs: browser-app.md §3): the blob worker
// keeps the weights in the embedding site's own origin storage. The cost:
// the host's CSP must allow worker-src blob: and 'wasm-unsafe-eval'
// (README, "Embedding").
//
// Every element on a page shares one worker and one copy of the weights
// (site/widget-jobs.js); their requests queue there. The element adds no
// globals: only the custom element definition.
import { submit, slowDevice } from './widget-jobs.js';
import { styles } from './widget-style.js';
import { View } from './widget-view.js';

const DEFAULTS = {
  prompt: '', seed: '', guidance: '3', steps: '100', upsampleSteps: 'fast27', batch: '1', weights: '',
};
const attrOf = (prop) => prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const PREVIEW_EVERY = 5; // the page's default
const MB = (n) => (n / 1e6).toFixed(1);

// randomSeed is a uniformly random uint64 as a decimal string.
function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function glideError(kind, message) {
  return Object.assign(new Error(message), { name: 'GlideError', kind });
}

class GlideImage extends HTMLElement {
  static observedAttributes = [...Object.keys(DEFAULTS).map(attrOf), 'size', 'autostart'];

  #view;
  #run = null; // {job, resolve, reject, prompt}
  #autostarted = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styles()];
    this.#view = new View(root);
    this.#view.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.prompt = this.#view.prompt.value;
      this.generate().catch(() => {}); // reported by glide-error and the status line
    });
    this.#view.cancel.addEventListener('click', () => this.cancel());
  }

  connectedCallback() {
    // Properties set before the element was upgraded shadow the
    // accessors: hand them to the accessors.
    for (const prop of [...Object.keys(DEFAULTS), 'size', 'autostart']) {
      if (Object.hasOwn(this, prop)) {
        const v = this[prop];
        delete this[prop];
        this[prop] = v;
      }
    }
    this.#render();
    if (this.autostart && !this.#autostarted && !this.#run) {
      this.#autostarted = true;
      queueMicrotask(() => this.generate().catch(() => {}));
    }
  }

  // disconnectedCallback cancels a run of an element taken off the page
  // (not one only moved: that reconnects before the microtask).
  disconnectedCallback() {
    queueMicrotask(() => { if (!this.isConnected) this.cancel(); });
  }

  attributeChangedCallback() {
    this.#render();
  }

  get size() {
    const n = Number(this.getAttribute('size'));
    return Number.isFinite(n) && n > 0 ? n : 256;
  }

  set size(v) { this.setAttribute('size', String(v)); }

  get autostart() { return this.hasAttribute('autostart'); }

  set autostart(v) { this.toggleAttribute('autostart', !!v); }

  #render() {
    this.#view.setSize(this.size);
    this.#view.setPrompt(this.prompt);
    this.#view.form.hidden = this.autostart;
    if (!this.#run && !this.#view.status.textContent) this.#view.setStatus('Ready.');
  }

  #weightsURL() {
    const w = this.weights;
    return w ? new URL(w, document.baseURI).href : new URL('../weights/', import.meta.url).href;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // generate starts a generation with the element's attributes.
  generate() {
    if (this.#run) return Promise.reject(glideError('busy', 'This <glide-image> is already generating: call cancel() first.'));
    const prompt = this.prompt;
    const req = {
      type: 'generate', weights: this.#weightsURL(), prompt,
      seed: this.seed.trim() || randomSeed(), guidance: this.guidance.trim(), steps: this.steps.trim(),
      upsampleSteps: this.upsampleSteps.trim(), batch: this.batch.trim(),
      previewEvery: PREVIEW_EVERY, ack: true,
    };
    this.#view.setBusy(true);
    this.#view.setStatus('Waiting for the compute worker…');
    return new Promise((resolve, reject) => {
      const run = { resolve, reject, prompt };
      this.#run = run;
      run.job = submit(req, (msg) => { if (this.#run === run) this.#onMessage(msg); });
    });
  }

  // cancel stops the running generation: glide-error with kind canceled.
  cancel() {
    if (!this.#run) return;
    this.#run.job.cancel();
    this.#fail('canceled', 'Canceled.');
  }

  #fail(kind, message) {
    const run = this.#run;
    this.#run = null;
    this.#view.setBusy(false);
    this.#view.setStatus(kind === 'canceled' ? 'Canceled.' : `Error (${kind}): ${message}`, { error: kind !== 'canceled' });
    this.#emit('glide-error', { kind, message });
    run.reject(glideError(kind, message));
  }

  #onMessage(msg) {
    const v = this.#view;
    switch (msg.type) {
      case 'queued':
        v.setStatus(msg.ahead ? `Waiting for ${msg.ahead === 1 ? 'the image' : `${msg.ahead} images`} before this one on the page…` : 'Starting…');
        break;
      case 'download-plan':
        if (msg.bytesToFetch > 0) {
          v.setStatus(`First run on this site: downloading ${MB(msg.bytesToFetch)} MB of ${msg.bundle} weights ` +
            '(stored in this browser for next time)…');
        }
        break;
      case 'download':
        v.setProgress(msg.bytesLoaded, msg.bytesTotal);
        if (!msg.fromStore) {
          v.setStatus(`Downloading ${msg.bundle} weights: ${MB(msg.bytesLoaded)} of ${MB(msg.bytesTotal)} MB`);
        }
        this.#emit('glide-progress', {
          stage: 'download', step: msg.shard, total: msg.shards, bytes: msg.bytesLoaded,
          bytesTotal: msg.bytesTotal, bundle: msg.bundle, fromStore: !!msg.fromStore,
        });
        break;
      case 'store-wait':
        v.setStatus(msg.message);
        break;
      case 'loaded':
        v.setStatus(slowDevice() ? 'Generating on the CPU (no WebGPU here): this takes long…' : 'Generating…');
        break;
      case 'progress':
        v.setProgress(msg.step, msg.total);
        v.setStatus(`${msg.stage === 'base' ? 'Base' : 'Upsampler'} step ${msg.step} of ${msg.total}`);
        if (msg.preview) v.showPreview(msg.preview);
        this.#emit('glide-progress', { stage: msg.stage, step: msg.step, total: msg.total });
        break;
      case 'done':
        this.#done(msg);
        break;
      case 'error':
        this.#fail(msg.kind, msg.message);
        break;
    }
  }

  #done(msg) {
    const run = this.#run;
    this.#run = null;
    const images = msg.images.map(({ png, width, height }) => ({ blob: new Blob([png], { type: 'image/png' }), width, height }));
    this.#view.showImages(images.map(({ blob }) => URL.createObjectURL(blob)), run.prompt);
    this.#view.setBusy(false);
    this.#view.setStatus(`Done in ${msg.seconds.toFixed(1)} s (seed ${msg.seed}).`);
    const detail = { ...images[0], seed: msg.seed, prompt: run.prompt, images };
    this.#emit('glide-done', detail);
    run.resolve(detail);
  }
}

for (const prop of Object.keys(DEFAULTS)) {
  const attr = attrOf(prop);
  Object.defineProperty(GlideImage.prototype, prop, {
    get() { return this.getAttribute(attr) ?? DEFAULTS[prop]; },
    set(v) { this.setAttribute(attr, String(v)); },
    configurable: true,
  });
}

if (!customElements.get('glide-image')) customElements.define('glide-image', GlideImage);
