// make size: the worker wasm's size raw, gzip -9 and brotli (quality 11,
// Node's zlib: the same encoder a static host's brotli uses), and the
// files fetched beside it. Usage: node tools/size.mjs WASM [OTHER...]
import fs from 'node:fs';
import zlib from 'node:zlib';

const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const brotli = (b) => zlib.brotliCompressSync(b, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
}).length;

for (const f of process.argv.slice(2)) {
  const b = fs.readFileSync(f);
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  console.log(`${f}: ${b.length} bytes raw (${mb(b.length)}), ${gz} gzip -9 (${mb(gz)}), ${brotli(b)} brotli (${mb(brotli(b))})`);
}
