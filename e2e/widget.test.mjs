// The embeddable <glide-image> (issue 12) end to end: a page on origin A,
// sent with the strict CSP of the README's "Embedding" section, loads
// site/widget.js from origin B (e2e/widgetsetup.mjs); headless Chromium on
// SwiftShader, the tiny base bundle alone (64×64 images: the upsampler's
// step alone takes minutes on SwiftShader under load), 1 step. Two
// widgets, one autostart, one by generate(): both glide-done, one download
// between them, events in order, no new window globals, a prompt with
// markup shown as text, the PNG's text chunks, the same pixels under a
// hostile host stylesheet. cancel(): e2e/widget-cancel.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { readPNGText } from '../site/pngtext.js';
import { startA, startB, csp, openHost, loadWidget, pixelDiff } from './widgetsetup.mjs';

const CORGI = 'an oil painting of a corgi';
const MARKUP = 'a fox <img src=x onerror="document.title=\'pwned\'"> in snow';
const HOSTILE = 'img { width: 1px !important } button { display: none !important } * { font: 40px serif; color: red }';

const hostPage = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>host page</title><link rel="stylesheet" href="host.css"></head>
<body>
<div class="row">
  <glide-image id="one" autostart prompt="${CORGI}" seed="7" steps="1" upsample-steps="1"></glide-image>
  <glide-image id="two" size="192" seed="8" steps="1" upsample-steps="1"></glide-image>
</div>
<p>Host text with its own <button type="button">host button</button></p>
</body></html>`;

let b, a, browser, page, log, errors, events, waitFor;

before(async () => {
  b = await startB({ upsampler: false });
  a = await startA({ '/': hostPage(), '/host.css': '.row { display: flex; gap: 16px; align-items: flex-start; }' },
    { 'Content-Security-Policy': csp(new URL(b.url).origin) });
  browser = await launch();
  ({ page, log, errors, events, waitFor } = await openHost(browser, a, b.absent));
  // The prompt with markup, set as an attribute value (as a host would).
  await page.evaluate((p) => document.getElementById('two').setAttribute('prompt', p), MARKUP);
});
after(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
});

// shots are the two elements' screenshots.
const shots = () => Promise.all(['one', 'two'].map((id) => page.locator(`#${id}`).screenshot({ animations: 'disabled' })));

test('two widgets from another origin under a strict CSP', async (t) => {
  const namesBefore = await page.evaluate(() => Object.getOwnPropertyNames(window));
  const t0 = Date.now();
  await loadWidget(page, b);
  // #one starts by itself (autostart); #two asks once #one is running, so
  // its request queues behind #one's in the shared worker.
  await page.evaluate(async () => {
    await customElements.whenDefined('glide-image');
    await new Promise((r) => document.getElementById('one').addEventListener('glide-progress', r, { once: true }));
    document.getElementById('two').generate().catch(() => {});
  });
  await waitFor(() => events('one', 'glide-done').length && events('two', 'glide-done').length, 'both widgets done');
  t.diagnostic(`two images in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${b.shardBytes} shard bytes served (bundles: ${b.bundleBytes})`);

  // One download for both, events in order: download, steps, done.
  assert.equal(b.shardBytes, b.bundleBytes, 'the weights were not downloaded exactly once');
  const rank = { download: 0, base: 1 };
  for (const id of ['one', 'two']) {
    const seq = events(id).filter((e) => e.type !== 'png').map((e) => (e.type === 'glide-progress' ? e.stage : e.type));
    t.diagnostic(`#${id}: ${seq.join(' ')}`);
    assert.equal(seq.at(-1), 'glide-done', `#${id}: the last event is not glide-done`);
    const ranks = seq.slice(0, -1).map((s) => rank[s]);
    assert.ok(ranks.every((r, i) => r !== undefined && (i === 0 || r >= ranks[i - 1])), `#${id}: events out of order: ${seq}`);
    assert.ok(seq.includes('base'), `#${id}: no step events: ${seq}`);
  }
  const downloads = events('one', 'glide-progress').filter((e) => e.stage === 'download');
  assert.ok(downloads.length > 0, '#one reported no download progress');
  assert.ok(downloads.every((e) => typeof e.bytes === 'number' && e.bytes <= e.bytesTotal), 'download events without bytes');
  assert.ok(!events('two').some((e) => e.stage === 'download'), '#two downloaded again');

  // The results: 64×64 PNGs, shown as images named by their prompts.
  for (const [id, prompt, seed] of [['one', CORGI, '7'], ['two', MARKUP, '8']]) {
    const [done] = events(id, 'glide-done');
    assert.deepEqual({ w: done.width, h: done.height, seed: String(done.seed), prompt: done.prompt, type: done.blobType },
      { w: 64, h: 64, seed, prompt, type: 'image/png' });
    const img = page.locator(`#${id}`).getByRole('img', { name: prompt, exact: true });
    assert.equal(await img.evaluate((el) => el.naturalWidth), 64, `#${id}: the image is not shown`);
  }
  assert.equal(Math.round((await page.locator('#two [part=stage]').boundingBox()).width), 192, 'size="192" is not the display size');

  // The PNG carries glide generate's text chunks, as the page's Download PNG.
  await waitFor(() => events('one', 'png').length, 'the PNG of #one', 10_000);
  const png = Buffer.from(events('one', 'png')[0].dataURL.split(',')[1], 'base64');
  assert.deepEqual(readPNGText(png), {
    Title: CORGI, Software: 'WebGLIDE (browser)', 'glide:prompt': CORGI, 'glide:seed': '7', 'glide:guidance': '3',
    'glide:steps': '1', 'glide:upsample': '1 temp=0.997', 'glide:weights': new URL('weights/', b.url).href, 'glide:batch': '1',
  });

  // No globals; the markup in the prompt is text, nothing ran or loaded.
  const namesAfter = await page.evaluate(() => Object.getOwnPropertyNames(window));
  assert.deepEqual(namesAfter.filter((n) => !namesBefore.includes(n)), [], 'the widget added window properties');
  assert.deepEqual(namesBefore.filter((n) => !namesAfter.includes(n)), [], 'the widget removed window properties');
  assert.equal(await page.locator('#two [part=caption]').textContent(), MARKUP);
  assert.deepEqual(await page.evaluate(() => [...document.getElementById('two').shadowRoot.querySelectorAll('img')]
    .map((i) => i.src.slice(0, 5))), ['blob:'], 'an img other than the result is in #two');
  assert.equal(await page.title(), 'host page');
  assert.ok(!a.requests.includes('/x'), 'the markup in the prompt loaded an image');

  // A hostile host stylesheet: the host's own button and text change,
  // the widgets look the same (up to antialiasing jitter: pixelDiff).
  const plain = await shots();
  await page.evaluate((css) => {
    const s = document.createElement('style');
    s.id = 'hostile';
    s.textContent = css;
    document.head.append(s);
  }, HOSTILE);
  assert.ok(await page.locator('body > p > button').isHidden(), 'the hostile stylesheet did not apply to the host page');
  assert.equal(await page.locator('body > p').evaluate((p) => getComputedStyle(p).fontSize), '40px');
  const hostile = await shots();
  await page.evaluate(() => document.getElementById('hostile').remove());
  for (const [i, id] of ['one', 'two'].entries()) {
    const diff = await pixelDiff(page, plain[i], hostile[i]);
    t.diagnostic(`#${id} under the hostile stylesheet: ${JSON.stringify(diff)}`);
    assert.equal(diff.over, 0, `#${id} looks different under the hostile host stylesheet: ${JSON.stringify(diff)}`);
  }
  assert.deepEqual(errors, []);
});
