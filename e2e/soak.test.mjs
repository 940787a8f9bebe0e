// Soak (issue 17): GLIDE_SOAK_N consecutive generations in one page (2 in
// make test; make soak runs 10, SOAK_N=N for more), the tiny base model
// alone (64×64), one step each. After every run the worker reports the
// GPU buffers and bytes its device holds and its Go heap after a
// collection (the "memory" message); the test reads the page's JS heap
// after a collection (DevTools protocol). Every figure must come back to
// the same value run over run (the heaps within a small slack), and every
// run's image for the same seed must be identical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { setup, open, generate } from './reliability-setup.mjs';

const N = Number(process.env.GLIDE_SOAK_N || 2);
const MiB = 2 ** 20;
let env;
before(async () => { env = await setup(); });
after(async () => { await env?.stop(); });

test(`${N} generations in one page: no memory growth, identical images`, async (t) => {
  assert.ok(N >= 2, 'GLIDE_SOAK_N must be at least 2');
  const browser = await launch();
  try {
    const { page, errors } = await open(browser, env.url, { weights: 'weights/base-only/' });
    await page.evaluate(async () => {
      const { client } = await import(new URL('site/client.js', location.href).href);
      window.memoryLog = [];
      client.on('memory', (m) => window.memoryLog.push(m));
    });
    const cdp = await page.context().newCDPSession(page);
    const jsHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const runs = [];
    for (let i = 0; i < N; i++) {
      const run = await generate(page, { prompt: 'a soak test', steps: '1', seed: '3', timeout: 600_000 });
      await page.waitForFunction((n) => window.memoryLog.length >= n, i + 1, { timeout: 30_000 });
      const mem = await page.evaluate((k) => window.memoryLog[k], i);
      runs.push({ ...mem, jsHeap: await jsHeap(), pixels: run.pixels, seconds: run.seconds });
      const r = runs[i];
      t.diagnostic(`run ${i + 1}: ${r.seconds.toFixed(1)} s; GPU ${r.buffers} buffers, ${(r.bytes / MiB).toFixed(2)} MiB; ` +
        `Go heap ${(r.goHeap / MiB).toFixed(2)} MiB (sys ${(r.goSys / MiB).toFixed(1)}); JS heap ${(r.jsHeap / MiB).toFixed(2)} MiB`);
    }
    const first = runs[0];
    for (const [i, r] of runs.entries()) {
      assert.equal(r.pixels, first.pixels, `run ${i + 1}'s image differs from run 1's`);
      assert.equal(r.buffers, first.buffers, `run ${i + 1} holds ${r.buffers} GPU buffers, run 1 ${first.buffers}`);
      assert.equal(r.bytes, first.bytes, `run ${i + 1} holds ${r.bytes} GPU bytes, run 1 ${first.bytes}`);
      // A leak of one 64×64 run's worth (a preview, an image: tens of KiB
      // each) grows these by far more over N runs than the slack.
      assert.ok(r.goHeap <= first.goHeap * 1.1 + MiB, `the Go heap grew: ${first.goHeap} → ${r.goHeap} bytes at run ${i + 1}`);
      assert.ok(r.jsHeap <= first.jsHeap * 1.1 + 2 * MiB, `the JS heap grew: ${first.jsHeap} → ${r.jsHeap} bytes at run ${i + 1}`);
    }
    assert.ok(first.buffers > 0 && first.bytes > 0, 'no GPU figures: is WebGPU on?');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
