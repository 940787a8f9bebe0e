// make check-golden: runs goldencheck's checkers inside wasm
// (wasm/cmd/checkgolden) with a chosen device, against a fixture folder
// served over HTTP.
//
//   node tools/checkgolden.mjs --golden DIR [--backend cpu-wasm|webgpu|webgpu-f16]
//        [--run REGEXP] [--tol-scale S] [--host node|chromium|deno] [--wasm FILE]
//        [--timeout SECONDS]
//
// It serves DIR on http://127.0.0.1:<free port>/ (files with Range
// support, folders as the JSON listings wasm/httpfs reads, CORS open so a
// page on another port may read them) and runs the wasm program where the
// backend lives:
//   cpu-wasm    Node with Go's wasm_exec_node.js (no browser needed)
//   webgpu      headless Chromium, WebGPU on SwiftShader (f32 kernels),
//               through tools/wasmexec/chromium/go_js_wasm_exec
//   webgpu-f16  Deno, WebGPU on Mesa lavapipe (shader-f16 kernels),
//               through tools/wasmexec/deno/go_js_wasm_exec
// --host picks another runner (e.g. cpu-wasm inside Chromium).
// --timeout bounds the whole run (default 4 hours: the sampling cases take
// about an hour on SwiftShader); the browser harnesses' own default, made
// for one test binary, would stop it after 11 minutes. The
// program prints PASS/FAIL/SKIP lines and the summary like
// `glide check-golden`; this script exits with its exit code (1 on any
// failure or when no case was checked).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAME = 'check-golden';
const HOSTS = { 'cpu-wasm': 'node', webgpu: 'chromium', 'webgpu-f16': 'deno' };

function usage(msg) {
  if (msg) console.error(`${NAME}: ${msg}`);
  console.error('usage: node tools/checkgolden.mjs --golden DIR [--backend cpu-wasm|webgpu|webgpu-f16] ' +
    '[--run REGEXP] [--tol-scale S] [--host node|chromium|deno] [--wasm FILE] [--timeout SECONDS]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { backend: 'cpu-wasm', run: '', tolScale: '', host: '', wasm: path.join(ROOT, 'build', 'checkgolden.wasm'), timeout: '14400' };
  const keys = { '--golden': 'golden', '--backend': 'backend', '--run': 'run', '--tol-scale': 'tolScale', '--host': 'host', '--wasm': 'wasm', '--timeout': 'timeout' };
  for (let i = 0; i < argv.length; i++) {
    let [k, v] = argv[i].split(/=(.*)/s);
    if (!(k in keys)) usage(`unknown argument ${argv[i]}`);
    if (v === undefined) {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      v = argv[++i];
    }
    o[keys[k]] = v;
  }
  if (!o.golden) usage('--golden DIR is required');
  if (!(Number(o.timeout) > 0)) usage(`--timeout wants seconds, not ${o.timeout}`);
  if (!(o.backend in HOSTS)) usage(`unknown backend ${o.backend}`);
  o.host ||= HOSTS[o.backend];
  if (!['node', 'chromium', 'deno'].includes(o.host)) usage(`unknown host ${o.host}`);
  return o;
}

const TYPES = { '.json': 'application/json', '.md': 'text/markdown; charset=utf-8' };

// fixtureServer serves dir read-only: GET/HEAD of files (with Range),
// GET of DIR/ as {"entries": [{name, dir, size, mtime}]}.
export function fixtureServer(dir) {
  const root = path.resolve(dir);
  return http.createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, Last-Modified');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'Range, Accept' });
      return res.end();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405).end();
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return res.writeHead(400).end();
    }
    const file = path.join(root, path.normalize(rel));
    if (file !== root && !file.startsWith(root + path.sep)) return res.writeHead(403).end();
    let st;
    try {
      st = await fs.promises.stat(file);
    } catch {
      return res.writeHead(404).end();
    }
    if (st.isDirectory()) {
      if (!rel.endsWith('/')) return res.writeHead(404).end();
      const entries = [];
      for (const e of await fs.promises.readdir(file, { withFileTypes: true })) {
        if (e.isDirectory()) entries.push({ name: e.name, dir: true });
        else if (e.isFile()) {
          const s = await fs.promises.stat(path.join(file, e.name));
          entries.push({ name: e.name, size: s.size, mtime: s.mtime.toISOString() });
        }
      }
      const body = JSON.stringify({ entries });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    if (rel.endsWith('/')) return res.writeHead(404).end();
    const headers = {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Last-Modified': st.mtime.toUTCString(),
      'Cache-Control': 'no-store',
    };
    let start = 0, end = st.size - 1, status = 200;
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
    if (m && (m[1] || m[2])) {
      if (m[1]) {
        start = Number(m[1]);
        if (m[2]) end = Math.min(Number(m[2]), st.size - 1);
      } else {
        start = Math.max(0, st.size - Number(m[2]));
      }
      if (start >= st.size || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
        return res.end();
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || end < start) return res.end();
    fs.createReadStream(file, { start, end }).pipe(res);
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(o.golden, '.')) || !fs.statSync(o.golden).isDirectory()) usage(`${o.golden} is not a folder`);
  if (!fs.existsSync(o.wasm)) usage(`${o.wasm} is missing (make check-golden builds it)`);

  const server = fixtureServer(o.golden);
  // The wasm program computes for seconds between requests without
  // running its event loop, so it cannot notice a keep-alive socket that
  // the server closed meanwhile; keep idle sockets open instead.
  server.keepAliveTimeout = 0;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;

  const args = [o.wasm, `-url=${url}`, `-backend=${o.backend}`];
  // The tokenizer's vocabulary (make wasm writes it into build/), which the
  // wasm fetches as the worker does: served from build/ on a second port.
  const vocabFile = path.join(ROOT, 'build', 'glide-bpe.vocab');
  if (!fs.existsSync(vocabFile)) {
    try {
      execFileSync('go', ['run', './tools/bpevocab', vocabFile], { cwd: ROOT, stdio: 'inherit' });
    } catch (err) {
      console.error(`${NAME}: cannot write ${vocabFile} (make vocab): ${err.message}; the tokenizer case will fail`);
    }
  }
  let vocabServer = null;
  if (fs.existsSync(vocabFile)) {
    vocabServer = fixtureServer(path.dirname(vocabFile));
    vocabServer.keepAliveTimeout = 0;
    await new Promise((ok) => vocabServer.listen(0, '127.0.0.1', ok));
    args.push(`-vocab=http://127.0.0.1:${vocabServer.address().port}/glide-bpe.vocab`);
  }
  if (o.run) args.push(`-run=${o.run}`);
  if (o.tolScale) args.push(`-tol-scale=${o.tolScale}`);
  let cmd;
  switch (o.host) {
    case 'node': {
      const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
      cmd = [process.execPath, path.join(goroot, 'lib', 'wasm', 'wasm_exec_node.js'), ...args];
      break;
    }
    case 'chromium':
      cmd = [path.join(ROOT, 'tools', 'wasmexec', 'chromium', 'go_js_wasm_exec'), ...args];
      break;
    case 'deno':
      cmd = [path.join(ROOT, 'tools', 'wasmexec', 'deno', 'go_js_wasm_exec'), ...args];
      break;
  }
  console.error(`${NAME}: serving ${o.golden} at ${url}; backend ${o.backend} in ${o.host}`);
  const env = { ...process.env, GLIDE_WASM_TIMEOUT: process.env.GLIDE_WASM_TIMEOUT || o.timeout };
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  const code = await new Promise((resolve) => {
    child.on('error', (err) => { console.error(`${NAME}: cannot start ${cmd[0]}: ${err.message}`); resolve(1); });
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  for (const srv of [server, vocabServer]) {
    srv?.close();
    srv?.closeAllConnections?.();
  }
  process.exit(code);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
