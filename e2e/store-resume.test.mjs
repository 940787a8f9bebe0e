// The weight store when downloads break or storage runs out (issue 10):
// dist/ on a static server, the tiny bundles on a second origin that can
// send slowly or cut a response mid-body; 1 step per stage, seed 7.
//   - reload in the middle of the download: resumed, ≤ 1.15 × the bundle
//     bytes served in all, the same image;
//   - the connection cut mid-shard: resumed with Range (206) from the bytes
//     stored (at most those sent before the cut), same bounds,
//     the stored shards byte for byte the bundles' (so the same image: a
//     generation takes minutes on SwiftShader, and one per file is spared);
//   - quota exceeded (DevTools Storage.overrideQuotaForOrigin): a message
//     saying how much is needed, the verified shards kept, and "Run without
//     storing" generates the same image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { setup, pageURL, open, ready, load, generate, startGenerate, imageHash, waitModelState, opfsFiles, persistentContext } from './storesetup.mjs';

let env, browser;
const hashes = {};
before(async () => {
  env = await setup();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

const bar = (page) => page.getByRole('progressbar', { name: 'Download progress' });

test('a reload in the middle of the download resumes it', async (t) => {
  const ctx = await browser.newContext();
  const base = env.manifests.base.shards[0];
  env.weights.shardBytes = 0;
  env.weights.shardRequests.length = 0;
  env.weights.rate = 2e6; // bytes per second: the base shard takes about 4 s
  try {
    const { page, errors } = await open(ctx, pageURL(env));
    await startGenerate(page);
    // Wait until about half the base shard is stored, then reload.
    await page.waitForFunction((n) => Number(document.querySelector('progress[aria-label="Download progress"]')?.value) >= n,
      base.bytes / 2, { timeout: 60_000, polling: 100 });
    const before = env.weights.shardBytes;
    await page.reload();
    env.weights.rate = 0;
    await ready(page);
    await waitModelState(page, { base: 'partial', upsample: 'missing' });
    hashes.reload = await generate(page);
    const total = env.weights.shardBytes;
    t.diagnostic(`served ${before} shard bytes before the reload, ${total} in all; bundles ${env.bundleBytes} (${(total / env.bundleBytes).toFixed(3)}×)`);
    assert.ok(total <= 1.15 * env.bundleBytes, `${total} shard bytes served for ${env.bundleBytes} bytes of bundles`);
    assert.ok(env.weights.shardRequests.some((r) => r.path === 'base/0000.bin' && /^bytes=\d+-$/.test(r.range) && r.status === 206),
      `no resumed Range request: ${JSON.stringify(env.weights.shardRequests)}`);
    await waitModelState(page, { base: 'stored', upsample: 'stored' });
    assert.deepEqual(errors, []);
  } finally {
    env.weights.rate = 0;
    await ctx.close();
  }
});

test('a connection cut mid-shard is resumed with Range', async (t) => {
  const ctx = await browser.newContext();
  env.weights.shardBytes = 0;
  env.weights.shardRequests.length = 0;
  env.weights.cut = { match: 'base/0000.bin', after: 3 << 20 };
  try {
    const { page, errors } = await open(ctx, pageURL(env));
    await load(page);
    const total = env.weights.shardBytes;
    t.diagnostic(`requests: ${JSON.stringify(env.weights.shardRequests)}; ${total} shard bytes for ${env.bundleBytes}`);
    assert.equal(env.weights.cut, null, 'the cut never happened');
    assert.ok(total <= 1.15 * env.bundleBytes, `${total} shard bytes served for ${env.bundleBytes} bytes of bundles`);
    // Resumed from what was stored when the connection broke: at most the
    // 3 MiB the server sent (bytes still in flight when it cut are lost),
    // and more than nothing.
    const base = env.weights.shardRequests.filter((r) => r.path === 'base/0000.bin');
    assert.deepEqual(base.map((r) => r.status), [200, 206], JSON.stringify(base));
    const from = Number(/^bytes=(\d+)-$/.exec(base[1].range)?.[1]);
    assert.ok(from > 0 && from <= 3 << 20, `resumed with ${base[1].range} after a cut at ${3 << 20} bytes`);
    await waitModelState(page, { base: 'stored', upsample: 'stored' });
    const files = await opfsFiles(page);
    for (const b of ['base', 'upsample']) {
      for (const s of env.manifests[b].shards) assert.equal(files[s.sha256], s.bytes, `${b} ${s.file} not stored whole`);
    }
    assert.deepEqual(errors, []);
  } finally {
    env.weights.cut = null;
    await ctx.close();
  }
});

test('quota exceeded: a clear message, verified shards kept, Run without storing generates', async (t) => {
  // An on-disk profile: off the record, Chromium does not enforce an
  // overridden quota on OPFS writes.
  const ctx = await persistentContext();
  const base = env.manifests.base.shards[0];
  try {
    const { page, errors } = await open(ctx, pageURL(env));
    // What the site stores besides weights (the service worker's app
    // shell), once it is there.
    const usage = await page.evaluate(async () => {
      await Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 10_000))]);
      await new Promise((r) => setTimeout(r, 1000));
      return (await navigator.storage.estimate()).usage;
    });
    const cdp = await ctx.newCDPSession(page);
    const origin = new URL(env.site.url).origin;
    // Room for the base shard, not for the upsampler's too.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + base.bytes + (1 << 20) });
    t.diagnostic(`usage before: ${usage} bytes; quota set to ${usage + base.bytes + (1 << 20)}`);
    await startGenerate(page);
    const alert = page.locator('#model-panel').getByRole('alert');
    await alert.waitFor({ timeout: 120_000 });
    const text = await alert.innerText();
    t.diagnostic(text);
    assert.match(text, /storage for this site is full/);
    assert.match(text, /The upsample weights need \d+\.\d MB more than is stored \(\d+\.\d MB in all\)/);
    assert.match(text, /Run without storing/);
    await waitModelState(page, { base: 'stored' });
    const files = await opfsFiles(page);
    assert.equal(files[base.sha256], base.bytes, 'the verified base shard was not kept');
    env.weights.shardBytes = 0;
    await page.getByRole('button', { name: 'Run without storing' }).click();
    hashes.noStore = await imageHash(page);
    t.diagnostic(`without storing: ${env.weights.shardBytes} shard bytes served`);
    // The base shard came from the store, the upsampler's from the server.
    assert.equal(env.weights.shardBytes, env.manifests.upsample.shards[0].bytes);
    assert.equal(hashes.noStore, hashes.reload, 'running without storing made another image than the resumed download');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
