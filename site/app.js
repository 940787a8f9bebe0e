// WebGLIDE page script (UI thread). All compute runs in a dedicated
// worker (site/worker.js → build/webglide.wasm, wasm/cmd/worker); this file
// only sends it requests (through site/client.js) and shows what it
// reports, so the page never blocks. The message protocol is documented in
// wasm/cmd/worker/main_js.go. The page's parts live in site/ui-*.js; this
// file wires them and runs the generate/cancel cycle.
//
// Query parameters:
//   ?weights=URL          weights folder (base/, upsample/); default /weights/
//   ?steps=N              prefill Steps
//   ?upsample_steps=SPEC  prefill the Upsampler steps
//   ?preview_every=N      x0 preview every N steps (default 5)
//   ?one_model=1          hold one model at a time on the GPU (small GPUs)
//   ?backend=cpu          compute on the CPU in wasm even where WebGPU works

import { client } from './client.js';
import './model.js'; // the Model section (issue 10): it sets each request's weights URL
import { check, LABELS, fieldOf, respacedCount } from './ui-validate.js';
import { setupPrompt } from './ui-prompt.js';
import { setupSeed } from './ui-seed.js';
import { setupPresets } from './ui-presets.js';
import { setupDevice } from './ui-device.js';
import { createProgress } from './ui-progress.js';
import { setupNotify } from './ui-notify.js';
import { createStage } from './ui-stage.js';
import { createEstimate } from './ui-estimate.js';
import { createFieldErrors } from './ui-fields.js';
import { setupEdit } from './edit.js';
import './ui-update.js'; // issue 11: service worker, "Reload to update", the offline line
import './gallery.js'; // issue 11: the Gallery (finished images on this device)
import './share.js'; // issue 11: share links ("Copy link") and settings from dropped PNGs

const $ = (id) => document.getElementById(id);
const form = $('form');
const els = {
  prompt: $('prompt'), seed: $('seed'), guidance: $('guidance'), steps: $('steps'),
  batch: $('batch'), upsampleSteps: $('upsample-steps'),
};
const generateBtn = $('generate');
const cancelBtn = $('cancel');
const genStatus = $('gen-status');

const params = new URLSearchParams(location.search);
const weightsURL = new URL(params.get('weights') || 'weights/', location.href).href;
if (params.has('steps')) els.steps.value = params.get('steps');
if (params.has('upsample_steps')) els.upsampleSteps.value = params.get('upsample_steps');
const previewEvery = Number(params.get('preview_every') || 5);
const oneModel = params.get('one_model') === '1';

const device = setupDevice({ line: $('device-line'), lines: $('device-lines'), details: $('device-details') });
const progress = createProgress({ bar: $('progress'), stats: $('run-stats') });
const stage = createStage({ stage: $('stage'), empty: $('stage-empty'), preview: $('preview'), results: $('results') });
const seeds = setupSeed({ input: els.seed, randomButton: $('random-seed'), lock: $('seed-lock') });
const presets = setupPresets({ buttons: [...document.querySelectorAll('.preset')], steps: els.steps, upsampleSteps: els.upsampleSteps });
const notify = setupNotify({ checkbox: $('notify'), title: document.title });
const fieldErrors = createFieldErrors(els);
const estimate = createEstimate({
  panel: $('estimate'), text: $('estimate-text'), advice: $('estimate-advice'), continueButton: $('estimate-continue'),
});
setupPrompt({
  client, textarea: els.prompt, counter: $('token-count'), note: $('token-note'),
  chips: document.querySelector('.chips'), submit: () => form.requestSubmit(),
});
presets.sync();

function setStatus(text, { error = false } = {}) {
  genStatus.textContent = text;
  genStatus.classList.toggle('error', error);
}

let ready = false;
let slow = false; // the worker computes on the CPU in wasm
let hasUpsampler = true; // as the last "loaded" message said
let job = null; // the running generation: {id, req, measure}

function setBusy(busy) {
  generateBtn.disabled = busy || !ready || estimate.open;
  cancelBtn.disabled = !busy && !estimate.open;
  form.setAttribute('aria-busy', String(busy));
  if (!busy) stage.idle();
}

// mode is the mode switch's value: "text" (text to image) or "edit".
const mode = () => document.querySelector('input[name="mode"]:checked')?.value ?? 'text';

const edit = setupEdit({ panel: $('edit-panel'), mode, guidance: els.guidance });

// buildRequest returns the request for the form's current values (the
// seed as typed: generate fills in the seed the run uses); in edit mode an
// inpaint request with the source image and mask (site/edit.js).
function buildRequest() {
  const req = {
    type: 'generate', weights: weightsURL,
    prompt: els.prompt.value, seed: els.seed.value.trim(),
    guidance: els.guidance.value.trim(), steps: els.steps.value.trim(),
    upsampleSteps: els.upsampleSteps.value.trim(), batch: els.batch.value.trim(),
    previewEvery, ack: true, oneModel,
  };
  return edit.active() ? { ...req, ...edit.request() } : req;
}

const MB = (n) => (n / 1e6).toFixed(1);

function onMessage(data) {
  switch (data.type) {
    case 'adapter':
      device.adapter(data);
      break;
    case 'adapter-error':
      device.adapterError(data);
      break;
    case 'device':
      // Time marks for the start-up measurement (e2e/start.test.mjs):
      // from the page's navigation to the device opened and self-tested…
      if (!performance.getEntriesByName('webglide:device').length) performance.mark('webglide:device');
      device.device(data);
      // Chosen with ?backend=cpu: the user knows; no estimate first.
      slow = !!data.slow && !data.forced;
      break;
    case 'ready':
      // … and to the worker ready for requests.
      if (!performance.getEntriesByName('webglide:ready').length) performance.mark('webglide:ready');
      ready = true;
      setBusy(false);
      setStatus(recovery.ready() || 'Ready.');
      break;
    case 'exit': // site/worker.js: the Go program ended, or the worker closed itself
      restart(data.message);
      break;
    case 'download': {
      if (!job || data.id !== job.id) break;
      const bar = $('progress');
      bar.max = data.bytesTotal || 1;
      bar.value = data.bytesLoaded;
      setStatus(`Downloading ${data.bundle} weights: shard ${data.shard} of ${data.shards}` +
        ` (${data.file}), ${MB(data.bytesLoaded)} of ${MB(data.bytesTotal)} MB`);
      break;
    }
    case 'loaded':
      if (job && data.id === job.id) {
        hasUpsampler = data.upsample !== null;
        progress.upsampler(hasUpsampler);
        progress.mark();
        setStatus(`Weights loaded in ${data.seconds.toFixed(1)} s. ${job.measure ? 'Timing one step…' : 'Starting…'}`);
        // The worker fell back to one model at a time (the upsampler ran
        // out of memory next to the base model): say so, here and when done.
        if (data.note) {
          job.note = ` Note: ${data.note}.`;
          setStatus(`Weights loaded in ${data.seconds.toFixed(1)} s.${job.note}`);
        }
      }
      break;
    case 'progress':
      // Acknowledge first: the worker waits for it before the next step,
      // which makes a Cancel click take effect at the next step boundary.
      if (data.seq !== undefined) client.post({ type: 'ack', seq: data.seq });
      if (!job || data.id !== job.id) break;
      setStatus(progress.step(data));
      if (data.preview) stage.preview(data.preview);
      if (job.measure && data.stage === 'base') measured();
      break;
    case 'done': {
      if (!job || data.id !== job.id) break;
      const { req, note } = job;
      job = null;
      progress.finish(`${req.steps} + ${req.upsampleSteps} steps · guidance ${req.guidance}` +
        (data.images.length > 1 ? ` · ${data.images.length} images` : ''));
      stage.results(data.images, { prompt: req.prompt, seed: data.seed });
      // The gallery and the share link take the finished run from here.
      document.dispatchEvent(new CustomEvent('webglide:done', { detail: { req, data } }));
      setStatus(`Done in ${data.seconds.toFixed(1)} s (seed ${data.seed}).` + peakText(data.peakMemory) +
        (data.warnings.length ? ` ${data.warnings.join(' ')}` : '') + (note ?? ''));
      notify.done(req.prompt || 'an image without a prompt');
      setBusy(false);
      break;
    }
    case 'fatal':
      device.failed(data.message);
      setStatus(data.message, { error: true });
      ready = false;
      job = null;
      setBusy(false);
      break;
    case 'error':
      // Another request's (or a malformed message's, id 0): not this job's.
      // Canceled already: the page went idle at once.
      if (data.id !== undefined && (!job || data.id !== job.id)) break;
      job = null;
      progress.stop();
      if (data.kind === 'canceled') {
        setStatus('Canceled.');
      } else {
        const field = data.kind === 'bad-input' ? fieldOf(data.message) : null;
        if (field) fieldErrors.show([{ field, message: `${LABELS[field]}: ${data.message}` }]);
        const retry = RETRY[data.kind] ? `${/[.!?]$/.test(data.message) ? '' : '.'}${RETRY[data.kind]}` : '';
        setStatus(`Error (${data.kind}): ${data.message}${retry}`, { error: true });
        // Nothing was made: the next Generate repeats this run's seed.
        seeds.restore();
      }
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

// run sends req to the worker. measure: stop after the first base step
// and show the estimate (the CPU-in-wasm fallback).
function run(req, { measure = false } = {}) {
  job = { id: 0, req, measure };
  setBusy(true);
  stage.running();
  progress.start({ baseSteps: Number(req.steps), upsampleSteps: respacedCount(req.upsampleSteps) });
  progress.upsampler(hasUpsampler);
  setStatus(measure ? 'Timing one step on this computer before the whole run…' : 'Starting…');
  job.id = client.request(req);
  // One column (a phone): bring the image into view.
  if (matchMedia('(max-width: 56rem)').matches) $('stage').scrollIntoView({ block: 'start' });
}

// measured ends a measuring run after its first base step and asks.
function measured() {
  const { req } = job;
  estimate.measure(progress.baseStepSeconds(), req.batch);
  client.post({ type: 'cancel', id: job.id });
  job = null;
  progress.stop();
  ask(req);
}

function ask(req) {
  estimate.ask({ ...req, hasUpsampler }, () => run(req));
  setStatus('Waiting: continue anyway, or cancel.');
  setBusy(false);
}

function generate(e) {
  e.preventDefault();
  if (!ready || job || estimate.open) return;
  fieldErrors.clear();
  const editErrs = edit.active() ? edit.check() : [];
  if (editErrs.length) {
    setStatus(`Not started: ${editErrs.join(' ')}`, { error: true });
    return;
  }
  const req = buildRequest();
  const errs = check(req);
  if (errs.length) {
    fieldErrors.show(errs);
    setStatus(`Not started: ${errs.map((x) => x.message).join(' ')}`, { error: true });
    return;
  }
  req.seed = seeds.take();
  if (mode() === 'text' && slow) {
    if (estimate.known) ask(req);
    else run(req, { measure: true });
    return;
  }
  run(req);
}

function cancel() {
  if (estimate.open) {
    estimate.dismiss();
  } else if (job) {
    client.post({ type: 'cancel', id: job.id });
    job = null;
  } else {
    return;
  }
  // Back to idle at once: the worker stops at its next step boundary and
  // its late messages for the canceled job are ignored.
  progress.stop();
  setStatus('Canceled.');
  setBusy(false);
  generateBtn.focus();
}

function failed(text, message) {
  device.failed(message);
  setStatus(text, { error: true });
  ready = false;
  job = null;
  setBusy(false);
}

// What to do after an error of these kinds: the worker opens a new
// device for the next request (wasm/cmd/worker healthy()).
const RETRY = {
  'device-lost': ' The GPU device was lost (a driver reset, or the tab in the background); Generate again to run on a new device.',
  'out-of-memory': ' The GPU ran out of memory; Generate again to retry on a new device (a smaller batch, or closing other tabs, helps).',
};

// restart replaces a compute worker that died (a crash, a Go panic, a
// close()) with a new one, at most recovery.MAX times a minute, and says
// so; the next Generate runs on the new worker.
const recovery = {
  MAX: 3,
  times: [], // when the recent restarts were
  why: '', // what the running worker replaced, until it is ready
  t0: 0,
  // ready returns the status line for a restarted worker's 'ready' ('' for the first).
  ready() {
    if (!this.why) return '';
    const text = `Ready again: a new compute worker started in ${((performance.now() - this.t0) / 1000).toFixed(1)} s after ${this.why}.`;
    this.why = '';
    return text;
  },
};

function restart(why) {
  const now = performance.now();
  recovery.times = recovery.times.filter((t) => now - t < 60_000);
  if (recovery.times.length >= recovery.MAX) {
    failed(`The compute worker failed ${recovery.MAX} times in a minute (${why}). Reload the page to try again.`,
      `The compute worker failed: ${why}`);
    return;
  }
  recovery.times.push(now);
  const lost = job ? ' The running generation was lost: Generate to run it again.' : '';
  ready = false;
  job = null;
  progress.stop();
  if (estimate.open) estimate.dismiss();
  setBusy(false);
  recovery.why = why;
  recovery.t0 = now;
  setStatus(`The compute worker stopped (${why}); starting a new one…${lost}`, { error: true });
  try {
    client.start();
  } catch (err) {
    failed('The compute worker could not start.', `Cannot start the compute worker: ${err.message}`);
  }
}

function start() {
  client.on('*', onMessage);
  client.on('crash', ({ message }) => restart(message));
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener('change', () => {
      document.body.dataset.mode = mode();
      document.dispatchEvent(new CustomEvent('webglide:mode', { detail: { mode: mode() } }));
    });
  }
  try {
    client.start();
  } catch (err) {
    failed('The compute worker could not start.', `Cannot start the compute worker: ${err.message}`);
    return;
  }
  form.addEventListener('submit', generate);
  cancelBtn.addEventListener('click', cancel);
}

start();
