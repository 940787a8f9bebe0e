// Two origins for the <glide-image> tests (e2e/widget.test.mjs):
//   B, the widget's host: the repository's site/ and build/ (the worker
//     wasm) plus the tiny bundles as weights/ beside them (the widget's
//     default weights URL), served by startWeights (e2e/static.mjs: CORS,
//     Range, counted shard bytes) — a module script and the wasm fetched
//     from another origin need CORS;
//   A, the embedding site: in-memory pages sent with a
//     Content-Security-Policy header.
import assert from 'node:assert/strict';
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
// to site/ and build/, and serves it. Without upsampler the weights hold
// the base bundle only (64×64 images: the upsampler's 256×256 step takes
// minutes on SwiftShader under load).
export async function startB({ upsampler = true } = {}) {
  for (const f of ['build/glide', 'build/webglide.wasm', 'build/wasm_exec.js', 'build/webgpu-encode.js', 'site/widget.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run make build first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-widget-'));
  const bundles = [['tiny_base_model', 'tiny-base.pt', 'base'], ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample']];
  for (const [kase, pt, name] of upsampler ? bundles : bundles.slice(0, 1)) {
    execFileSync(path.join(ROOT, 'build', 'glide'), ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(dir, 'weights', name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const links = ['site', 'build'].map((d) => path.join(dir, d));
  for (const l of links) fs.symlinkSync(path.join(ROOT, path.basename(l)), l);
  const srv = await startWeights(dir);
  const bundleBytes = (upsampler ? ['base', 'upsample'] : ['base']).flatMap((b) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'weights', b, 'manifest.json'), 'utf8')).shards)
    .reduce((n, s) => n + s.bytes, 0);
  const stop = srv.stop;
  srv.stop = async () => {
    await stop();
    for (const l of links) fs.unlinkSync(l); // the links only, never what they point to
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // absent: what the worker asks for and rightly gets 404 (it probes for
  // the upsampler's manifest).
  const absent = upsampler ? [] : ['/weights/upsample/manifest.json'];
  return Object.assign(srv, { bundleBytes, absent });
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

// openHost opens a.url in a new page of browser and records the glide-*
// events the document sees (in order, n; glide-done's PNG as a later
// {type: 'png', dataURL} entry) through an exposed function, which exists
// before the page loads, so it is no window property the widget added.
// It returns {page, log, errors, events(id, type?), waitFor(pred, what)}.
// absent: paths whose 404 is expected (startB's absent).
export async function openHost(browser, a, absent = []) {
  const page = await (await browser.newContext()).newPage();
  const log = [];
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const p = new URL(r.url()).pathname;
    if (r.status() >= 400 && p !== '/favicon.ico' && !absent.includes(p)) errors.push(`${r.status()}: ${r.url()}`);
  });
  await page.exposeFunction('glideLog', (e) => log.push(e));
  // ?backend=cpu on the host page reaches the widget's worker: the widget
  // is the subject, and the CPU device is faster here than SwiftShader.
  await page.goto(new URL('?backend=cpu', a.url).href);
  await page.evaluate(() => {
    let n = 0;
    for (const type of ['glide-progress', 'glide-done', 'glide-error']) {
      document.addEventListener(type, (e) => {
        const { blob, images, ...rest } = e.detail; // blobs do not cross; the PNG follows below
        window.glideLog({ n: n++, type, id: e.target.id, ...rest, blobType: blob?.type, blobSize: blob?.size, count: images?.length });
        if (blob) {
          const r = new FileReader();
          r.onload = () => window.glideLog({ n: -1, type: 'png', id: e.target.id, dataURL: r.result });
          r.readAsDataURL(blob);
        }
      });
    }
  });
  const events = (id, type) => log.filter((e) => e.id === id && (type ? e.type === type : e.type !== 'png'))
    .sort((x, y) => x.n - y.n);
  const statuses = () => page.evaluate(() => [...document.querySelectorAll('glide-image')]
    .map((el) => `#${el.id}: "${el.shadowRoot?.querySelector('[role=status]')?.textContent}"`).join(', '));
  // waitFor polls until pred() holds; on a timeout it says what the
  // widgets show; a glide-error other than canceled fails at once.
  // GLIDE_E2E_WAIT_S lengthens the default on a slow machine (run node
  // --test with a --test-timeout to match).
  const waitFor = async (pred, what, timeout = 1000 * Number(process.env.GLIDE_E2E_WAIT_S || 480)) => {
    const t0 = Date.now();
    while (!pred()) {
      const failed = log.find((e) => e.type === 'glide-error' && e.kind !== 'canceled');
      if (failed) assert.fail(`${what}: glide-error on #${failed.id}: ${failed.kind}: ${failed.message}`);
      if (Date.now() - t0 > timeout) {
        assert.fail(`${what}: not after ${timeout / 1000} s; ${await statuses()}; errors: ${JSON.stringify(errors)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return { page, log, errors, events, waitFor };
}

// loadWidget adds the README's script element for url's widget.js.
export function loadWidget(page, b) {
  return page.evaluate((src) => {
    const s = document.createElement('script');
    s.type = 'module';
    s.src = src;
    document.head.append(s);
  }, new URL('site/widget.js', b.url).href);
}

// pixelDiff decodes two PNG screenshots in page and returns how many
// pixels differ by more than tol in some channel, and the largest
// difference. (Chromium rasterises a rounded input border with ±1
// antialiasing jitter between two screenshots of the same page; a style
// leaking in changes colours and glyphs by far more.)
export function pixelDiff(page, pngA, pngB, tol = 16) {
  return page.evaluate(async ([a, b, tol]) => {
    const pixels = async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      return { w: bmp.width, h: bmp.height, d: c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data };
    };
    const [x, y] = [await pixels(a), await pixels(b)];
    if (x.w !== y.w || x.h !== y.h) return { sizes: `${x.w}×${x.h} vs ${y.w}×${y.h}`, over: x.w * x.h, max: 255 };
    let over = 0;
    let max = 0;
    for (let i = 0; i < x.d.length; i += 4) {
      const m = Math.max(Math.abs(x.d[i] - y.d[i]), Math.abs(x.d[i + 1] - y.d[i + 1]), Math.abs(x.d[i + 2] - y.d[i + 2]));
      max = Math.max(max, m);
      if (m > tol) over++;
    }
    return { over, max };
  }, [pngA.toString('base64'), pngB.toString('base64'), tol]);
}
