/**
 * A picture of one X window as a PNG under test-results/screenshots/, for a browser no test harness
 * drives (nothing to ask for a screenshot): `xwd` (x11-apps) dumps the window as the X server holds
 * it, and this turns that dump into a PNG with no image library (zlib only).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { SCREENSHOT_DIR } from './extension-state.ts';

/** Saves window `id` on `display` as `<name>.png`; returns the file's path. */
export function screenshotXWindow(display: string, id: string, name: string): string {
  const dump = execFileSync('xwd', ['-silent', '-id', id], {
    env: { ...process.env, DISPLAY: display },
    maxBuffer: 256 * 1024 * 1024,
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  writeFileSync(file, xwdToPng(dump));
  return file;
}

/** An XWD dump (ZPixmap, 24 or 32 bits a pixel: what a TrueColor X server gives) as a PNG. */
export function xwdToPng(xwd: Buffer): Buffer {
  // The header is 25 big-endian 32-bit fields (X11/XWDFile.h), then the window's name.
  const field = (i: number) => xwd.readUInt32BE(i * 4);
  const [headerSize, , format, , width, height] = [0, 1, 2, 3, 4, 5].map(field) as number[];
  const byteOrder = field(7);
  const bitsPerPixel = field(11);
  const bytesPerLine = field(12);
  const masks = [field(14), field(15), field(16)];
  const colours = field(19);
  if (format !== 2 || (bitsPerPixel !== 32 && bitsPerPixel !== 24)) {
    throw new Error(
      `xwd gave a ${bitsPerPixel}-bit format-${format} picture; only 24/32-bit ZPixmap is read`,
    );
  }
  const start = (headerSize ?? 0) + (colours ?? 0) * 12;
  const bytes = bitsPerPixel / 8;
  /** The lowest set bit of a colour mask: where that channel's 8 bits start. */
  const lowBit = (m: number) => 31 - Math.clz32(m & -m);
  const raw = Buffer.alloc(((width ?? 0) * 3 + 1) * (height ?? 0));
  for (let y = 0; y < (height ?? 0); y++) {
    const row = y * ((width ?? 0) * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < (width ?? 0); x++) {
      const at = start + y * bytesPerLine + x * bytes;
      const pixel =
        bytes === 4
          ? byteOrder === 0
            ? xwd.readUInt32LE(at)
            : xwd.readUInt32BE(at)
          : byteOrder === 0
            ? xwd.readUIntLE(at, 3)
            : xwd.readUIntBE(at, 3);
      for (let c = 0; c < 3; c++) {
        const m = masks[c] ?? 0;
        raw[row + 1 + x * 3 + c] = ((pixel & m) >>> lowBit(m)) & 0xff;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width ?? 0, 0);
  ihdr.writeUInt32BE(height ?? 0, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits a channel, RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
