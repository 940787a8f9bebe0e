// Takes the web app manifest's screenshots (site/screenshots/wide.png,
// narrow.png: what an install dialog shows) from the built site dist/: node
// tools/manifest-screenshots.mjs, after make site. The page is shown
// as a first visit finds it, ready, before any weights are stored (the
// tiny test bundles on a second origin, as in the end-to-end tests).
import path from 'node:path';
import { launch } from './chromium.mjs';
import { ROOT } from '../e2e/serve.mjs';
import { setup } from '../e2e/storesetup.mjs';

const out = path.join(ROOT, 'site', 'screenshots');

const env = await setup();
const browser = await launch();
try {
  for (const [name, viewport] of [['wide', { width: 1280, height: 720 }], ['narrow', { width: 390, height: 844 }]]) {
    const page = await browser.newPage({ viewport, colorScheme: 'light' });
    await page.goto(`${env.site.url}?weights=${encodeURIComponent(env.weights.url)}`);
    await page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('an oil painting of a corgi');
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`manifest-screenshots: ${path.join('site', 'screenshots', `${name}.png`)} (${viewport.width}×${viewport.height})`);
    await page.close();
  }
} finally {
  await browser.close();
  await env.stop();
}
