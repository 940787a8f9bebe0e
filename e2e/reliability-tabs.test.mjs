// Reliability (issue 17): two tabs of the same origin generating at once.
// Both share one weight store (OPFS; site/store.js serializes shard
// writes with Web Locks, a tab waiting for another says so): both runs
// finish with the same image for the same seed, and a third tab then
// loads the stored shards, verified by their sha256, from the store with
// no download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { setup, open, generateButton, genStatus, waitStatus, clearLog, imagePixels } from './reliability-setup.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.stop(); });

test('two tabs generating at once both finish, and the store stays intact', async (t) => {
  const browser = await launch();
  try {
    const ctx = await browser.newContext(); // one origin's storage, shared by its pages
    const query = { weights: 'weights/base-only/' };
    const tabs = [await open(ctx, env.url, query), await open(ctx, env.url, query)];
    for (const { page } of tabs) {
      await page.evaluate(async () => {
        const { client } = await import(new URL('site/client.js', location.href).href);
        window.storeWaits = [];
        client.on('store-wait', (m) => window.storeWaits.push(m.message));
      });
      await page.getByRole('textbox', { name: 'Prompt' }).fill('two tabs');
      await page.getByRole('spinbutton', { name: 'Steps' }).fill('1');
      await page.getByRole('textbox', { name: 'Seed' }).fill('11');
      await clearLog(page);
    }
    const t0 = Date.now();
    await Promise.all(tabs.map(({ page }) => generateButton(page).click()));
    const done = await Promise.all(tabs.map(async ({ page }, i) => {
      const line = await waitStatus(page, /^(Done in|Error)/, 600_000);
      return { i, line, seconds: (Date.now() - t0) / 1000 };
    }));
    for (const d of done) t.diagnostic(`tab ${d.i + 1}: ${d.seconds.toFixed(1)} s: ${d.line}`);
    for (const d of done) assert.match(d.line, /^Done in/, `tab ${d.i + 1} did not finish`);
    const [a, b] = await Promise.all(tabs.map(({ page }) => imagePixels(page, 'two tabs')));
    assert.equal(a.pixels, b.pixels, 'the two tabs made different images for the same seed');
    const waits = await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.storeWaits)));
    t.diagnostic(`store waits: ${JSON.stringify(waits)}`);

    // A third tab loads the stored weights: every shard from the store,
    // verified on the way in (a corrupt shard would be a bad-weights error).
    const third = await open(ctx, env.url, query);
    const loaded = await third.page.evaluate(async () => {
      const { client } = await import(new URL('site/client.js', location.href).href);
      const fromStore = [];
      const off = client.on('download', (m) => fromStore.push([m.file, m.fromStore]));
      const id = client.request({ type: 'load' });
      const reply = await new Promise((resolve) => {
        client.on('loaded', (m) => { if (m.id === id) resolve(m); });
        client.on('error', (m) => { if (m.id === id) resolve(m); });
      });
      off();
      return { type: reply.type, message: reply.message, fromStore };
    });
    t.diagnostic(`third tab: ${JSON.stringify(loaded)}`);
    assert.equal(loaded.type, 'loaded', `the stored weights did not load: ${loaded.message}`);
    // Each shard reports fromStore: true once read and verified; a
    // download would report fromStore: false.
    const files = new Set(loaded.fromStore.map(([f]) => f));
    assert.ok(files.size > 0, 'no shard was loaded');
    for (const f of files) {
      assert.ok(loaded.fromStore.some(([g, s]) => g === f && s), `shard ${f} was downloaded again, not read from the store`);
    }
    for (const { errors } of [...tabs, third]) assert.deepEqual(errors, []);
    assert.ok(await genStatus(third.page).isVisible());
  } finally {
    await browser.close();
  }
});
