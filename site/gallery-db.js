// The gallery's storage: finished images with how they were made, in
// IndexedDB (database "webglide-gallery", store "images"), so they survive
// reloads and work offline. An entry is {id, created, prompt, seed,
// guidance, steps, upsampleSteps, batch, index, mode, weights, width,
// height, png: Blob}; ids grow with time, so the smallest is the oldest.
// At most MAX entries are kept: add() drops the oldest beyond it.

export const MAX = 200;
const DB = 'webglide-gallery';
const STORE = 'images';

let dbPromise = null;

function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`the gallery's database cannot be opened: ${req.error?.message || req.error}`));
    req.onblocked = () => reject(new Error('the gallery\'s database is blocked by another tab of this page: close it and reload'));
  });
  return dbPromise;
}

const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

async function tx(mode, fn) {
  const t = (await db()).transaction(STORE, mode);
  const result = await fn(t.objectStore(STORE));
  await new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('the gallery transaction was aborted'));
  });
  return result;
}

// add stores entries (one transaction) and drops the oldest beyond MAX;
// it returns how many were dropped.
export async function add(entries, max = MAX) {
  return tx('readwrite', async (s) => {
    for (const e of entries) s.add(e);
    const n = await done(s.count());
    let dropped = 0;
    if (n > max) {
      const keys = await done(s.getAllKeys(null, n - max)); // ascending: the oldest first
      for (const k of keys) s.delete(k);
      dropped = keys.length;
    }
    return dropped;
  });
}

// list returns every entry, newest first.
export async function list() {
  const all = await tx('readonly', (s) => done(s.getAll()));
  return all.reverse();
}

export async function remove(id) {
  await tx('readwrite', (s) => done(s.delete(id)));
}

export async function clear() {
  await tx('readwrite', (s) => done(s.clear()));
}
