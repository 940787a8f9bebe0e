// WebGLIDE's service worker: the app shell offline. This file is a
// template: the sw.js served at the site's root is this file behind one
// line `const SHELL = {version, files}` (internal/shell; make site writes
// dist/sw.js, glide serve makes it per request), so every build with other
// content is a new service worker with a new cache.
//
// - install: precache the shell (page, scripts, styles, wasm,
//   wasm_exec.js, manifest, icons) into "webglide-shell:<scope path>:<version>"
//   (cache.addAll is all or nothing). A new version then waits: it is not
//   swapped under an open page; the page (site/ui-update.js) shows "A new
//   version is ready" and posts {type: 'skip-waiting'} when the person
//   clicks "Reload to update", then reloads on controllerchange.
// - activate: delete this app's other shell caches (same scope path, other
//   versions); other apps' caches on the origin stay.
// - fetch: shell files cache-first; navigations to the page (any query or
//   hash) get the cached index.html. Everything else, the weights above
//   all, is not routed (no respondWith): the compute worker reads weights
//   from its own store, and browsers stop service workers that stream
//   long bodies (browser-app.md §2).
'use strict';

if (typeof SHELL === 'undefined') {
  throw new Error('site/sw.js is the service worker template: register the sw.js that make site or glide serve writes at the site root');
}

const SCOPE = new URL('./', self.location).href; // the site's root: sw.js lives there
const APP = `webglide-shell:${new URL(SCOPE).pathname}:`;
const CACHE = APP + SHELL.version;
const INDEX = new URL('index.html', SCOPE).href;
const FILES = new Set(SHELL.files.map((f) => new URL(f, SCOPE).href));

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // no-cache: the names are not hashed, so the HTTP cache may hold an
    // older build's bytes; revalidate each one.
    await cache.addAll([...FILES].map((url) => new Request(url, { cache: 'no-cache' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(APP) && name !== CACHE) await caches.delete(name);
    }
  })());
});

self.addEventListener('message', (event) => {
  const type = event.data?.type;
  if (type === 'skip-waiting') self.skipWaiting();
  if (type === 'version') event.source?.postMessage({ type: 'version', version: SHELL.version, cache: CACHE });
});

// shellKey returns the cache key of a request for a shell file, or null.
function shellKey(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  const bare = url.origin + url.pathname;
  if (request.mode === 'navigate' && (bare === SCOPE || bare === INDEX)) return INDEX;
  // With a query it is the same file (worker.js reads its own: ?backend=,
  // ?faults=); the fetch handler keeps the query in the answer's URL.
  if (FILES.has(bare)) return bare;
  return null;
}

self.addEventListener('fetch', (event) => {
  const key = shellKey(event.request);
  if (!key) return; // not the shell (weights, other origins): the network, untouched
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (!hit) return fetch(event.request);
    // A worker's location is its script response's URL: a cached response
    // keeps the bare URL it was stored under, so worker.js would lose its
    // query (?backend=, ?faults=). A response made here has no URL of its
    // own, and the browser gives it the request's.
    if (event.request.mode === 'navigate' || key === event.request.url) return hit;
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
  })());
});
