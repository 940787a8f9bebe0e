// A minimal PNG encoder for test pictures (8-bit RGBA, no filtering), so
// the end-to-end tests can hand the page exact pixels without an image
// library.
import zlib from 'node:zlib';

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// encodePNG returns the PNG file of width×height RGBA pixels.
export function encodePNG(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc(height * (1 + 4 * width));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + 4 * width)] = 0; // filter type None
    Buffer.from(rgba.buffer, rgba.byteOffset + 4 * width * y, 4 * width).copy(raw, y * (1 + 4 * width) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// readText returns the tEXt and iTXt entries of a PNG file.
export function readText(buf) {
  const b = Buffer.from(buf);
  const out = {};
  for (let p = 8; p + 12 <= b.length;) {
    const n = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    const body = b.subarray(p + 8, p + 8 + n);
    if (type === 'tEXt') {
      const z = body.indexOf(0);
      out[body.toString('latin1', 0, z)] = body.toString('latin1', z + 1);
    } else if (type === 'iTXt') {
      const z = body.indexOf(0);
      // keyword, 0, compression flag, method, language, 0, translated keyword, 0, text
      let q = z + 3;
      q = body.indexOf(0, q) + 1;
      q = body.indexOf(0, q) + 1;
      out[body.toString('latin1', 0, z)] = body.toString('utf8', q);
    }
    p += 12 + n;
  }
  return out;
}

// imagePixels runs in the page on an <img> (locator.evaluate(imagePixels)):
// the picture decoded and drawn, as [width, height, RGBA values].
export async function imagePixels(img) {
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return [c.width, c.height, [...ctx.getImageData(0, 0, c.width, c.height).data]];
}
