/**
 * Issue 13, attempts: a seat reached the assessment's end page (`event/assessment-finished`, sent by the
 * extension when the policy names an `endPageUrl`). The finish goes on the entry the console has seated at
 * that seat now (the event names no entry: a seat can finish only its own candidate), only while the seat's
 * gate is released and acknowledged (a held or paused seat cannot finish), and only once (the store sets it
 * only when the entry was released and is not finished yet). The time is the console's, not the seat's.
 */
import type { IncomingSeatEvent } from '../store/store.ts';

export interface EndPageFinish {
  seatId: string;
  centreId: string;
  sittingId: string;
  entryId: string;
  at: string;
}

export interface EndPageSeatState {
  /** The sitting and entry seated at this seat now, if any. */
  assignment(seatId: string): { sittingId: string; entryId: string } | null;
  /** Whether the seat's gate is released and the seat acknowledged it. */
  released(seatId: string): boolean;
}

/** The finishes a stored batch of seat events asks for, one per entry at most. */
export function endPageFinishes(
  events: readonly IncomingSeatEvent[],
  seats: EndPageSeatState,
): EndPageFinish[] {
  const out = new Map<string, EndPageFinish>();
  for (const e of events) {
    if (e.event.type !== 'event/assessment-finished') continue;
    const a = seats.assignment(e.seatId);
    // Not seated, or held (never released, paused, re-held): the seat's word finishes nobody.
    if (!a || out.has(a.entryId) || !seats.released(e.seatId)) continue;
    out.set(a.entryId, { seatId: e.seatId, centreId: e.centreId, ...a, at: e.receivedAt });
  }
  return [...out.values()];
}
