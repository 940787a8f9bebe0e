// Shared setup of the store tests (e2e/store*.test.mjs): the tiny fixture
// bundles converted into a weights folder, dist/ (make site) on a plain
// static server, the weights on a second origin (e2e/static.mjs), and
// helpers that drive the page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../tools/chromium.mjs';
import { ROOT } from './serve.mjs';
import { startStatic, startWeights } from './static.mjs';
import { imagePixels } from './png.mjs';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');
export const DIST = path.join(ROOT, 'dist');

// setup converts the tiny models and starts both servers.
export async function setup() {
  for (const f of ['index.html', 'site/store.js', 'build/webglide.wasm', 'build/wasm_exec.js']) {
    if (!fs.existsSync(path.join(DIST, f))) throw new Error(`dist/${f} is missing: run make site first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-store-'));
  const glide = path.join(ROOT, 'build', 'glide');
  for (const [kase, pt, name] of [
    ['tiny_base_model', 'tiny-base.pt', 'base'],
    ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample'],
  ]) {
    execFileSync(glide, ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(dir, name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const site = await startStatic(DIST);
  const weights = await startWeights(dir);
  const manifests = Object.fromEntries(['base', 'upsample'].map((b) =>
    [b, JSON.parse(fs.readFileSync(path.join(dir, b, 'manifest.json'), 'utf8'))]));
  const bundleBytes = Object.values(manifests).flatMap((m) => m.shards).reduce((n, s) => n + s.bytes, 0);
  const stop = async () => {
    await site.stop();
    await weights.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, site, weights, manifests, bundleBytes, stop };
}

// pageURL is the site with the weights from the other origin, computing
// on the CPU in wasm (?backend=cpu): the store is the subject, and on a
// machine without a GPU the CPU device is several times faster than
// SwiftShader.
export const pageURL = (env, query = {}) =>
  `${env.site.url}?${new URLSearchParams({ weights: env.weights.url, upsample_steps: '1', backend: 'cpu', ...query })}`;

export const genStatus = (page) => page.getByRole('status', { name: 'Generation status' });

// open loads the page in context ctx and waits until it takes requests.
export async function open(ctx, url) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(url, { timeout: 120_000 }); // minutes on a loaded 2-core machine
  await ready(page);
  return { page, errors };
}

export async function ready(page) {
  await assert.doesNotReject(page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled'))
    .waitFor({ timeout: 60_000 }), 'the page never became ready');
}

// startGenerate fills the form (1 base step, seed 7) and clicks Generate.
export async function startGenerate(page, prompt = 'a red apple') {
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  await page.getByRole('spinbutton', { name: 'Steps' }).fill('1');
  await page.getByRole('textbox', { name: 'Seed' }).fill('7');
  await page.getByRole('button', { name: 'Generate' }).click();
}

// imageHash waits for the first result image and returns the sha256 of
// its RGBA pixels.
export async function imageHash(page, prompt = 'a red apple') {
  const img = page.getByRole('img', { name: new RegExp(`^Generated image 1: ${prompt}`) });
  const failed = genStatus(page).filter({ hasText: /^Error/ });
  await Promise.race([
    img.waitFor({ timeout: 420_000 }),
    failed.waitFor({ timeout: 420_000 }).then(async () => { throw new Error(`generation failed: ${await failed.innerText()}`); }),
  ]);
  // The pixels, not the PNG file: its text chunks name the weights URL,
  // which differs between imported and served bundles.
  const [, , bytes] = await img.evaluate(imagePixels);
  return crypto.createHash('sha256').update(Buffer.from(bytes)).digest('hex');
}

// generate runs one generation and returns the image's hash.
export async function generate(page, prompt) {
  await startGenerate(page, prompt);
  return imageHash(page, prompt);
}

// modelState returns {base, upsample} states shown in the Model section.
export async function modelState(page) {
  const items = page.locator('#model-panel li[data-bundle]');
  const out = {};
  for (const li of await items.all()) out[await li.getAttribute('data-bundle')] = await li.getAttribute('data-state');
  return out;
}

// waitModelState waits until the Model section shows the wanted states.
export async function waitModelState(page, want, timeout = 30_000) {
  const t0 = Date.now();
  let got;
  while (Date.now() - t0 < timeout) {
    got = await modelState(page);
    if (Object.entries(want).every(([k, v]) => got[k] === v)) return got;
    await page.waitForTimeout(200);
  }
  assert.deepEqual(got, want, 'the Model section never showed the expected store states');
  return got;
}

// opfsFiles lists the store's files (name → size) through the page's OPFS.
export function opfsFiles(page) {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let d;
    try {
      d = await root.getDirectoryHandle('webglide-shards');
    } catch {
      return {}; // no store yet
    }
    const out = {};
    for await (const [name, h] of d.entries()) out[name] = (await h.getFile()).size;
    return out;
  });
}

// load asks the page's worker to load the models (a "load" request through
// the page's own client module, as Generate would, without generating) and
// resolves to the "loaded" message; a worker error rejects.
export function load(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    import('./site/client.js').then(({ client }) => {
      const id = client.request({ type: 'load' });
      const offs = [
        client.on('loaded', (m) => { if (m.id === id) { offs.forEach((f) => f()); resolve(m); } }),
        client.on('error', (m) => { if (m.id === id) { offs.forEach((f) => f()); reject(new Error(`${m.kind}: ${m.message}`)); } }),
      ];
    });
  }));
}

// persistentContext is a browser context with an on-disk profile (deleted
// by its close): Chromium enforces an overridden quota on OPFS writes there
// (in an off-the-record context a write past the quota only returns a
// bogus count), and storage persists as in a real profile.
export async function persistentContext() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return ctx;
}
