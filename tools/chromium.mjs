// Launching Debian's Chromium through playwright-core, shared by the
// go_js_wasm_exec wrapper and the end-to-end tests.
//
// Why these choices: /usr/bin/chromium is a wrapper script that resets
// flags, so the binary is launched directly; as root Chromium needs
// --no-sandbox; --enable-unsafe-webgpu is what gives headless Chromium a
// WebGPU adapter (SwiftShader on a machine without a GPU). Passing
// --disable-software-rasterizer would remove that adapter.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.GLIDE_CHROMIUM || '/usr/lib/chromium/chromium';

// Flags that keep Chromium from talking to the network or doing
// background work during tests.
const QUIET = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// launch starts headless Chromium; webgpu: false leaves WebGPU's flag off.
export async function launch({ webgpu = true } = {}) {
  const args = ['--headless', '--no-sandbox', ...QUIET];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// launchPersistent starts headless Chromium with a profile folder, as a
// person's browser is (not incognito: Playwright's own contexts are, and
// Chromium says such pages cannot be installed). It returns the context.
export async function launchPersistent(userDataDir, { webgpu = true } = {}) {
  const args = ['--headless', '--no-sandbox', ...QUIET];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args });
}
