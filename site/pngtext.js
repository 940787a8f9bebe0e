// Reading the text chunks of a PNG (tEXt: Latin-1; iTXt: UTF-8,
// uncompressed), the ones glide generate and the worker write
// (glide/imageio.EncodePNG). Returns {key: value}; throws on bytes that
// are not a PNG.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function readPNGText(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 8 || SIGNATURE.some((v, i) => b[i] !== v)) throw new Error('not a PNG file');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  const out = {};
  for (let p = 8; p + 12 <= b.length;) {
    const n = view.getUint32(p);
    if (p + 12 + n > b.length) throw new Error('truncated PNG chunk');
    const type = latin1.decode(b.subarray(p + 4, p + 8));
    const body = b.subarray(p + 8, p + 8 + n);
    if (type === 'tEXt') {
      const z = body.indexOf(0);
      if (z > 0) out[latin1.decode(body.subarray(0, z))] = latin1.decode(body.subarray(z + 1));
    } else if (type === 'iTXt') {
      const z = body.indexOf(0);
      // keyword 0 compression-flag method language 0 translated 0 text
      if (z > 0 && body[z + 1] === 0) {
        const lang = body.indexOf(0, z + 3);
        const trans = lang < 0 ? -1 : body.indexOf(0, lang + 1);
        if (trans >= 0) out[latin1.decode(body.subarray(0, z))] = utf8.decode(body.subarray(trans + 1));
      }
    } else if (type === 'IEND') {
      break;
    }
    p += 12 + n;
  }
  return out;
}
