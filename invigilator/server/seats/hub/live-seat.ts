/**
 * One seat as the hub keeps it in memory (the seat's row, its connection, its last status, its budget
 * and pause, its presence elsewhere), and small helpers the hub's modules share.
 */
import type { RawData, WebSocket } from 'ws';
import { type SeatStatus, SeatStatusSchema } from '../../../../shared/schemas/protocol.ts';
import type { SeatRow } from '../../store/store.ts';
import type { PresenceRow } from '../presence-repository.ts';
import { SeatBudget, type SeatBudgetLimits } from '../seat-budget.ts';

export interface LiveSeat {
  seat: SeatRow;
  socket: WebSocket | null;
  helloDone: boolean;
  status: SeatStatus | null;
  statusJson: string | null;
  /** The seat's `at` for the current status, and the last seq seen on this connection. */
  statusAt: string | null;
  seq: number;
  /** ms since epoch of the last message (any kind); 0 when never heard from since start. */
  lastSeenMs: number;
  lastSeenAt: string | null;
  /** When `lastSeenAt` was last written (it is kept to the second). */
  lastSeenAtMs: number;
  offline: boolean;
  statusDirty: boolean;
  budget: SeatBudget;
  /** While over budget: when the console reads from the seat again (0 when reading). */
  pausedUntil: number;
  resumeTimer: NodeJS.Timeout | null;
  /** Messages that arrived while paused, handled on resume. */
  deferred: { data: RawData; isBinary: boolean }[];
  deferredBytes: number;
  /** Characters of events stored in the seat's current sitting (or day), for its budget. */
  stored: { key: string; bytes: number; over: boolean } | null;
  /** The live connection's address. */
  remote: string;
  /** ms since epoch when anything (a message, a pong) last arrived on the live connection, and when it was last pinged. */
  rxMs: number;
  pingedMs: number;
  /** Until when the seat shows Not ready because two live connections used its credential (0: not). */
  sharedUntil: number;
  /** When the last Seat credential shared incident was recorded for the seat. */
  sharedIncidentMs: number;
  /**
   * Issue 12: the seat's presence as another console process wrote it (the seat is connected there, or
   * was last), read when that process announces a change. Used while this process holds no connection
   * for the seat.
   */
  elsewhere: PresenceRow | null;
}

/** A seat the console has not heard from since it started (or since it was enrolled). */
export function newLiveSeat(seat: SeatRow, limits: SeatBudgetLimits): LiveSeat {
  return {
    seat,
    socket: null,
    helloDone: false,
    status: null,
    statusJson: null,
    statusAt: null,
    seq: -1,
    lastSeenMs: 0,
    lastSeenAt: null,
    lastSeenAtMs: 0,
    offline: true,
    statusDirty: false,
    budget: new SeatBudget(limits),
    pausedUntil: 0,
    resumeTimer: null,
    deferred: [],
    deferredBytes: 0,
    stored: null,
    remote: '',
    rxMs: 0,
    pingedMs: 0,
    sharedUntil: 0,
    sharedIncidentMs: 0,
    elsewhere: null,
  };
}

export function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** A status another process stored, or null when it is not one (never trusted blindly). */
export function safeStatus(json: string): SeatStatus | null {
  try {
    const parsed = SeatStatusSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** An ISO time still to come, as ms since epoch; 0 when none or past. */
export function untilMs(iso: string | null, now: number): number {
  const ms = iso ? Date.parse(iso) : 0;
  return Number.isFinite(ms) && ms > now ? ms : 0;
}

/** A time as people read it in the record (the console runs in the centre, so its clock is the centre's). */
export function clockTime(ms: number): string {
  return CLOCK.format(ms);
}
/**
 * Made once, at start: `toLocaleTimeString` builds a formatter on every call (tens of milliseconds the
 * first time), which a room going Offline at once, or a flood, would pay in the middle of serving seats.
 */
const CLOCK = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
CLOCK.format(0);
