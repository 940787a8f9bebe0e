// The page as a product, end to end with the tiny fixture models (glide
// serve --weights + headless Chromium; WebGPU on SwiftShader, so every run
// uses the fewest steps and the finished-page checks share one run):
//   - idle: layout at 1280×800 and 390×844, token counter (against the
//     CLI's tokenizer), presets, random seed, refusals naming their field,
//     Shift+Enter, axe-core in both themes;
//   - keyboard flow: type a prompt, press Enter, an image appears; the
//     seed lock, progress in the title, no layout shift, a notification
//     when done in a background tab; axe-core on the running and the
//     finished page in both themes; screenshots into build/screenshots/
//     (make screenshots copies them to docs/screenshots/);
//   - Cancel returns to idle at once;
//   - no WebGPU (the CPU-in-wasm fallback): one step is timed, the page
//     estimates the whole run and says what to do instead; cancel, then
//     continue anyway to an image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tools/chromium.mjs';
import { startServer, ROOT } from './serve.mjs';
import { respacedCount, check, fieldOf } from '../site/ui-validate.js';
import { formatDuration } from '../site/ui-progress.js';

const GOLDEN = path.join(ROOT, 'testdata', 'golden');
const GLIDE = path.join(ROOT, 'build', 'glide');
const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const SHOTS = path.join(ROOT, 'build', 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
let server, dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-page-'));
  for (const [kase, pt, name] of [
    ['tiny_base_model', 'tiny-base.pt', 'base'],
    ['tiny_upsample_model', 'tiny-upsample.pt', 'upsample'],
  ]) {
    execFileSync(GLIDE, ['convert', '--config', path.join(GOLDEN, kase, 'case.json'),
      path.join(GOLDEN, kase, pt), path.join(dir, name)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  server = await startServer({ weights: dir });
});
after(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// open loads the page and waits until it takes requests.
async function open(browser, query = {}, viewport = DESKTOP, init = null) {
  const page = await browser.newPage({ viewport });
  if (init) await page.addInitScript(init);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(new URL(`?${new URLSearchParams(query)}`, server.url).href);
  await assert.doesNotReject(page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled'))
    .waitFor({ timeout: 90_000 }), 'the page never became ready (90 s)');
  return { page, errors };
}

const genStatus = (page) => page.getByRole('status', { name: 'Generation status' });
const button = (page, name) => page.getByRole('button', { name, exact: true });

// audit runs axe-core in the light and the dark theme and fails on any
// serious or critical violation, listing them.
async function audit(page, what) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const { violations, passes } = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
    assert.ok(passes.length > 0, 'axe ran no rules');
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [],
      `axe-core on the ${what} page, ${colorScheme} theme`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const box = (loc) => loc.boundingBox();

// backgroundTab, run in the page before its scripts, lets a test hide the
// tab (window.hideTab(true)) and records notifications instead of showing
// them (the permission is granted when asked).
function backgroundTab() {
  window.notes = [];
  let hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden, configurable: true });
  window.hideTab = (h) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
  window.Notification = class {
    static permission = 'default';
    static async requestPermission() { this.permission = 'granted'; return 'granted'; }
    constructor(title, options) { window.notes.push({ title, body: options?.body }); }
  };
}
// topBox is loc's box with the page scrolled to the top (the stage is
// sticky, so where it is in the viewport depends on the scroll).
async function topBox(loc) {
  await loc.page().evaluate(() => scrollTo(0, 0));
  return loc.boundingBox();
}

test('validation rules match the pipeline (unit)', () => {
  // glide/diffusion.SpaceTimesteps over 1000 steps.
  assert.equal(respacedCount('100'), 100);
  assert.equal(respacedCount('fast27'), 27);
  assert.equal(respacedCount('ddim25'), 25);
  assert.equal(respacedCount(' 10,10,3,2,2 '), 27);
  assert.equal(respacedCount(''), 1000);
  assert.equal(respacedCount('ddim7'), 7); // stride 143
  for (const bad of ['ddim1', 'ddim0', 'ddimx', '0', '-1', '1001', 'abc', '1,x', '501,0', '0,0']) {
    assert.throws(() => respacedCount(bad), Error, bad);
  }
  const ok = { seed: '', guidance: '3', steps: '100', upsampleSteps: 'fast27', batch: '1' };
  assert.deepEqual(check(ok), []);
  assert.deepEqual(check({ ...ok, seed: '18446744073709551615' }), []);
  const fields = (v) => check({ ...ok, ...v }).map((e) => e.field);
  assert.deepEqual(fields({ seed: '18446744073709551616' }), ['seed']);
  assert.deepEqual(fields({ seed: '-3' }), ['seed']);
  assert.deepEqual(fields({ guidance: '-0.5' }), ['guidance']);
  assert.deepEqual(fields({ guidance: '' }), ['guidance']);
  assert.deepEqual(fields({ steps: '2.5' }), ['steps']);
  assert.deepEqual(fields({ steps: '1001' }), ['steps']);
  assert.deepEqual(fields({ batch: '17', upsampleSteps: 'ddim1' }), ['upsampleSteps', 'batch']);
  assert.match(check({ ...ok, steps: '0' })[0].message, /^Steps: /);
  // The worker's bad-input messages (glide.Options.Validate, options()).
  assert.equal(fieldOf('options: upsample steps "x": diffusion: …'), 'upsampleSteps');
  assert.equal(fieldOf('options: steps "x": …'), 'steps');
  assert.equal(fieldOf('options: batch size must be between 1 and 16, got 0'), 'batch');
  assert.equal(fieldOf('options: guidance scale must be a finite number ≥ 0, got -1'), 'guidance');
  assert.equal(fieldOf('options: seed must be a whole number from 0 to …'), 'seed');
  assert.equal(fieldOf('load weights: no weights at …'), null);
  assert.equal(formatDuration(12.4), '12 s');
  assert.equal(formatDuration(245), '4 min 5 s');
  assert.equal(formatDuration(4800), '1 h 20 min');
});

// goAccepts says whether glide generate's option checks (glide.Options.
// Validate, the same the worker applies) take the flags: with a weights
// folder that does not exist, accepted options fail at loading instead.
function goAccepts(flags) {
  try {
    execFileSync(GLIDE, ['generate', '--weights', path.join(ROOT, 'build', 'no-such-weights'), '--quiet', '--prompt', '', ...flags],
      { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const msg = String(err.stderr);
    if (/^glide generate: options: /m.test(msg)) return false;
    if (/load weights/.test(msg)) return true;
    throw new Error(`glide generate ${flags.join(' ')}: unexpected failure: ${msg}`);
  }
  throw new Error('glide generate ran without weights');
}

test('the form accepts exactly what the pipeline accepts (against glide generate)', () => {
  const ok = { seed: '', guidance: '3', steps: '100', upsampleSteps: 'fast27', batch: '1' };
  const cases = [
    ...['fast27', '27', 'ddim25', 'ddim7', 'ddim1', 'ddim0', 'ddim1000', 'ddim999', '10,10,3,2,2', '0', '1000', '1001',
      '500,501', '1,x', 'abc', '0,0', ' 5 '].map((v) => ['upsampleSteps', '--upsample-steps', v]),
    ...['1', '1000', '1001', '0'].map((v) => ['steps', '--steps', v]),
    ...['1', '16', '17', '0'].map((v) => ['batch', '--batch', v]),
    ...['0', '3', '30', '-1'].map((v) => ['guidance', '--guidance', v]),
  ];
  for (const [field, flag, value] of cases) {
    const page = check({ ...ok, [field]: value }).length === 0;
    assert.equal(page, goAccepts([flag, value]), `${flag} ${JSON.stringify(value)}: the page ${page ? 'accepts' : 'refuses'} it`);
  }
});

test('idle page: layout, token counter, presets, random seed, refusals, axe', async () => {
  const browser = await launch();
  try {
    const { page, errors } = await open(browser);
    await audit(page, 'idle');

    // Wide: controls left of the stage; the header's compact device line.
    const form = page.locator('form#form');
    const stage = page.locator('#stage');
    assert.ok((await box(stage)).x > (await box(form)).x + (await box(form)).width - 1, 'stage right of the controls');
    assert.match(await page.locator('#device-line').innerText(), /, f(16|32)$|CPU in wasm: slow/);

    // Token counter, as the CLI's tokenizer counts.
    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    const count = (text) => JSON.parse(execFileSync(GLIDE, ['tokenize', '--', text])).tokens.length;
    const counter = page.locator('#token-count');
    await prompt.fill('a red apple');
    await counter.filter({ hasText: `${count('a red apple')} / 128 tokens` }).waitFor({ timeout: 5_000 });
    const long = 'a very long prompt about many colourful things '.repeat(20);
    const n = count(long);
    assert.ok(n > 128);
    await prompt.fill(long);
    await counter.filter({ hasText: `${n} / 128 tokens` }).waitFor({ timeout: 5_000 });
    assert.match(await page.locator('#token-note').innerText(), new RegExp(`last ${n - 128} will be cut`));

    // Shift+Enter is a new line; it starts nothing.
    await prompt.fill('two');
    await prompt.press('End');
    await prompt.press('Shift+Enter');
    await prompt.pressSequentially('lines');
    assert.equal(await prompt.inputValue(), 'two\nlines');
    assert.ok(await button(page, 'Cancel').isDisabled());
    await counter.filter({ hasText: `${count('two\nlines')} / 128 tokens` }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('#token-note').isVisible(), false);

    // An example chip fills the prompt.
    await page.getByRole('group', { name: 'Example prompts' }).getByRole('button').first().click();
    assert.equal(await prompt.inputValue(), 'a hedgehog using a calculator');

    // Presets.
    const steps = page.getByRole('spinbutton', { name: 'Steps' });
    const up = page.getByRole('textbox', { name: 'Upsampler steps' });
    await button(page, 'Fast').click();
    assert.deepEqual([await steps.inputValue(), await up.inputValue()], ['25', 'ddim25']);
    assert.equal(await button(page, 'Fast').getAttribute('aria-pressed'), 'true');
    assert.equal(await button(page, 'Reference').getAttribute('aria-pressed'), 'false');
    await button(page, 'Reference').click();
    assert.deepEqual([await steps.inputValue(), await up.inputValue()], ['100', 'fast27']);
    assert.equal(await button(page, 'Reference').getAttribute('aria-pressed'), 'true');

    // Random seed.
    const seed = page.getByRole('textbox', { name: 'Seed' });
    await button(page, 'Random seed').click();
    const s1 = await seed.inputValue();
    await button(page, 'Random seed').click();
    assert.match(s1, /^\d+$/);
    assert.notEqual(await seed.inputValue(), s1);

    // Refusals name their field, next to it; nothing starts. (Ctrl+Enter
    // in the prompt submits, as Enter does.)
    await steps.fill('0');
    await up.fill('ddim1');
    await prompt.press('Control+Enter');
    assert.match(await page.locator('#steps-error').innerText(), /^Steps: a whole number from 1 to 1000/);
    assert.match(await page.locator('#upsample-steps-error').innerText(), /^Upsampler steps: "ddim1"/);
    assert.equal(await steps.getAttribute('aria-invalid'), 'true');
    assert.match(await steps.getAttribute('aria-describedby'), /\bsteps-error\b/);
    assert.match(await genStatus(page).innerText(), /^Not started: Steps: .* Upsampler steps: /);
    assert.ok(await steps.evaluate((el) => el === document.activeElement), 'focus on the first bad field');
    assert.ok(await button(page, 'Cancel').isDisabled());
    assert.equal(await prompt.inputValue(), 'a hedgehog using a calculator', 'Ctrl+Enter adds no new line');
    await audit(page, 'refused');
    await steps.fill('100');
    assert.equal(await steps.getAttribute('aria-invalid'), null);

    // Phone: one column, nothing wider than the screen.
    await page.setViewportSize(PHONE);
    assert.ok((await box(stage)).y > (await box(form)).y + (await box(form)).height - 1, 'stage below the controls');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no sideways scrolling');
    assert.equal(await page.getByRole('checkbox', { name: /Tell me when an image is done/ }).isChecked(), false,
      'the notification setting is off by default');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('keyboard flow: type a prompt, press Enter, an image appears; axe and screenshots of the finished page', async (t) => {
  const browser = await launch();
  try {
    // The flow is the subject, so it runs on the CPU device (faster here
    // than SwiftShader), except for make screenshots (WEBGLIDE_SCREENSHOTS=1),
    // whose pictures for the README show the page on a GPU.
    const query = { weights: 'weights/', upsample_steps: '1', preview_every: '1' };
    if (!process.env.WEBGLIDE_SCREENSHOTS) query.backend = 'cpu';
    const { page, errors } = await open(browser, query, DESKTOP, backgroundTab);
    // Tell me when done (off by default), by keyboard.
    const notify = page.getByRole('checkbox', { name: /Tell me when an image is done/ });
    await notify.focus();
    await page.keyboard.press('Space');
    assert.ok(await notify.isChecked());
    // Settings by keyboard: Steps to 2 (the tiny model's image after one
    // step is black), lock the (empty) seed.
    await page.getByRole('spinbutton', { name: 'Steps' }).focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('2');
    await page.getByRole('checkbox', { name: 'Lock seed' }).focus();
    await page.keyboard.press('Space');
    assert.ok(await page.getByRole('checkbox', { name: 'Lock seed' }).isChecked());
    const stage = page.locator('#stage');
    const before = await topBox(stage);

    await page.getByRole('textbox', { name: 'Prompt' }).focus();
    await page.keyboard.type('a red apple');
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    await button(page, 'Cancel').and(page.locator(':enabled')).waitFor({ timeout: 5_000 });
    // Locked: the field shows the seed this run uses.
    const seed = await page.getByRole('textbox', { name: 'Seed' }).inputValue();
    assert.match(seed, /^\d+$/);
    // Progress: step of total, a rate and time left, the tab title.
    await genStatus(page).filter({ hasText: /Base model \(64×64\): step 1 of 2/ }).waitFor({ timeout: 200_000 });
    assert.match(await page.locator('#run-stats').innerText(), /(steps\/s|s\/step) · about .* left/);
    assert.match(await page.title(), /^\d+% · WebGLIDE$/);
    assert.deepEqual(await topBox(stage), before, 'the stage does not move or resize while running');
    await audit(page, 'running');
    await page.evaluate(() => window.hideTab(true)); // the user switches tabs

    const img = page.getByRole('img', { name: /^Generated image 1: a red apple/ });
    await img.waitFor({ timeout: 520_000 });
    t.diagnostic(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${await genStatus(page).innerText()} ${await page.locator('#run-stats').innerText()}`);
    assert.match(await genStatus(page).innerText(), new RegExp(`^Done in .* \\(seed ${seed}\\)\\.`));
    assert.deepEqual(await topBox(stage), before, 'the stage does not move or resize when the image arrives');
    assert.ok(Number(await page.locator('#preview').getAttribute('data-previews')) >= 1, 'the x0 preview was drawn');
    const link = page.getByRole('link', { name: 'Download PNG' });
    assert.equal(await link.evaluate((a) => a.tagName), 'A');
    assert.match(await link.getAttribute('href'), /^blob:/);
    assert.equal(await link.getAttribute('download'), `webglide-${seed}-1.png`);
    // Finished in a background tab: a notification, and the title says so
    // until the tab is shown again.
    assert.deepEqual(await page.evaluate(() => window.notes), [{ title: 'WebGLIDE: your image is ready', body: 'a red apple' }]);
    assert.equal(await page.title(), 'Done · WebGLIDE');
    await page.evaluate(() => window.hideTab(false));
    assert.equal(await page.title(), 'WebGLIDE');
    // Locked: the seed stays for the next run.
    assert.equal(await page.getByRole('textbox', { name: 'Seed' }).inputValue(), seed);
    // The Download PNG link is reachable by Tab from the Cancel button's neighbourhood.
    await page.getByRole('button', { name: 'Generate' }).focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await link.evaluate((a) => a === document.activeElement);
    }
    assert.ok(reached, 'Download PNG reachable with Tab');

    await audit(page, 'finished');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.evaluate(() => document.activeElement?.blur());
    for (const [name, scheme, viewport] of [
      ['desktop-light', 'light', DESKTOP], ['desktop-dark', 'dark', DESKTOP], ['phone', 'light', PHONE],
    ]) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      if (name === 'phone') await page.locator('.run').evaluate((el) => el.scrollIntoView({ block: 'end' }));
      else await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    }
    t.diagnostic(`screenshots in ${path.relative(ROOT, SHOTS)}/`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('Cancel returns to idle at once', async () => {
  const browser = await launch();
  try {
    // The CPU device: faster to start than SwiftShader (no pipelines to compile).
    const { page, errors } = await open(browser, { weights: 'weights/', backend: 'cpu' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a slow boat');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('200');
    const seed = page.getByRole('textbox', { name: 'Seed' });
    await seed.fill('5');
    await button(page, 'Generate').click();
    // Unlocked: the field is cleared for the next run, the placeholder
    // names the seed used.
    assert.equal(await seed.inputValue(), '');
    assert.equal(await seed.getAttribute('placeholder'), 'random (last: 5)');
    // Cancel while the worker is busy (loading, compiling or stepping):
    // the page does not wait for the worker's next step boundary.
    await button(page, 'Cancel').and(page.locator(':enabled')).waitFor({ timeout: 5_000 });
    const t0 = Date.now();
    await button(page, 'Cancel').click();
    await genStatus(page).filter({ hasText: 'Canceled.' }).waitFor({ timeout: 2_000 });
    assert.ok(Date.now() - t0 < 2_000, 'idle at once, not at the next step');
    assert.ok(await button(page, 'Generate').isEnabled());
    assert.ok(await button(page, 'Cancel').isDisabled());
    assert.equal(await page.title(), 'WebGLIDE');
    assert.equal(await page.locator('#run-stats').innerText(), '');
    // A new run can start at once (the worker queues it behind the
    // canceled one); cancel that too.
    await button(page, 'Generate').click();
    await genStatus(page).filter({ hasText: 'Starting…' }).waitFor({ timeout: 2_000 });
    await button(page, 'Cancel').click();
    await genStatus(page).filter({ hasText: 'Canceled.' }).waitFor({ timeout: 2_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('without WebGPU: one step timed, an estimate with what to do instead, then cancel or continue', async (t) => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await open(browser, { weights: 'weights/', upsample_steps: '1', preview_every: '0' });
    await page.getByRole('status', { name: 'Your GPU' }).filter({ hasText: 'CPU in wasm: slow' }).waitFor({ timeout: 10_000 });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a tiny boat');
    await page.getByRole('spinbutton', { name: 'Steps' }).fill('2');
    await page.getByRole('textbox', { name: 'Seed' }).fill('3');
    await button(page, 'Generate').click();
    await genStatus(page).filter({ hasText: /Timing one step/ }).waitFor({ timeout: 5_000 });
    const panel = page.getByRole('region', { name: 'This will be slow on this computer' });
    await panel.waitFor({ timeout: 120_000 });
    const text = await panel.innerText();
    t.diagnostic(text.replace(/\n+/g, ' | '));
    assert.match(text, /One base step took \d+\.\d s here, so 2 base steps and 1 upsampler step will take about .+ \(an estimate\)/);
    assert.match(text, /browser with WebGPU/);
    assert.match(text, /glide generate --weights weights --prompt 'a tiny boat' --seed 3 --guidance 3 --steps 2 --upsample-steps 1/);
    assert.ok(await button(page, 'Continue anyway').evaluate((b) => b === document.activeElement));
    assert.ok(await button(page, 'Generate').isDisabled());
    await audit(page, 'estimate');

    // Cancel: back to idle; no image.
    await button(page, 'Cancel').click();
    assert.equal(await panel.isVisible(), false);
    assert.equal(await genStatus(page).innerText(), 'Canceled.');
    assert.ok(await button(page, 'Generate').isEnabled());

    // Again: the step is known, so the estimate comes at once; continue.
    await page.getByRole('textbox', { name: 'Seed' }).fill('3');
    await button(page, 'Generate').click();
    await panel.waitFor({ timeout: 2_000 });
    await button(page, 'Continue anyway').click();
    const img = page.getByRole('img', { name: /^Generated image 1: a tiny boat/ });
    await img.waitFor({ timeout: 300_000 });
    t.diagnostic(await genStatus(page).innerText());
    assert.match(await genStatus(page).innerText(), /^Done in .* \(seed 3\)\./);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
