/**
 * What the console benchmarks share: seats seeded straight into the console's SQLite file, generator
 * processes that run simulated seats (the agent's own console link) and change their statuses at a
 * set rate, a real dashboard live connection timing each change's arrival, and /proc readings of the
 * console process. A generator is the benchmark's own bundle run with `generator FILE URL`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { newToken, sha256 } from '../../invigilator/server/auth.ts';
import { openStore, sqliteFileIn } from '../../invigilator/server/store/database-store.ts';
import type { Finding } from '../../shared/schemas/common.ts';
import type { LiveToDashboard } from '../../shared/schemas/console-api.ts';
import type { ConsoleClient } from '../../test/helpers/console-client.ts';
import {
  event,
  type SeatCredentials,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../test/helpers/console-seat.ts';

export const MARK = 'bench:';
export type FromGenerator =
  | { type: 'connected'; seconds: number; seats: number }
  | { type: 'done'; sent: string[]; eventsSent: number; eventsLeft: number; loopDelayP99Ms: number };
export type ToGenerator =
  | { type: 'go'; changesPerSecond: number; seconds: number; events?: boolean }
  | { type: 'stop' };

// ---------------------------------------------------------------- generator (child process)

/** Runs in the child: connects every seat, then runs each `go` phase until told to stop. */
export async function runGenerator(file: string, url: string): Promise<void> {
  const creds = JSON.parse(readFileSync(file, 'utf8')) as SeatCredentials[];
  const started = performance.now();
  const seats: SimulatedSeat[] = creds.map((c) => startSimulatedSeat(url, c));
  while (seats.some((s) => !s.link.connected)) await new Promise((r) => setTimeout(r, 10));
  send({ type: 'connected', seconds: (performance.now() - started) / 1000, seats: seats.length });
  for (;;) {
    const go = await new Promise<ToGenerator>((r) => process.once('message', (m) => r(m as ToGenerator)));
    if (go.type !== 'go') break;
    await phase(seats, go);
  }
  await Promise.all(seats.map((s) => s.stop()));
  process.exit(0);
}

async function phase(seats: SimulatedSeat[], go: Extract<ToGenerator, { type: 'go' }>): Promise<void> {
  const sent: string[] = [];
  let eventsSent = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const tickMs = 100;
  const perTick = (go.changesPerSecond * tickMs) / 1000;
  let carry = 0;
  let next = 0;
  const eventAt = seats.map(() =>
    go.events === false ? Number.POSITIVE_INFINITY : Math.random() * go.seconds * 1000,
  );
  const t0 = Date.now();
  while (Date.now() - t0 < go.seconds * 1000) {
    carry += perTick;
    for (; carry >= 1; carry--) {
      const seat = seats[next++ % seats.length];
      if (!seat) continue;
      const subject = `${MARK}${Date.now()}:${randomUUID().slice(0, 8)}`;
      const finding: Finding = {
        code: 'other-browser',
        severity: 'warn',
        message: 'Another browser is running',
        subject,
      };
      seat.setFindings([finding]);
      sent.push(`${seat.seatId}|${subject}`);
    }
    const elapsed = Date.now() - t0;
    seats.forEach((s, i) => {
      if ((eventAt[i] ?? Number.POSITIVE_INFINITY) <= elapsed) {
        eventAt[i] = Number.POSITIVE_INFINITY;
        s.outbox.add(event('event/focus-lost'));
        eventsSent++;
      }
    });
    await new Promise((r) => setTimeout(r, tickMs));
  }
  // Let the outboxes drain: an event counts as delivered only when the console acknowledged it.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && seats.some((s) => s.outbox.events.length > 0))
    await new Promise((r) => setTimeout(r, 50));
  const eventsLeft = seats.reduce((n, s) => n + s.outbox.events.length, 0);
  loop.disable();
  send({ type: 'done', sent, eventsSent, eventsLeft, loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6) });
}

function send(m: FromGenerator): void {
  process.send?.(m);
}

// ---------------------------------------------------------------- the parent

export function openFilesLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return line?.split(/\s+/).slice(3, 5).join('/') ?? 'unknown';
}

export function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
  return { cpuTicks, rssMb: Number(rss ?? 0) / 1024 };
}

/** Seeds N enrolled seats straight into the console's database (one transaction). */
export async function seed(
  dataDir: string,
  n: number,
  prefix = 'PC-',
  database?: string,
): Promise<SeatCredentials[]> {
  const creds: SeatCredentials[] = [];
  for (let i = 0; i < n; i++) {
    creds.push({
      seatId: randomUUID(),
      credential: newToken(32),
      pcName: `${prefix}${String(i + 1).padStart(5, '0')}`,
    });
  }
  await seedSeats(dataDir, creds, database);
  return creds;
}

/**
 * Writes these enrolled seats straight into the console's database (the SQLite file in `dataDir`, or the
 * PostgreSQL `database`) in one transaction, at its lead site.
 */
export async function seedSeats(
  dataDir: string,
  creds: readonly SeatCredentials[],
  database?: string,
): Promise<void> {
  const store = await openStore(database ? { postgres: database } : { sqlite: sqliteFileIn(dataDir) });
  try {
    const { centre } = await store.ensureCentre();
    const site = await store.repos.sites.leadSite(centre.id);
    const now = new Date().toISOString();
    await store.db.transaction(async (trx) => {
      for (let i = 0; i < creds.length; i += 500) {
        await trx
          .insertInto('seats')
          .values(
            creds.slice(i, i + 500).map((c) => ({
              id: c.seatId,
              centre_id: centre.id,
              site_id: site?.id ?? null,
              pc_name: c.pcName,
              place: '',
              credential_hash: sha256(c.credential),
              enrolled_at: now,
            })),
          )
          .execute();
      }
    });
  } finally {
    await store.close();
  }
}

export interface Generator {
  child: ChildProcess;
  next(): Promise<FromGenerator>;
  send(m: ToGenerator): void;
}

/** A child process running these seats: `self` is the running benchmark's own file. */
export function startGenerator(
  self: string,
  creds: SeatCredentials[],
  url: string,
  dir: string,
  index: number,
): Generator {
  const file = join(dir, `seats-${index}.json`);
  writeFileSync(file, JSON.stringify(creds));
  const child = spawn(process.execPath, [self, 'generator', file, url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: FromGenerator[] = [];
  const waiters: ((m: FromGenerator) => void)[] = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m as FromGenerator);
    else queue.push(m as FromGenerator);
  });
  return {
    child,
    next: () => {
      const m = queue.shift();
      return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
    },
    send: (m) => child.send(m),
  };
}

/** A real dashboard live connection; `received` maps each marked status change to when it arrived. */
export async function timedDashboard(
  url: string,
  admin: ConsoleClient,
): Promise<{ ws: WebSocket; received: Map<string, number> }> {
  const received = new Map<string, number>();
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/live`, {
    headers: { cookie: admin.cookie ?? '', origin: url },
  });
  ws.on('message', (data) => {
    const at = Date.now();
    const msg = JSON.parse(data.toString()) as LiveToDashboard;
    if (msg.type !== 'live/seats') return;
    for (const seat of msg.seats) {
      const subject = seat.reasons[0]?.subject;
      if (subject?.startsWith(MARK)) {
        const key = `${seat.id}|${subject}`;
        if (!received.has(key)) received.set(key, at);
      }
    }
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, received };
}

/** Latencies of the status changes in `done`, from when each was made to when the dashboard had it. */
export function latencies(
  done: readonly FromGenerator[],
  received: Map<string, number>,
): { latencies: number[]; sent: number; lost: number; eventsSent: number; eventsLeft: number } {
  const out: number[] = [];
  let sent = 0;
  let lost = 0;
  let eventsSent = 0;
  let eventsLeft = 0;
  for (const d of done) {
    if (d.type !== 'done') continue;
    eventsSent += d.eventsSent;
    eventsLeft += d.eventsLeft;
    for (const key of d.sent) {
      sent++;
      const at = received.get(key);
      const sentAt = Number(key.split('|')[1]?.slice(MARK.length).split(':')[0]);
      if (at === undefined) lost++;
      else out.push(at - sentAt);
    }
  }
  return { latencies: out, sent, lost, eventsSent, eventsLeft };
}
