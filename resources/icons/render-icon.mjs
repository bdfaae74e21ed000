// Renders icon.png (512x512) from the same shapes as icon.svg, with no image
// tools: signed distances, 4x4 supersampling, a hand-written PNG encoder.
// Run: node resources/icons/render-icon.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const SIZE = 512;
const roundedRect = (px, py, x, y, w, h, r) => {
  const qx = Math.abs(px - (x + w / 2)) - (w / 2 - r);
  const qy = Math.abs(py - (y + h / 2)) - (h / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const shapes = [
  { color: [0x0f, 0x17, 0x2a], inside: (x, y) => roundedRect(x, y, 16, 16, 480, 480, 96) <= 0 },
  { color: [0xdc, 0x26, 0x26], inside: (x, y) => Math.hypot(x - 256, y - 256) <= 176 },
  { color: [0xff, 0xff, 0xff], inside: (x, y) => roundedRect(x, y, 216, 136, 80, 240, 12) <= 0 },
  { color: [0xff, 0xff, 0xff], inside: (x, y) => roundedRect(x, y, 136, 216, 240, 80, 12) <= 0 }
];

const pixels = Buffer.alloc(SIZE * SIZE * 4);
const S = 4;
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < S; sy++) {
      for (let sx = 0; sx < S; sx++) {
        const px = x + (sx + 0.5) / S, py = y + (sy + 0.5) / S;
        let top = null;
        for (const shape of shapes) if (shape.inside(px, py)) top = shape.color;
        if (top) { r += top[0]; g += top[1]; b += top[2]; a += 255; }
      }
    }
    const n = S * S, i = (y * SIZE + x) * 4, cover = a / 255;
    pixels[i] = cover ? Math.round(r / cover) : 0;
    pixels[i + 1] = cover ? Math.round(g / cover) : 0;
    pixels[i + 2] = cover ? Math.round(b / cover) : 0;
    pixels[i + 3] = Math.round(a / n);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0))
]);
const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'icon.png');
fs.writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
