/** Small helpers for reading rows the same way from both engines. */

/** Now, as stored: UTC ISO 8601 with milliseconds (compares as text). */
export function nowIso(): string {
  return new Date().toISOString();
}

/** A timestamp as UTC ISO 8601, so that stored times compare as text whatever offset a seat sent. */
export function utc(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

/** A flag or an EXISTS: SQLite answers 0/1, PostgreSQL true/false. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}

/** Splits a list into slices (multi-row statements stay under both engines' parameter limits). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
