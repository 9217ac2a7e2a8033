/**
 * Sign-in throttling beyond the per-address limit (which an attacker with many addresses escapes):
 *
 * - per name: after a few wrong passwords for a name, each further attempt for it must wait, twice as
 *   long after each wrong one (from 2 s up to 15 min), whatever address it comes from; during the
 *   wait even the right password is refused, because otherwise the wait would stop nothing;
 * - overall: when more than `overallFailuresPerMinute` sign-ins fail across the centre, every sign-in
 *   waits a little (guesses spread over many names).
 *
 * Only real wrong passwords count, not refused attempts, so an invigilator who waits can always get in.
 * A coordinator who is signed in can still hand out one-time sign-in links meanwhile.
 */

export interface SignInThrottleOptions {
  /** Wrong passwords for a name before the delay starts. */
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A name's failures are forgotten after this long without one. */
  forgetAfterMs?: number;
  overallFailuresPerMinute?: number;
  /** Names remembered at once; beyond, the oldest are forgotten (their delays were the shortest). */
  maxNames?: number;
}

export type SignInRefusal = { by: 'name' | 'overall'; retryAfterMs: number };

interface NameState {
  failures: number;
  lastFailureAt: number;
  notBefore: number;
}

export class SignInThrottle {
  private readonly names = new Map<string, NameState>();
  private readonly o: Required<SignInThrottleOptions>;
  /** Overall failures: a token bucket refilled at `overallFailuresPerMinute`. */
  private tokens: number;
  private last: number;

  constructor(options: SignInThrottleOptions = {}, now = Date.now()) {
    this.o = {
      freeFailures: options.freeFailures ?? 3,
      baseDelayMs: options.baseDelayMs ?? 2000,
      maxDelayMs: options.maxDelayMs ?? 15 * 60_000,
      forgetAfterMs: options.forgetAfterMs ?? 3_600_000,
      overallFailuresPerMinute: options.overallFailuresPerMinute ?? 100,
      maxNames: options.maxNames ?? 10_000,
    };
    this.tokens = this.o.overallFailuresPerMinute;
    this.last = now;
  }

  /** How people type a name: any case, any spacing. */
  static key(name: string): string {
    return name.trim().replace(/\s+/g, ' ').toLowerCase();
  }

  private refill(now: number): void {
    const cap = this.o.overallFailuresPerMinute;
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) * cap) / 60_000);
    this.last = now;
  }

  /** Null when a sign-in for this name may be checked now; otherwise why not and for how long. */
  check(name: string, now = Date.now()): SignInRefusal | null {
    this.refill(now);
    if (this.tokens < 1) {
      const cap = this.o.overallFailuresPerMinute;
      return { by: 'overall', retryAfterMs: Math.ceil(((1 - this.tokens) * 60_000) / cap) };
    }
    const s = this.names.get(SignInThrottle.key(name));
    if (s && s.notBefore > now) return { by: 'name', retryAfterMs: s.notBefore - now };
    return null;
  }

  failed(name: string, now = Date.now()): void {
    this.refill(now);
    this.tokens -= 1;
    const key = SignInThrottle.key(name);
    let s = this.names.get(key);
    if (s && now - s.lastFailureAt > this.o.forgetAfterMs) s = undefined;
    if (!s) {
      if (this.names.size >= this.o.maxNames) {
        const oldest = this.names.keys().next().value;
        if (oldest !== undefined) this.names.delete(oldest);
      }
      s = { failures: 0, lastFailureAt: now, notBefore: 0 };
    }
    s.failures++;
    s.lastFailureAt = now;
    const over = s.failures - this.o.freeFailures;
    if (over > 0)
      s.notBefore = now + Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(30, over - 1));
    // Most recently failed last, so that the map's first entry is the one to forget.
    this.names.delete(key);
    this.names.set(key, s);
  }

  succeeded(name: string): void {
    this.names.delete(SignInThrottle.key(name));
  }
}

/**
 * Refusals that arrive in floods (throttled sign-ins, rate-limited requests) go into the audit trail
 * as one row per kind, subject and few seconds, with how many and from where, instead of one row each.
 */
export class RefusalAuditor {
  private pending = new Map<
    string,
    {
      action: string;
      subject: string;
      count: number;
      first: string;
      last: string;
      addresses: Set<string>;
      reason: string;
    }
  >();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (
      rows: { action: string; subject: string; details: Record<string, unknown> }[],
    ) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    flushMs = 5000,
    private readonly maxKeys = 1000,
  ) {
    this.timer = setInterval(() => {
      this.flush().catch(onError);
    }, flushMs);
    this.timer.unref();
  }

  note(action: string, subject: string, address: string, reason: string, now = Date.now()): void {
    let key = `${action}\u0000${subject}`;
    if (!this.pending.has(key) && this.pending.size >= this.maxKeys) key = `${action}\u0000(others)`;
    const at = new Date(now).toISOString();
    let p = this.pending.get(key);
    if (!p) {
      p = {
        action,
        subject: key.endsWith('(others)') ? '(others)' : subject,
        count: 0,
        first: at,
        last: at,
        addresses: new Set(),
        reason,
      };
      this.pending.set(key, p);
    }
    p.count++;
    p.last = at;
    if (p.addresses.size < 5) p.addresses.add(address.slice(0, 64));
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()].map((p) => ({
      action: p.action,
      subject: p.subject,
      details: {
        count: p.count,
        first: p.first,
        last: p.last,
        addresses: [...p.addresses],
        reason: p.reason,
      },
    }));
    this.pending = new Map();
    await this.write(rows);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }
}
