// "Import checkpoint" (issue 10): the tiny fixture .pt files, each with its
// configuration JSON (they are no preset), converted in the worker by the
// Go converter into the store, nothing uploaded; the converter's errors as
// readable messages; then the page generates with the imported models the
// same image as with the bundles glide convert wrote, for the same seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { ROOT } from './serve.mjs';
import { setup, pageURL, open, generate, waitModelState, opfsFiles } from './storesetup.mjs';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');
const file = (kase, name) => path.join(GOLDEN, kase, name);
let env, browser;
before(async () => {
  env = await setup();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

test('importing the tiny .pt files gives the same image as the converted bundles', async (t) => {
  const ctx = await browser.newContext();
  try {
    const { page, errors } = await open(ctx, pageURL(env));
    const picker = page.getByLabel('Import checkpoint', { exact: true });
    const status = page.getByRole('status', { name: 'Import status' });
    const requests = [];
    page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() }));

    // The converter's errors, readable.
    await picker.setInputFiles([{ name: 'notes.pt', mimeType: 'application/octet-stream', buffer: Buffer.from('not a checkpoint') }]);
    await status.filter({ hasText: 'failed' }).waitFor({ timeout: 60_000 });
    t.diagnostic(await status.innerText());
    assert.match(await status.innerText(), /^Import of notes\.pt failed \(bad-weights\): .*notes\.pt: not a PyTorch checkpoint/);
    await picker.setInputFiles([file('tiny_base_model', 'tiny-base.pt'), file('tiny_upsample_model', 'case.json')]);
    await status.filter({ hasText: 'failed' }).filter({ hasText: 'tiny-base.pt' }).waitFor({ timeout: 120_000 });
    t.diagnostic(await status.innerText());
    assert.match(await status.innerText(), /does not match the upsample configuration \(\d+ differences\)/);

    // Both models, each with its configuration.
    const t0 = Date.now();
    for (const [kase, pt, bundle] of [['tiny_base_model', 'tiny-base.pt', 'base'], ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample']]) {
      await picker.setInputFiles([file(kase, pt), file(kase, 'case.json')]);
      await status.filter({ hasText: new RegExp(`^(Imported ${pt}|Import of ${pt} failed)`) }).waitFor({ timeout: 300_000 });
      assert.match(await status.innerText(), new RegExp(`^Imported ${pt.replace('.', '\\.')} as the ${bundle} model`));
    }
    t.diagnostic(`imported both in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${await status.innerText()}`);
    assert.deepEqual(requests.filter((r) => r.method !== 'GET' || r.body), [], 'the import sent data somewhere');
    await waitModelState(page, { base: 'stored', upsample: 'stored' });
    assert.match(await page.locator('#model-panel').innerText(), /Weights: imported into this browser/);
    // The imported shards are byte for byte the ones glide convert wrote.
    const files = await opfsFiles(page);
    for (const b of ['base', 'upsample']) {
      for (const s of env.manifests[b].shards) assert.equal(files[s.sha256], s.bytes, `${b} ${s.file} differs from glide convert's`);
    }

    env.weights.shardBytes = 0;
    const imported = await generate(page);
    assert.equal(env.weights.shardBytes, 0, 'generating with the imported models fetched shards');
    assert.deepEqual(errors, []);
    await page.close();

    // The same seed with the bundles glide convert wrote, served over HTTP
    // (a fresh context: an empty store).
    const ctx2 = await browser.newContext();
    try {
      const { page: p2 } = await open(ctx2, pageURL(env));
      assert.equal(await generate(p2), imported, 'the imported models made another image than the converted bundles');
    } finally {
      await ctx2.close();
    }
  } finally {
    await ctx.close();
  }
});
