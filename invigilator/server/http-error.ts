import type { z } from 'zod';
import { excerpt } from '../../shared/schemas/bounded-json.ts';

/** An error the API reports as-is: a status and a message naming what was wrong. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses a body or query, or throws a 400 that names the first field at fault. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw inputError(result.error, what);
}

/** A 400 naming the first field at fault (or `what`: body, query, path) and what is wrong with it. */
export function inputError(error: z.ZodError, what: string): HttpError {
  const issue = error.issues[0];
  // Bounded: a key or value the sender chose can be part of the message ("Unrecognized key: …").
  const field = issue && issue.path.length > 0 ? excerpt(issue.path.join('.'), 100) : undefined;
  const message = excerpt(issue?.message ?? 'invalid input', 300);
  return new HttpError(400, field ? `${field}: ${message}` : `${what}: ${message}`, field);
}
