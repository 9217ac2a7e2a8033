/**
 * The console's memory of open hands and pauses, for the seat map and the gates: read from the store at
 * start and after every change (they are few: at most one open hand a seat, a pause or two a room).
 */
import { pauseReasonLabel } from '../../../shared/catalogs/invigilation-day.ts';
import type { SeatHand, SeatPause } from '../../../shared/schemas/invigilation-day.ts';
import type { HandRow, HandsAndPausesStore, PauseRow } from './rows.ts';

export class HandsAndPausesState {
  private hands = new Map<string, HandRow>();
  private pauses: PauseRow[] = [];

  constructor(private readonly store: HandsAndPausesStore) {}

  /** Re-reads the open hands; returns the seats whose hand changed. */
  async refreshHands(): Promise<string[]> {
    const next = new Map((await this.store.openHands()).map((h) => [h.seatId, h]));
    const changed: string[] = [];
    for (const [seatId, h] of next) {
      const before = this.hands.get(seatId);
      if (!before || before.id !== h.id || before.count !== h.count) changed.push(seatId);
    }
    for (const seatId of this.hands.keys()) if (!next.has(seatId)) changed.push(seatId);
    this.hands = next;
    return changed;
  }

  async refreshPauses(): Promise<void> {
    this.pauses = await this.store.openPauses();
  }

  hand(seatId: string): SeatHand | null {
    const h = this.hands.get(seatId);
    return h
      ? { id: h.id, raisedAt: h.raisedAt, lastRaisedAt: h.lastRaisedAt, count: h.count, via: h.via }
      : null;
  }

  /** The pause holding this candidate's seat: its own, else its room's. */
  pause(where: { sittingId: string; entryId: string } | null | undefined): SeatPause | null {
    if (!where) return null;
    const p =
      this.pauses.find((x) => x.sittingId === where.sittingId && x.entryId === where.entryId) ??
      this.pauses.find((x) => x.sittingId === where.sittingId && x.entryId === null);
    return p
      ? {
          id: p.id,
          scope: p.entryId ? 'seat' : 'room',
          reason: p.reason,
          reasonLabel: pauseReasonLabel(p.reason),
          startedAt: p.startedAt,
        }
      : null;
  }
}
