// The offline PWA end to end (issue 11): dist/ (make site) on a plain
// static server, the tiny bundles on a second origin, Chromium with a
// persistent (non-incognito) profile, 1 step per stage, seed 7.
//   - installable: Page.getInstallabilityErrors is empty, the manifest
//     has what an install needs, its icons load at their sizes;
//   - one visit that stores the weights and generates; then both servers
//     stopped and the context offline: reload, the page says it is
//     offline, the Gallery still holds the image with its settings, "Use
//     these settings" + Generate gives the same pixels (so: generating
//     offline from the stored weights, identical to online);
//   - the downloaded PNG's text chunks equal glide generate's for the same
//     settings; Gallery: two entries survive a reload, Delete removes one;
//     the share link ("Copy link") and a dropped PNG fill the form;
//     the Gallery keeps at most 200;
//   - offline, weights that were never stored: "these weights are not
//     stored on this device yet";
//   - the same site under the path prefix /tools/glide/: offline after one
//     visit that stored the weights, the same pixels.
// SwiftShader generations take minutes on a loaded machine, so the file
// runs three and shares them between the checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchPersistent } from '../tools/chromium.mjs';
import { ROOT } from './serve.mjs';
import { setup, pageURL, open, ready, genStatus, startGenerate, load, DIST } from './storesetup.mjs';
import { startStatic, startWeights } from './static.mjs';
import {
  result, pixelHash, galleryItems, waitGallery, form, download, swActive, readPNGText,
} from './pwahelpers.mjs';

let env;
const profiles = [];
const profile = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-pwa-profile-'));
  profiles.push(d);
  return d;
};
before(async () => { env = await setup(); });
after(async () => {
  await env?.stop();
  for (const d of profiles) fs.rmSync(d, { recursive: true, force: true });
});

const PROMPT = 'a red apple';
let onlinePixels; // the first test's online image, for the prefix test

// Generous limits: each SwiftShader generation takes about a minute on an
// idle machine and ten on a loaded one.
test('installable; offline after one visit; gallery, PNG text chunks, share link, dropped PNG', { timeout: 45 * 60_000 }, async (t) => {
  const ctx = await launchPersistent(profile());
  try {
    const url = pageURL(env);
    let { page, errors } = await open(ctx, url);
    assert.ok(await swActive(page), 'the service worker activates on the first visit');

    // Installable, in a persistent profile.
    const cdp = await ctx.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], 'Chromium reports the page installable');
    const { url: manifestURL, errors: manifestErrors } = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifestErrors, []);
    const manifest = await page.evaluate(async (u) => (await fetch(u)).json(), manifestURL);
    for (const k of ['name', 'short_name', 'start_url', 'scope', 'theme_color', 'background_color', 'description']) {
      assert.ok(manifest[k], `the manifest has ${k}`);
    }
    assert.equal(manifest.display, 'standalone');
    assert.equal(new URL(manifest.start_url, manifestURL).href, env.site.url, 'start_url is the page');
    assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
    for (const want of ['192x192', '512x512']) assert.ok(manifest.icons.some((i) => i.sizes === want), `an icon of ${want}`);
    assert.deepEqual(manifest.screenshots.map((s) => s.form_factor).sort(), ['narrow', 'wide']);
    for (const icon of [...manifest.icons, ...manifest.screenshots]) {
      const got = await page.evaluate(async (u) => {
        const res = await fetch(u);
        const bmp = await createImageBitmap(await res.blob());
        return { status: res.status, type: res.headers.get('Content-Type'), size: `${bmp.width}x${bmp.height}` };
      }, new URL(icon.src, manifestURL).href);
      assert.deepEqual(got, { status: 200, type: 'image/png', size: icon.sizes }, `icon ${icon.src}`);
    }

    // One visit that stores the weights and generates.
    let t0 = Date.now();
    await startGenerate(page, PROMPT);
    onlinePixels = await result(page, PROMPT);
    t.diagnostic(`online generation: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await waitGallery(page, 1);
    const cacheNames = await page.evaluate(() => caches.keys());
    assert.equal(cacheNames.length, 1);
    assert.match(cacheNames[0], /^webglide-shell:\/:[0-9a-f]{16}$/);

    // The servers stopped, the browser offline: the page reloads, says it
    // is offline, and the Gallery still has the image.
    await env.site.stop();
    await env.weights.stop();
    await ctx.setOffline(true);
    await page.reload();
    await ready(page);
    // The worker's script came from the service worker and kept its query
    // (?backend=cpu): a cached response would have given it the bare URL.
    assert.match(await page.getByRole('status', { name: 'Your GPU' }).innerText(), /CPU in wasm/);
    // "offline" when the browser knows; else the failed update check says
    // the server cannot be reached (Chromium's offline emulation does not
    // always reach navigator.onLine of a page served by a service worker).
    assert.match(await page.getByRole('status', { name: 'Connection' }).innerText(), /You are offline|server cannot be reached/);
    let entries = await waitGallery(page, 1);
    assert.deepEqual(entries, [{ prompt: PROMPT, settings: 'seed 7 · 1 + 1 steps · guidance 3' }]);

    // "Use these settings" fills the form; Generate offline: the same pixels.
    await page.getByRole('textbox', { name: 'Prompt' }).fill('something else');
    await galleryItems(page).first().getByRole('button', { name: 'Use these settings' }).click();
    const filled = await form(page);
    assert.deepEqual(filled, { prompt: PROMPT, seed: '7', guidance: '3', steps: '1', 'upsample-steps': '1', batch: '1' });
    t0 = Date.now();
    await page.getByRole('button', { name: 'Generate' }).click();
    const offlinePixels = await result(page, PROMPT);
    t.diagnostic(`offline generation: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.equal(offlinePixels, onlinePixels, 'offline, from the stored weights, the same pixels as online');
    assert.equal(await pixelHash(galleryItems(page).last().getByRole('img')), onlinePixels, 'the Gallery keeps the pixels');

    // The downloaded PNG carries glide generate's text chunks.
    const png = await download(page, page.getByRole('link', { name: 'Download PNG' }));
    const chunks = readPNGText(png);
    const cliOut = path.join(env.dir, 'cli.png');
    execFileSync(path.join(ROOT, 'build', 'glide'), ['generate', '--weights', env.dir, '--prompt', PROMPT, '--seed', '7',
      '--steps', '1', '--upsample-steps', '1', '--quiet', '--out', cliOut], { stdio: ['ignore', 'ignore', 'pipe'] });
    const cli = readPNGText(fs.readFileSync(cliOut));
    // Software names the program (the CLI or the browser) and
    // glide:weights where the weights came from (the CLI's folder, the
    // page's URL): by design the two differ there and nowhere else.
    assert.equal(chunks.Software, 'WebGLIDE (browser)');
    assert.equal(cli.Software, 'WebGLIDE (glide generate)');
    assert.equal(chunks['glide:weights'], env.weights.url);
    const strip = ({ Software, 'glide:weights': w, ...rest }) => rest;
    assert.deepEqual(strip(chunks), strip(cli), 'the same text chunks as glide generate');
    assert.equal(Object.keys(strip(cli)).length, 7);

    // Two entries survive a reload; Delete removes one (for good).
    await page.reload();
    await ready(page);
    entries = await waitGallery(page, 2);
    assert.deepEqual(entries.map((e) => e.prompt), [PROMPT, PROMPT]);
    await galleryItems(page).first().getByRole('button', { name: 'Delete' }).click();
    await waitGallery(page, 1);
    await page.reload();
    await ready(page);
    await waitGallery(page, 1);
    const galleryPNG = await download(page, galleryItems(page).first().getByRole('button', { name: 'Download PNG' }));
    assert.deepEqual(readPNGText(galleryPNG), chunks, "the Gallery's Download PNG is the worker's PNG too");

    // A dropped PNG restores its settings.
    await page.getByRole('textbox', { name: 'Prompt' }).fill('');
    await page.getByRole('textbox', { name: 'Seed' }).fill('');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('100');
    await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'webglide-7.png', { type: 'image/png' }));
      document.querySelector('#stage').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [...png]);
    await page.getByText('Settings restored from webglide-7.png').waitFor({ timeout: 5_000 });
    assert.deepEqual(await form(page), filled, 'the dropped PNG filled the form');

    // The share link round-trips (opened offline: the shell is cached).
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a blue boat, "quoted" & #hashed');
    await page.getByRole('textbox', { name: 'Seed' }).fill('123456789012345');
    await page.getByRole('spinbutton', { name: 'Guidance scale' }).fill('4.5');
    await page.getByRole('button', { name: 'Copy link' }).click();
    const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
    assert.match(link, /#.*seed=123456789012345/);
    const shared = await open(ctx, link);
    assert.deepEqual(await form(shared.page), {
      prompt: 'a blue boat, "quoted" & #hashed', seed: '123456789012345', guidance: '4.5', steps: '1', 'upsample-steps': '1', batch: '1',
    });
    await shared.page.close();

    // The Gallery keeps the last 200.
    const bound = await page.evaluate(async () => {
      const db = await import('./site/gallery-db.js');
      const png = new Blob([new Uint8Array(8)], { type: 'image/png' });
      const mk = (i) => ({ created: Date.now(), prompt: `bulk ${i}`, seed: String(i), guidance: '3', steps: '1', upsampleSteps: '1', batch: '1', index: 1, mode: 'generate', weights: '', width: 1, height: 1, png });
      const dropped = await db.add(Array.from({ length: 205 }, (_, i) => mk(i)));
      const all = await db.list();
      return { dropped, n: all.length, newest: all[0].prompt, oldest: all.at(-1).prompt, max: db.MAX };
    });
    assert.deepEqual(bound, { dropped: 6, n: 200, newest: 'bulk 204', oldest: 'bulk 5', max: 200 });
    assert.match(await page.locator('#gallery-note').innerText(), /at most 200 images/);

    // Offline, weights that were never stored: said so, not a network error.
    const other = await open(ctx, pageURL(env, { weights: 'http://127.0.0.1:9/never-stored/' }));
    await startGenerate(other.page, PROMPT);
    const failed = genStatus(other.page).filter({ hasText: /^Error/ });
    await failed.waitFor({ timeout: 120_000 });
    assert.match(await failed.innerText(), /these weights are not stored on this device yet/);
    await other.page.close();
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('under a path prefix: offline after one visit, the same pixels', { timeout: 30 * 60_000 }, async (t) => {
  assert.ok(onlinePixels, 'needs the first test\'s online image');
  const site = await startStatic(DIST, { prefix: '/tools/glide/' });
  const weights = await startWeights(env.dir);
  const ctx = await launchPersistent(profile());
  try {
    assert.match(site.url, /\/tools\/glide\/$/);
    const url = `${site.url}?${new URLSearchParams({ weights: weights.url, upsample_steps: '1', backend: 'cpu' })}`;
    const { page, errors } = await open(ctx, url);
    assert.ok(await swActive(page));
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).scope), site.url);
    await load(page); // the visit stores the weights
    assert.match((await page.evaluate(() => caches.keys()))[0], /^webglide-shell:\/tools\/glide\/:/);

    await site.stop();
    await weights.stop();
    await ctx.setOffline(true);
    await page.reload();
    await ready(page);
    const t0 = Date.now();
    await startGenerate(page, PROMPT);
    assert.equal(await result(page, PROMPT), onlinePixels, 'under /tools/glide/, offline: the same pixels');
    t.diagnostic(`offline generation under the prefix: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await site.stop();
    await weights.stop();
  }
});
