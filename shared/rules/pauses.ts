/**
 * Time given back by pauses (issue 13): how long an attempt was paused between its release and its
 * finish. A seat's own pauses and the whole room's pauses both count; where they overlap the time is
 * counted once. A pause still open counts up to the finish (or `now` while the attempt runs).
 */

export interface PauseSpan {
  /** Null for the whole room (every entry of the sitting). */
  entryId: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** Milliseconds the entry was paused within [releasedAt, finishedAt ?? now]; 0 before release. */
export function pausedMsFor(
  entryId: string,
  attempt: { releasedAt: string | null; finishedAt: string | null },
  pauses: readonly PauseSpan[],
  now: string,
): number {
  if (!attempt.releasedAt) return 0;
  const from = Date.parse(attempt.releasedAt);
  const to = Date.parse(attempt.finishedAt ?? now);
  if (!(to > from)) return 0;
  const spans = pauses
    .filter((p) => p.entryId === null || p.entryId === entryId)
    .map((p) => ({
      a: Math.max(from, Date.parse(p.startedAt)),
      b: Math.min(to, Date.parse(p.endedAt ?? now)),
    }))
    .filter(({ a, b }) => Number.isFinite(a) && Number.isFinite(b) && b > a)
    .sort((x, y) => x.a - y.a);
  let total = 0;
  let end = -Infinity;
  for (const { a, b } of spans) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return Math.round(total);
}
