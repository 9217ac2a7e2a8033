/**
 * Native-messaging framing, used on both links (browser <-> host over stdio, host <-> agent over
 * the local socket): a 4-byte little-endian length, then that many bytes of UTF-8 JSON.
 *
 * Two kinds of bad input, handled differently:
 * - a frame whose content is bad (not UTF-8, not JSON, nested deeper than JSON_LIMITS allow) is one
 *   bad message: the reader reports it (with a bounded excerpt of its raw text, never a re-serialised
 *   copy) and carries on with the next frame, because the length still told us where that one ended.
 *   The depth is checked before `JSON.parse`, so nothing downstream (zod, error messages, loggers)
 *   ever walks a 150,000-deep value and overflows the stack;
 * - a length over the limit, or a stream that ends inside a frame, leaves nothing to resync on:
 *   `FramingError`, and the link ends.
 */

import { excerpt, parseBoundedJson } from '../../shared/schemas/bounded-json.ts';

/** Deepest nesting a frame may have: every message Invigil defines is under 10 deep. */
export const MAX_FRAME_DEPTH = 32;

export class FramingError extends Error {
  override name = 'FramingError';
}

export type Frame =
  | { ok: true; message: unknown; bytes: number }
  | { ok: false; error: string; bytes: number; excerpt: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One message as a frame. Throws FramingError when it is over `limit` bytes. */
export function encodeFrame(message: unknown, limit: number): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > limit) {
    throw new FramingError(`a message of ${body.length} bytes is over the ${limit}-byte limit`);
  }
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Frames read so far (for error messages: "message 3 is not valid JSON"). */
  count = 0;

  constructor(
    private readonly limit: number,
    private readonly what = 'message',
  ) {}

  /** Feeds bytes; returns every complete frame. Throws FramingError on an impossible length. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32LE(0);
      if (length > this.limit) {
        throw new FramingError(
          `${this.what} ${this.count + 1} announces ${length} bytes, over the ${this.limit}-byte limit`,
        );
      }
      if (this.buffered < 4 + length) break;
      const body = this.take(4 + length).subarray(4);
      this.count++;
      frames.push(this.decode(body));
    }
    return frames;
  }

  /** The stream ended: throws FramingError if it ended inside a frame. */
  end(): void {
    if (this.buffered > 0) {
      const expected = this.buffered >= 4 ? this.peek(4).readUInt32LE(0) + 4 : 4;
      throw new FramingError(
        `the stream ended inside ${this.what} ${this.count + 1} (got ${this.buffered} of ${expected} bytes)`,
      );
    }
  }

  private decode(body: Buffer): Frame {
    const n = this.count;
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return {
        ok: false,
        error: `${this.what} ${n} is not valid UTF-8`,
        bytes: body.length,
        excerpt: excerpt(body.subarray(0, 120).toString('latin1')),
      };
    }
    // The byte limit already bounds the length; the depth is what must be known before parsing.
    const parsed = parseBoundedJson(text, { maxLength: this.limit, maxDepth: MAX_FRAME_DEPTH });
    if (parsed.ok) return { ok: true, message: parsed.value, bytes: body.length };
    return {
      ok: false,
      error:
        parsed.problem === 'not-json'
          ? `${this.what} ${n} ${parsed.reason.replace(/^it /, '')}`
          : `${this.what} ${n} was refused: ${parsed.reason}`,
      bytes: body.length,
      excerpt: parsed.excerpt,
    };
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0]?.length ?? 0) < n) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
