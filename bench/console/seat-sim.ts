/**
 * Simulated seats for the console benchmarks, speaking docs/protocol.md over real sockets: one WebSocket
 * per seat (never several seats on one socket), driven by a few worker processes so that the simulator
 * stays cheap. Each seat says hello, sends its status at once and on every change, a heartbeat every
 * second (one shared 100 ms tick per worker, a tenth of its seats each tick), events in batches that it
 * keeps until the console acknowledges them (and sends again after a reconnect), and acknowledges the
 * instructions it gets. A worker is the running benchmark's own bundle started as `seats FILE`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Finding } from '../../shared/schemas/common.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import { SEAT_PROTOCOL_VERSION } from '../../shared/schemas/protocol.ts';
import { MARK, type SeatCredentials, sentAt } from './client.ts';

/** A seat and the console (its index in `urls`) it connects to. */
export interface SeatAssignment extends SeatCredentials {
  console: number;
}

export interface WorkerInput {
  urls: string[];
  seats: SeatAssignment[];
  /** New connections a second from this worker (the agents of a room do not all start in one instant). */
  connectPerSecond: number;
}

export type Mix = 'focus' | 'sitting';

export type ToWorker =
  | {
      type: 'go';
      /** Marked status changes a second across this worker's seats (each timed to the dashboards). */
      changesPerSecond: number;
      seconds: number;
      /** Events each seat produces during the phase, at random moments. */
      eventsPerSeat: number;
      /** `focus`: focus-lost only. `sitting`: what a sitting produces (see SITTING_EVENTS). */
      mix: Mix;
      /** The events' `at` spread over this many seconds ending now (compressed time); default `seconds`. */
      simulatedSeconds?: number;
    }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'connected'; seconds: number; seats: number }
  | {
      type: 'done';
      /** `seatId|subject` of every marked status change sent. */
      sent: string[];
      heartbeats: number;
      eventsSent: number;
      /** Events still not acknowledged 15 s after the phase. */
      eventsLeft: number;
      reconnects: number;
      consoleErrors: number;
      loopDelayP99Ms: number;
    };

/**
 * An hour of a sitting at one seat, as the reference agent and extension produce it: window focus lost and
 * back, tabs opened and blocked navigations (the allowlist at work), findings raised and cleared (another
 * browser started and quit: each also a status change), and the extension's policy once.
 */
export const SITTING_EVENTS: readonly { type: SeatEvent['type']; perHour: number }[] = [
  { type: 'event/focus-lost', perHour: 4 },
  { type: 'event/focus-returned', perHour: 4 },
  { type: 'event/tab-opened', perHour: 3 },
  { type: 'event/blocked-navigation', perHour: 3 },
  { type: 'event/finding-raised', perHour: 3 },
  { type: 'event/finding-cleared', perHour: 3 },
  { type: 'event/window-opened', perHour: 1 },
  { type: 'event/policy-applied', perHour: 1 },
];
export const SITTING_EVENTS_PER_HOUR = SITTING_EVENTS.reduce((n, e) => n + e.perHour, 0);

function sittingEvent(i: number, at: string): SeatEvent {
  const id = randomUUID();
  // The i-th event of a seat's hour, in the proportions of SITTING_EVENTS.
  let k = i % SITTING_EVENTS_PER_HOUR;
  let type: SeatEvent['type'] = 'event/focus-lost';
  for (const e of SITTING_EVENTS) {
    if (k < e.perHour) {
      type = e.type;
      break;
    }
    k -= e.perHour;
  }
  switch (type) {
    case 'event/focus-returned':
      return { id, at, type, awayMs: 1000 + Math.floor(Math.random() * 20_000) };
    case 'event/tab-opened':
      return { id, at, type, url: 'https://awarding.theimi.org.uk/assessment/questions/12' };
    case 'event/blocked-navigation':
      return {
        id,
        at,
        type,
        url: 'https://www.google.com/search?q=ohms+law',
        reason: 'not-allowed',
        frame: 'main',
      };
    case 'event/finding-raised':
      return {
        id,
        at,
        type,
        finding: {
          code: 'other-browser',
          severity: 'warn',
          message: 'Another browser is running',
          subject: 'firefox',
        },
      };
    case 'event/finding-cleared':
      return { id, at, type, code: 'other-browser', subject: 'firefox' };
    case 'event/window-opened':
      return { id, at, type, windowType: 'popup' };
    case 'event/policy-applied':
      return { id, at, type, source: 'managed', allowedHosts: ['awarding.theimi.org.uk'] };
    default:
      return { id, at, type: 'event/focus-lost' };
  }
}

// ---------------------------------------------------------------- one seat

class Seat {
  ws: WebSocket | null = null;
  welcomed = false;
  seq = 0;
  findings: Finding[] = [];
  readonly outbox = new Map<string, SeatEvent>();
  inFlight = false;
  stopping = false;
  reconnects = 0;
  errors = 0;
  constructor(
    readonly creds: SeatAssignment,
    readonly url: string,
  ) {}

  connect(): void {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/seat`, {
      headers: { authorization: `Bearer ${this.creds.credential}`, 'x-invigil-seat': this.creds.seatId },
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.welcomed = false;
    this.inFlight = false;
    this.seq = 0;
    ws.on('open', () =>
      this.send({
        type: 'seat/hello',
        protocol: SEAT_PROTOCOL_VERSION,
        agentVersion: 'bench',
        pcName: this.creds.pcName,
        os: 'bench',
      }),
    );
    ws.on('message', (data) => this.receive(data.toString()));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.welcomed = false;
      if (this.stopping) return;
      this.reconnects++;
      setTimeout(() => this.connect(), 1000 + Math.random() * 1000);
    });
  }

  private receive(text: string): void {
    const m = JSON.parse(text) as { type: string; ids?: string[]; instructionId?: string };
    switch (m.type) {
      case 'console/welcome':
        this.welcomed = true;
        this.sendStatus();
        this.flush();
        return;
      case 'event/ack':
        for (const id of m.ids ?? []) this.outbox.delete(id);
        this.inFlight = false;
        this.flush();
        return;
      case 'instruction/gate':
      case 'instruction/show-message':
        this.send({ type: 'instruction/ack', instructionId: m.instructionId });
        return;
      case 'console/error':
        this.errors++;
        return;
      default:
        return;
    }
  }

  send(m: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  sendStatus(): void {
    if (!this.welcomed) return;
    this.send({
      type: 'seat/status',
      seq: ++this.seq,
      at: new Date().toISOString(),
      status: { findings: this.findings, checks: [], extension: { linked: true, reportAgeSeconds: 1 } },
    });
  }

  heartbeat(at: string): boolean {
    if (!this.welcomed) return false;
    this.send({ type: 'seat/heartbeat', seq: ++this.seq, at });
    return true;
  }

  add(e: SeatEvent): void {
    this.outbox.set(e.id, e);
    this.flush();
  }

  /** One batch in flight at a time, as the reference client. */
  flush(): void {
    if (!this.welcomed || this.inFlight || this.outbox.size === 0) return;
    this.inFlight = true;
    this.send({
      type: 'seat/events',
      batchId: randomUUID(),
      events: [...this.outbox.values()].slice(0, 200),
    });
  }

  stop(): void {
    this.stopping = true;
    this.ws?.close();
  }
}

// ---------------------------------------------------------------- the worker (child process)

export async function runSeatWorker(file: string): Promise<void> {
  // The benchmark gone (it failed or was stopped): so are its seats.
  process.once('disconnect', () => process.exit(0));
  const input = JSON.parse(readFileSync(file, 'utf8')) as WorkerInput;
  const seats = input.seats.map((c) => new Seat(c, input.urls[c.console] ?? ''));
  const started = performance.now();
  let heartbeats = 0;
  let tick = 0;
  const ticker = setInterval(() => {
    const at = new Date().toISOString();
    const slice = tick++ % 10;
    for (let i = slice; i < seats.length; i += 10) if (seats[i]?.heartbeat(at)) heartbeats++;
  }, 100);
  // Connect at the given rate.
  for (let i = 0; i < seats.length; i++) {
    seats[i]?.connect();
    if ((i + 1) % Math.max(1, Math.round(input.connectPerSecond / 20)) === 0)
      await new Promise((r) => setTimeout(r, 50));
  }
  while (seats.some((s) => !s.welcomed)) await new Promise((r) => setTimeout(r, 50));
  process.send?.({ type: 'connected', seconds: (performance.now() - started) / 1000, seats: seats.length });
  for (;;) {
    const m = await new Promise<ToWorker>((r) => process.once('message', (x) => r(x as ToWorker)));
    if (m.type !== 'go') break;
    heartbeats = 0;
    const result = await phase(seats, m);
    process.send?.({ ...result, heartbeats });
  }
  clearInterval(ticker);
  for (const s of seats) s.stop();
  await new Promise((r) => setTimeout(r, 200));
  process.exit(0);
}

async function phase(seats: Seat[], go: Extract<ToWorker, { type: 'go' }>): Promise<FromWorker> {
  const sent: string[] = [];
  let eventsSent = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const tickMs = 100;
  const simulated = (go.simulatedSeconds ?? go.seconds) * 1000;
  // Each seat's events at random moments of the phase, in time order.
  const schedule: { at: number; seat: number; i: number }[] = [];
  seats.forEach((_, s) => {
    for (let i = 0; i < go.eventsPerSeat; i++)
      schedule.push({ at: Math.random() * go.seconds * 1000, seat: s, i });
  });
  schedule.sort((a, b) => a.at - b.at);
  let made = 0;
  let next = 0;
  let due = 0;
  const t0 = Date.now();
  const simStart = t0 - simulated;
  const sendDue = (elapsed: number) => {
    for (; due < schedule.length && (schedule[due]?.at ?? Number.POSITIVE_INFINITY) <= elapsed; due++) {
      const e = schedule[due];
      const seat = e ? seats[e.seat] : undefined;
      if (!e || !seat) continue;
      const at = new Date(simStart + (e.at / (go.seconds * 1000)) * simulated).toISOString();
      seat.add(
        go.mix === 'sitting' ? sittingEvent(e.i, at) : { id: randomUUID(), at, type: 'event/focus-lost' },
      );
      eventsSent++;
    }
  };
  while (Date.now() - t0 < go.seconds * 1000) {
    // As many changes as the rate asks for by now (timers run late on a busy machine: catch up).
    const target = Math.min(
      Math.round(go.changesPerSecond * go.seconds),
      Math.floor((go.changesPerSecond * (Date.now() - t0 + tickMs)) / 1000),
    );
    for (; made < target; made++) {
      const seat = seats[next++ % seats.length];
      if (!seat) continue;
      const subject = `${MARK}${Date.now()}:${randomUUID().slice(0, 8)}`;
      seat.findings = [
        { code: 'other-browser', severity: 'warn', message: 'Another browser is running', subject },
      ];
      seat.sendStatus();
      if (seat.welcomed) sent.push(`${seat.creds.seatId}|${subject}`);
    }
    sendDue(Date.now() - t0);
    await new Promise((r) => setTimeout(r, tickMs));
  }
  sendDue(Number.POSITIVE_INFINITY);
  // An event counts as delivered only once the console acknowledged it.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && seats.some((s) => s.outbox.size > 0))
    await new Promise((r) => setTimeout(r, 50));
  loop.disable();
  return {
    type: 'done',
    sent,
    heartbeats: 0,
    eventsSent,
    eventsLeft: seats.reduce((n, s) => n + s.outbox.size, 0),
    reconnects: seats.reduce((n, s) => n + s.reconnects, 0),
    consoleErrors: seats.reduce((n, s) => n + s.errors, 0),
    loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
  };
}

// ---------------------------------------------------------------- the parent's handle on a worker

export interface SeatWorker {
  child: ChildProcess;
  next(): Promise<FromWorker>;
  send(m: ToWorker): void;
  exited: Promise<void>;
}

/** A worker process running these seats: `self` is the running benchmark's own file (it must dispatch `seats FILE`). */
export function startSeatWorker(self: string, input: WorkerInput, dir: string, index: number): SeatWorker {
  const file = join(dir, `seats-${index}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(input));
  const child = spawn(process.execPath, [self, 'seats', file], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: FromWorker[] = [];
  const waiters: ((m: FromWorker) => void)[] = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m as FromWorker);
    else queue.push(m as FromWorker);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    exited,
    next: () => {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      return new Promise((r, j) => {
        waiters.push(r);
        void exited.then(() => j(new Error(`seat worker ${index} exited`)));
      });
    },
    send: (m) => {
      if (child.connected) child.send(m);
    },
  };
}

/** Splits seats over `workers` worker processes (round-robin, so each worker has seats on every console). */
export function splitSeats(seats: readonly SeatAssignment[], workers: number): SeatAssignment[][] {
  const out: SeatAssignment[][] = Array.from({ length: workers }, () => []);
  seats.forEach((s, i) => {
    out[i % workers]?.push(s);
  });
  return out;
}

/** Latencies of the marked status changes to the dashboard on the other console (own console when one). */
export function timings(
  done: readonly FromWorker[],
  consoleOf: ReadonlyMap<string, number>,
  received: readonly ReadonlyMap<string, number>[],
): {
  other: number[];
  own: number[];
  sent: number;
  notSeenOther: number;
  notSeenOwn: number;
  /** Changes not seen on the other console, by the console the changing seat was on. */
  notSeenOtherFrom: number[];
} {
  const k = received.length;
  const other: number[] = [];
  const own: number[] = [];
  let sent = 0;
  let notSeenOther = 0;
  let notSeenOwn = 0;
  const notSeenOtherFrom = received.map(() => 0);
  for (const d of done) {
    if (d.type !== 'done') continue;
    for (const key of d.sent) {
      sent++;
      const [seatId = '', subject = ''] = key.split('|');
      const at = sentAt(subject);
      const c = consoleOf.get(seatId) ?? 0;
      const seenOwn = received[c]?.get(key);
      const seenOther = received[(c + 1) % k]?.get(key);
      if (seenOwn === undefined) notSeenOwn++;
      else own.push(seenOwn - at);
      if (seenOther === undefined) {
        notSeenOther++;
        notSeenOtherFrom[c] = (notSeenOtherFrom[c] ?? 0) + 1;
      } else other.push(seenOther - at);
    }
  }
  return { other, own, sent, notSeenOther, notSeenOwn, notSeenOtherFrom };
}
