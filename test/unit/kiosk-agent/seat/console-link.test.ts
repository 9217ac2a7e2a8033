/**
 * The reference seat client (kiosk-agent/seat/console-link.ts) keeps the client's side of
 * docs/protocol.md: batches within the frame limit by size as well as count, stand-ins for events too
 * large to send, a read timeout that reconnects when the link is silent, the close-code table's waits,
 * partial acks, resends. The console is played by a scripted WebSocket server on a real socket, because
 * a real console never goes silent or closes with 1009 on purpose (test/e2e/protocol/ drives the real one).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type ConsoleLink,
  createConsoleLink,
  DEFAULT_BATCH_LIMITS,
  planBatch,
} from '../../../../kiosk-agent/seat/console-link.ts';
import type { SeatEvent } from '../../../../shared/schemas/events.ts';
import {
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_FRAME_BYTES,
  SEAT_PROTOCOL_VERSION,
  SeatToConsoleSchema,
} from '../../../../shared/schemas/protocol.ts';
import { MemoryOutbox, statusOf } from '../../../helpers/console-seat.ts';

function focusLost(extra: Record<string, unknown> = {}): SeatEvent {
  return { id: randomUUID(), at: new Date().toISOString(), type: 'event/focus-lost', ...extra } as SeatEvent;
}

describe('batches by count and by size', () => {
  test('at most 200 events, and the whole frame within the limit', () => {
    const many = Array.from({ length: 250 }, () => focusLost());
    const byCount = planBatch(many, DEFAULT_BATCH_LIMITS);
    expect(byCount?.ids).toHaveLength(200);
    // Ten events of 60 KB: eight fit in 512 KiB, so the batch stops there and the ninth waits.
    const heavy = Array.from({ length: 10 }, () => focusLost({ padding: 'p'.repeat(60_000) }));
    const bySize = planBatch(heavy, DEFAULT_BATCH_LIMITS);
    expect(bySize?.ids).toEqual(heavy.slice(0, 8).map((e) => e.id));
    expect(Buffer.byteLength(bySize?.text ?? '')).toBeLessThanOrEqual(MAX_SEAT_FRAME_BYTES);
    expect(JSON.parse(bySize?.text ?? '')).toEqual(JSON.parse(JSON.stringify(bySize?.message)));
    expect(SeatToConsoleSchema.safeParse(JSON.parse(bySize?.text ?? '')).success).toBe(true);
  });

  test('six events of 609 KB in all, which one frame cannot hold, go in two frames', () => {
    const six = Array.from({ length: 6 }, () => focusLost({ padding: 'q'.repeat(101_000) }));
    // Each is over 64 KiB, so each travels as its stand-in: all six fit in one small frame.
    const batch = planBatch(six, DEFAULT_BATCH_LIMITS);
    expect(batch?.ids).toEqual(six.map((e) => e.id));
    expect(Buffer.byteLength(batch?.text ?? '')).toBeLessThan(64 * 1024);
    const nearLimit = Array.from({ length: 6 }, () => focusLost({ padding: 'r'.repeat(64_000) }));
    const first = planBatch(nearLimit, DEFAULT_BATCH_LIMITS);
    const second = planBatch(nearLimit.slice(first?.ids.length), DEFAULT_BATCH_LIMITS);
    expect((first?.ids.length ?? 0) + (second?.ids.length ?? 0)).toBe(6);
    expect(Buffer.byteLength(first?.text ?? '')).toBeLessThanOrEqual(MAX_SEAT_FRAME_BYTES);
  });

  test('an event too large to send becomes an event/oversized stand-in with its id, time, type, size and first 4,096 characters', () => {
    const huge = {
      id: randomUUID(),
      at: new Date().toISOString(),
      type: 'event/finding-raised',
      finding: {
        code: 'other-browser',
        severity: 'warn',
        message: 'x',
        details: { cmdline: 'z'.repeat(1000) },
      },
      padding: 'é'.repeat(300_000),
    } as unknown as SeatEvent;
    const batch = planBatch([huge], DEFAULT_BATCH_LIMITS);
    const standIn = batch?.message.events[0] as Extract<SeatEvent, { type: 'event/oversized' }>;
    expect(standIn).toMatchObject({
      id: huge.id,
      at: huge.at,
      type: 'event/oversized',
      originalType: 'event/finding-raised',
    });
    expect(standIn.bytes).toBe(Buffer.byteLength(JSON.stringify(huge)));
    expect(standIn.bytes).toBeGreaterThan(MAX_SEAT_EVENT_BYTES);
    expect(standIn.excerpt).toBe(JSON.stringify(huge).slice(0, 4096));
    expect(SeatToConsoleSchema.safeParse(batch?.message).success).toBe(true);
  });
});

// ---- against a scripted console on a real socket ----

interface Conn {
  ws: WebSocket;
  at: number;
  frames: Record<string, unknown>[];
}

class ScriptedConsole {
  readonly wss: WebSocketServer;
  readonly connections: Conn[] = [];
  refuseWith: number | null = null;
  onFrame: (conn: Conn, msg: Record<string, unknown>) => void = () => undefined;
  welcome: Record<string, unknown> = {};

  constructor() {
    this.wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      verifyClient: (_info, done) => (this.refuseWith ? done(false, this.refuseWith) : done(true)),
    });
    this.wss.on('connection', (ws) => {
      const conn: Conn = { ws, at: Date.now(), frames: [] };
      this.connections.push(conn);
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Record<string, unknown>;
        conn.frames.push(msg);
        if (msg.type === 'seat/hello') {
          ws.send(
            JSON.stringify({
              type: 'console/welcome',
              protocol: SEAT_PROTOCOL_VERSION,
              seatId: 'seat-1',
              serverTime: new Date().toISOString(),
              heartbeatMs: 1000,
              ...this.welcome,
            }),
          );
        }
        this.onFrame(conn, msg);
      });
    });
  }

  readonly listening = new Promise<void>((r) => setImmediate(r)).then(
    () => new Promise<void>((r) => (this.wss.address() ? r() : this.wss.once('listening', () => r()))),
  );

  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  close(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }
}

const opened: { console: ScriptedConsole; link: ConsoleLink }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.link.stop();
    o.console.close();
  }
});

async function start(
  console: ScriptedConsole,
  outbox = new MemoryOutbox(),
  options: Partial<Parameters<typeof createConsoleLink>[0]> = {},
): Promise<{ link: ConsoleLink; outbox: MemoryOutbox }> {
  await console.listening;
  const link = createConsoleLink({
    url: console.url,
    seatId: 'seat-1',
    credential: 'c'.repeat(43),
    pcName: 'PC-1',
    agentVersion: 'test',
    backoff: { initialMs: 50, maxMs: 200 },
    ...options,
  });
  // The agent's own status carries its readiness; the link must leave it at home.
  const agentStatus = { ...statusOf([]), state: 'ready' as const };
  link.start({
    outbox,
    currentStatus: () => agentStatus,
    onInstruction: async () => undefined,
    log: { info() {}, warn() {}, error() {} },
  });
  opened.push({ console, link });
  return { link, outbox };
}

async function until<T>(pick: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the link', () => {
  test('seq counts from 1 on every connection, and the status carries no readiness of its own', async () => {
    const c = new ScriptedConsole();
    await start(c);
    const first = await until(() => c.connections[0]?.frames.find((f) => f.type === 'seat/status'));
    expect(first.seq).toBe(1);
    expect(first.status).not.toHaveProperty('state');
    c.connections[0]?.ws.close(1001);
    const again = await until(() => c.connections[1]?.frames.find((f) => f.type === 'seat/status'));
    expect(again.seq).toBe(1);
  });

  test('a link silent past the read timeout is cut and the link reconnects; pings keep a quiet one', async () => {
    const c = new ScriptedConsole();
    c.welcome = { pingMs: 100, readTimeoutMs: 400 };
    await start(c);
    await until(() => c.connections.length >= 2, 3000);
    const gap = (c.connections[1]?.at ?? 0) - (c.connections[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(400);
    // Now ping the new connection every 100 ms: it stays.
    const conn = c.connections[1];
    const pinger = setInterval(() => conn?.ws.ping(), 100);
    await new Promise((r) => setTimeout(r, 1200));
    clearInterval(pinger);
    expect(c.connections).toHaveLength(2);
  });

  test('a console that does not say how often it pings is not timed by its silence', async () => {
    const c = new ScriptedConsole();
    await start(c);
    await until(() => c.connections[0]?.frames.some((f) => f.type === 'seat/status'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.connections).toHaveLength(1);
  });

  test('after 4000 it waits the displaced wait; after 4406 the protocol wait; after 4001 and 401 the refused wait; after 403 the pending wait', async () => {
    for (const [how, wait] of [
      ['4000', 'displacedMs'],
      ['4406', 'protocolMs'],
      ['4001', 'refusedMs'],
      ['401', 'refusedMs'],
      ['403', 'pendingMs'],
    ] as const) {
      const c = new ScriptedConsole();
      const waits = {
        displacedMs: 50,
        protocolMs: 50,
        refusedMs: 50,
        pendingMs: 50,
        tooManyMs: 50,
        [wait]: 900,
      };
      await start(c, new MemoryOutbox(), { waits });
      await until(() => c.connections[0]?.frames.some((f) => f.type === 'seat/hello'));
      const cut = Date.now();
      if (how === '401' || how === '403') {
        c.refuseWith = Number(how);
        c.connections[0]?.ws.close(1001);
        await new Promise((r) => setTimeout(r, 150)); // the refused attempt
        c.refuseWith = null;
      } else {
        c.connections[0]?.ws.close(Number(how));
      }
      await until(() => c.connections.length >= 2, 3000);
      const after = (c.connections[1]?.at ?? 0) - cut;
      expect(after, how).toBeGreaterThanOrEqual(850);
    }
  }, 15_000);

  test('after 1009 its batches are half the size', async () => {
    const c = new ScriptedConsole();
    const outbox = new MemoryOutbox();
    outbox.add(...Array.from({ length: 20 }, () => focusLost({ padding: 'p'.repeat(50_000) })));
    const sizes: number[] = [];
    c.onFrame = (conn, msg) => {
      if (msg.type !== 'seat/events') return;
      sizes.push(Buffer.byteLength(JSON.stringify(msg)));
      if (sizes.length === 1) conn.ws.close(1009);
    };
    await start(c, outbox);
    await until(() => sizes.length >= 2, 3000);
    expect(sizes[0]).toBeGreaterThan(MAX_SEAT_FRAME_BYTES / 2);
    expect(sizes[1]).toBeLessThanOrEqual(MAX_SEAT_FRAME_BYTES / 2);
  });

  test('acks may come in parts and in any order; unknown ids are ignored; every batch has its own id', async () => {
    const c = new ScriptedConsole();
    const outbox = new MemoryOutbox();
    const events = Array.from({ length: 10 }, () => focusLost());
    outbox.add(...events);
    const batches: string[] = [];
    c.onFrame = (conn, msg) => {
      if (msg.type !== 'seat/events') return;
      batches.push(String(msg.batchId));
      const ids = (msg.events as SeatEvent[]).map((e) => e.id).reverse();
      conn.ws.send(JSON.stringify({ type: 'event/ack', ids: ['never-sent-id'], batchId: msg.batchId }));
      conn.ws.send(JSON.stringify({ type: 'event/ack', ids: ids.slice(0, 3), batchId: msg.batchId }));
      setTimeout(
        () => conn.ws.send(JSON.stringify({ type: 'event/ack', ids: ids.slice(3), batchId: msg.batchId })),
        50,
      );
    };
    await start(c, outbox);
    await until(() => outbox.events.length === 0);
    expect(outbox.acknowledged.filter((id) => id !== 'never-sent-id').sort()).toEqual(
      events.map((e) => e.id).sort(),
    );
    outbox.add(focusLost());
    await until(() => outbox.events.length === 0);
    expect(new Set(batches).size).toBe(batches.length);
  });

  test('events unacknowledged for the ack timeout are sent again, as a new batch', async () => {
    const c = new ScriptedConsole();
    const outbox = new MemoryOutbox();
    const e = focusLost();
    outbox.add(e);
    const seen: Record<string, unknown>[] = [];
    c.onFrame = (conn, msg) => {
      if (msg.type !== 'seat/events') return;
      seen.push(msg);
      if (seen.length === 2) conn.ws.send(JSON.stringify({ type: 'event/ack', ids: [e.id] }));
    };
    await start(c, outbox, { ackTimeoutMs: 300 });
    await until(() => outbox.events.length === 0, 3000);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.batchId).not.toBe(seen[1]?.batchId);
    expect(c.connections).toHaveLength(1);
  });
});
