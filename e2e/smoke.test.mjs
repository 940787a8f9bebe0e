// Smoke test of the page: glide serve + headless Chromium.
//   - with WebGPU (SwiftShader), the page names the adapter and says
//     whether shader-f16 is available;
//   - without WebGPU, it says so clearly;
//   - with ?backend=cpu, the CPU device in wasm although WebGPU works; an
//     unknown ?backend= value is named and the choice is the usual one;
//   - the wasm is served as application/wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../tools/chromium.mjs';
import { startServer } from './serve.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

// statusText loads the page in a fresh browser (hideGPU: with
// navigator.gpu removed from the worker) and returns the GPU status
// region's text once it names the compute device.
async function statusText({ webgpu, hideGPU = false, query = '' }) {
  const browser = await launch({ webgpu });
  try {
    const page = await browser.newPage();
    if (hideGPU) {
      // A browser without the WebGPU API: remove navigator.gpu in the
      // worker before anything else runs there.
      await page.route('**/site/worker.js', async (route) => {
        const res = await route.fetch();
        const body = 'delete Object.getPrototypeOf(navigator).gpu;\n' + await res.text();
        await route.fulfill({ response: res, body });
      });
    }
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(new URL(query, server.url).href);
    const status = page.getByRole('status', { name: 'Your GPU' });
    await status.filter({ hasText: 'Compute:' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(errors, [], 'uncaught errors on the page');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'WebGLIDE');
    // The header shows a compact line; the full lines are under Details.
    await status.locator('summary', { hasText: 'Details' }).click();
    return await status.innerText();
  } finally {
    await browser.close();
  }
}

test('serves the wasm as application/wasm', async () => {
  const res = await fetch(new URL('build/webglide.wasm', server.url));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/wasm');
  const magic = new Uint8Array(await res.arrayBuffer()).slice(0, 4);
  assert.deepEqual([...magic], [0x00, 0x61, 0x73, 0x6d], 'wasm magic number');
});

test('shows the WebGPU adapter and shader-f16', async (t) => {
  const text = await statusText({ webgpu: true });
  t.diagnostic(`status: ${text.replace(/\n+/g, ' | ')}`);
  // SwiftShader gives no description; the page falls back to vendor and
  // architecture.
  assert.match(text, /WebGPU adapter: .*swiftshader/i);
  assert.match(text, /shader-f16: not available \(f32 path\)/);
  // Until wasm/webgpu is plugged in, the page says it computes on the CPU.
  assert.match(text, /Compute: running (on CPU in wasm: slow|on the GPU with WebGPU)/);
});

test('says clearly when WebGPU is missing', async (t) => {
  const text = await statusText({ webgpu: false });
  t.diagnostic(`status: ${text.replace(/\n+/g, ' | ')}`);
  assert.match(text, /WebGPU is not available in this browser/);
});

test('says clearly when the WebGPU API is absent', async (t) => {
  const text = await statusText({ webgpu: true, hideGPU: true });
  t.diagnostic(`status: ${text.replace(/\n+/g, ' | ')}`);
  assert.match(text, /WebGPU is not available in this browser \(navigator\.gpu is missing\)/);
});

test('?backend=cpu computes on the CPU in wasm even where WebGPU works', async (t) => {
  const text = await statusText({ webgpu: true, query: '?backend=cpu' });
  t.diagnostic(`status: ${text.replace(/\n+/g, ' | ')}`);
  assert.match(text, /Compute: running on CPU in wasm: slow \(chosen with \?backend=cpu; WebGPU not asked\)/);
  assert.doesNotMatch(text, /WebGPU adapter:/);
});

test('?backend= with something that is no backend says so and chooses as usual', async (t) => {
  const text = await statusText({ webgpu: true, query: '?backend=gpu-please' });
  t.diagnostic(`status: ${text.replace(/\n+/g, ' | ')}`);
  assert.match(text, /\?backend="gpu-please" is not a backend: the page takes \?backend=cpu; chosen automatically/);
  assert.match(text, /WebGPU adapter: .*swiftshader/i);
});
