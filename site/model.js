// The page's "Model" section (#model-panel): what the worker's shard store
// holds of each model (stored and verified, partly stored, missing), one
// "Download progress" bar with bytes, rate and time left, the storage used,
// "Delete stored weights", and, when the store is full, "Run without
// storing", and "Import checkpoint": .pt files (with a configuration JSON
// for a model that is no preset) converted by the worker into the store,
// nothing uploaded. It owns the weights URL: ?weights=URL (relative or
// absolute) or else the last one used (localStorage), added to every
// request through client.decorate; after an import it is the store's
// ("store:imported/"). Messages: see wasm/cmd/worker/main_js.go.

import { client, WorkerClient, workerURL } from './client.js';

const KEY = 'webglide.weights';
const IMPORTED = 'store:imported/'; // the weights URL of imported bundles
const params = new URLSearchParams(location.search);

function pickWeights() {
  let given = params.get('weights');
  if (!given) {
    try { given = localStorage.getItem(KEY); } catch { /* storage blocked */ }
  }
  if (given === IMPORTED) return given;
  const url = new URL(given || 'weights/', location.href).href;
  try { if (params.get('weights')) localStorage.setItem(KEY, url); } catch { /* storage blocked */ }
  return url.endsWith('/') ? url : `${url}/`;
}

let weightsURL = pickWeights();
let noStore = false;

client.decorate((msg) => {
  if (['load', 'generate', 'inpaint'].includes(msg.type)) return { ...msg, weights: weightsURL, noStore: msg.noStore || noStore };
  return msg;
});

const NAMES = { base: 'Base model (64×64)', upsample: 'Upsampler (64→256)' };
const MB = (n) => `${(n / 1e6).toFixed(1)} MB`;

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const panel = document.getElementById('model-panel');
const ui = {
  source: el('p', { className: 'weights-source' }),
  list: el('ul', { className: 'model-list', id: 'model-list' }),
  bar: el('progress', { max: 1, value: 0 }),
  barText: el('p', { className: 'download-text', id: 'download-text' }),
  usage: el('p', { className: 'storage-used', id: 'storage-used' }),
  note: el('p', { className: 'store-note' }),
  del: el('button', { type: 'button', textContent: 'Delete stored weights' }),
  alert: el('div', { className: 'store-alert error', hidden: true }),
  alertText: el('p'),
  noStoreBtn: el('button', { type: 'button', textContent: 'Run without storing' }),
  importZone: el('div', { className: 'import-zone' }),
  importInput: el('input', { type: 'file', id: 'import-file', multiple: true, accept: '.pt,.pth,.json' }),
  importStatus: el('p', { className: 'import-status', id: 'import-status' }),
};
// The drop zone holds the picker, named "Import checkpoint", and its hint.
ui.importInput.setAttribute('aria-describedby', 'import-hint');
ui.importZone.append(el('label', { htmlFor: 'import-file', textContent: 'Import checkpoint' }), ui.importInput,
  el('small', { id: 'import-hint', textContent: 'Drop the official .pt files here or choose them, with a configuration .json for a model that is not one of the four presets. They are converted in this browser; nothing is uploaded.' }));
ui.importStatus.setAttribute('role', 'status');
ui.importStatus.setAttribute('aria-label', 'Import status');
ui.bar.setAttribute('aria-label', 'Download progress');
// Shown only while bytes come over the network: the generation's
// "Progress" bar is the other progress bar, and a name query for it
// (a substring match by default) must find one bar once the weights are in.
ui.bar.hidden = true;
ui.barText.setAttribute('aria-live', 'polite');
ui.alert.setAttribute('role', 'alert');
ui.alert.append(ui.alertText, ui.noStoreBtn);

if (panel) {
  showSource();
  panel.append(ui.source, ui.list, ui.bar, ui.barText, ui.usage, ui.note, ui.alert, el('p', {}, ui.del),
    ui.importZone, ui.importStatus);
}

function showSource() {
  ui.source.replaceChildren('Weights: ', weightsURL === IMPORTED ? 'imported into this browser'
    : el('code', { textContent: weightsURL }));
}

// rate: bytes fetched over the network in this download, for rate and ETA.
let dl = null; // {bundle, toFetch, fetched, t0, last: {file, loaded}}

function refresh() {
  client.request({ type: 'store-status', weights: weightsURL });
}

function showStore(msg) {
  ui.note.textContent = msg.note || '';
  ui.usage.textContent = `Storage used: ${MB(msg.stored)} of weights in ${msg.files} files` +
    (msg.usage >= 0 ? `; this site uses ${MB(msg.usage)}` + (msg.quota > 0 ? ` of ${MB(msg.quota)} available to it.` : '.') : '.') +
    (msg.busy ? ` ${msg.busy} files are open in another tab and were not deleted.` : '');
  if (!msg.bundles) return;
  ui.list.replaceChildren(...msg.bundles.map((b) => {
    const name = NAMES[b.bundle] || b.bundle;
    let state;
    switch (b.state) {
      case 'stored': state = `stored and verified (${MB(b.bytesTotal)})`; break;
      case 'partial': state = `partly stored: ${MB(b.bytesStored)} of ${MB(b.bytesTotal)}`; break;
      case 'missing': state = `missing: ${MB(b.bytesTotal)} to download`; break;
      case 'unreachable': state = `cannot reach its manifest: ${b.error}`; break;
      default: state = 'not at this weights URL';
    }
    const li = el('li', { textContent: `${name}: ${state}` });
    li.dataset.bundle = b.bundle;
    li.dataset.state = b.state;
    return li;
  }));
  const base = msg.bundles.find((b) => b.bundle === 'base');
  if (base && base.state === 'absent') {
    ui.barText.textContent = `No weight bundles at ${weightsURL}. Ways on: run "glide fetch" when online (make run does), ` +
      'give a mirror with "glide fetch --base-url URL", or import the official .pt checkpoints in this section.';
  }
}

function showPlan(msg) {
  dl = { bundle: msg.bundle, toFetch: msg.bytesToFetch, total: msg.bytesTotal, fetched: 0, t0: performance.now(), last: new Map() };
  ui.alert.hidden = true;
  ui.bar.hidden = !(msg.bytesToFetch > 0);
  if (msg.bytesToFetch > 0) {
    ui.barText.textContent = `${NAMES[msg.bundle] || msg.bundle}: downloading ${MB(msg.bytesToFetch)}` +
      (msg.bytesStored > 0 ? ` (${MB(msg.bytesStored)} already stored)` : '') + (msg.store ? '' : ', not stored');
    // Ask to keep the store under storage pressure before a large download.
    if (msg.store) navigator.storage?.persist?.().catch(() => {});
  } else {
    ui.barText.textContent = `${NAMES[msg.bundle] || msg.bundle}: reading ${MB(msg.bytesTotal)} from the store`;
  }
}

function showDownload(msg) {
  ui.bar.max = msg.bytesTotal || 1;
  ui.bar.value = msg.bytesLoaded;
  if (msg.bytesLoaded >= msg.bytesTotal) ui.bar.hidden = true; // this bundle is in
  if (!dl || dl.bundle !== msg.bundle || msg.fromStore) {
    if (msg.fromStore) ui.barText.textContent = `${NAMES[msg.bundle] || msg.bundle}: shard ${msg.shard} of ${msg.shards} verified from the store`;
    return;
  }
  const prev = dl.last.get(msg.file) || 0;
  dl.fetched += Math.max(0, msg.loaded - prev);
  dl.last.set(msg.file, msg.loaded);
  const secs = (performance.now() - dl.t0) / 1000;
  const rate = secs > 0 ? dl.fetched / secs : 0;
  const left = rate > 0 ? Math.max(0, (dl.toFetch - dl.fetched) / rate) : NaN;
  ui.barText.textContent = `${NAMES[msg.bundle] || msg.bundle}: ${MB(msg.bytesLoaded)} of ${MB(msg.bytesTotal)}` +
    (rate > 0 ? `, ${MB(rate)}/s` : '') + (Number.isFinite(left) ? `, about ${Math.ceil(left)} s left` : '');
}

function showError(msg) {
  ui.bar.hidden = true;
  if (msg.kind === 'storage') {
    ui.alertText.textContent = msg.message;
    ui.alert.hidden = false;
  }
  // A refused request changed nothing in the store; refreshing on those
  // (a burst of them, or "too many requests queued") would flood the
  // worker's queue with store-status requests (e2e/reliability.test.mjs).
  if (msg.kind !== 'bad-input') refresh();
}

client.on('ready', refresh);
client.on('store', showStore);
client.on('download-plan', showPlan);
client.on('download', showDownload);
client.on('store-wait', (msg) => { ui.barText.textContent = msg.message; });
client.on('loaded', () => { ui.bar.hidden = true; refresh(); });
client.on('error', showError);
ui.del.addEventListener('click', () => {
  ui.del.disabled = true;
  client.request({ type: 'store-delete' });
  const off = client.on('store', () => { off(); ui.del.disabled = false; refresh(); });
});
ui.noStoreBtn.addEventListener('click', () => {
  noStore = true;
  ui.alert.hidden = true;
  ui.note.textContent = 'Running without storing: the weights are downloaded into memory for this page only.';
  document.getElementById('generate')?.click();
});

// startImporter starts the importer (site/worker.js?import=1: the wasm
// build with the checkpoint converter, which the compute worker's goes
// without) and resolves with its client once it listens.
function startImporter() {
  const importer = new WorkerClient(workerURL({ import: '1' }));
  return new Promise((resolve, reject) => {
    const offs = [];
    const done = (fn) => (m) => { offs.forEach((f) => f()); fn(m); };
    offs.push(importer.on('ready', done(() => resolve(importer))));
    for (const type of ['crash', 'fatal', 'exit']) {
      offs.push(importer.on(type, done((m) => { importer.stop(); reject(new Error(m.message || 'the importer stopped')); })));
    }
    importer.start();
  });
}

// Import: one request per .pt file, in turn, to the importer (started for
// them, stopped after); a .json chosen with them is their configuration.
async function importFiles(files) {
  const list = [...files];
  const pts = list.filter((f) => !/\.json$/i.test(f.name));
  const cfg = list.find((f) => /\.json$/i.test(f.name));
  if (!pts.length) {
    ui.importStatus.textContent = 'Choose a .pt checkpoint to import (a .json alone is only a configuration).';
    return;
  }
  // The status changes before anything is awaited: an earlier run's line
  // never stands for this one's.
  ui.importStatus.textContent = `Importing ${pts[0].name}… (starting the importer)`;
  ui.importStatus.classList.remove('error');
  ui.importInput.disabled = true;
  const config = cfg ? await cfg.text() : '';
  let importer = null;
  const fail = (text) => {
    ui.importStatus.textContent = text;
    ui.importStatus.classList.add('error');
  };
  try {
    try {
      importer = await startImporter();
    } catch (err) {
      fail(`Cannot start the importer (build/webglide-import.wasm): ${err.message}. Check the connection and try again.`);
      return;
    }
    for (const file of pts) {
      ui.importStatus.textContent = `Importing ${file.name}…`;
      const msg = await new Promise((resolve) => {
        const id = importer.request({ type: 'import', file, config });
        const offs = [
          importer.on('import-progress', (m) => {
            if (m.id === id) ui.importStatus.textContent = `Importing ${file.name} (${m.bundle}): ${m.done} of ${m.total} tensors, ${MB(m.bytes)}`;
          }),
          importer.on('imported', (m) => { if (m.id === id) { offs.forEach((f) => f()); resolve(m); } }),
          importer.on('error', (m) => { if (m.id === id) { offs.forEach((f) => f()); resolve(m); } }),
          ...['crash', 'fatal', 'exit'].map((type) => importer.on(type, (m) => {
            offs.forEach((f) => f());
            resolve({ type: 'error', kind: 'unknown', message: m.message || 'the importer stopped' });
          })),
        ];
      });
      if (msg.type === 'error') {
        fail(`Import of ${file.name} failed (${msg.kind}): ${msg.message}`);
        return;
      }
      ui.importStatus.textContent = `Imported ${file.name} as the ${msg.bundle} model (${MB(msg.bytes)} in ${msg.shards} shards, ${msg.seconds.toFixed(1)} s).`;
    }
    // The compute worker may hold models of earlier imported bundles.
    if (client.running) client.request({ type: 'release' });
    weightsURL = IMPORTED;
    try { localStorage.setItem(KEY, IMPORTED); } catch { /* storage blocked */ }
    showSource();
    refresh();
  } finally {
    importer?.stop();
    ui.importInput.disabled = false;
    ui.importInput.value = '';
  }
}

ui.importInput.addEventListener('change', () => importFiles(ui.importInput.files));
ui.importZone.addEventListener('dragover', (e) => { e.preventDefault(); ui.importZone.classList.add('dragging'); });
ui.importZone.addEventListener('dragleave', () => ui.importZone.classList.remove('dragging'));
ui.importZone.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.importZone.classList.remove('dragging');
  if (e.dataTransfer?.files?.length) importFiles(e.dataTransfer.files);
});
