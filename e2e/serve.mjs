// Starting `glide serve` for the end-to-end tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// startServer runs build/glide serve on a free port (the server picks it:
// --addr 127.0.0.1:0) and resolves to {url, stop} once it printed its URL.
// weights, if given, is a folder served under /weights/ (--weights).
export async function startServer({ weights } = {}) {
  const bin = path.join(ROOT, 'build', 'glide');
  for (const f of [bin, path.join(ROOT, 'build', 'webglide.wasm')]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run make build first`);
  }
  const args = ['serve', '--addr', '127.0.0.1:0', '--root', ROOT];
  if (weights) args.push('--weights', weights);
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`glide serve printed no URL in 10s; stderr: ${stderr}`)), 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`glide serve exited with ${code}; stderr: ${stderr}`));
    });
  });
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
  });
  return { url, stop };
}
