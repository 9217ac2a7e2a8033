/**
 * Reading a seat's WebSocket frame: bounded before parsing (shared/schemas/bounded-json.ts), and,
 * for `seat/events`, where each event's own text lies, so that an event the console refuses is kept
 * as a bounded slice of what the seat sent, never as a re-serialised copy of the parsed value.
 */
import { type BoundedJson, type JsonLimits, parseBoundedJson } from '../../../shared/schemas/bounded-json.ts';
import { MAX_SEAT_MESSAGE_BYTES } from '../../../shared/schemas/protocol.ts';

/** The deepest any seat message nests is about 6 (a status's finding's details); 32 leaves room. */
export const SEAT_FRAME_LIMITS: JsonLimits = { maxLength: MAX_SEAT_MESSAGE_BYTES, maxDepth: 32 };

export function readSeatFrame(text: string): BoundedJson {
  return parseBoundedJson(text, SEAT_FRAME_LIMITS);
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Start and end offsets of each element of the array under `key` in the top-level object of `text`,
 * which must already be known to be valid JSON (it parsed). The last `key` wins, as in JSON.parse.
 * Null when the top level is not an object holding such an array.
 */
export function arrayElementSpans(text: string, key: string): Array<[number, number]> | null {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  /** At depth 1: whether the next string is a key. */
  let expectKey = false;
  let lastKey: string | null = null;
  let result: Array<[number, number]> | null = null;
  let collecting: Array<[number, number]> | null = null;
  let elementStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) {
        inString = false;
        if (depth === 1 && expectKey) {
          lastKey = keyText(text.slice(stringStart, i + 1));
          expectKey = false;
        }
      }
      continue;
    }
    if (WS.has(c)) continue;
    if (collecting && depth === 2 && elementStart < 0 && c !== 0x5d /* ] */ && c !== 0x2c /* , */) {
      elementStart = i;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 1) {
        if (c !== 0x7b) return null;
        expectKey = true;
      } else if (depth === 2 && c === 0x5b && lastKey === key) {
        collecting = [];
        elementStart = -1;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (collecting && depth === 2) {
        if (elementStart >= 0) collecting.push([elementStart, trimEnd(text, i)]);
        result = collecting;
        collecting = null;
      }
      depth--;
    } else if (c === 0x2c /* , */) {
      if (depth === 1) {
        expectKey = true;
        lastKey = null;
      } else if (collecting && depth === 2) {
        if (elementStart >= 0) collecting.push([elementStart, trimEnd(text, i)]);
        elementStart = -1;
      }
    }
  }
  return result;
}

function trimEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && WS.has(text.charCodeAt(e - 1))) e--;
  return e;
}

function keyText(token: string): string | null {
  try {
    return JSON.parse(token) as string;
  } catch {
    return null;
  }
}
