// Reliability (issue 17), the faults build (build/webglide-faults.wasm,
// make wasm-faults; the page opened with ?faults=…): each fault real users
// meet, injected through the worker's test-only switches
// (wasm/cmd/worker/faults_js.go), and the page's recovery end to end:
//   - the worker dies (a Go panic, an uncaught error, close()): the page
//     says so, starts a new worker, and the next Generate works;
//   - the GPU device is lost after a step (GPUDevice.destroy()): the page
//     says what happened, and the next Generate, on a new device without a
//     reload, gives the same image as an undisturbed run;
//   - out of memory while loading the upsampler: the worker falls back to
//     one model at a time and the page says so;
//   - a kernel whose output is corrupted fails the start-up self-test:
//     the worker falls back to the CPU in wasm and the page says why.
// The runs are 64×64 base-only ones (weights without upsample/), seed 7,
// one step (the device is lost after it, before the image is read back); the first test's run after the restarts, an undisturbed one,
// is the reference image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { setup, open, generate, post, genStatus, generateButton, waitStatus, clearLog } from './reliability-setup.mjs';

let env, browser;
let reference = null; // the undisturbed run's image: {pixels, width}
before(async () => {
  env = await setup({ faults: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const BASE_ONLY = { faults: '1', weights: 'weights/base-only/' };
const deviceLines = (page) => page.locator('#device-lines').textContent(); // inside a closed <details>: no innerText

// undisturbed returns the reference image, generating it on page when no
// test did yet.
async function undisturbed(page, t) {
  if (!reference) {
    reference = await generate(page);
    t.diagnostic(`undisturbed run: ${reference.seconds.toFixed(1)} s, ${reference.status}`);
  }
  return reference;
}

test('a dead worker (Go panic, uncaught error, close()) is replaced; the next Generate works', async (t) => {
  const { page, errors } = await open(browser, env.url, BASE_ONLY);
  try {
    for (const [fault, says] of [['panic', /a Go panic/], ['throw', /injected uncaught error/], ['close', /closed itself/]]) {
      await clearLog(page);
      const t0 = Date.now();
      await post(page, { type: 'fault', id: 1e6, fault });
      const stopped = await waitStatus(page, /^The compute worker stopped \(/, 60_000);
      assert.match(stopped, says, `the page did not say what happened to the worker (${fault})`);
      const again = await waitStatus(page, /^Ready again: a new compute worker started in /, 120_000);
      t.diagnostic(`${fault}: "${stopped}" → "${again}" (${((Date.now() - t0) / 1000).toFixed(1)} s from the fault)`);
      assert.ok(await generateButton(page).isEnabled(), `Generate is disabled after the restart (${fault})`);
    }
    // The fourth worker generates; an undisturbed run, it is the
    // reference image of the next test.
    const run = await undisturbed(page, t);
    t.diagnostic(`after three restarts: ${run.seconds.toFixed(1)} s, ${run.status}`);
    assert.equal(run.width, 64);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a device lost after step 1 of 1: said on the page; the next Generate works, same image, no reload', async (t) => {
  const { page, errors } = await open(browser, env.url, BASE_ONLY);
  try {
    const ref = await undisturbed(page, t);
    await post(page, { type: 'fault', id: 1e6, fault: 'device-lost', step: 1 });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a red apple');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('1');
    await page.getByRole('textbox', { name: 'Seed' }).fill('7');
    await clearLog(page);
    await generateButton(page).click();
    const failed = await waitStatus(page, /^(Done in|Error)/, 540_000);
    t.diagnostic(`disturbed run: ${failed}`);
    assert.match(failed, /^Error \(device-lost\): .*lost.*\. The GPU device was lost .*Generate again to run on a new device\./);
    assert.ok(await generateButton(page).isEnabled());
    const run = await generate(page);
    t.diagnostic(`recovered run (a new device, the models loaded again): ${run.seconds.toFixed(1)} s, ${run.status}`);
    assert.equal(run.pixels, ref.pixels, 'the run on the new device made a different image');
    assert.match(await deviceLines(page), /a new device after: .*lost/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('out of memory loading the upsampler: one model at a time, said on the page', async (t) => {
  const { page, errors } = await open(browser, env.url, { faults: '1', weights: 'weights/full/', upsample_steps: '1' });
  try {
    await post(page, { type: 'fault', id: 1e6, fault: 'oom-upsample' });
    const run = await generate(page, { steps: '1', timeout: 500_000 });
    t.diagnostic(`${run.seconds.toFixed(1)} s: ${run.status}`);
    assert.equal(run.width, 256);
    assert.match(run.status, /Note: the upsampler did not fit next to the base model on this GPU \(.*GPUOutOfMemoryError.*\): one model at a time/);
    const loaded = await page.evaluate(() => window.statusLog.filter((s) => s.startsWith('Weights loaded')));
    assert.ok(loaded.some((s) => /one model at a time/.test(s)), `while loading the page said: ${loaded}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a corrupted kernel fails the start-up self-test: the CPU in wasm, and why', async (t) => {
  for (const [faults, want] of [
    // Every path (Chromium's SwiftShader has f32 only): the CPU fallback.
    ['corrupt=conv2d', { summary: /^CPU in wasm: slow$/, lines: /the f32 kernels failed the start-up self-test \(.*conv2d: max error/ }],
    // The f16 path only: the f32 kernels take over (on an adapter without
    // shader-f16 there is nothing to refuse).
    ['corrupt=attention:f16', { summary: /, f32$/, lines: /running on the GPU with WebGPU/ }],
  ]) {
    const { page, errors } = await open(browser, env.url, { faults, weights: 'weights/base-only/' });
    try {
      const summary = await page.locator('#device-line').innerText();
      const lines = await deviceLines(page);
      t.diagnostic(`${faults}: ${summary} | ${lines.replace(/\n/g, ' | ')}`);
      assert.match(summary, want.summary);
      assert.match(lines, want.lines);
      if (faults.endsWith(':f16')) {
        if (/shader-f16: available/.test(lines)) assert.match(lines, /the f16 kernels failed the start-up self-test \(.*attention.*using the f32 kernels/);
        else assert.doesNotMatch(lines, /self-test/);
      }
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  }
});
