// The Gallery section (#gallery): every finished image, kept on this
// device (gallery-db.js: IndexedDB) with its prompt, seed and settings,
// newest first, each with "Download PNG" (the worker's PNG, with its text
// chunks), "Use these settings" (fills the form: the same seed and
// settings make the same image) and "Delete". The last MAX are kept; the
// section says so, and says when older ones were dropped.
//
// app.js hands finished runs over as a 'webglide:done' event on document:
// detail {req, data} (the request and the worker's "done" message).

import * as store from './gallery-db.js';
import { fill, fromPNGText } from './settings.js';
import { readPNGText } from './pngtext.js';

const $ = (id) => document.getElementById(id);
const section = $('gallery');
const listEl = $('gallery-list');
const note = $('gallery-note');
const empty = $('gallery-empty');
let urls = [];
let dropped = 0;

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// describe is an entry's settings in one line.
function describe(e) {
  const parts = [`seed ${e.seed}`, `${e.steps} + ${e.upsampleSteps} steps`, `guidance ${e.guidance}`];
  if (Number(e.batch) > 1) parts.push(`image ${e.index} of ${e.batch}`);
  if (e.mode === 'inpaint') parts.push('edit');
  return parts.join(' · ');
}

function fileName(e) {
  return `webglide-${e.seed}${Number(e.batch) > 1 ? `-${e.index}` : ''}.png`;
}

function item(e) {
  const url = URL.createObjectURL(e.png);
  urls.push(url);
  const title = e.prompt || '(no prompt)';
  const img = el('img', { src: url, width: e.width, height: e.height, alt: `Gallery image: ${title}`, loading: 'lazy' });
  const when = new Date(e.created);
  const caption = el('figcaption', {},
    el('span', { className: 'gallery-prompt', textContent: title }),
    el('span', { className: 'gallery-settings', textContent: describe(e) }),
    el('time', { className: 'gallery-time', dateTime: when.toISOString(), textContent: when.toLocaleString() }));
  const download = el('button', { type: 'button', textContent: 'Download PNG' });
  download.addEventListener('click', () => {
    const a = el('a', { href: url, download: fileName(e) });
    document.body.append(a);
    a.click();
    a.remove();
  });
  const use = el('button', { type: 'button', textContent: 'Use these settings' });
  use.addEventListener('click', () => {
    fill({
      prompt: e.prompt, seed: e.seed, guidance: e.guidance, steps: e.steps,
      upsampleSteps: e.upsampleSteps, batch: e.batch,
    }, { keepMode: e.mode === 'inpaint' });
    $('prompt')?.focus();
    say(`Settings of “${title}” (seed ${e.seed}) are in the form: Generate makes the same image again.`);
  });
  const del = el('button', { type: 'button', className: 'danger', textContent: 'Delete' });
  del.addEventListener('click', async () => {
    try {
      await store.remove(e.id);
      say(`Deleted “${title}” from the gallery.`);
      await render();
    } catch (err) {
      say(`Cannot delete: ${err.message || err}`, true);
    }
  });
  const li = el('li', { className: 'gallery-item' },
    el('figure', {}, img, caption),
    el('div', { className: 'gallery-actions' }, download, use, del));
  li.dataset.id = String(e.id);
  li.dataset.seed = e.seed;
  return li;
}

const status = $('gallery-status');
function say(text, error = false) {
  status.textContent = text;
  status.classList.toggle('error', error);
}

async function render() {
  let entries;
  try {
    entries = await store.list();
  } catch (err) {
    say(`The gallery is not available: ${err.message || err}`, true);
    return;
  }
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
  listEl.replaceChildren(...entries.map(item));
  empty.hidden = entries.length > 0;
  note.textContent = `${entries.length} of at most ${store.MAX} images, kept on this device only; older ones are dropped.` +
    (dropped ? ` ${dropped} oldest ${dropped === 1 ? 'was' : 'were'} dropped just now.` : '');
}

// keep stores the images of a finished run. The settings come from each
// PNG's own text chunks (what the worker really ran), the form's request
// filling in what they lack.
async function keep({ req, data }) {
  const n = data.images.length;
  const created = Date.now();
  const entries = [];
  for (const [i, im] of data.images.entries()) {
    if (!im.png) continue;
    let text = {};
    try { text = readPNGText(im.png); } catch { /* the request's values */ }
    const s = fromPNGText(text) ?? {};
    entries.push({
      created, prompt: s.prompt ?? req.prompt ?? '', seed: s.seed ?? String(data.seed),
      guidance: s.guidance ?? String(req.guidance ?? ''), steps: s.steps ?? String(req.steps ?? ''),
      upsampleSteps: s.upsampleSteps ?? String(req.upsampleSteps ?? ''), batch: s.batch ?? String(n), index: i + 1,
      mode: data.mode || req.type || 'generate', weights: text['glide:weights'] ?? req.weights ?? '',
      width: im.width, height: im.height, png: new Blob([im.png], { type: 'image/png' }),
    });
  }
  if (!entries.length) return;
  try {
    dropped = await store.add(entries);
    await render();
  } catch (err) {
    say(`This image is not kept in the gallery: ${err.message || err}`, true);
  }
}

if (section) {
  document.addEventListener('webglide:done', (e) => keep(e.detail));
  render();
}

export { render, keep };
