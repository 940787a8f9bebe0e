// Shared setup of the reliability tests (e2e/reliability*.test.mjs,
// e2e/soak.test.mjs, issue 17): the tiny fixture weights (base only: the
// pipeline stops at 64×64, the cheapest run; full: base and upsampler),
// glide serve, the faults build of the worker, and helpers that drive the
// page and read what it said.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, ROOT } from './serve.mjs';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');
const FAULTS_WASM = path.join(ROOT, 'build', 'webglide-faults.wasm');

// setup converts the tiny models into <dir>/base-only/ and <dir>/full/
// and starts glide serve on them. faults: build/webglide-faults.wasm must
// be there and newer than the worker's sources (make wasm-faults).
export async function setup({ faults = false } = {}) {
  if (faults) checkFaultsBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-rel-'));
  const glide = path.join(ROOT, 'build', 'glide');
  for (const [kase, pt, name] of [
    ['tiny_base_model', 'tiny-base.pt', 'base'],
    ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample'],
  ]) {
    execFileSync(glide, ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(dir, 'full', name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  fs.cpSync(path.join(dir, 'full', 'base'), path.join(dir, 'base-only', 'base'), { recursive: true });
  const server = await startServer({ weights: dir });
  const stop = async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url: server.url, stop };
}

// checkFaultsBuild fails with what to run when the faults wasm is missing
// or older than a Go file of the worker or its backend package.
function checkFaultsBuild() {
  if (!fs.existsSync(FAULTS_WASM)) throw new Error('build/webglide-faults.wasm is missing: run make wasm-faults');
  const built = fs.statSync(FAULTS_WASM).mtimeMs;
  const stale = [['wasm', 'cmd', 'worker'], ['wasm', 'cmd', 'internal', 'backend']].flatMap((dir) => {
    const src = path.join(ROOT, ...dir);
    return fs.readdirSync(src).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') &&
      fs.statSync(path.join(src, f)).mtimeMs > built).map((f) => path.join(...dir, f));
  });
  if (stale.length) throw new Error(`build/webglide-faults.wasm is older than ${stale.join(', ')}: run make wasm-faults`);
}

export const genStatus = (page) => page.getByRole('status', { name: 'Generation status' });
export const generateButton = (page) => page.getByRole('button', { name: 'Generate' });

// open loads the page at query in browser context ctx and waits until it
// takes requests. Every text the Generation status shows is kept in
// window.statusLog (a MutationObserver), so that short-lived lines can be
// checked after the fact.
export async function open(ctx, base, query) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.addInitScript(() => {
    window.statusLog = [];
    document.addEventListener('DOMContentLoaded', () => {
      const el = document.getElementById('gen-status');
      new MutationObserver(() => window.statusLog.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.goto(new URL(`?${new URLSearchParams(query)}`, base).href);
  await waitReady(page, 300_000);
  return { page, errors };
}

// waitReady waits until Generate is enabled; on a timeout the error says
// what the page showed.
export async function waitReady(page, timeout) {
  try {
    await generateButton(page).and(page.locator(':enabled')).waitFor({ timeout });
  } catch {
    assert.fail(`the page never became ready in ${timeout / 1000} s; status: ${await genStatus(page).innerText()}`);
  }
}

// waitStatus waits until some status line matched re (kept in
// window.statusLog) and returns it; on a timeout the error lists them.
export async function waitStatus(page, re, timeout) {
  try {
    const h = await page.waitForFunction((src) => window.statusLog.find((s) => new RegExp(src).test(s)),
      re.source, { timeout, polling: 250 });
    return await h.jsonValue();
  } catch {
    const log = await page.evaluate(() => window.statusLog.slice(-8));
    assert.fail(`no status line matched ${re} in ${timeout / 1000} s; the last ones:\n  ${log.join('\n  ')}`);
  }
}

// clearLog forgets the status lines seen so far.
export const clearLog = (page) => page.evaluate(() => { window.statusLog.length = 0; });

// generate fills the form, clicks Generate and waits for image 1; it
// returns {pixels: a hex digest of its RGBA pixels, width, seconds}.
export async function generate(page, { prompt = 'a red apple', steps = '1', seed = '7', timeout = 540_000 } = {}) {
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  await page.getByRole('spinbutton', { name: 'Steps' }).fill(steps);
  await page.getByRole('textbox', { name: 'Seed' }).fill(seed);
  await clearLog(page);
  const t0 = Date.now();
  await generateButton(page).click();
  await waitStatus(page, /^(Done in|Error)/, timeout);
  const status = await genStatus(page).innerText();
  assert.match(status, /^Done in/, `the run failed: ${status}`);
  return { ...await imagePixels(page, prompt), seconds: (Date.now() - t0) / 1000, status };
}

// imagePixels digests the pixels of "Generated image 1: <prompt>".
export async function imagePixels(page, prompt) {
  const img = page.getByRole('img', { name: new RegExp(`^Generated image 1: ${prompt}`) });
  return img.evaluate(async (el) => {
    await el.decode();
    const c = new OffscreenCanvas(el.naturalWidth, el.naturalHeight);
    const g = c.getContext('2d');
    g.drawImage(el, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', px));
    return { width: c.width, pixels: [...d].map((b) => b.toString(16).padStart(2, '0')).join('') };
  });
}

// post sends msg to the worker as it is, through the page's own client
// (site/client.js: the same module instance as the page's).
export const post = (page, msg) => page.evaluate(async (m) => {
  const { client } = await import(new URL('site/client.js', location.href).href);
  client.post(m);
}, msg);
