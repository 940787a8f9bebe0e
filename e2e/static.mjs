// Plain static file servers for the store tests: one serves dist/ (the
// static site, as any host would), the other a weights folder on a second
// origin with CORS, the way a CDN or a bucket serves published bundles.
// The weights server counts the shard bytes it sent and can misbehave on
// request: cut a shard's response mid-body, answer a shard with 200 and an
// HTML page, or send slowly (so that a test can reload mid-download).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json',
};

// resolve maps a URL path to a file under root, or null.
function resolve(root, urlPath) {
  let p;
  try {
    p = decodeURIComponent(new URL(urlPath, 'http://x').pathname);
  } catch {
    return null;
  }
  if (p.endsWith('/')) p += 'index.html';
  const file = path.join(root, path.normalize(p));
  if (!file.startsWith(path.resolve(root) + path.sep)) return null;
  try {
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

function listen(handler) {
  const server = http.createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      const stop = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
      resolve({ url, stop });
    });
  });
}

// startStatic serves the files under root, nothing else. prefix (e.g.
// '/tools/glide/') serves them under that path instead of '/'; the
// returned url then ends with it.
export async function startStatic(root, { prefix = '/' } = {}) {
  const srv = await listen((req, res) => {
    const under = req.url.startsWith(prefix) ? `/${req.url.slice(prefix.length)}` : null;
    const file = under === null ? null : resolve(root, under);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });
  return { ...srv, url: srv.url.replace(/\/$/, prefix) };
}

// startWeights serves the weights folder dir with CORS and Range. The
// returned object's fields steer it:
//   shardBytes     body bytes of *.bin responses sent so far (reset it freely)
//   shardRequests  [{path, range, status}] of *.bin requests
//   cut            {match: 'base/0000.bin', after: N}: the next matching
//                  response is cut after N body bytes (then cleared)
//   html           a Set of paths answered 200 with an HTML page
//   rate           bytes per second for shard bodies (0: as fast as it goes)
//   notFound       true: every request gets 404 (a URL without bundles)
export async function startWeights(dir) {
  const ctl = { shardBytes: 0, shardRequests: [], cut: null, html: new Set(), rate: 0, notFound: false };
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Content-Range, Content-Length',
  };
  const srv = await listen(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': 'Range', 'Access-Control-Allow-Methods': 'GET, HEAD' }).end();
      return;
    }
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const isShard = rel.endsWith('.bin');
    if (ctl.html.has(rel)) {
      res.writeHead(200, { ...cors, 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Not here</title><p>This page is the fallback of a single-page app.</p>');
      if (isShard) ctl.shardRequests.push({ path: rel, range: req.headers.range || '', status: 200 });
      return;
    }
    const file = ctl.notFound ? null : resolve(dir, req.url);
    if (!file) {
      res.writeHead(404, { ...cors, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const size = fs.statSync(file).size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const headers = { ...cors, 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (m) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
      if (start >= size) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    if (isShard) ctl.shardRequests.push({ path: rel, range: req.headers.range || '', status });
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return res.end();
    let cutAt = Infinity;
    if (isShard && ctl.cut && rel === ctl.cut.match) {
      cutAt = ctl.cut.after;
      ctl.cut = null;
    }
    let closed = false;
    const gone = new Promise((r) => res.once('close', () => { closed = true; r(); }));
    const fd = fs.openSync(file, 'r');
    try {
      const CHUNK = 64 << 10;
      const buf = Buffer.alloc(CHUNK);
      let pos = start;
      let sent = 0;
      while (pos <= end && !closed) {
        const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, end + 1 - pos, cutAt - sent), pos);
        if (n <= 0) break;
        const ok = res.write(buf.subarray(0, n));
        pos += n;
        sent += n;
        if (isShard) ctl.shardBytes += n;
        if (sent >= cutAt) {
          // Cut mid-body: the client sees the connection drop.
          await new Promise((r) => setTimeout(r, 50));
          res.socket?.destroy();
          return;
        }
        if (!ok) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
        if (ctl.rate > 0) await new Promise((r) => setTimeout(r, (1000 * n) / ctl.rate));
      }
      res.end();
    } finally {
      fs.closeSync(fd);
    }
  });
  return Object.assign(ctl, srv);
}
