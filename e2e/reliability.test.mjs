// Reliability (issue 17), production build: malformed and hostile
// messages to the worker — wrong types, huge numbers, BigInts, unknown
// types and fields, 10,000 at once — are answered with an error (or their
// normal reply, or ignored), never crash or hang the worker, and the page
// generates afterwards. The fault switches of the test build are refused
// here like any unknown request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { setup, open, generate } from './reliability-setup.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.stop(); });

test('hostile messages get errors, never a crash or a hang; the page still generates', async (t) => {
  const browser = await launch();
  try {
    // The worker is the subject: the CPU device (no pipelines to compile).
    const { page, errors } = await open(browser, env.url, { weights: 'weights/base-only/', backend: 'cpu' });
    const t0 = Date.now();
    const result = await page.evaluate(async () => {
      const { client } = await import(new URL('site/client.js', location.href).href);
      const replies = new Map(); // id → [types]
      const deaths = [];
      client.on('*', (m) => {
        if (['exit', 'crash', 'fatal'].includes(m.type)) deaths.push(m);
        if (typeof m.id === 'number' && m.id >= 1e6) {
          if (!replies.has(m.id)) replies.set(m.id, []);
          replies.get(m.id).push(m.type === 'error' ? `error:${m.kind}` : m.type);
        }
      });
      let refused = 0; // messages the browser itself cannot clone
      const send = (m) => { try { client.post(m); } catch { refused++; } };
      const H = 1e6;
      // Each case with an id ≥ 1e6 must get exactly one reply.
      const hostile = [
        { type: 'generate', id: H + 1, batch: 99 },
        { type: 'generate', id: H + 2, seed: 'xyz' },
        { type: 'generate', id: H + 3, seed: [1, 2], steps: { a: 1 }, guidance: 'NaN', prompt: 12345, batch: 1e308, weights: 5 },
        { type: 'generate', id: H + 4, batch: -1, extra: { deep: { deeper: [1, 2, 3] } } },
        { type: 'generate', id: H + 5, batch: 1.5, previewEvery: 1e300 },
        { type: 'generate', id: H + 6, oneModel: {}, noStore: 'yes', ack: [], batch: 0 },
        { type: 'generate', id: H + 7, batch: 10n },
        { type: 'inpaint', id: H + 8, image: { width: 1e9, height: -1, data: 5 }, mask: null },
        { type: 'inpaint', id: H + 9, image: 'x', mask: { width: 64, height: 64, data: new Uint8Array(3) } },
        { type: 'load', id: H + 10, weights: 'javascript:alert(1)' },
        { type: 'import', id: H + 11, file: 'not a file' },
        { type: 'store-status', id: H + 12, weights: 12 },
        { type: 'tokenize', id: H + 13, prompt: 'a'.repeat(200_000) },
        { type: 'tokenize', id: H + 14, prompt: 10n },
        { type: 'fault', id: H + 15, fault: 'panic' }, // refused: not a test build
        { type: 'x'.repeat(100_000), id: H + 16 },
        { type: 7, id: H + 17 },
      ];
      // Without a usable id: answered with id 0 or ignored.
      const junk = [42, 'generate', null, [], [1, 2], {}, { type: null }, { type: 'cancel', id: 'abc' },
        { type: 'ack', seq: Infinity }, { type: 'ack', seq: 'x' }, { type: 'cancel', id: 5n }, { type: 'generate', id: 5n },
        { type: 'generate', id: -1, batch: 99 }, { type: 'generate', id: NaN, batch: 99 }, new Date(), new Map([[1, 2]])];
      for (const m of [...hostile, ...junk]) send(m);
      // 10,000 at once: bad generate requests (refused at decoding),
      // tokenize, unknown types, stray acks.
      const S = 2e6;
      const storm = [];
      for (let i = 0; i < 10_000; i++) {
        const id = S + i;
        storm.push([{ type: 'generate', id, batch: 99 }, { type: 'tokenize', id, prompt: `p${i}` },
          { type: `nope${i}`, id }, { type: 'ack', seq: i }][i % 4]);
      }
      for (const m of storm) send(m);
      // In order behind all that: one more tokenize; then wait for every reply.
      send({ type: 'tokenize', id: 3e6, prompt: 'last' });
      const expected = [...hostile.map((m) => m.id), ...storm.filter((m) => m.id).map((m) => m.id), 3e6];
      const t0 = performance.now();
      while (performance.now() - t0 < 240_000 && (deaths.length === 0) && expected.some((id) => !replies.has(id))) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const missing = expected.filter((id) => !replies.has(id));
      const twice = [...replies].filter(([, v]) => v.length !== 1).map(([k, v]) => `${k}: ${v}`);
      const kinds = (mod) => [...new Set(storm.filter((m, i) => i % 4 === mod).map((m) => replies.get(m.id)?.join()))];
      return {
        seconds: (performance.now() - t0) / 1000, refused, deaths,
        missing: missing.slice(0, 10), missingCount: missing.length, twice: twice.slice(0, 10),
        hostile: Object.fromEntries(hostile.map((m) => [m.id - H, replies.get(m.id)?.join()])),
        stormGenerate: kinds(0), stormTokenize: kinds(1), stormUnknown: kinds(2),
      };
    });
    t.diagnostic(`all answered in ${result.seconds.toFixed(1)} s (${((Date.now() - t0) / 1000).toFixed(1)} s with sending); ` +
      `not cloneable by the browser: ${result.refused}; hostile replies: ${JSON.stringify(result.hostile)}`);
    assert.deepEqual(result.deaths, [], 'the worker died');
    assert.equal(result.missingCount, 0, `requests never answered (a hang), e.g. ${result.missing}`);
    assert.deepEqual(result.twice, [], 'requests answered more than once');
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 16, 17]) {
      assert.equal(result.hostile[n], 'error:bad-input', `hostile case ${n}`);
    }
    assert.match(result.hostile[10], /^error:/, 'a javascript: weights URL');
    assert.match(result.hostile[12], /^(store|error:.*)$/, 'store-status with a number for weights');
    assert.equal(result.hostile[13], 'tokens');
    // Stored requests beyond the queue's 64 are refused ("too many
    // requests queued"): bad-input as well.
    assert.deepEqual(result.stormGenerate, ['error:bad-input']);
    assert.deepEqual(result.stormTokenize, ['tokens']);
    assert.deepEqual(result.stormUnknown, ['error:bad-input']);

    // The page is still usable: a real generation (one 64×64 base run).
    const run = await generate(page, { steps: '1' });
    t.diagnostic(`then generated in ${run.seconds.toFixed(1)} s: ${run.status}`);
    assert.equal(run.width, 64);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
