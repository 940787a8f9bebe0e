// The page end to end with the tiny fixture models: glide serve --weights
// + headless Chromium, the worker computing on WebGPU (SwiftShader), so
// every run uses the fewest steps.
//   - generate: a 256×256 result image and its Download PNG link, with one
//     model at a time on the GPU (?one_model=1: the upsampler is loaded
//     after the base stage) and the peak GPU memory of each stage;
//   - cancel mid-run: the UI returns to idle with "Canceled";
//   - a corrupt shard: a clear bad-weights error naming the shard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { startServer, ROOT } from './serve.mjs';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');
let server, dir;

// convert writes the tiny fixture checkpoints as a weights folder.
function convert(out) {
  const glide = path.join(ROOT, 'build', 'glide');
  for (const [kase, pt, name] of [
    ['tiny_base_model', 'tiny-base.pt', 'base'],
    ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample'],
  ]) {
    execFileSync(glide, ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(out, name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-e2e-'));
  convert(path.join(dir, 'good'));
  // bad/: the same bundles with one byte of the base shard flipped.
  fs.cpSync(path.join(dir, 'good'), path.join(dir, 'bad'), { recursive: true });
  const shard = path.join(dir, 'bad', 'base', '0000.bin');
  const b = fs.readFileSync(shard);
  b[1000] ^= 0x40;
  fs.writeFileSync(shard, b);
  server = await startServer({ weights: dir });
});
after(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// open loads the page with query parameters and waits until it takes
// requests (Generate enabled).
async function open(browser, query) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(`?${new URLSearchParams(query)}`, server.url).href);
  await assert.doesNotReject(page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled'))
    .waitFor({ timeout: 120_000 }), 'the page never became ready');
  return { page, errors };
}

const genStatus = (page) => page.getByRole('status', { name: 'Generation status' });

test('generates a 256×256 image with a Download PNG link', async (t) => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, { weights: 'weights/good/', upsample_steps: '1', preview_every: '1', one_model: '1' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a red apple');
    // One step per stage: on the CPU in wasm a base step takes ~10 s and
    // an upsampler step ~25 s on this machine.
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('1');
    await page.getByRole('textbox', { name: 'Seed' }).fill('7');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Generate' }).click();
    await assert.doesNotReject(page.getByRole('button', { name: 'Cancel' }).and(page.locator(':enabled')).waitFor({ timeout: 5_000 }));
    // One base and one upsampler step on SwiftShader (WebGPU on the CPU), pipelines compiled first:
    // about a minute on an idle 2-core machine, more under load.
    const img = page.getByRole('img', { name: /^Generated image 1: a red apple/ });
    await img.waitFor({ timeout: 480_000 });
    t.diagnostic(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s; status: ${await genStatus(page).innerText()}`);
    const size = await img.evaluate(async (el) => { await el.decode(); return [el.naturalWidth, el.naturalHeight]; });
    assert.deepEqual(size, [256, 256]);
    const link = page.getByRole('link', { name: 'Download PNG' });
    assert.match(await link.getAttribute('href'), /^blob:/);
    assert.match(await link.getAttribute('download'), /^webglide-7-1\.png$/);
    // The PNG behind the link is a real 256×256 PNG.
    const head = await link.evaluate(async (a) => [...new Uint8Array(await (await fetch(a.href)).arrayBuffer()).slice(0, 24)]);
    assert.deepEqual(head.slice(1, 4), [0x50, 0x4e, 0x47]);
    assert.equal((head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19], 256);
    assert.match(await genStatus(page).innerText(), /^Done in .* \(seed 7\)\. Peak GPU memory: base \d+ MiB, upsampler \d+ MiB\./);
    assert.equal(await page.getByRole('progressbar', { name: 'Progress' }).getAttribute('value'), '1');
    // The stage showed the x0 predictions (the preview canvas, which the
    // final image then replaced in place).
    assert.ok(Number(await page.locator('#preview').getAttribute('data-previews')) >= 1);
    assert.ok(await page.getByRole('button', { name: 'Generate' }).isEnabled());
    assert.ok(await page.getByRole('button', { name: 'Cancel' }).isDisabled());
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('cancel mid-run returns to idle with "Canceled"', async () => {
  const browser = await launch();
  try {
    // Cancelling is the subject, not the GPU: the CPU device (faster than
    // SwiftShader on a machine without a GPU).
    const { page, errors } = await open(browser, { weights: 'weights/good/', backend: 'cpu' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a slow boat');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('200');
    await page.getByRole('button', { name: 'Generate' }).click();
    // Wait until sampling runs, then cancel.
    // A base step takes seconds on the CPU device in wasm.
    await genStatus(page).filter({ hasText: /step \d+ of 200/ }).waitFor({ timeout: 300_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    // Honoured at the next step boundary (a base step: ~10–20 s on a CPU adapter).
    await genStatus(page).filter({ hasText: 'Canceled' }).waitFor({ timeout: 90_000 });
    assert.ok(await page.getByRole('button', { name: 'Generate' }).isEnabled());
    assert.ok(await page.getByRole('button', { name: 'Cancel' }).isDisabled());
    assert.equal(await page.getByRole('img', { name: /^Generated image/ }).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a corrupt shard gives a clear error naming it', async (t) => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, { weights: 'weights/bad/', backend: 'cpu' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('anything');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('2');
    await page.getByRole('button', { name: 'Generate' }).click();
    const status = genStatus(page).filter({ hasText: 'Error' });
    await status.waitFor({ timeout: 30_000 });
    const text = await status.innerText();
    t.diagnostic(`status: ${text}`);
    assert.match(text, /^Error \(bad-weights\): /);
    assert.match(text, /base bundle at .*\/weights\/bad\/base\//);
    assert.match(text, /shard 0000\.bin .*sha256 mismatch \(corrupt\)/);
    assert.ok(await page.getByRole('button', { name: 'Generate' }).isEnabled());
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
