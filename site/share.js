// Share links and dropped PNGs: two ways to bring an image's settings
// back into the form.
//
// A share link is the page's address with a fragment holding the prompt,
// seed and settings (#prompt=…&seed=…&guidance=…&steps=…&upsample=…&batch=…);
// opening it fills the form. "Copy link" copies the link of the last
// finished image (before any, of the form as it is) and shows it in the
// "Share link" box. Dropping a PNG made by WebGLIDE (the page's downloads
// or glide generate's files) anywhere outside the edit and import drop
// zones restores the settings written in its text chunks.

import { read, fill, fromPNGText } from './settings.js';
import { readPNGText } from './pngtext.js';

// The fragment's names for the settings' keys.
const NAMES = { prompt: 'prompt', seed: 'seed', guidance: 'guidance', steps: 'steps', upsampleSteps: 'upsample', batch: 'batch' };

// linkFor returns the share link of settings, on this page's address.
export function linkFor(settings, base = location.href) {
  const url = new URL(base);
  const p = new URLSearchParams();
  for (const [k, name] of Object.entries(NAMES)) {
    if (settings[k] !== undefined && settings[k] !== '') p.set(name, settings[k]);
  }
  url.hash = p.toString();
  return url.href;
}

// fromHash reads the settings of a share link's fragment (null: none).
export function fromHash(hash = location.hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const out = {};
  for (const [k, name] of Object.entries(NAMES)) if (p.has(name)) out[k] = p.get(name);
  return Object.keys(out).length ? out : null;
}

const $ = (id) => document.getElementById(id);
const button = $('copy-link');
const box = $('share-link');
const note = $('share-note');
let last = null; // the settings of the last finished image

function say(text, error = false) {
  if (!note) return;
  note.textContent = text;
  note.classList.toggle('error', error);
}

async function copy() {
  const link = linkFor(last ?? read());
  box.value = link;
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(link);
    say(last ? 'Link to the last image copied.' : 'Link to these settings copied.');
  } catch {
    box.select();
    say('The browser did not allow copying: the link is in the box, selected; copy it from there.');
  }
}

function applyHash() {
  const s = fromHash();
  if (!s) return;
  fill(s);
  say('The form holds the settings of the link you opened.');
}

function isPNGDrag(e) {
  return [...(e.dataTransfer?.items ?? [])].some((it) => it.kind === 'file' && it.type === 'image/png');
}

// Others' drop zones (the edit panel, the checkpoint import) handle their
// own drops; only the rest of the page restores settings.
const ownZone = (target) => target instanceof Element && target.closest('#edit-panel, .import-zone');

async function dropped(e) {
  if (e.defaultPrevented || ownZone(e.target)) return;
  const file = [...(e.dataTransfer?.files ?? [])].find((f) => f.type === 'image/png' || /\.png$/i.test(f.name));
  if (!file) return;
  e.preventDefault();
  let settings = null;
  try {
    settings = fromPNGText(readPNGText(new Uint8Array(await file.arrayBuffer())));
  } catch (err) {
    say(`${file.name}: ${err.message || err}`, true);
    return;
  }
  if (!settings) {
    say(`${file.name} carries no WebGLIDE settings (no glide:seed text chunk), so nothing was restored.`, true);
    return;
  }
  fill(settings);
  say(`Settings restored from ${file.name} (seed ${settings.seed}).`);
}

if (button) {
  button.addEventListener('click', copy);
  document.addEventListener('webglide:done', ({ detail: { req, data } }) => {
    let s = null;
    try { s = data.images[0]?.png ? fromPNGText(readPNGText(data.images[0].png)) : null; } catch { /* below */ }
    last = s ?? { ...read(), prompt: req.prompt, seed: String(data.seed), guidance: req.guidance,
      steps: req.steps, upsampleSteps: req.upsampleSteps, batch: req.batch };
  });
  document.addEventListener('dragover', (e) => { if (!ownZone(e.target) && isPNGDrag(e)) e.preventDefault(); });
  document.addEventListener('drop', dropped);
  window.addEventListener('hashchange', applyHash);
  // After app.js has set up the form (this module is evaluated before
  // app.js's own code runs), so the link's values win over its defaults.
  setTimeout(applyHash, 0);
}
