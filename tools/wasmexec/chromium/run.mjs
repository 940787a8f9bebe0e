// go_js_wasm_exec for headless Chromium: `go test` (GOOS=js GOARCH=wasm)
// runs `go_js_wasm_exec TEST.wasm ARGS...` from the package directory.
//
// This serves a page on http://127.0.0.1:<free port> (WebGPU needs a real
// origin: about:blank and data: pages have no navigator.gpu) with Go's
// own $(go env GOROOT)/lib/wasm/wasm_exec.js and the test binary, opens it
// in Debian's Chromium through playwright-core, passes argv and the
// environment, forwards the program's stdout and stderr, and exits with
// the program's exit code.
//
// It sets GLIDE_REQUIRE_GPU=1 (unless already set) so that GPU tests fail
// instead of skipping when Chromium offers no WebGPU adapter.
//
// Failures of the harness itself (crash, hang, no exit) are reported on
// stderr with the prefix "go_js_wasm_exec (chromium):" and exit code 1.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch } from '../../chromium.mjs';

const NAME = 'go_js_wasm_exec (chromium)';
const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error(`usage: go_js_wasm_exec WASM [ARGS...]`);
  process.exit(2);
}

function fatal(msg) {
  if (exiting) return; // e.g. 'disconnected' while we close the browser
  process.stderr.write(`${NAME}: ${msg}\n`);
  finish(1);
}

let browser, server, exiting = false;
async function finish(code) {
  if (exiting) return;
  exiting = true;
  // Closing can hang if the browser is wedged; do not wait for it forever.
  setTimeout(() => process.exit(code), 5000).unref();
  try { await browser?.close(); } catch { /* already gone */ }
  server?.close();
  process.exit(code);
}

// goDuration parses a Go duration such as "10m0s" or "1.5s" into seconds.
function goDuration(s) {
  const units = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
  let total = 0, matched = '';
  for (const m of s.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  return matched === s ? total : NaN;
}

// The harness's own limit: Go's -test.timeout plus a minute, so Go's
// timeout panic (with its goroutine dump) comes first; GLIDE_WASM_TIMEOUT
// (seconds) overrides it.
function limitSeconds() {
  if (process.env.GLIDE_WASM_TIMEOUT) return Number(process.env.GLIDE_WASM_TIMEOUT);
  const t = args.find((a) => a.startsWith('-test.timeout='));
  const s = t ? goDuration(t.slice('-test.timeout='.length)) : NaN;
  return s > 0 ? s + 60 : 660;
}

const goroot = process.env.GOROOT || execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
const wasmExecJS = path.join(goroot, 'lib', 'wasm', 'wasm_exec.js');
const env = { GLIDE_REQUIRE_GPU: '1', ...process.env };
const config = JSON.stringify({ argv: [path.basename(wasmPath), ...args], env });

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>go test (wasm)</title>
<link rel="icon" href="data:,">
<script src="/wasm_exec.js"></script>
<script type="module" src="/boot.js"></script>
`;

// boot.js runs in the page. Output goes to Node through exposed bindings,
// per file descriptor, instead of wasm_exec.js's console.log line buffer,
// so stdout and stderr stay apart and partial lines are not held back.
const BOOT = `
const cfg = await (await fetch('/config.json')).json();
const decoders = { 1: new TextDecoder(), 2: new TextDecoder() };
globalThis.fs.writeSync = (fd, buf) => {
  globalThis.__goWrite(fd, (decoders[fd] ?? decoders[2]).decode(buf, { stream: true }));
  return buf.length;
};
const go = new Go();
go.argv = cfg.argv;
go.env = cfg.env;
go.exit = (code) => globalThis.__goExit(code);
try {
  const { instance } = await WebAssembly.instantiateStreaming(fetch('/test.wasm'), go.importObject);
  await go.run(instance);
} catch (err) {
  globalThis.__goFatal('running the wasm failed: ' + (err && err.stack || err));
}
`;

function serve(req, res) {
  const send = (type, body) => {
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  switch (req.url) {
    case '/': return send('text/html; charset=utf-8', PAGE);
    case '/boot.js': return send('text/javascript', BOOT);
    case '/config.json': return send('application/json', config);
    case '/wasm_exec.js': return send('text/javascript', fs.readFileSync(wasmExecJS));
    case '/test.wasm':
      res.writeHead(200, { 'Content-Type': 'application/wasm', 'Cache-Control': 'no-store' });
      return fs.createReadStream(wasmPath).pipe(res);
    default:
      res.writeHead(404).end();
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP']) {
  process.on(sig, () => fatal(`got ${sig}; closing the browser`));
}

const limit = limitSeconds();
setTimeout(() => fatal(`the test program did not exit within ${limit}s: it or the browser hung ` +
  `(set GLIDE_WASM_TIMEOUT=<seconds> to change the limit)`), limit * 1000).unref();

try {
  server = http.createServer(serve);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;

  browser = await launch({ webgpu: true });
  browser.on('disconnected', () => fatal('Chromium exited unexpectedly'));
  const page = await browser.newPage();
  await page.exposeFunction('__goWrite', (fd, text) => {
    (fd === 1 ? process.stdout : process.stderr).write(text);
  });
  await page.exposeFunction('__goExit', (code) => {
    // Wait for stdout to drain before exiting.
    process.stdout.write('', () => finish(code));
  });
  await page.exposeFunction('__goFatal', (msg) => fatal(msg));
  page.on('crash', () => fatal('the page crashed (renderer or GPU process died)'));
  page.on('pageerror', (err) => fatal(`uncaught exception in the page: ${err.stack || err}`));
  page.on('console', (msg) => {
    // The Go program's output does not go through the console; what does
    // is the browser's (e.g. WebGPU validation warnings).
    process.stderr.write(`[chromium console.${msg.type()}] ${msg.text()}\n`);
  });
  await page.goto(url);
} catch (err) {
  fatal(`cannot start: ${err.stack || err}`);
}
