// Two origins for the <glide-image> tests (e2e/widget.test.mjs):
//   B, the widget's host: the repository's site/ and build/ (the worker
//     wasm) plus the tiny bundles as weights/ beside them (the widget's
//     default weights URL), served by startWeights (e2e/static.mjs: CORS,
//     Range, counted shard bytes) — a module script and the wasm fetched
//     from another origin need CORS;
//   A, the embedding site: in-memory pages sent with a
//     Content-Security-Policy header.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './serve.mjs';
import { startWeights } from './static.mjs';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');

// csp is the strictest policy the widget works under (README, "Embedding").
export const csp = (b) => `script-src ${b} 'wasm-unsafe-eval'; worker-src blob:; connect-src ${b}`;

// startB converts the tiny models into a temporary folder next to links
// to site/ and build/, and serves it.
export async function startB() {
  for (const f of ['build/glide', 'build/webglide.wasm', 'build/wasm_exec.js', 'build/webgpu-encode.js', 'site/widget.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run make build first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-widget-'));
  for (const [kase, pt, name] of [
    ['tiny_base_model', 'tiny-base.pt', 'base'],
    ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample'],
  ]) {
    execFileSync(path.join(ROOT, 'build', 'glide'), ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(dir, 'weights', name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const links = ['site', 'build'].map((d) => path.join(dir, d));
  for (const l of links) fs.symlinkSync(path.join(ROOT, path.basename(l)), l);
  const srv = await startWeights(dir);
  const bundleBytes = ['base', 'upsample'].flatMap((b) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'weights', b, 'manifest.json'), 'utf8')).shards)
    .reduce((n, s) => n + s.bytes, 0);
  const stop = srv.stop;
  srv.stop = async () => {
    await stop();
    for (const l of links) fs.unlinkSync(l); // the links only, never what they point to
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return Object.assign(srv, { bundleBytes });
}

// startA serves pages ({path: html or css text}) with the CSP header
// headers['Content-Security-Policy'] and records the paths asked for.
export function startA(pages, headers = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    requests.push(p);
    if (!(p in pages)) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    const type = p.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...headers }).end(pages[p]);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const stop = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, requests, stop });
    });
  });
}
