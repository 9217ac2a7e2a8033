/**
 * JSON from an untrusted sender, parsed only after its size and nesting depth are known to be within
 * bounds. `JSON.parse` itself copes with deep nesting, but everything that walks the result afterwards
 * (zod, `JSON.stringify`, a logger, an error formatter) recurses and can overflow the stack: a
 * 150,000-deep array ends a Node process. So every boundary parses through here, and keeps only a
 * bounded slice of the raw text of what it refused, never a re-serialised copy.
 */

export interface JsonLimits {
  /** Longest text accepted, in UTF-16 code units (callers that hold bytes check those first). */
  maxLength: number;
  /** Deepest nesting of arrays and objects accepted (a bare value is depth 0). */
  maxDepth: number;
}

/** Generous for every message Invigil defines (the deepest is about 6), far below a stack overflow. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxLength: 1024 * 1024, maxDepth: 32 };

export type BoundedJson =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'too-long' | 'too-deep' | 'not-json'; reason: string; excerpt: string };

/** How far `text` nests, scanning no further than one level past `stopAfter`. Strings are skipped. */
export function jsonDepth(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAfter) return deepest;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return deepest;
}

/** A bounded, single-line slice of untrusted text, for logs and error messages. */
export function excerpt(text: string, max = 120): string {
  let flat = '';
  for (const ch of text.slice(0, max + 1)) {
    const c = ch.charCodeAt(0);
    flat += c < 0x20 || c === 0x7f ? ' ' : ch;
  }
  return flat.length > max ? `${flat.slice(0, max)}… (${text.length} characters in all)` : flat;
}

/** Parses `text` if it is within `limits`; otherwise says which limit it broke, in words. */
export function parseBoundedJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): BoundedJson {
  if (text.length > limits.maxLength) {
    return {
      ok: false,
      problem: 'too-long',
      reason: `it is ${text.length} characters long; the limit is ${limits.maxLength}`,
      excerpt: excerpt(text),
    };
  }
  const depth = jsonDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return {
      ok: false,
      problem: 'too-deep',
      reason: `it nests more than ${limits.maxDepth} levels deep`,
      excerpt: excerpt(text),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return {
      ok: false,
      problem: 'not-json',
      reason: `it is not valid JSON (${excerpt(e instanceof Error ? e.message : String(e), 80)})`,
      excerpt: excerpt(text),
    };
  }
}

/**
 * Depth of an already-parsed value, stopping one level past `stopAfter`; for values that did not come
 * through `parseBoundedJson` (a structured-clone message, a YAML document).
 */
export function valueDepth(value: unknown, stopAfter = 64): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const [v, d] = top;
    if (v === null || typeof v !== 'object') continue;
    const here = d + 1;
    if (here > deepest) {
      deepest = here;
      if (deepest > stopAfter) return deepest;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, here]);
    }
  }
  return deepest;
}
