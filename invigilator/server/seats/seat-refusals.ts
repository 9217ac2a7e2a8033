/**
 * Refused seat connections, counted per seat: a PC trying a wrong or revoked credential for an enrolled
 * seat again and again (the old PC after a replacement, someone guessing) becomes an incident on that
 * seat and a notice on the dashboard. Counted in memory and written at most every `flushMs`, so that a
 * stream of refusals (which need no credential to send) costs the console almost nothing.
 */

export interface RefusalSummary {
  seatId: string;
  firstAt: string;
  lastAt: string;
  count: number;
  addresses: string[];
}

export interface RefusalTrackerOptions {
  /** This many refusals for one seat within `windowMs` make it a notice. */
  threshold?: number;
  windowMs?: number;
  flushMs?: number;
  /** A report that failed (the store could not write): logged by the owner; the counts start again. */
  onError?: (error: unknown) => void;
}

interface SeatRefusals {
  recent: number[];
  active: boolean;
  pending: { count: number; firstAt: number; lastAt: number; addresses: Set<string> } | null;
}

const MAX_ADDRESSES = 5;

export class RefusalTracker {
  private readonly seats = new Map<string, SeatRefusals>();
  readonly threshold: number;
  readonly windowMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly report: (summaries: RefusalSummary[]) => Promise<void>,
    options: RefusalTrackerOptions = {},
  ) {
    this.threshold = options.threshold ?? 5;
    this.windowMs = options.windowMs ?? 10 * 60_000;
    const onError = options.onError ?? (() => undefined);
    this.timer = setInterval(() => {
      this.flush().catch(onError);
    }, options.flushMs ?? 2000);
    this.timer.unref();
  }

  /** Counts one refusal; true when it is the first since the last report (worth a log line). */
  refused(seatId: string, address: string, now = Date.now()): boolean {
    let s = this.seats.get(seatId);
    if (!s) {
      s = { recent: [], active: false, pending: null };
      this.seats.set(seatId, s);
    }
    while (s.recent.length > 0 && (s.recent[0] ?? 0) < now - this.windowMs) s.recent.shift();
    if (s.recent.length < this.threshold) s.recent.push(now);
    if (s.recent.length >= this.threshold) s.active = true;
    const first = s.pending === null;
    s.pending ??= { count: 0, firstAt: now, lastAt: now, addresses: new Set() };
    s.pending.count++;
    s.pending.lastAt = now;
    if (s.pending.addresses.size < MAX_ADDRESSES) s.pending.addresses.add(address.slice(0, 64));
    return first;
  }

  /** Reports the seats over the threshold and forgets the quiet ones. */
  async flush(now = Date.now()): Promise<void> {
    const out: RefusalSummary[] = [];
    for (const [seatId, s] of this.seats) {
      if (s.active && s.pending) {
        out.push({
          seatId,
          firstAt: new Date(s.pending.firstAt).toISOString(),
          lastAt: new Date(s.pending.lastAt).toISOString(),
          count: s.pending.count,
          addresses: [...s.pending.addresses],
        });
        s.pending = null;
      }
      const last = s.recent[s.recent.length - 1] ?? 0;
      if (last < now - this.windowMs) this.seats.delete(seatId);
    }
    if (out.length > 0) await this.report(out);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
