/**
 * A minimal seat client written from docs/protocol.md alone, as a centre's IT or a third-party vendor
 * would write one: the `ws` library, the published JSON Schemas (docs/protocol/*.schema.json, checked
 * with Ajv), and the numbers in the document's section 0. It imports nothing from `kiosk-agent/` or
 * `shared/`, so the conformance suite beside it tests the document and the console, not our own code.
 *
 * It is deliberately thin: each test drives the protocol step by step, and the client records every
 * frame, ping and close it sees. Every frame from the console is validated against
 * console-to-seat.schema.json; a frame that does not match is a `violation`, and every test fails on one.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import WebSocket from 'ws';

/** docs/protocol.md, section 0 ("The numbers"). */
export const DOC = {
  version: 2,
  frameBytes: 524_288,
  maxDepth: 32,
  eventsPerBatch: 200,
  ackIds: 200,
  eventBytes: 65_536,
  excerptChars: 4096,
  heartbeatMs: 1000,
  offlineAfterMs: 3000,
  pingMs: 10_000,
  readTimeoutMs: 30_000,
  restartGraceMs: 20_000,
  enrolPerMinute: 300,
  natEnrolPerMinute: 3000,
} as const;

const SCHEMAS = resolve(import.meta.dirname, '../../../docs/protocol');

// Ajv's default export is the class in CommonJS clothing.
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const addFormatsFn = (addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats;
const ajv = new AjvClass({ allErrors: false, strict: false });
addFormatsFn(ajv);
const load = (name: string) => JSON.parse(readFileSync(`${SCHEMAS}/${name}`, 'utf8')) as object;
export const validate = {
  fromConsole: ajv.compile(load('console-to-seat.schema.json')),
  fromSeat: ajv.compile(load('seat-to-console.schema.json')),
  event: ajv.compile(load('seat-event.schema.json')),
  status: ajv.compile(load('seat-status.schema.json')),
  enrolResponse: ajv.compile(load('enrol-response.schema.json')),
};

export type Msg = { type: string; [key: string]: unknown };
export interface Received {
  at: number;
  msg: Msg;
}

export interface Enrolled {
  seatId: string;
  credential: string;
  pcName: string;
}

/** POST /api/seats/enrol (section 1), from `localAddress` (127.0.0.x) to look like another PC or site. */
export async function enrol(
  consoleUrl: string,
  code: string,
  pcName: string,
  localAddress?: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | undefined }> {
  const data = JSON.stringify({ code, pcName });
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      `${consoleUrl}/api/seats/enrol`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = { text };
          }
          const ra = res.headers['retry-after'];
          resolvePromise({ status: res.statusCode ?? 0, body, retryAfter: Array.isArray(ra) ? ra[0] : ra });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export async function enrolOk(consoleUrl: string, code: string, pcName: string): Promise<Enrolled> {
  const r = await enrol(consoleUrl, code, pcName);
  if (r.status !== 201)
    throw new Error(`enrolment of ${pcName} refused: ${r.status} ${JSON.stringify(r.body)}`);
  if (!validate.enrolResponse(r.body))
    throw new Error(`enrolment answer breaks its schema: ${JSON.stringify(r.body)}`);
  return { seatId: String(r.body.seatId), credential: String(r.body.credential), pcName };
}

export function socketUrl(consoleUrl: string): string {
  return `${consoleUrl.replace(/^http/, 'ws')}/seat`;
}

/** An HTTP refusal before the upgrade (section 2): the status and the one-line body. */
export async function refusedUpgrade(
  consoleUrl: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(socketUrl(consoleUrl), { headers });
  return new Promise((resolvePromise, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the console accepted the connection'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    ws.once('error', () => undefined);
  });
}

export interface SeatOptions {
  /** Answer pings (every WebSocket library does; off to play a dead client). */
  autoPong?: boolean;
  /** Connect from this loopback address (127.0.0.x), to look like another PC. */
  localAddress?: string;
}

/** One connection of a seat, step by step. */
export class DocSeat {
  readonly received: Received[] = [];
  readonly pings: number[] = [];
  /** Frames from the console that broke console-to-seat.schema.json. */
  readonly violations: string[] = [];
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  readonly opened: number = Date.now();
  private seqNext = 1;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    readonly seat: Enrolled,
  ) {
    ws.on('message', (data, isBinary) => {
      const at = Date.now();
      if (isBinary) {
        this.violations.push('a binary frame from the console');
        return;
      }
      const text = data.toString();
      let msg: Msg;
      try {
        msg = JSON.parse(text) as Msg;
      } catch {
        this.violations.push(`not JSON: ${text.slice(0, 200)}`);
        return;
      }
      if (!validate.fromConsole(msg)) {
        this.violations.push(
          `${text.slice(0, 200)}: ${ajv.errorsText(validate.fromConsole.errors ?? [], { separator: '; ' })}`,
        );
      }
      this.received.push({ at, msg });
      this.wake();
    });
    ws.on('ping', () => {
      this.pings.push(Date.now());
      this.wake();
    });
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => {
        r({ code, reason: reason.toString(), at: Date.now() });
        this.wake();
      }),
    );
    ws.on('error', () => undefined);
  }

  static async open(consoleUrl: string, seat: Enrolled, options: SeatOptions = {}): Promise<DocSeat> {
    const ws = new WebSocket(socketUrl(consoleUrl), {
      headers: { authorization: `Bearer ${seat.credential}`, 'x-invigil-seat': seat.seatId },
      autoPong: options.autoPong ?? true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const s = new DocSeat(ws, seat);
    await new Promise<void>((resolvePromise, reject) => {
      ws.once('open', () => resolvePromise());
      ws.once('unexpected-response', (_q, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return s;
  }

  /** Connects and says hello; resolves with the welcome (section 3.1). */
  static async hello(
    consoleUrl: string,
    seat: Enrolled,
    hello: Record<string, unknown> = {},
    options: SeatOptions = {},
  ): Promise<{ s: DocSeat; welcome: Msg }> {
    const s = await DocSeat.open(consoleUrl, seat, options);
    s.send({
      type: 'seat/hello',
      protocol: DOC.version,
      agentVersion: 'doc-client 1',
      pcName: seat.pcName,
      os: 'conformance',
      ...hello,
    });
    const welcome = await s.waitFor((m) => m.type === 'console/welcome');
    return { s, welcome };
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a message, validating it first against seat-to-console.schema.json unless `raw`. */
  send(msg: Record<string, unknown>, raw = false): void {
    if (!raw && !validate.fromSeat(msg)) {
      throw new Error(
        `the test tried to send a message that breaks the schema: ${ajv.errorsText(validate.fromSeat.errors ?? [])}`,
      );
    }
    this.ws.send(JSON.stringify(msg));
  }

  sendText(text: string | Buffer, binary = false): void {
    this.ws.send(text, { binary });
  }

  nextSeq(): number {
    return this.seqNext++;
  }

  status(status: Record<string, unknown>, at = new Date().toISOString()): number {
    const seq = this.nextSeq();
    this.send({ type: 'seat/status', seq, at, status });
    return seq;
  }

  heartbeat(at = new Date().toISOString()): number {
    const seq = this.nextSeq();
    this.send({ type: 'seat/heartbeat', seq, at });
    return seq;
  }

  /** Sends a batch (section 3.4); returns its batch id. */
  events(events: unknown[], batchId: string = randomUUID()): string {
    this.ws.send(JSON.stringify({ type: 'seat/events', batchId, events }));
    return batchId;
  }

  /** Heartbeats every second until stopped (to stay online while a test waits). */
  keepAlive(): () => void {
    const t = setInterval(() => {
      if (this.open) this.heartbeat();
    }, DOC.heartbeatMs);
    return () => clearInterval(t);
  }

  messages(type?: string): Msg[] {
    return this.received.map((r) => r.msg).filter((m) => !type || m.type === type);
  }

  errors(code?: string): Msg[] {
    return this.messages('console/error').filter((m) => !code || m.code === code);
  }

  ackedIds(): string[] {
    return this.messages('event/ack').flatMap((m) => m.ids as string[]);
  }

  /** The first message (from `from` on) that `pick` accepts. */
  async waitFor(pick: (m: Msg) => boolean, timeoutMs = 10_000, from = 0): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find((r) => pick(r.msg));
      if (hit) return hit.msg;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out; received: ${JSON.stringify(this.messages().map((m) => (m.type === 'console/error' ? `${m.type}:${m.code}` : m.type)))}`,
        );
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Until every id is acknowledged. */
  async waitForAcks(ids: readonly string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const acked = new Set(this.ackedIds());
      if (ids.every((id) => acked.has(id))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    const acked = new Set(this.ackedIds());
    throw new Error(`not acknowledged: ${ids.filter((id) => !acked.has(id)).length} of ${ids.length}`);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** A seat event, shaped from the document's examples. */
export function focusLost(id: string = randomUUID(), at = new Date().toISOString()): Record<string, unknown> {
  return { id, at, type: 'event/focus-lost' };
}

export function findingRaised(
  finding: Record<string, unknown>,
  id: string = randomUUID(),
): Record<string, unknown> {
  return { id, at: new Date().toISOString(), type: 'event/finding-raised', finding };
}

export const EMPTY_STATUS = { findings: [], checks: [], extension: { linked: true, reportAgeSeconds: 1 } };

export function statusWith(
  findings: unknown[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...EMPTY_STATUS, findings, ...extra };
}
