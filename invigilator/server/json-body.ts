/**
 * Fastify's JSON body parser, replaced: a body's size and nesting depth are checked before it is
 * parsed (shared/schemas/bounded-json.ts), so nothing that walks it afterwards (zod, a logger, an error
 * formatter) can overflow the stack; and a key that would change an object's prototype when merged
 * (`__proto__`, `constructor.prototype`) is refused, as Fastify's own parser does.
 */
import type { FastifyInstance } from 'fastify';
import { parseBoundedJson } from '../../shared/schemas/bounded-json.ts';
import { HttpError } from './http-error.ts';

/** No request body the console takes nests deeper than about 4 (a sitting's entries). */
export const BODY_MAX_DEPTH = 32;

export function boundedJsonBodies(app: FastifyInstance, maxBytes: number): void {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: maxBytes },
    (_req, body, done) => {
      const parsed = parseBoundedJson(String(body), { maxLength: maxBytes, maxDepth: BODY_MAX_DEPTH });
      if (!parsed.ok) {
        done(
          new HttpError(
            400,
            parsed.problem === 'too-deep'
              ? `The body nests more than ${BODY_MAX_DEPTH} levels deep.`
              : parsed.problem === 'too-long'
                ? `The body is larger than ${Math.round(maxBytes / 1024)} KB.`
                : 'The body is not valid JSON.',
          ),
          undefined,
        );
        return;
      }
      const key = prototypeKey(parsed.value, 0);
      if (key) {
        done(new HttpError(400, `The body may not use the key "${key}".`), undefined);
        return;
      }
      done(null, parsed.value);
    },
  );
}

/** The first key that could change a prototype; depth is already bounded, so recursion is safe. */
function prototypeKey(value: unknown, depth: number): string | null {
  if (value === null || typeof value !== 'object' || depth > BODY_MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const k = prototypeKey(v, depth + 1);
      if (k) return k;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') return k;
    if (k === 'constructor' && v !== null && typeof v === 'object' && 'prototype' in v)
      return 'constructor.prototype';
    const inner = prototypeKey(v, depth + 1);
    if (inner) return inner;
  }
  return null;
}
