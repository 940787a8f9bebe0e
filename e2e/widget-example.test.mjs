// site/embed-example.html (issue 12) opens under its own CSP meta policy:
// both <glide-image> elements are defined, each shows its prompt and its
// form, and the event log is there and empty. No generation (that is
// e2e/widget.test.mjs); nothing starts the worker before a click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { startB } from './widgetsetup.mjs';

let b, browser;
before(async () => {
  b = await startB({ upsampler: false });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await b?.stop();
});

test('the example page shows two widgets and an empty event log', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') errors.push(`${r.status()}: ${r.url()}`);
  });
  await page.goto(new URL('site/embed-example.html', b.url).href);
  await page.evaluate(() => customElements.whenDefined('glide-image'));
  const widgets = page.locator('glide-image');
  assert.equal(await widgets.count(), 2);
  const prompts = [];
  for (const w of await widgets.all()) {
    assert.ok(await w.getByRole('button', { name: 'Generate' }).isEnabled());
    prompts.push(await w.getByRole('textbox', { name: 'Prompt' }).inputValue());
  }
  assert.deepEqual(prompts, ['an oil painting of a corgi', 'a watercolor of a lighthouse at dusk']);
  assert.equal(await page.getByRole('list', { name: 'Event log' }).locator('li').count(), 0);
  assert.equal(b.shardRequests.length, 0, 'the widgets fetched weights before anyone asked for an image');
  assert.deepEqual(errors, []);
});
