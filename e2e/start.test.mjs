// The start-up path: page open → compute worker ready (wasm compiled with
// instantiateStreaming, device open and self-tested), cold (first visit)
// and warm (a reload, with the service worker and the HTTP cache), from
// the page's performance marks 'webglide:device' and 'webglide:ready'
// (site/app.js). On the warm path nothing is fetched twice. The times
// are reported, never asserted (speed goals live in benchmarks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { startServer } from './serve.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

// marks waits for the ready mark and returns both marks' times (ms since
// navigation start).
async function marks(page) {
  await page.waitForFunction(() => performance.getEntriesByName('webglide:ready').length > 0, null, { timeout: 60_000 });
  return page.evaluate(() => ({
    device: performance.getEntriesByName('webglide:device')[0]?.startTime,
    ready: performance.getEntriesByName('webglide:ready')[0].startTime,
  }));
}

test('page open → worker ready, cold and warm; nothing fetched twice when warm', async (t) => {
  const browser = await launch({ webgpu: true });
  try {
    const page = await browser.newPage();
    let requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url);
    const cold = await marks(page);
    const coldRequests = requests;
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Let the cold page finish what 'ready' starts (the Model section's
    // store status reads the bundles' manifests), so that none of its
    // requests lands in the warm list.
    await page.waitForLoadState('networkidle');

    requests = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) requests = requests.filter((u) => u === f.url()); });
    await page.reload();
    const warm = await marks(page);
    await page.getByRole('status').filter({ hasText: 'Ready.' }).first().waitFor();
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);

    t.diagnostic(`cold: device open ${cold.device?.toFixed(0)} ms, ready ${cold.ready.toFixed(0)} ms after navigation (${coldRequests.length} requests)`);
    t.diagnostic(`warm: device open ${warm.device?.toFixed(0)} ms, ready ${warm.ready.toFixed(0)} ms after navigation (${requests.length} requests; service worker in control: ${controlled})`);
    assert.ok(cold.device > 0 && cold.device <= cold.ready, 'the device mark comes before ready');
    assert.ok(controlled, 'the reload is served by the service worker');

    const count = new Map();
    for (const u of requests) count.set(u, (count.get(u) || 0) + 1);
    const twice = [...count].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'URLs fetched more than once on the warm path');
    for (const f of ['build/webglide.wasm', 'build/glide-bpe.vocab', 'site/worker.js']) {
      assert.equal(requests.filter((u) => new URL(u).pathname.endsWith('/' + f)).length, 1, `${f} requested once on the warm path`);
    }
  } finally {
    await browser.close();
  }
});
