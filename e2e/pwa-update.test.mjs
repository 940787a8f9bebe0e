// Updates of the offline PWA (issue 11): a page open on dist/ while a
// rebuilt dist/ (other content, so another shell hash) is put on the
// server. The new service worker installs in the background and waits;
// the page shows "A new version is ready" with "Reload to update"; while
// the page is generating (the form aria-busy) the click is held; then the
// page reloads into the new shell and the old shell cache is gone. No
// request of the old page fails on the way. No generation: a minute.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { ROOT } from './serve.mjs';
import { DIST, ready } from './storesetup.mjs';
import { startStatic } from './static.mjs';
import { swActive } from './pwahelpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-pwa-update-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// rebuild changes live/site/pwa.css and writes live/sw.js again, as make
// site does after a change (tools/shellsw with the template beside it).
function rebuild(live, marker) {
  fs.appendFileSync(path.join(live, 'site', 'pwa.css'), `\n/* ${marker} */\n`);
  fs.copyFileSync(path.join(ROOT, 'site', 'sw.js'), path.join(live, 'site', 'sw.js'));
  try {
    execFileSync('go', ['run', './tools/shellsw', live], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    fs.rmSync(path.join(live, 'site', 'sw.js'));
  }
  return /"version":"([0-9a-f]{16})"/.exec(fs.readFileSync(path.join(live, 'sw.js'), 'utf8'))[1];
}

const swVersion = (page) => page.evaluate(() => new Promise((resolve) => {
  navigator.serviceWorker.addEventListener('message', (e) => { if (e.data?.type === 'version') resolve(e.data.version); });
  navigator.serviceWorker.controller.postMessage({ type: 'version' });
}));

test('a rebuilt dist/: "A new version is ready", Reload to update, the old shell cache gone', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(fs.existsSync(path.join(DIST, 'sw.js')), 'dist/sw.js is missing: run make site first');
  const live = path.join(tmp, 'live');
  fs.cpSync(DIST, live, { recursive: true });
  const oldVersion = /"version":"([0-9a-f]{16})"/.exec(fs.readFileSync(path.join(live, 'sw.js'), 'utf8'))[1];
  const site = await startStatic(live);
  const browser = await launch();
  try {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const errors = [];
    const failedRequests = [];
    page.on('pageerror', (e) => errors.push(e));
    // The shell's requests; this site has no weights/ (the Model section's
    // look-ups of weights/*/manifest.json get 404s, as they should).
    const shell = (u) => !new URL(u).pathname.startsWith('/weights/');
    page.on('response', (r) => { if (r.status() >= 400 && shell(r.url())) failedRequests.push(`${r.status()} ${r.url()}`); });
    page.on('requestfailed', (r) => { if (shell(r.url())) failedRequests.push(`failed ${r.url()}: ${r.failure()?.errorText}`); });
    await page.goto(`${site.url}?backend=cpu`); // the CPU device: no GPU self-test to wait for
    await ready(page);
    assert.ok(await swActive(page));
    await page.reload(); // now the service worker controls the page
    await ready(page);
    assert.equal(await swVersion(page), oldVersion);
    const banner = page.getByText('A new version is ready.');
    assert.equal(await banner.isVisible(), false, 'no banner without a new version');

    const newVersion = rebuild(live, 'update test');
    assert.notEqual(newVersion, oldVersion, 'the rebuilt shell has another hash');
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await banner.waitFor({ timeout: 60_000 });
    const reload = page.getByRole('button', { name: 'Reload to update' });
    assert.ok(await reload.isVisible());
    // Both shells are cached while the new one waits; the page still runs the old.
    assert.equal((await page.evaluate(() => caches.keys())).length, 2);
    assert.equal(await swVersion(page), oldVersion);
    assert.doesNotMatch(await page.evaluate(async () => (await fetch('site/pwa.css')).text()), /update test/);

    // While generating, the update waits.
    await page.evaluate(() => document.getElementById('form').setAttribute('aria-busy', 'true'));
    await reload.click();
    await page.getByText('It is applied when this image is done').waitFor({ timeout: 5_000 });
    await page.waitForTimeout(1_500);
    assert.equal(await swVersion(page), oldVersion, 'nothing is swapped under a page that is generating');
    const navigated = page.waitForEvent('load', { timeout: 60_000 });
    await page.evaluate(() => document.getElementById('form').setAttribute('aria-busy', 'false'));
    await navigated;
    await ready(page);

    assert.equal(await swVersion(page), newVersion, 'the new service worker controls the reloaded page');
    assert.match(await page.evaluate(async () => (await fetch('site/pwa.css')).text()), /update test/, 'the new shell is in use');
    assert.deepEqual(await page.evaluate(() => caches.keys()), [`webglide-shell:/:${newVersion}`], 'the old shell cache is gone');
    assert.equal(await page.getByRole('button', { name: 'Reload to update' }).isVisible(), false);
    assert.deepEqual(failedRequests, [], 'no request failed on the way');
    assert.deepEqual(errors, []);
    t.diagnostic(`shell ${oldVersion} → ${newVersion}`);
  } finally {
    await browser.close();
    await site.stop();
  }
});
