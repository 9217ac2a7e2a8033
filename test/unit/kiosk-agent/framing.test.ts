import { describe, expect, test } from 'vitest';
import { encodeFrame, FrameReader, FramingError } from '../../../kiosk-agent/native-host/framing.ts';

const framed = (text: string) => {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
};

describe('native-messaging framing', () => {
  test('a message survives being split into single bytes and joined with others', () => {
    const a = encodeFrame({ type: 'link/hello', text: 'héllo ✓' }, 1024);
    const b = encodeFrame({ n: 2 }, 1024);
    const reader = new FrameReader(1024);
    const frames = [];
    for (const byte of Buffer.concat([a, b])) frames.push(...reader.push(Buffer.from([byte])));
    expect(frames.map((f) => (f.ok ? f.message : f.error))).toEqual([
      { type: 'link/hello', text: 'héllo ✓' },
      { n: 2 },
    ]);
    expect(() => reader.end()).not.toThrow();
  });

  test('the length is 4 bytes little-endian, then UTF-8 JSON', () => {
    const f = encodeFrame({ a: 1 }, 100);
    expect(f.readUInt32LE(0)).toBe(7);
    expect(f.subarray(4).toString('utf8')).toBe('{"a":1}');
  });

  test('bad JSON and bad UTF-8 are reported per message, and reading goes on', () => {
    const reader = new FrameReader(100);
    const raw = (b: Buffer) => Buffer.concat([Buffer.from([b.length, 0, 0, 0]), b]);
    const frames = reader.push(
      Buffer.concat([raw(Buffer.from('{nope')), raw(Buffer.from([0xc3, 0x28])), raw(Buffer.from('[1]'))]),
    );
    expect(frames.map((f) => (f.ok ? f.message : f.error))).toEqual([
      expect.stringMatching(/^message 1 is not valid JSON \(/),
      'message 2 is not valid UTF-8',
      [1],
    ]);
  });

  test('a frame nested deeper than 32 levels is refused before it is parsed, with a bounded excerpt of its text', () => {
    const reader = new FrameReader(1024 * 1024);
    const deep = `{"type":${'['.repeat(150_000)}${']'.repeat(150_000)}}`;
    const [f, next] = reader.push(Buffer.concat([framed(deep), framed('{"ok":true}')]));
    expect(f).toMatchObject({ ok: false, error: 'message 1 was refused: it nests more than 32 levels deep' });
    expect(f && !f.ok && f.excerpt.length).toBeLessThan(200);
    expect(next).toMatchObject({ ok: true, message: { ok: true } });
  });

  test('a length over the limit is an impossible frame', () => {
    const reader = new FrameReader(1024);
    expect(() => reader.push(Buffer.from([0x01, 0x04, 0, 0]))).toThrow(
      new FramingError('message 1 announces 1025 bytes, over the 1024-byte limit'),
    );
  });

  test('a stream that ends inside a frame is an impossible frame', () => {
    const reader = new FrameReader(1024);
    reader.push(encodeFrame({ a: 1 }, 1024).subarray(0, 6));
    expect(() => reader.end()).toThrow('the stream ended inside message 1 (got 6 of 11 bytes)');
    const header = new FrameReader(1024);
    header.push(Buffer.from([1, 0]));
    expect(() => header.end()).toThrow('the stream ended inside message 1 (got 2 of 4 bytes)');
  });

  test('nothing over the limit is ever written', () => {
    expect(() => encodeFrame({ text: 'x'.repeat(200) }, 100)).toThrow(/over the 100-byte limit/);
  });
});
