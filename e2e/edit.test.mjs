// The "Edit an image" mode end to end with the tiny inpainting models
// (glide detbundle bundles under glide serve --weights, headless Chromium,
// WebGPU on SwiftShader, one step per stage):
//   - refusals before anything runs: no source, an unreadable file, an
//     empty mask, each named;
//   - load a source PNG, paint a stroke on "Mask", generate: the kept
//     pixels of the 256×256 result equal the source's and the painted ones
//     changed; a screenshot of the edit mode into build/screenshots/;
//   - cancel mid-run returns to idle, and the next edit runs;
//   - a weights folder without the inpainting bundles says how to get them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { startServer, ROOT } from './serve.mjs';
import crypto from 'node:crypto';
import { encodePNG, readText, imagePixels } from './png.mjs';

const GLIDE = path.join(ROOT, 'build', 'glide');
const SHOTS = path.join(ROOT, 'build', 'screenshots');
let server, dir, sourcePath, source;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-edit-'));
  for (const [kind, name] of [['tiny-base-inpaint', 'base-inpaint'], ['tiny-upsample-inpaint', 'upsample-inpaint']]) {
    execFileSync(GLIDE, ['detbundle', kind, path.join(dir, 'inpaint', name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  fs.mkdirSync(path.join(dir, 'none'));
  // The source: a 256×256 picture of smooth gradients (the upsampler's
  // size, so the page and the worker use its pixels as they are).
  source = new Uint8Array(256 * 256 * 4);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) source.set([x, y, 255 - ((x + y) >> 1), 255], 4 * (256 * y + x));
  }
  sourcePath = path.join(dir, 'source.png');
  fs.writeFileSync(sourcePath, encodePNG(256, 256, source));
  fs.writeFileSync(path.join(dir, 'notes.png'), '<html>not a picture</html>');
  server = await startServer({ weights: dir });
});
after(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(browser, weights) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // On the CPU in wasm (?backend=cpu): editing is the subject here, and
  // on a machine without a GPU the CPU device is several times faster
  // than SwiftShader. wasm/webgpu's TestInpaintSameSeed runs the
  // inpainting pipeline on WebGPU.
  const q = new URLSearchParams({ weights, upsample_steps: '1', preview_every: '1', backend: 'cpu' });
  await page.goto(new URL(`?${q}`, server.url).href);
  // The wasm compiles slowly on a loaded machine.
  await page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
  // The mode switch's radios are drawn as a segmented control: click the label.
  await page.locator('label', { hasText: 'Edit an image' }).click();
  assert.ok(await page.getByRole('radio', { name: 'Edit an image' }).isChecked());
  return { page, errors };
}

const genStatus = (page) => page.getByRole('status', { name: 'Generation status' });
const mask = (page) => page.getByRole('img', { name: 'Mask' });

// stroke drags the brush across the mask at height y (0..1 of the canvas).
async function stroke(page, y) {
  const b = await mask(page).boundingBox();
  await page.mouse.move(b.x + b.width * 0.1, b.y + b.height * y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(b.x + b.width * (0.1 + 0.1 * i), b.y + b.height * y);
  await page.mouse.up();
}

// resultPixels reads the first result image's RGBA pixels.
const resultPixels = (page) => page.getByRole('img', { name: /^Generated image 1:/ }).evaluate(imagePixels);

test('edit mode: refusals, then an edit keeps the unpainted pixels', async (t) => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, 'weights/inpaint/');
    const status = genStatus(page);
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a corgi in a field');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('1');
    assert.equal(await page.getByRole('spinbutton', { name: 'Guidance scale' }).inputValue(), '5', 'edit mode uses the inpaint notebook\'s guidance');

    // Nothing to edit yet; then a file that is not a picture.
    await page.getByRole('button', { name: 'Generate' }).click();
    await status.filter({ hasText: 'Not started: Source image: choose a picture' }).waitFor({ timeout: 5_000 });
    await page.getByLabel('Source image').setInputFiles(path.join(dir, 'notes.png'));
    await page.getByText(/Source image: notes\.png could not be read as a picture/).waitFor({ timeout: 5_000 });

    await page.getByLabel('Source image').setInputFiles(sourcePath);
    const maskStatus = page.getByText(/cells painted/);
    await maskStatus.filter({ hasText: '0 of 4096' }).waitFor({ timeout: 5_000 });
    await page.getByRole('button', { name: 'Generate' }).click();
    await status.filter({ hasText: 'Not started: Mask: paint the region to regenerate' }).waitFor({ timeout: 5_000 });

    // Paint a band across the lower half with the widest brush.
    await page.getByRole('slider', { name: 'Brush size' }).fill('16');
    await stroke(page, 0.78);
    const painted = Number((await maskStatus.innerText()).match(/^(\d+) of/)[1]);
    t.diagnostic(`mask: ${await maskStatus.innerText()}`);
    assert.ok(painted > 500 && painted < 2048, `${painted} cells painted by one stroke`);
    // Invert twice is the same mask; Clear empties it (checked, then the stroke again).
    await page.getByRole('button', { name: 'Invert mask' }).click();
    await maskStatus.filter({ hasText: `${4096 - painted} of 4096` }).waitFor({ timeout: 2_000 });
    await page.getByRole('button', { name: 'Invert mask' }).click();
    await page.getByRole('button', { name: 'Clear mask' }).click();
    await maskStatus.filter({ hasText: '0 of 4096' }).waitFor({ timeout: 2_000 });
    await stroke(page, 0.78);
    // The eraser takes a piece back; keyboard painting adds one cell.
    await page.getByRole('radio', { name: 'Eraser' }).check();
    await page.getByRole('slider', { name: 'Brush size' }).fill('4');
    await stroke(page, 0.78);
    const afterErase = Number((await maskStatus.innerText()).match(/^(\d+) of/)[1]);
    assert.ok(afterErase < painted, `the eraser removed cells (${painted} → ${afterErase})`);
    await page.getByRole('radio', { name: 'Brush' }).check();
    await page.getByRole('slider', { name: 'Brush size' }).fill('1');
    await mask(page).focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Space');
    await maskStatus.filter({ hasText: `${afterErase + 1} of 4096` }).waitFor({ timeout: 2_000 });
    await page.getByRole('slider', { name: 'Brush size' }).fill('16');
    await stroke(page, 0.78); // back to the full band

    const t0 = Date.now();
    await page.getByRole('button', { name: 'Generate' }).click();
    // One base and one upsampler step on SwiftShader, pipelines compiled
    // first: about a minute on an idle 2-core machine, minutes under load.
    await page.getByRole('img', { name: /^Generated image 1: a corgi in a field/ }).waitFor({ timeout: 480_000 })
      .catch(async (e) => { throw new Error(`no result; status: ${await status.innerText()}`, { cause: e }); });
    t.diagnostic(`edited in ${((Date.now() - t0) / 1000).toFixed(1)} s; status: ${await status.innerText()}`);
    assert.match(await status.innerText(), /^Done in /);
    const [w, h, px] = await resultPixels(page);
    assert.deepEqual([w, h], [256, 256]);
    // Kept: the top half (untouched by the stroke at 78 %). Painted: the
    // stroke's centre line, x from 20 % to 80 %.
    let keptWorst = 0;
    let changed = 0;
    let paintedPx = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const i = 4 * (256 * y + x);
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(px[i + c] - source[i + c])));
        if (y < 128) keptWorst = Math.max(keptWorst, d);
        if (Math.abs(y - 200) <= 4 && x >= 52 && x <= 204) {
          paintedPx++;
          if (d > 8) changed++;
        }
      }
    }
    t.diagnostic(`kept region: max |Δ| ${keptWorst}; painted: ${changed} of ${paintedPx} pixels changed by more than 8 levels`);
    assert.ok(keptWorst <= 1, `the kept region differs from the source by up to ${keptWorst} levels`);
    assert.ok(changed > paintedPx / 2, `only ${changed} of ${paintedPx} painted pixels changed`);
    // The download is the worker's PNG with the edit's settings.
    const link = page.getByRole('link', { name: 'Download PNG' });
    assert.match(await link.getAttribute('download'), /\.png$/);
    const png = await link.evaluate(async (a) => [...new Uint8Array(await (await fetch(a.href)).arrayBuffer())]);
    const text = readText(png);
    assert.equal(text['glide:mode'], 'inpaint');
    assert.equal(text['glide:prompt'], 'a corgi in a field');
    assert.equal(text['glide:guidance'], '5');
    assert.equal(text['glide:source-sha256'], crypto.createHash('sha256').update(fs.readFileSync(sourcePath)).digest('hex'));
    // The top half of the 64×64 grid is kept: 32 rows × 64 cells of zero bits.
    assert.match(text['glide:mask'], new RegExp(`^64x64:0{512}[0-9a-f]*[1-9a-f]`));
    // And it is in the gallery, marked as an edit.
    const entry = page.getByRole('list', { name: 'Gallery' }).getByRole('listitem')
      .filter({ has: page.getByRole('img', { name: 'Gallery image: a corgi in a field' }) });
    await entry.waitFor({ timeout: 10_000 });
    assert.match(await entry.innerText(), /· edit/);

    fs.mkdirSync(SHOTS, { recursive: true });
    // The README's picture of the edit mode: the mask over the source and
    // the result on the stage, as a 1280×900 window shows them.
    await mask(page).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'edit-mode.png') });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('edit mode: cancel mid-run, then a missing bundle is explained', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, 'weights/inpaint/');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a slow boat');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('200');
    await page.getByLabel('Source image').setInputFiles(sourcePath);
    await page.getByText(/0 of 4096 cells painted/).waitFor({ timeout: 5_000 });
    await stroke(page, 0.5);
    await page.getByRole('button', { name: 'Generate' }).click();
    await genStatus(page).filter({ hasText: /step \d+ of 200/ }).waitFor({ timeout: 300_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await genStatus(page).filter({ hasText: 'Canceled' }).waitFor({ timeout: 5_000 });
    assert.ok(await page.getByRole('button', { name: 'Generate' }).isEnabled());
    assert.equal(await page.getByRole('img', { name: /^Generated image/ }).count(), 0);
    assert.deepEqual(errors, []);

    // Another weights folder, without the inpainting bundles.
    const other = await open(browser, 'weights/none/');
    await other.page.getByLabel('Source image').setInputFiles(sourcePath);
    await other.page.getByText(/0 of 4096 cells painted/).waitFor({ timeout: 5_000 });
    await stroke(other.page, 0.5);
    await other.page.getByRole('button', { name: 'Generate' }).click();
    const err = genStatus(other.page).filter({ hasText: 'Error' });
    await err.waitFor({ timeout: 30_000 });
    const text = await err.innerText();
    assert.match(text, /^Error \(bad-weights\): .*the editing models are not at .*weights\/none\//);
    assert.match(text, /glide fetch --models base-inpaint,upsample-inpaint/);
    assert.deepEqual(other.errors, []);
  } finally {
    await browser.close();
  }
});
