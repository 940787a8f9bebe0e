// WebGLIDE page script (UI thread). All compute runs in a dedicated
// worker (site/worker.js → build/webglide.wasm, wasm/cmd/worker); this file
// only sends it requests (through site/client.js) and shows what it
// reports, so the page never blocks. The message protocol is documented in
// wasm/cmd/worker/main_js.go.
//
// Query parameters:
//   ?weights=URL          weights folder (base/, upsample/); default /weights/
//   ?steps=N              prefill Steps
//   ?upsample_steps=SPEC  prefill the advanced Upsampler steps
//   ?preview_every=N      x0 preview every N steps (default 5)
//   ?one_model=1          hold one model at a time on the GPU (small GPUs)

import { client } from './client.js';
import './model.js'; // the Model section (issue 10): it sets each request's weights URL

const $ = (id) => document.getElementById(id);
const gpuStatus = $('status');
const form = $('form');
const els = {
  prompt: $('prompt'), seed: $('seed'), guidance: $('guidance'), steps: $('steps'),
  batch: $('batch'), upsampleSteps: $('upsample-steps'),
};
const generateBtn = $('generate');
const cancelBtn = $('cancel');
const progress = $('progress');
const genStatus = $('gen-status');
const preview = $('preview');
const results = $('results');

const params = new URLSearchParams(location.search);
const weightsURL = new URL(params.get('weights') || 'weights/', location.href).href;
if (params.has('steps')) els.steps.value = params.get('steps');
if (params.has('upsample_steps')) els.upsampleSteps.value = params.get('upsample_steps');
const previewEvery = Number(params.get('preview_every') || 5);
const oneModel = params.get('one_model') === '1';

// GPU status lines: the adapter (or why there is none), then the device.
const gpuLines = { adapter: [], device: [] };
function showGPU() {
  const lines = [...gpuLines.adapter, ...gpuLines.device];
  gpuStatus.replaceChildren(...lines.map(({ text, error }) => {
    const p = document.createElement('p');
    p.textContent = text;
    if (error) p.className = 'error';
    return p;
  }));
}

function setStatus(text, { error = false } = {}) {
  genStatus.textContent = text;
  genStatus.classList.toggle('error', error);
}

let ready = false;
let job = null; // {id, stage fractions, urls} of the running generation
let objectURLs = [];

function setBusy(busy) {
  generateBtn.disabled = busy || !ready;
  cancelBtn.disabled = !busy;
  form.setAttribute('aria-busy', String(busy));
}

const MB = (n) => (n / 1e6).toFixed(1);

function onMessage(data) {
  switch (data.type) {
    case 'adapter':
      gpuLines.adapter = [
        { text: `WebGPU adapter: ${data.description}` },
        { text: data.f16 ? 'shader-f16: available (f16 path)' : 'shader-f16: not available (f32 path)' },
      ];
      showGPU();
      break;
    case 'adapter-error':
      gpuLines.adapter = [{ text: data.message, error: true }];
      showGPU();
      break;
    case 'device':
      gpuLines.device = [{ text: `Compute: ${data.note}`, error: false }];
      showGPU();
      break;
    case 'ready':
      ready = true;
      setBusy(false);
      setStatus('Ready.');
      break;
    case 'download':
      if (!job || data.id !== job.id) break;
      progress.max = data.bytesTotal || 1;
      progress.value = data.bytesLoaded;
      setStatus(`Downloading ${data.bundle} weights: shard ${data.shard} of ${data.shards}` +
        ` (${data.file}), ${MB(data.bytesLoaded)} of ${MB(data.bytesTotal)} MB`);
      break;
    case 'loaded':
      if (job && data.id === job.id) {
        job.upsample = data.upsample !== null;
        setStatus(`Weights loaded in ${data.seconds.toFixed(1)} s. Starting…`);
      }
      break;
    case 'progress': {
      // Acknowledge first: the worker waits for it before the next step,
      // which makes a Cancel click take effect at the next step boundary.
      if (data.seq !== undefined) client.post({ type: 'ack', seq: data.seq });
      if (!job || data.id !== job.id) break;
      // Base stage fills the first half of the bar, the upsampler the second.
      const half = job.upsample === false ? 1 : 0.5;
      const done = data.stage === 'base' ? half * data.step / data.total : 0.5 + 0.5 * data.step / data.total;
      progress.max = 1;
      progress.value = done;
      const stage = data.stage === 'base' ? 'Base model (64×64)' : 'Upsampler (256×256)';
      setStatus(`${stage}: step ${data.step} of ${data.total}`);
      if (data.preview) drawPreview(data.preview);
      break;
    }
    case 'done':
      if (!job || data.id !== job.id) break;
      progress.max = 1;
      progress.value = 1;
      showResults(data);
      setStatus(`Done in ${data.seconds.toFixed(1)} s (seed ${data.seed}).` + peakText(data.peakMemory) +
        (data.warnings.length ? ` ${data.warnings.join(' ')}` : ''));
      job = null;
      setBusy(false);
      break;
    case 'fatal':
      gpuLines.adapter = [{ text: data.message, error: true }];
      showGPU();
      setStatus(data.message, { error: true });
      ready = false;
      job = null;
      setBusy(false);
      break;
    case 'error':
      if (data.id && job && data.id !== job.id) break;
      if (data.kind === 'canceled') {
        setStatus('Canceled.');
        progress.value = 0;
      } else {
        setStatus(`Error (${data.kind}): ${data.message}`, { error: true });
      }
      job = null;
      setBusy(false);
      break;
  }
}

// peakText says how much GPU memory each stage took at most.
function peakText(peak) {
  const mib = (b) => `${Math.round(b / 2 ** 20)} MiB`;
  const parts = [];
  if (peak && peak.base) parts.push(`base ${mib(peak.base)}`);
  if (peak && peak.upsample) parts.push(`upsampler ${mib(peak.upsample)}`);
  return parts.length ? ` Peak GPU memory: ${parts.join(', ')}.` : '';
}

function drawPreview({ width, height, data }) {
  preview.width = width;
  preview.height = height;
  preview.hidden = false;
  preview.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height), 0, 0);
}

// toPNG draws RGBA pixels on a canvas and returns a PNG blob.
function toPNG({ width, height, data }) {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height), 0, 0);
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

async function showResults(data) {
  for (const u of objectURLs) URL.revokeObjectURL(u);
  objectURLs = [];
  const prompt = job?.prompt ?? '';
  const items = await Promise.all(data.images.map(async (img, i) => {
    const url = URL.createObjectURL(await toPNG(img));
    objectURLs.push(url);
    const li = document.createElement('li');
    const fig = document.createElement('figure');
    const im = document.createElement('img');
    im.src = url;
    im.width = img.width;
    im.height = img.height;
    im.alt = `Generated image ${i + 1}: ${prompt || '(no prompt)'}`;
    const cap = document.createElement('figcaption');
    const a = document.createElement('a');
    a.href = url;
    a.download = `webglide-${data.seed}-${i + 1}.png`;
    a.textContent = 'Download PNG';
    a.setAttribute('aria-label', data.images.length > 1 ? `Download PNG ${i + 1}` : 'Download PNG');
    cap.append(a);
    fig.append(im, cap);
    li.append(fig);
    return li;
  }));
  results.replaceChildren(...items);
}

function randomSeed() {
  const v = new Uint32Array(2);
  crypto.getRandomValues(v);
  // 53 bits, so that the number survives JSON and input fields exactly.
  return String((BigInt(v[0] & 0x1fffff) << 32n) | BigInt(v[1]));
}

function generate(e) {
  e.preventDefault();
  if (!ready || job) return;
  const seed = els.seed.value.trim() || randomSeed();
  job = { id: 0, prompt: els.prompt.value };
  setBusy(true);
  progress.value = 0;
  setStatus('Starting…');
  job.id = client.request({
    type: 'generate', weights: weightsURL,
    prompt: els.prompt.value, seed,
    guidance: els.guidance.value, steps: els.steps.value,
    upsampleSteps: els.upsampleSteps.value, batch: els.batch.value,
    previewEvery, ack: true, oneModel,
  });
}

function cancel() {
  if (!job) return;
  client.post({ type: 'cancel', id: job.id });
  setStatus('Canceling…');
  cancelBtn.disabled = true;
}

function start() {
  client.on('*', onMessage);
  client.on('crash', ({ message }) => {
    gpuLines.adapter = [{ text: `The compute worker failed: ${message}`, error: true }];
    showGPU();
    setStatus('The compute worker failed.', { error: true });
    ready = false;
    job = null;
    setBusy(false);
  });
  try {
    client.start();
  } catch (err) {
    gpuLines.adapter = [{ text: `Cannot start the compute worker: ${err.message}`, error: true }];
    showGPU();
    setStatus('The compute worker could not start.', { error: true });
    return;
  }
  form.addEventListener('submit', generate);
  cancelBtn.addEventListener('click', cancel);
}

start();
