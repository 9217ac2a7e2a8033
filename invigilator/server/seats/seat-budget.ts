/**
 * What one seat may cost the console. A seat is one PC, and a PC may be in the hands of someone who
 * wants to swamp the centre, so each seat has its own budget and pays for its own excess: over budget,
 * the console stops reading from that seat for a while (its socket is paused, so the operating system
 * pushes back on the sender) while every other seat carries on.
 *
 * The limits are far above what a real seat sends: an agent sends one heartbeat a second, a status on
 * each change, and its outbox one batch at a time, each waiting for its acknowledgement.
 */

export interface SeatBudgetLimits {
  /** Messages a second, sustained, and how many may arrive at once. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Characters received a second, sustained, and at once. */
  bytesPerSecond: number;
  byteBurst: number;
  /** Events a minute, sustained, and at once (a seat catching up after the network was down). */
  eventsPerMinute: number;
  eventBurst: number;
  /** Characters of events stored per sitting (per day outside sittings); beyond it, only each event's id, type and time. */
  storedBytesPerSitting: number;
  /** How long the console stops reading from a seat that went over budget. */
  pauseMs: number;
}

export const DEFAULT_SEAT_BUDGET: SeatBudgetLimits = {
  messagesPerSecond: 20,
  messageBurst: 100,
  bytesPerSecond: 128 * 1024,
  byteBurst: 2 * 1024 * 1024,
  eventsPerMinute: 1200,
  eventBurst: 1000,
  storedBytesPerSitting: 10 * 1024 * 1024,
  pauseMs: 10_000,
};

export type BudgetExceeded = 'messages' | 'bytes' | 'events' | 'stored';

/**
 * A token bucket that may go into debt: what was already received is paid for, and the debt keeps the
 * seat over budget until it has been earned back.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perMs: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  /** Takes `n`; false when that leaves the bucket in debt. */
  take(n: number, now: number): boolean {
    this.refill(now);
    this.tokens -= n;
    return this.tokens >= 0;
  }

  inDebt(now: number): boolean {
    this.refill(now);
    return this.tokens < 0;
  }
}

export class SeatBudget {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly events: TokenBucket;

  constructor(
    readonly limits: SeatBudgetLimits = DEFAULT_SEAT_BUDGET,
    now = Date.now(),
  ) {
    this.messages = new TokenBucket(limits.messagesPerSecond / 1000, limits.messageBurst, now);
    this.bytes = new TokenBucket(limits.bytesPerSecond / 1000, limits.byteBurst, now);
    this.events = new TokenBucket(limits.eventsPerMinute / 60_000, limits.eventBurst, now);
  }

  /** Charges one message of `bytes`; which budget it broke, if any. */
  message(bytes: number, now = Date.now()): BudgetExceeded | null {
    const withinCount = this.messages.take(1, now);
    const withinBytes = this.bytes.take(bytes, now);
    return !withinCount ? 'messages' : !withinBytes ? 'bytes' : null;
  }

  /** Charges `n` events. */
  eventsReceived(n: number, now = Date.now()): BudgetExceeded | null {
    return this.events.take(n, now) ? null : 'events';
  }

  /** Which budget is still in debt (after a pause, before reading again). */
  overNow(now = Date.now()): BudgetExceeded | null {
    if (this.messages.inDebt(now)) return 'messages';
    if (this.bytes.inDebt(now)) return 'bytes';
    if (this.events.inDebt(now)) return 'events';
    return null;
  }
}

/** In words, for the seat's `console/error` and the log. */
export function describeBudget(what: BudgetExceeded, limits: SeatBudgetLimits): string {
  switch (what) {
    case 'messages':
      return `more than ${limits.messagesPerSecond} messages a second (bursts of ${limits.messageBurst})`;
    case 'bytes':
      return `more than ${size(limits.bytesPerSecond)} a second (bursts of ${size(limits.byteBurst)})`;
    case 'events':
      return `more than ${limits.eventsPerMinute} events a minute (bursts of ${limits.eventBurst})`;
    case 'stored':
      return `more than ${size(limits.storedBytesPerSitting)} of events in this sitting (further events are kept as their id, type and time only)`;
  }
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}
