// <glide-image>'s cancel() (issue 12): a page on origin A with the strict
// CSP loads the widget from origin B (e2e/widgetsetup.mjs: the tiny base
// bundle alone, SwiftShader). generate() with 2 steps, cancel() at the
// first: the promise rejects with kind canceled, one glide-error canceled,
// the status says so; then the element's own form (Generate) runs the next
// image to glide-done, and no late event of the canceled run arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { startA, startB, csp, openHost, loadWidget } from './widgetsetup.mjs';

const hostPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>host page</title></head>
<body><glide-image id="two" prompt="a lighthouse" seed="8" steps="2"></glide-image></body></html>`;

let b, a, browser, host;
before(async () => {
  b = await startB({ upsampler: false });
  a = await startA({ '/': hostPage }, { 'Content-Security-Policy': csp(new URL(b.url).origin) });
  browser = await launch();
  host = await openHost(browser, a, b.absent);
  await loadWidget(host.page, b);
});
after(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
});

test('cancel() mid-run gives glide-error canceled; the element works again', async (t) => {
  const { page, events, waitFor, errors } = host;
  const t0 = Date.now();
  const rejected = page.evaluate(async () => {
    await customElements.whenDefined('glide-image');
    const two = document.getElementById('two');
    const onProgress = (e) => {
      if (e.detail.stage !== 'base') return;
      two.removeEventListener('glide-progress', onProgress);
      two.cancel();
    };
    two.addEventListener('glide-progress', onProgress);
    return two.generate().then(() => 'resolved', (err) => `${err.name}: ${err.kind}`);
  });
  assert.equal(await rejected, 'GlideError: canceled', 'generate() did not reject with kind canceled');
  t.diagnostic(`canceled after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await waitFor(() => events('two', 'glide-error').length, 'glide-error after cancel()', 10_000);
  assert.deepEqual(events('two', 'glide-error').map((e) => e.kind), ['canceled']);
  const steps = events('two', 'glide-progress').filter((e) => e.stage === 'base');
  assert.deepEqual(steps.map((e) => `${e.step}/${e.total}`), ['1/2'], 'the run was not canceled mid-run');
  const widget = page.locator('#two');
  assert.equal(await widget.getByRole('status', { name: 'Generation status' }).innerText(), 'Canceled.');
  assert.ok(await widget.getByRole('button', { name: 'Generate' }).isEnabled(), 'Generate stays disabled after cancel()');

  // Usable again: the element's own form runs the next image.
  await page.evaluate(() => { document.getElementById('two').steps = '1'; });
  const t1 = Date.now();
  await widget.getByRole('button', { name: 'Generate' }).click();
  await waitFor(() => events('two', 'glide-done').length, 'the generation after cancel()');
  t.diagnostic(`after cancel: an image in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  assert.ok(await widget.getByRole('img', { name: 'a lighthouse', exact: true }).isVisible());
  assert.deepEqual(events('two', 'glide-error').map((e) => e.kind), ['canceled'], 'a second glide-error arrived');
  const seq = events('two').map((e) => (e.type === 'glide-progress' ? `${e.stage} ${e.step}/${e.total}` : e.type));
  t.diagnostic(seq.join(', '));
  assert.equal(seq.filter((s) => s === 'base 2/2').length, 0, 'the canceled run went on to its second step');
  assert.deepEqual(errors, []);
});
