// WebGLIDE's shard store, inside the compute worker (a classic script that
// site/worker.js loads before the Go program; the Go side reaches it as
// self.webglideStore, see wasm/cmd/worker/store_js.go).
//
// Shards live in the Origin Private File System, folder "webglide-shards",
// each file named by its sha256 in hex, so bundles sharing a shard share
// the file. A download goes to "<sha>.part" through an exclusive sync
// access handle, resumes with "Range: bytes=N-" from the bytes already
// there (after a reload, a drop, a crash), and is renamed to "<sha>" only
// after its sha256 matched the manifest: nothing unverified is ever read as
// good. Every session verifies a stored shard again before it is used; a
// corrupt one is deleted and fetched again. Web Locks keep two tabs from
// writing the same shard. Without OPFS (or when the page asks to run
// without storing) shards are only held in memory, verified the same way.
// browser-app.md §1 has the facts behind this.
'use strict';

(() => {
  const DIR = 'webglide-shards';
  const MAX_ATTEMPTS = 6; // per shard, for transient failures
  const BACKOFF_MS = 500; // doubled per attempt
  const FLUSH_EVERY = 2 << 20; // bytes written between flushes of a .part

  // StoreError carries a code that the Go side maps to a glide error kind:
  // 'bad-weights' (the server's bytes are not the shard), 'network'
  // (retrying later may help), 'not-found' (404/403/410: retrying cannot
  // help), 'quota' (the origin's storage is full), 'storage' (OPFS failed),
  // 'busy' (unused: another tab's download is waited for).
  class StoreError extends Error {
    constructor(code, message, extra = {}) {
      super(message);
      this.code = code;
      Object.assign(this, extra);
    }
  }

  let dirPromise = null;
  // verified holds the shas checked in this session (fresh downloads and
  // stored shards already read once), so a prefetched shard is not hashed
  // twice before its upload.
  const verified = new Set();

  // dir returns the store folder, or null where OPFS is missing.
  function dir() {
    if (!dirPromise) {
      dirPromise = (async () => {
        if (!self.navigator?.storage?.getDirectory || !self.FileSystemFileHandle?.prototype?.createSyncAccessHandle) return null;
        try {
          const root = await navigator.storage.getDirectory();
          return await root.getDirectoryHandle(DIR, { create: true });
        } catch (err) {
          dirPromise = null; // ask again next time
          if (isQuota(err)) {
            throw new StoreError('quota', `the browser's storage for this site is full: even the store's folder cannot be made (${err.message || err.name})`);
          }
          console.warn('WebGLIDE: no Origin Private File System here:', err);
          return null;
        }
      })();
    }
    return dirPromise;
  }

  async function fileOrNull(d, name) {
    try {
      return await d.getFileHandle(name);
    } catch (err) {
      if (err.name === 'NotFoundError' || err.name === 'TypeError') return null;
      throw err;
    }
  }

  async function remove(d, name) {
    try {
      await d.removeEntry(name);
    } catch (err) {
      if (err.name !== 'NotFoundError') throw err;
    }
  }

  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  async function sha256(bytes) {
    return hex(await crypto.subtle.digest('SHA-256', bytes));
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const MB = (n) => `${(n / 1e6).toFixed(1)} MB`;

  function isQuota(err) {
    return err && (err.name === 'QuotaExceededError' || /quota/i.test(err.message || ''));
  }

  // notShard explains a complete response whose hash is wrong.
  function notShard(s, contentType, head) {
    const looksHTML = /text\/html/i.test(contentType || '') || /^\s*</.test(new TextDecoder().decode(head));
    const what = looksHTML ? `an HTML page (Content-Type ${contentType || 'none'}), not the shard: a fallback page or a captive portal answered for it`
      : 'bytes whose sha256 does not match the manifest';
    return new StoreError('bad-weights', `shard ${s.file} at ${s.url}: sha256 mismatch (corrupt): the server sent ${what}`);
  }

  // fetchFrom requests s.url from byte offset `from` (0: the whole file).
  async function fetchFrom(s, from) {
    if (s.url.startsWith('store:')) {
      throw new StoreError('bad-weights', `shard ${s.file} of an imported bundle is no longer in the store: import the checkpoint again`);
    }
    const headers = from > 0 ? { Range: `bytes=${from}-` } : {};
    let res;
    try {
      res = await fetch(s.url, { headers, cache: 'no-store' });
    } catch (err) {
      throw new StoreError('network', `shard ${s.file} at ${s.url}: ${err.message || err}`, { transient: true });
    }
    if (res.status === 404 || res.status === 403 || res.status === 410) {
      res.body?.cancel();
      throw new StoreError('not-found', `shard ${s.file} at ${s.url}: HTTP ${res.status} ${res.statusText}`);
    }
    if (res.status === 416) {
      res.body?.cancel();
      return { res, start: from, complete: true };
    }
    if (res.status !== 200 && res.status !== 206) {
      res.body?.cancel();
      throw new StoreError('network', `shard ${s.file} at ${s.url}: HTTP ${res.status} ${res.statusText}`, { transient: res.status >= 500 || res.status === 429 });
    }
    if (res.headers.get('Content-Encoding') && !/^identity$/i.test(res.headers.get('Content-Encoding'))) {
      res.body?.cancel();
      throw new StoreError('bad-weights', `shard ${s.file} at ${s.url}: served with Content-Encoding ${res.headers.get('Content-Encoding')}; shards must be served as they are (no compression), or byte offsets are wrong`);
    }
    let start = 0;
    if (res.status === 206) {
      // Content-Range: bytes START-END/TOTAL. Cross-origin it needs
      // Access-Control-Expose-Headers: Content-Range.
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('Content-Range') || '');
      if (!m || Number(m[1]) !== from) {
        res.body?.cancel();
        return fetchFrom(s, 0); // a range we did not ask for: start over
      }
      start = from;
    }
    return { res, start, complete: false };
  }

  // download fetches shard s into `sink` ({size, write(chunk, at),
  // truncate(n), flush()}), resuming from sink.size, retrying transient
  // failures with backoff. It returns the Content-Type of the last response.
  async function download(s, sink, progress) {
    let contentType = '';
    let fresh = 0; // bytes fetched in this call
    for (let attempt = 1; ; attempt++) {
      let pos = sink.size();
      if (pos > s.bytes) { sink.truncate(0); pos = 0; }
      if (pos === s.bytes) return contentType;
      try {
        const { res, start, complete } = await fetchFrom(s, pos);
        if (complete) return contentType;
        contentType = res.headers.get('Content-Type') || '';
        if (start !== pos) { sink.truncate(0); pos = 0; }
        const reader = res.body.getReader();
        let sinceFlush = 0;
        let head = null; // the body's first bytes, to say what it was
        for (;;) {
          let r;
          try {
            r = await reader.read();
          } catch (err) {
            throw new StoreError('network', `shard ${s.file} at ${s.url}: the download broke off after ${MB(pos)} of ${MB(s.bytes)}: ${err.message || err}`, { transient: true });
          }
          if (r.done) break;
          head ??= r.value.slice(0, 64);
          if (pos + r.value.byteLength > s.bytes) {
            reader.cancel();
            sink.truncate(0);
            throw notShard(s, contentType, head);
          }
          sink.write(r.value, pos);
          pos += r.value.byteLength;
          fresh += r.value.byteLength;
          sinceFlush += r.value.byteLength;
          if (sinceFlush >= FLUSH_EVERY) { sink.flush(); sinceFlush = 0; }
          progress(pos, false);
        }
        sink.flush();
        if (pos < s.bytes && start === 0) {
          // A whole answer, shorter than the shard: not the shard.
          sink.truncate(0);
          throw notShard(s, contentType, head || new Uint8Array());
        }
        if (pos < s.bytes) {
          throw new StoreError('network', `shard ${s.file} at ${s.url}: the response ended after ${MB(pos)} of ${MB(s.bytes)}`, { transient: true });
        }
        return contentType;
      } catch (err) {
        if (isQuota(err)) throw quotaError(s, err);
        if (!(err instanceof StoreError) || !err.transient || attempt >= MAX_ATTEMPTS) {
          if (err instanceof StoreError && err.transient) err.message += ` (gave up after ${attempt} attempts)`;
          throw err;
        }
        await sleep(BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  function quotaError(s, err) {
    return new StoreError('quota', `the browser's storage for this site is full while storing shard ${s.file} (${err.message || err.name})`);
  }

  // opfsSink wraps a sync access handle.
  function opfsSink(h) {
    return {
      size: () => h.getSize(),
      write: (chunk, at) => {
        const n = h.write(chunk, { at });
        if (n !== chunk.byteLength) throw new DOMException(`wrote ${n} of ${chunk.byteLength} bytes`, 'QuotaExceededError');
      },
      truncate: (n) => h.truncate(n),
      flush: () => h.flush(),
    };
  }

  // memorySink keeps the bytes in one buffer (no storage).
  function memorySink(bytes) {
    const buf = new Uint8Array(bytes);
    let size = 0;
    return {
      buf,
      size: () => size,
      write: (chunk, at) => { buf.set(chunk, at); size = at + chunk.byteLength; },
      truncate: (n) => { size = n; },
      flush: () => {},
    };
  }

  // Two reusable shard buffers (the shard being uploaded and the next one
  // being verified): reading from the store then leaves no fresh 64 MiB
  // ArrayBuffer per shard for the garbage collector to find late. The Go
  // side hands a shard's bytes back with release() after its upload.
  const pool = [];
  function take(n) {
    const i = pool.findIndex((b) => b.byteLength >= n);
    return new Uint8Array(i >= 0 ? pool.splice(i, 1)[0] : new ArrayBuffer(n), 0, n);
  }
  function release(view) {
    if (view?.buffer instanceof ArrayBuffer && view.buffer.byteLength >= (1 << 20) && pool.length < 2 && !pool.includes(view.buffer)) {
      pool.push(view.buffer);
    }
  }

  // readFile reads a stored file of `bytes` bytes into a pooled buffer
  // (through a sync handle; File.arrayBuffer where another tab holds it).
  async function readFile(handle, bytes) {
    const file = await handle.getFile();
    if (file.size !== bytes) return null;
    let h;
    try {
      h = await handle.createSyncAccessHandle();
    } catch {
      return new Uint8Array(await file.arrayBuffer());
    }
    try {
      const buf = take(bytes);
      if (h.read(buf, { at: 0 }) !== bytes) { release(buf); return null; }
      return buf;
    } finally {
      h.close();
    }
  }

  // shard returns the verified bytes of shard s = {url, sha, bytes, file},
  // from the store when it holds it (checked again), else downloaded into
  // it. opts: {store: false} to keep it in memory only; {keep: false} to
  // only make sure it is stored (returns null). progress(loaded, fromStore)
  // reports bytes.
  // A prefetch (keep: false) keeps the one shard it read for the shard()
  // call that follows it, so that the shard is read and hashed once.
  const prefetched = new Map(); // sha → verified bytes
  function keepOrDrop(s, bytes, opts) {
    if (opts.keep !== false) return bytes;
    if (bytes && prefetched.size === 0) prefetched.set(s.sha, bytes);
    else release(bytes);
    return null;
  }

  async function shard(s, opts = {}, progress = () => {}) {
    if (opts.keep !== false && prefetched.has(s.sha)) {
      const bytes = prefetched.get(s.sha);
      prefetched.delete(s.sha);
      progress(s.bytes, true);
      return bytes;
    }
    const d = await dir();
    if (d) {
      // What is stored and verified is used even when not storing more.
      const stored = await readStored(d, s);
      if (stored) {
        progress(s.bytes, true);
        return keepOrDrop(s, stored, opts);
      }
    }
    if (!d || opts.store === false) {
      const sink = memorySink(s.bytes);
      const ct = await download(s, sink, (n) => progress(n, false));
      const sum = await sha256(sink.buf);
      if (sum !== s.sha) throw notShard(s, ct, sink.buf.subarray(0, 64));
      return sink.buf;
    }
    const bytes = await withLock(s, () => fetchToStore(d, s, progress));
    return keepOrDrop(s, bytes, opts);
  }

  // readStored reads and verifies the stored <sha>; a corrupt or wrong-size
  // file is deleted (so it is fetched again) and null returned.
  async function readStored(d, s) {
    const h = await fileOrNull(d, s.sha);
    if (!h) return null;
    const bytes = await readFile(h, s.bytes);
    if (bytes && (verified.has(s.sha) || (await sha256(bytes)) === s.sha)) {
      verified.add(s.sha);
      return bytes;
    }
    release(bytes);
    console.warn(`WebGLIDE: stored shard ${s.sha} (${s.file}) is corrupt; fetching it again`);
    verified.delete(s.sha);
    await remove(d, s.sha);
    return null;
  }

  // withLock runs fn holding the Web Lock of shard s, so that two tabs
  // never write the same shard; the second one waits and says so.
  async function withLock(s, fn) {
    if (!self.navigator?.locks) return fn();
    const name = `webglide-shard-${s.sha}`;
    let ran = false;
    const result = await navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return undefined;
      ran = true;
      return fn();
    });
    if (ran) return result;
    self.postMessage({ type: 'store-wait', file: s.file, message: `Another tab is downloading shard ${s.file}; waiting for it to finish.` });
    return navigator.locks.request(name, fn);
  }

  async function fetchToStore(d, s, progress) {
    const already = await readStored(d, s); // another tab may have finished it
    if (already) { progress(s.bytes, true); return already; }
    const part = `${s.sha}.part`;
    for (let round = 1; ; round++) {
      const ph = await d.getFileHandle(part, { create: true });
      let h;
      for (let tries = 1; !h; tries++) {
        try {
          h = await ph.createSyncAccessHandle();
        } catch (err) {
          // A worker of this page that was just reloaded away may still
          // hold it for a moment; another tab holds it longer.
          if (err.name === 'NoModificationAllowedError' && tries < 10) {
            await sleep(300 * tries);
            continue;
          }
          if (err.name === 'NoModificationAllowedError') {
            throw new StoreError('storage', `shard ${s.file}: its partial download is open in another tab of this site; close that tab or wait for it`);
          }
          throw new StoreError('storage', `shard ${s.file}: cannot open the store: ${err.message || err}`);
        }
      }
      let bytes;
      let resumed;
      let ct;
      try {
        resumed = h.getSize() > 0;
        ct = await download(s, opfsSink(h), (n) => progress(n, false));
        bytes = take(s.bytes);
        const n = h.read(bytes, { at: 0 });
        if (n !== s.bytes) { release(bytes); bytes = null; }
      } catch (err) {
        h.close();
        h = null;
        if (err.code === 'bad-weights') await remove(d, part); // keep no answer that is not the shard
        throw err;
      } finally {
        h?.close();
      }
      const ok = bytes && (await sha256(bytes)) === s.sha;
      if (!ok) {
        const head = bytes ? bytes.slice(0, 64) : new Uint8Array();
        release(bytes);
        bytes = head;
        await remove(d, part);
        if (resumed && round === 1) continue; // the kept prefix may be stale: once more from zero
        throw notShard(s, ct, bytes ? bytes.subarray(0, 64) : new Uint8Array());
      }
      try {
        await ph.move(s.sha);
      } catch (err) {
        release(bytes);
        if (isQuota(err)) throw quotaError(s, err);
        throw new StoreError('storage', `shard ${s.file}: cannot rename ${part} to its final name: ${err.message || err}`);
      }
      verified.add(s.sha);
      return bytes;
    }
  }

  // status says, per shard {sha, bytes}, how much is stored: bytes for a
  // verified file (its name), the .part size otherwise (0: missing).
  // dirOrNull is dir() where a full store reads as an empty one.
  async function dirOrNull() {
    try {
      return await dir();
    } catch (err) {
      if (err.code === 'quota') return null;
      throw err;
    }
  }

  async function status(list) {
    const d = await dirOrNull();
    if (!d) return list.map(() => 0);
    return Promise.all(list.map(async (s) => {
      if (await fileOrNull(d, s.sha)) return s.bytes;
      const p = await fileOrNull(d, `${s.sha}.part`);
      return p ? Math.min((await p.getFile()).size, s.bytes - 1) : 0;
    }));
  }

  // info describes the store: its backend, the bytes in it, the origin's
  // usage and quota.
  async function info() {
    const d = await dirOrNull();
    let stored = 0;
    let files = 0;
    if (d) {
      for await (const h of d.values()) {
        if (h.kind !== 'file') continue;
        try { stored += (await h.getFile()).size; files++; } catch { /* being written */ }
      }
    }
    const est = (await self.navigator?.storage?.estimate?.().catch(() => null)) || {};
    return {
      backend: d ? 'opfs' : 'memory',
      note: d ? 'weights are kept in this browser (Origin Private File System)'
        : 'this browser has no Origin Private File System in workers: weights are kept in memory only and downloaded again on every visit',
      stored, files, usage: est.usage ?? -1, quota: est.quota ?? -1,
    };
  }

  // clear deletes every stored shard and partial download; files open in
  // another tab are skipped and counted.
  async function clear() {
    const d = await dir();
    if (!d) return 0;
    const names = [];
    for await (const [name] of d.entries()) names.push(name);
    let busy = 0;
    for (const name of names) {
      try { await d.removeEntry(name); } catch (err) { if (err.name !== 'NotFoundError') busy++; }
    }
    verified.clear();
    for (const b of prefetched.values()) release(b);
    prefetched.clear();
    const m = await manifests();
    for await (const [name] of m.entries()) {
      try { await m.removeEntry(name); } catch (err) { if (err.name !== 'NotFoundError') busy++; }
    }
    return busy;
  }

  // Imported bundles: their manifests, by bundle name, in their own folder.
  const MANIFESTS = 'webglide-imported';
  async function manifests() {
    const root = await navigator.storage.getDirectory();
    return root.getDirectoryHandle(MANIFESTS, { create: true });
  }

  async function putManifest(name, text) {
    if (!(await dir())) throw new StoreError('storage', 'importing needs the Origin Private File System, which this browser does not offer to workers');
    const h = await (await manifests()).getFileHandle(`${name}.json`, { create: true });
    const sh = await h.createSyncAccessHandle();
    try {
      const b = new TextEncoder().encode(text);
      sh.truncate(0);
      sh.write(b, { at: 0 });
      sh.flush();
    } catch (err) {
      if (isQuota(err)) throw new StoreError('quota', `the browser's storage for this site is full while storing the ${name} manifest`);
      throw err;
    } finally {
      sh.close();
    }
  }

  async function getManifest(name) {
    if (!(await dirOrNull())) return null;
    const h = await fileOrNull(await manifests(), `${name}.json`);
    return h ? (await h.getFile()).text() : null;
  }

  // beginImport starts a shard written by the converter: write(chunk)
  // appends, commit() verifies what was written (its sha256, computed from
  // the stored bytes) and names the file by it, resolving to the sha.
  async function beginImport() {
    const d = await dir();
    if (!d) throw new StoreError('storage', 'importing needs the Origin Private File System, which this browser does not offer to workers');
    const part = `import-${crypto.randomUUID()}.part`;
    const ph = await d.getFileHandle(part, { create: true });
    const h = await ph.createSyncAccessHandle();
    let pos = 0;
    let open = true;
    const fail = async (err) => {
      if (open) { h.close(); open = false; }
      await remove(d, part);
      if (isQuota(err)) throw new StoreError('quota', `the browser's storage for this site is full while importing (${MB(pos)} of this shard written)`);
      throw err;
    };
    return {
      async write(chunk) {
        try {
          const n = h.write(chunk, { at: pos });
          if (n !== chunk.byteLength) throw new DOMException(`wrote ${n} of ${chunk.byteLength} bytes`, 'QuotaExceededError');
          pos += n;
        } catch (err) {
          await fail(err);
        }
      },
      async commit() {
        let bytes;
        try {
          h.flush();
          bytes = new Uint8Array(pos);
          h.read(bytes, { at: 0 });
        } catch (err) {
          await fail(err);
        }
        h.close();
        open = false;
        const sha = await sha256(bytes);
        if (await fileOrNull(d, sha)) {
          await remove(d, part); // the same shard is stored already
        } else {
          await ph.move(sha);
        }
        verified.add(sha);
        return sha;
      },
    };
  }

  // persist asks the browser to keep the store under storage pressure.
  async function persist() {
    try {
      return (await self.navigator?.storage?.persist?.()) ?? false;
    } catch {
      return false; // workers may lack persist(): the page asks too
    }
  }

  self.webglideStore = { shard, release, status, info, clear, persist, beginImport, putManifest, getManifest, StoreError };
})();
