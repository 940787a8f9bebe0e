// The browser weight store end to end (issue 10): dist/ on a plain static
// server, the tiny bundles on a second origin (CORS), headless Chromium on
// SwiftShader, 1 step per stage, seed 7.
//   - first visit loads (downloads everything once, no image: generations
//     take minutes on SwiftShader); second visit: generates with 0 shard
//     bytes served;
//   - a byte flipped in a stored shard (through the page's OPFS): that
//     shard alone is fetched again on the next load, and stored again as
//     the bundle has it;
//   - Delete stored weights: the store is empty, the storage estimate back
//     where it was;
//   - a shard answered 200 + HTML: rejected, the error names the shard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { setup, pageURL, open, load, generate, genStatus, startGenerate, waitModelState, opfsFiles } from './storesetup.mjs';

let env, browser;
before(async () => {
  env = await setup();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await env?.stop();
});

// The store's part of the storage estimate: Chromium's usageDetails give
// the file system's (OPFS) usage apart from the service worker's shell
// cache and the gallery's IndexedDB, which grow beside it and are not
// weights.
const usage = (page) => page.evaluate(async () => {
  const e = await navigator.storage.estimate();
  return e.usageDetails ? (e.usageDetails.fileSystem ?? 0) : e.usage;
});

test('stored shards: second visit, corrupt stored shard, delete', async (t) => {
  const ctx = await browser.newContext();
  const url = pageURL(env);
  const base = env.manifests.base.shards[0];

  // First visit: everything is downloaded once.
  let { page, errors } = await open(ctx, url);
  const usage0 = await usage(page);
  await waitModelState(page, { base: 'missing', upsample: 'missing' });
  env.weights.shardBytes = 0;
  const loaded = await load(page);
  t.diagnostic(`first visit: ${env.weights.shardBytes} shard bytes served (bundles: ${env.bundleBytes}), loaded in ${loaded.seconds.toFixed(1)} s`);
  assert.equal(env.weights.shardBytes, env.bundleBytes);
  await waitModelState(page, { base: 'stored', upsample: 'stored' });
  // The download bar shows only while bytes arrive; once in, one progress
  // bar (the generation's "Progress") is left.
  assert.ok(await page.locator('progress[aria-label="Download progress"]').isHidden());
  assert.equal(await page.getByRole('progressbar', { name: 'Progress' }).count(), 1);
  const files = await opfsFiles(page);
  assert.deepEqual(Object.keys(files).sort(), [base.sha256, env.manifests.upsample.shards[0].sha256].sort(),
    'the store holds one file per shard, named by its sha256, and no .part');
  assert.deepEqual(errors, []);
  await page.close();

  // Second visit: 0 shard bytes, an image.
  env.weights.shardBytes = 0;
  env.weights.shardRequests.length = 0;
  ({ page, errors } = await open(ctx, url));
  const image = await generate(page);
  t.diagnostic(`second visit: image sha256 ${image}`);
  assert.equal(env.weights.shardBytes, 0, `the second visit fetched shards: ${JSON.stringify(env.weights.shardRequests)}`);

  // A byte flipped in the stored base shard: detected on the next load,
  // that shard alone fetched again, the same image.
  await page.evaluate(async (sha) => {
    const d = await (await navigator.storage.getDirectory()).getDirectoryHandle('webglide-shards');
    const h = await d.getFileHandle(sha);
    const b = new Uint8Array(await (await h.getFile()).arrayBuffer());
    b[1000] ^= 0x40;
    const w = await h.createWritable();
    await w.write(b);
    await w.close();
  }, base.sha256);
  await page.close();
  env.weights.shardBytes = 0;
  env.weights.shardRequests.length = 0;
  ({ page, errors } = await open(ctx, url));
  await load(page);
  assert.deepEqual(env.weights.shardRequests.map((r) => r.path), ['base/0000.bin']);
  assert.equal(env.weights.shardBytes, base.bytes);
  // The shard is stored again byte for byte as the bundle has it (its
  // sha256 names the file and was checked), so the image cannot change;
  // generating again would take minutes more on SwiftShader.
  assert.equal((await opfsFiles(page))[base.sha256], base.bytes);
  await waitModelState(page, { base: 'stored', upsample: 'stored' });

  // Delete stored weights: empty store, the estimate back where it was.
  await page.getByRole('button', { name: 'Delete stored weights' }).click();
  await waitModelState(page, { base: 'missing', upsample: 'missing' });
  assert.deepEqual(await opfsFiles(page), {});
  const after = await usage(page);
  t.diagnostic(`storage estimate: ${usage0} before, ${after} after deleting`);
  // The Model section's refresh after deleting reads the manifests again,
  // and the worker keeps them for offline use: they may be back, nothing else.
  const manifestBytes = ['base', 'upsample'].reduce((n, b) => n + fs.statSync(path.join(env.dir, b, 'manifest.json')).size, 0);
  assert.ok(after <= usage0 + manifestBytes + 64 * 1024,
    `usage ${after} bytes after deleting, ${usage0} before the first visit (manifests: ${manifestBytes} bytes)`);
  assert.match(await page.locator('#storage-used').innerText(), /Storage used: 0\.0 MB of weights in 0 files/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a shard answered with 200 and an HTML page is rejected, naming the shard', async (t) => {
  const ctx = await browser.newContext();
  env.weights.html.add('upsample/0000.bin');
  try {
    const { page, errors } = await open(ctx, pageURL(env));
    await startGenerate(page);
    const status = genStatus(page).filter({ hasText: /^Error/ });
    await status.waitFor({ timeout: 120_000 });
    const text = await status.innerText();
    t.diagnostic(text);
    assert.match(text, /^Error \(bad-weights\): /);
    assert.match(text, /upsample bundle at .*\/upsample\/: shard 0000\.bin at .*upsample\/0000\.bin: sha256 mismatch/);
    assert.match(text, /an HTML page \(Content-Type text\/html/);
    // Nothing unverified is kept: no upsample file, no .part.
    const files = await opfsFiles(page);
    assert.deepEqual(Object.keys(files), [env.manifests.base.shards[0].sha256]);
    assert.deepEqual(errors, []);
  } finally {
    env.weights.html.clear();
    await ctx.close();
  }
});

test('a weights URL without bundles: the Model section says the ways on', async () => {
  const ctx = await browser.newContext();
  try {
    const { page, errors } = await open(ctx, pageURL(env, { weights: `${env.weights.url}nothing-here/` }));
    await waitModelState(page, { base: 'absent', upsample: 'absent' });
    const text = await page.locator('#download-text').innerText();
    assert.match(text, /^No weight bundles at http:\/\/127\.0\.0\.1:\d+\/nothing-here\/\./);
    assert.match(text, /"glide fetch" when online/);
    assert.match(text, /"glide fetch --base-url URL"/);
    assert.match(text, /import the official \.pt checkpoints/);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
