// The service worker's side in the page: registers sw.js (at the site's
// root, beside index.html, so it works at any path prefix), shows "A new
// version is ready" with "Reload to update" when a new build has
// installed in the background, and the offline line.
//
// Updates never swap a page under a running generation: the new service
// worker waits (site/sw.js does not skip waiting by itself) until the
// person clicks "Reload to update"; while an image is being generated
// (the form is aria-busy) the click is held until it is done. Then the
// page posts {type: 'skip-waiting'} to the new worker and reloads on
// controllerchange, so no page runs old code against the new cache. A tab
// whose controller changed because another tab updated offers the reload
// too.

const $ = (id) => document.getElementById(id);
const banner = $('update-banner');
const bannerText = $('update-text');
const reloadBtn = $('update-reload');
const offline = $('offline-line');
const form = $('form');

const UPDATE_EVERY_MS = 30 * 60 * 1000; // also on every return to the tab

let waiting = null; // the installed new service worker
let asked = false; // this page asked for the update

const busy = () => form?.getAttribute('aria-busy') === 'true';

function showBanner(text) {
  bannerText.textContent = text;
  banner.hidden = false;
}

// whenIdle runs fn now, or once the running generation has ended.
function whenIdle(fn) {
  if (!busy()) { fn(); return; }
  showBanner('A new version is ready. It is applied when this image is done.');
  reloadBtn.disabled = true;
  const mo = new MutationObserver(() => {
    if (busy()) return;
    mo.disconnect();
    reloadBtn.disabled = false;
    fn();
  });
  mo.observe(form, { attributes: true, attributeFilter: ['aria-busy'] });
}

function apply() {
  asked = true;
  whenIdle(() => {
    if (waiting) {
      bannerText.textContent = 'Updating…';
      waiting.postMessage({ type: 'skip-waiting' });
    } else {
      location.reload(); // another tab activated it already
    }
  });
}

function offer(worker) {
  waiting = worker;
  showBanner('A new version is ready.');
}

// unreachable: the last update check could not reach the site's server
// (the browser may still say it is online: a server that is down, a
// captive network).
let unreachable = false;

function setOffline() {
  if (!offline) return;
  const off = !navigator.onLine;
  offline.hidden = !off && !unreachable;
  const rest = 'The page works from this device: it generates with the weights stored here; weights not stored yet need the network once.';
  offline.textContent = off ? `You are offline. ${rest}`
    : unreachable ? `The site's server cannot be reached right now. ${rest}` : '';
}

async function register() {
  if (!('serviceWorker' in navigator)) return;
  const url = new URL('../sw.js', import.meta.url);
  const scope = new URL('../', import.meta.url);
  let reg;
  try {
    reg = await navigator.serviceWorker.register(url, { scope: scope.pathname });
  } catch (err) {
    console.warn('WebGLIDE: the service worker is not registered, so the page needs the network to load:', err);
    return;
  }
  const hadController = !!navigator.serviceWorker.controller;
  if (reg.waiting && hadController) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => {
      if (w.state === 'installed' && navigator.serviceWorker.controller) offer(w);
      if (w.state === 'activated' && !hadController) document.documentElement.dataset.offlineReady = 'true';
    });
  });
  if (reg.active && hadController) document.documentElement.dataset.offlineReady = 'true';
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController) return; // the first install taking over: nothing changed
    if (asked) { location.reload(); return; }
    waiting = null;
    showBanner('A new version was installed from another tab.');
  });
  const check = () => reg.update().then(
    () => { unreachable = false; setOffline(); },
    (err) => { unreachable = err?.name === 'TypeError' || !navigator.onLine; setOffline(); });
  setInterval(check, UPDATE_EVERY_MS);
  if (hadController) check(); // a page served from the cache: is the server there?
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
}

if (banner) {
  reloadBtn.addEventListener('click', apply);
  window.addEventListener('online', setOffline);
  window.addEventListener('offline', setOffline);
  setOffline();
  register();
}
