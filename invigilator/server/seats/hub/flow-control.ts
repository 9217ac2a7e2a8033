/**
 * A seat over its budget (seats/seat-budget.ts) is told why and for how long, the console stops reading
 * from its socket (the operating system then holds the sender back), it shows Not ready ("flooding")
 * and the flood is one incident however long it lasts; what it had already sent is handled when reading
 * resumes. Nothing is lost; a seat that sends more than MAX_DEFERRED_BYTES meanwhile is disconnected.
 */
import type { RawData, WebSocket } from 'ws';
import { type BudgetExceeded, describeBudget } from '../seat-budget.ts';
import type { HubState } from './hub-state.ts';
import type { LiveSeat } from './live-seat.ts';
import type { SeatPresence } from './presence.ts';
import { dropSocket, send } from './wire.ts';

/** Messages held while a seat is paused (already read from its socket before the pause took hold). */
const MAX_DEFERRED_BYTES = 1024 * 1024;

export class SeatFlowControl {
  constructor(
    private readonly h: HubState,
    private readonly presence: SeatPresence,
    /** Handles a message read from the seat (seats/hub/protocol.ts). */
    private readonly handle: (s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean) => void,
  ) {}

  defer(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean, bytes: number): void {
    if (s.deferredBytes + bytes > MAX_DEFERRED_BYTES) {
      this.h.stats.dropped++;
      dropSocket(ws, 'flooding: reconnect and send less');
      return;
    }
    s.deferred.push({ data, isBinary });
    s.deferredBytes += bytes;
  }

  /**
   * Over budget: the seat is told why and for how long, the console stops reading from its socket (the
   * operating system then holds the sender back), and the flood is one incident however long it lasts.
   */
  overBudget(s: LiveSeat, ws: WebSocket, what: BudgetExceeded, batchId: string | undefined): void {
    const limits = this.h.budgetLimits;
    const now = Date.now();
    send(this.h, ws, {
      type: 'console/error',
      error: `this PC sent ${describeBudget(what, limits)}: the console stops reading from it for ${Math.round(limits.pauseMs / 1000)} s; nothing sent is lost`,
      code: 'over-budget',
      ...(batchId ? { messageType: 'seat/events', inReplyTo: batchId } : {}),
      retryAfterMs: limits.pauseMs,
    });
    if (what === 'stored' || s.pausedUntil > 0) return;
    this.h.stats.pauses++;
    s.pausedUntil = now + limits.pauseMs;
    ws.pause();
    s.resumeTimer = setTimeout(() => this.h.guard('seat resume', () => this.resume(s, ws)), limits.pauseMs);
    s.resumeTimer.unref();
    this.presence.heard(s, now);
    this.h.changed([s.seat.id]);
    this.presence.presenceChanged(s);
    this.h.log.warn({ seatId: s.seat.id, pcName: s.seat.pcName, over: what }, 'seat over budget: paused');
    this.floodIncident(s, now);
  }

  private floodIncident(s: LiveSeat, now: number): void {
    // The same words each time, so that a flood that goes on is one incident with a count.
    this.h.seatIncident(
      s,
      'seat-flooding',
      `${s.seat.pcName} sent more than the console accepts from one PC, so the console stopped reading from it for ${Math.round(this.h.budgetLimits.pauseMs / 1000)} s at a time. Its events are still stored.`,
      now,
      'a flooding incident',
    );
  }

  /** After the pause: what arrived meanwhile is handled, then reading resumes (or pauses again if still in debt). */
  private resume(s: LiveSeat, ws: WebSocket): void {
    s.resumeTimer = null;
    if (s.socket !== ws) return;
    const deferred = s.deferred;
    s.deferred = [];
    s.deferredBytes = 0;
    s.pausedUntil = 0;
    const now = Date.now();
    s.rxMs = now;
    this.presence.heard(s, now);
    for (const d of deferred) this.handle(s, ws, d.data, d.isBinary);
    const still = s.budget.overNow(now);
    if (still) {
      this.overBudget(s, ws, still, undefined);
      return;
    }
    ws.resume();
    this.h.changed([s.seat.id]);
    this.presence.presenceChanged(s);
  }

  endPause(s: LiveSeat): void {
    if (s.resumeTimer) clearTimeout(s.resumeTimer);
    s.resumeTimer = null;
    s.pausedUntil = 0;
    s.deferred = [];
    s.deferredBytes = 0;
  }
}
