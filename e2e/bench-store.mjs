// Benchmark (not a test): weights from the browser's shard store to the GPU.
//
//   node e2e/bench-store.mjs [--weights DIR] [--dist DIR]      (make bench-store)
//
// Serves dist/ and the weights folder DIR (base/ and upsample/ bundles;
// default: full-size detweights bundles written once into
// build/bench-weights by glide detbundle) on two origins, loads both models
// once (the download into the store), reloads the page and loads them again
// from the store. It prints the download and the store → GPU rates (the
// worker's own timing: read + sha256 verify of every shard, upload,
// model build and the GPU's sync), and the peak resident memory of
// Chromium's renderer (the page and its worker) and GPU processes while
// loading from the store, above their level before it.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM } from '../tools/chromium.mjs';
import { ROOT } from './serve.mjs';
import { DIST } from './storesetup.mjs';
import { startStatic, startWeights } from './static.mjs';

const args = process.argv.slice(2);
const flag = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const weightsDir = path.resolve(flag('--weights', path.join(ROOT, 'build', 'bench-weights')));
const dist = path.resolve(flag('--dist', DIST));

function ensureWeights() {
  if (fs.existsSync(path.join(weightsDir, 'base', 'manifest.json'))) return;
  const glide = path.join(ROOT, 'build', 'glide');
  for (const kind of ['base', 'upsample']) {
    console.log(`bench-store: writing a full-size ${kind} detweights bundle into ${weightsDir}/${kind} (once)`);
    execFileSync(glide, ['detbundle', kind, path.join(weightsDir, kind)], { stdio: 'inherit' });
  }
}

// rss sums the resident memory (bytes) of this browser's processes of a
// type ('renderer', 'gpu-process'), found by the profile folder in their
// command lines.
function rss(profile, type) {
  let sum = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(profile) || !cmd.includes(`--type=${type}`)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) sum += Number(m[1]) * 1024;
    } catch { /* gone */ }
  }
  return sum;
}

const MB = (n) => (n / 1e6).toFixed(1);

async function load(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    import('./site/client.js').then(({ client }) => {
      const id = client.request({ type: 'load' });
      const offs = [
        client.on('loaded', (m) => { if (m.id === id) { offs.forEach((f) => f()); resolve(m); } }),
        client.on('error', (m) => { if (m.id === id) { offs.forEach((f) => f()); reject(new Error(m.message)); } }),
      ];
    });
  }));
}

async function ready(page) {
  await page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
}

async function main() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist} is missing: run make site first`);
  ensureWeights();
  const site = await startStatic(dist);
  const weights = await startWeights(weightsDir);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    await page.goto(`${site.url}?${new URLSearchParams({ weights: weights.url })}`);
    await ready(page);
    const gpu = await page.locator('#status').innerText();
    let t0 = Date.now();
    const first = await load(page);
    const dlSecs = (Date.now() - t0) / 1000;
    console.log(`download into the store: ${MB(first.stats.bytes)} MB in ${dlSecs.toFixed(1)} s (${MB(first.stats.bytes / dlSecs)} MB/s, local server)`);

    await page.reload();
    await ready(page);
    const servedBefore = weights.shardBytes;
    const base = { renderer: rss(profile, 'renderer'), gpu: rss(profile, 'gpu-process') };
    const peak = { ...base };
    const timer = setInterval(() => {
      peak.renderer = Math.max(peak.renderer, rss(profile, 'renderer'));
      peak.gpu = Math.max(peak.gpu, rss(profile, 'gpu-process'));
    }, 50);
    t0 = Date.now();
    const second = await load(page);
    const wall = (Date.now() - t0) / 1000;
    clearInterval(timer);
    const s = second.stats;
    console.log(`adapter: ${gpu.replace(/\n+/g, '; ')}`);
    console.log(`store → GPU: ${MB(s.bytes)} MB in ${second.seconds.toFixed(2)} s = ${MB(s.bytes / second.seconds)} MB/s ` +
      `(waiting for the store: ${s.storeSeconds.toFixed(2)} s, ${MB(s.bytes / s.storeSeconds)} MB/s read + verify; ` +
      `uploads: ${s.uploadSeconds.toFixed(2)} s; the rest is model build and the GPU's sync); wall ${wall.toFixed(2)} s`);
    // One-shot sha256 of a 64 MiB shard, as every load verifies each one.
    const digestMs = await page.evaluate(async () => {
      const b = new Uint8Array(64 << 20);
      for (let i = 0; i < b.length; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
      const t = performance.now();
      await crypto.subtle.digest('SHA-256', b);
      return performance.now() - t;
    });
    console.log(`crypto.subtle.digest of a 64 MiB shard: ${digestMs.toFixed(0)} ms (${MB((64 << 20) / (digestMs / 1000))} MB/s)`);
    console.log(`shard bytes served: ${servedBefore} for the first load (shards shared by both bundles are stored once), ${weights.shardBytes - servedBefore} for the second`);
    console.log(`Go heap after loading: ${MB(s.goHeapSys)} MB (Go total ${MB(s.goSys)} MB)`);
    console.log(`peak RSS above the level before the load: renderer (page + worker) +${MB(peak.renderer - base.renderer)} MB, ` +
      `GPU process +${MB(peak.gpu - base.gpu)} MB`);
  } finally {
    await ctx.close();
    await site.stop();
    await weights.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench-store: ${err.stack || err}`);
  process.exit(1);
});
