/**
 * Live updates between console processes that share one PostgreSQL database (issue 12).
 *
 * One channel (`invigil_live`, shared/schemas/live-notice.ts) carries small JSON notices: which seats,
 * incidents, sittings or help requests changed, never their data. Each process LISTENs on a dedicated
 * connection (not one of the pool's), re-reads what a notice names and pushes it to its own dashboards
 * through live.ts. A notice is sent only after the change it announces has committed.
 *
 * Fail safe: a notice that is too long, too deep or not of the schema is counted and ignored; the
 * process's own notices are ignored. When the listening connection drops, it is opened again (with
 * growing waits) and the process then re-reads everything (`resync`), since notices sent meanwhile are
 * lost. On SQLite (one process) the bus is a loopback that sends nowhere.
 */
import pg from 'pg';
import { parseBoundedJson } from '../../shared/schemas/bounded-json.ts';
import {
  LIVE_CHANNEL,
  LIVE_NOTICE_MAX_BYTES,
  LIVE_NOTICE_MAX_IDS,
  type LiveNotice,
  type LiveNoticeBody,
  LiveNoticeSchema,
} from '../../shared/schemas/live-notice.ts';
import type { Logger } from './logger.ts';

export interface LiveBusHandler {
  /** A notice from another process. */
  notice(n: LiveNotice): void | Promise<void>;
  /** Notices may have been missed (the listening connection was lost and is back): re-read everything. */
  resync(): void | Promise<void>;
}

export interface LiveBusStats {
  sent: number;
  received: number;
  /** The process's own notices, which it ignores. */
  own: number;
  /** Notices refused: too long, too deep, not JSON or not of the schema. */
  refused: number;
  reconnects: number;
  sendFailures: number;
}

export interface LiveBus {
  /** True when other processes may share the database (PostgreSQL). */
  readonly shared: boolean;
  readonly instanceId: string;
  readonly stats: LiveBusStats;
  /** Tells the other processes (after the change is committed). Never throws: a failure is logged. */
  publish(body: LiveNoticeBody): void;
  setHandler(handler: LiveBusHandler): void;
  close(): Promise<void>;
}

function newStats(): LiveBusStats {
  return { sent: 0, received: 0, own: 0, refused: 0, reconnects: 0, sendFailures: 0 };
}

/** One process on its own database (SQLite): nobody else to tell. */
export class LoopbackBus implements LiveBus {
  readonly shared = false;
  readonly stats = newStats();
  constructor(readonly instanceId: string) {}
  publish(_body: LiveNoticeBody): void {
    this.stats.sent++;
  }
  setHandler(_handler: LiveBusHandler): void {}
  async close(): Promise<void> {}
}

/** A notice's body split so that no notice names more than LIVE_NOTICE_MAX_IDS ids. */
export function splitNotice(body: LiveNoticeBody): LiveNoticeBody[] {
  if (!('ids' in body) || body.ids.length <= LIVE_NOTICE_MAX_IDS) return [body];
  const out: LiveNoticeBody[] = [];
  for (let i = 0; i < body.ids.length; i += LIVE_NOTICE_MAX_IDS)
    out.push({ ...body, ids: body.ids.slice(i, i + LIVE_NOTICE_MAX_IDS) } as LiveNoticeBody);
  return out;
}

/** At most this many notices in one statement (each is a parameter of up to LIVE_NOTICE_MAX_BYTES). */
const NOTICES_PER_STATEMENT = 50;

/**
 * Notices published in the same moment, merged: one list of ids per kind (per centre where the kind
 * names one), each id once, in the order first published; the same notice without ids once. Then split
 * so that no notice names more than LIVE_NOTICE_MAX_IDS ids. A notice only names what to re-read, so
 * merging loses nothing.
 */
export function coalesceNotices(bodies: readonly LiveNoticeBody[]): LiveNoticeBody[] {
  const merged = new Map<string, { body: LiveNoticeBody; ids: Set<string> | null }>();
  for (const body of bodies) {
    const key =
      body.k === 'sittings' || body.k === 'notices'
        ? `${body.k}\u0000${body.centre}`
        : body.k === 'help'
          ? `${body.k}\u0000${body.centre}\u0000${body.id}`
          : body.k;
    const ids = 'ids' in body ? body.ids : null;
    const had = merged.get(key);
    if (!had) merged.set(key, { body, ids: ids ? new Set(ids) : null });
    else if (ids && had.ids) for (const id of ids) had.ids.add(id);
  }
  const out: LiveNoticeBody[] = [];
  for (const { body, ids } of merged.values())
    out.push(...splitNotice(ids ? ({ ...body, ids: [...ids] } as LiveNoticeBody) : body));
  return out;
}

export interface PgLiveBusOptions {
  /** How the listening connection connects (the console's own connection settings). */
  client: pg.ClientConfig;
  /** Where notices are sent from (the console's pool). */
  pool: pg.Pool;
  instanceId: string;
  log: Logger;
  /** First wait before opening a lost listening connection again (doubles up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
}

export class PgLiveBus implements LiveBus {
  readonly shared = true;
  readonly stats = newStats();
  readonly instanceId: string;
  private client: pg.Client | null = null;
  private handler: LiveBusHandler | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  /** Refusals are logged at most once a second. */
  private refusedLoggedAt = 0;
  /** Notices published and not yet sent (`publish`). */
  private queued: LiveNoticeBody[] = [];
  /** The send under way, if any. */
  private sending: Promise<void> | null = null;

  private constructor(private readonly options: PgLiveBusOptions) {
    this.instanceId = options.instanceId;
    this.retryMs = options.retryMs ?? 250;
  }

  /** Opens the listening connection: the console does not start without it. */
  static async start(options: PgLiveBusOptions): Promise<PgLiveBus> {
    const bus = new PgLiveBus(options);
    await bus.listen();
    return bus;
  }

  setHandler(handler: LiveBusHandler): void {
    this.handler = handler;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      ...this.options.client,
      keepAlive: true,
      application_name: `${String(this.options.client.application_name ?? 'invigil-console')} listen`.slice(
        0,
        63,
      ),
    });
    client.on('notification', (m) => {
      if (m.channel === LIVE_CHANNEL) this.receive(m.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  /** The listening connection is gone: open it again, then re-read everything (notices were missed). */
  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    this.options.log.warn(
      { err: error?.message },
      'lost the connection listening for other consoles: opening it again',
    );
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.options.maxRetryMs ?? 5000, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.listen().then(
        () => {
          this.stats.reconnects++;
          this.retryMs = this.options.retryMs ?? 250;
          this.options.log.info('listening for other consoles again: re-reading the live state');
          this.guard(() => this.handler?.resync());
        },
        (error: unknown) => {
          this.options.log.warn(
            { err: (error as Error).message },
            'cannot listen for other consoles yet: trying again',
          );
          this.retry();
        },
      );
    }, wait);
    this.retryTimer.unref();
  }

  /** True while the listening connection is open. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** The listening connection's server process id (for tests that cut it). */
  async listenerPid(): Promise<number | null> {
    const c = this.client;
    if (!c) return null;
    const r = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return r.rows[0]?.pid ?? null;
  }

  receive(payload: string | undefined): void {
    this.stats.received++;
    const text = payload ?? '';
    if (Buffer.byteLength(text) > LIVE_NOTICE_MAX_BYTES) {
      this.refused(`it is ${Buffer.byteLength(text)} bytes; the limit is ${LIVE_NOTICE_MAX_BYTES}`);
      return;
    }
    const json = parseBoundedJson(text, { maxLength: LIVE_NOTICE_MAX_BYTES, maxDepth: 4 });
    if (!json.ok) {
      this.refused(json.reason);
      return;
    }
    const parsed = LiveNoticeSchema.safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.refused(`${issue?.path.join('.') || 'notice'}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    if (parsed.data.from === this.instanceId) {
      this.stats.own++;
      return;
    }
    this.guard(() => this.handler?.notice(parsed.data));
  }

  private refused(reason: string): void {
    this.stats.refused++;
    const now = Date.now();
    if (now - this.refusedLoggedAt < 1000) return;
    this.refusedLoggedAt = now;
    this.options.log.warn({ reason: reason.slice(0, 200) }, 'a notice on the live channel was refused');
  }

  private guard(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise)
        r.catch((error: unknown) => this.options.log.error({ err: error }, 'live notice failed'));
    } catch (error) {
      this.options.log.error({ err: error }, 'live notice failed');
    }
  }

  /**
   * Notices wait for the end of the current turn of the event loop (and, while a send is under way, for
   * it to finish), then go together: the same kind's ids merged into as few notices as the limits allow,
   * all of them in one statement on one pooled connection. One `pg_notify` round trip per notice took a
   * pool connection each, in competition with the writes the notices announce.
   */
  publish(body: LiveNoticeBody): void {
    if (this.closed) return;
    this.queued.push(body);
    if (this.sending) return;
    this.sending = new Promise<void>((r) => setImmediate(r)).then(() => this.sendQueued());
  }

  private async sendQueued(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const bodies = coalesceNotices(this.queued.splice(0));
        const payloads = bodies.map((b) => JSON.stringify({ v: 1, from: this.instanceId, ...b }));
        for (let i = 0; i < payloads.length; i += NOTICES_PER_STATEMENT) {
          const slice = payloads.slice(i, i + NOTICES_PER_STATEMENT);
          this.stats.sent += slice.length;
          try {
            await this.options.pool.query(
              `SELECT ${slice.map((_, j) => `pg_notify($1, $${j + 2})`).join(', ')}`,
              [LIVE_CHANNEL, ...slice],
            );
          } catch (error) {
            // The others re-read everything periodically and after their own reconnections.
            this.stats.sendFailures += slice.length;
            this.options.log.warn(
              { err: (error as Error).message, notices: slice.length },
              'could not notify other consoles',
            );
          }
        }
      }
    } finally {
      this.sending = null;
    }
  }

  async close(): Promise<void> {
    // What was published before the end is still sent (the last statuses, written at close).
    while (this.sending) await this.sending;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
    }
  }
}
