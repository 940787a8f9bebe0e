// Helpers of the PWA tests (e2e/pwa*.test.mjs): the image's pixels, the
// Gallery's entries, PNG text chunks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { genStatus } from './storesetup.mjs';
import { readPNGText } from '../site/pngtext.js';

export { readPNGText };

// pixelHash returns the sha256 of an <img>'s decoded RGBA pixels, so that
// images are compared by what they show (their PNGs' text chunks name the
// weights URL, which differs between servers).
export function pixelHash(locator) {
  return locator.evaluate(async (img) => {
    await img.decode();
    const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const sum = await crypto.subtle.digest('SHA-256', d);
    return `${c.width}x${c.height}:${Array.from(new Uint8Array(sum), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  });
}

// result waits for the stage's first image of prompt (or an error) and
// returns its pixel hash.
export async function result(page, prompt) {
  const img = page.getByRole('img', { name: new RegExp(`^Generated image 1: ${prompt}`) });
  const failed = genStatus(page).filter({ hasText: /^Error/ });
  await Promise.race([
    img.waitFor({ timeout: 900_000 }),
    failed.waitFor({ timeout: 900_000 }).then(async () => { throw new Error(`generation failed: ${await failed.innerText()}`); }),
  ]);
  return pixelHash(img);
}

export const galleryItems = (page) => page.getByRole('list', { name: 'Gallery' }).getByRole('listitem');

// galleryEntries lists the Gallery's entries as shown: prompt and the
// settings line, newest first.
export async function galleryEntries(page) {
  const out = [];
  for (const li of await galleryItems(page).all()) {
    out.push({
      prompt: await li.locator('.gallery-prompt').innerText(),
      settings: await li.locator('.gallery-settings').innerText(),
    });
  }
  return out;
}

// waitGallery waits until the Gallery shows n entries.
export async function waitGallery(page, n, timeout = 30_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeout) {
    if ((await galleryItems(page).count()) === n) return galleryEntries(page);
    await page.waitForTimeout(200);
  }
  assert.equal(await galleryItems(page).count(), n, 'Gallery entries');
  return galleryEntries(page);
}

// form reads the form's fields.
export function form(page) {
  return page.evaluate(() => Object.fromEntries(
    ['prompt', 'seed', 'guidance', 'steps', 'upsample-steps', 'batch'].map((id) => [id, document.getElementById(id).value])));
}

// download clicks what starts a download and returns the file's bytes.
export async function download(page, locator) {
  const [d] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  return fs.readFileSync(await d.path());
}

// swActive waits until the page's service worker is active.
export function swActive(page) {
  return page.evaluate(async () => !!(await navigator.serviceWorker.ready).active);
}
