// make run with no network (issue 10): glide fetch gives up at once (the
// mirror's host name does not resolve, as every host does offline), and
// make run still reaches its serving step within 30 s, printing the three
// ways on. Assumes make build ran (test-e2e depends on it), so the build
// step is up to date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './serve.mjs';

test('make run offline serves the page and says what to do', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webglide-offline-'));
  const proc = spawn('make', ['--no-print-directory', 'run', 'ADDR=127.0.0.1:0', `WEIGHTS=${path.join(dir, 'w')}`,
    'FETCH_BASE_URL=http://glide-weights.invalid'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const t0 = Date.now();
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`make run did not serve within 30 s:\n${out}`)), 30_000);
      const check = () => {
        const m = out.match(/glide serve: open (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      };
      proc.stdout.on('data', check);
      proc.stderr.on('data', check);
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`make run exited with ${code}:\n${out}`)); });
    });
    t.diagnostic(`serving after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.match(out, /run 'glide fetch' again when online/);
    assert.match(out, /glide fetch --base-url URL/);
    assert.match(out, /import the official \.pt files in the page/);
    assert.doesNotMatch(out, /retrying in/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<h1[^>]*>WebGLIDE<\/h1>/);
  } finally {
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
