/**
 * The console under load: simulated seats speaking the real seat protocol (the agent's own client,
 * kiosk-agent/seat/console-link.ts) to `invigil console` running as its own process, and a real
 * dashboard live connection measuring how long a seat's status change takes to reach it.
 *
 * For 100, 1,000 and 10,000 seats (one heartbeat a second each, a tenth of the seats changing status
 * every second, one event per seat): messages per second, p50/p99 status-change-to-dashboard latency,
 * the console's CPU and memory, connection time, and whether anything was lost. Then 2,000 seats
 * connecting at once. Seats are seeded straight into the console's SQLite file (enrolment is not
 * what is measured); everything else goes over real sockets.
 *
 *   npm run bench -- console        (SEATS=100,1000 STEADY_S=10 to shorten)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { newToken, sha256 } from '../../invigilator/server/auth.ts';
import { openSqliteStore } from '../../invigilator/server/store/sqlite-store.ts';
import type { Finding } from '../../shared/schemas/common.ts';
import type { LiveToDashboard } from '../../shared/schemas/console-api.ts';
import { setupFirstInvigilator } from '../../test/helpers/console-client.ts';
import { startConsoleProcess } from '../../test/helpers/console-process.ts';
import {
  event,
  type SeatCredentials,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../test/helpers/console-seat.ts';
import { percentile, type Row, report } from '../report.ts';

const MARK = 'bench:';
type FromGenerator =
  | { type: 'connected'; seconds: number; seats: number }
  | { type: 'done'; sent: string[]; eventsSent: number; eventsLeft: number; loopDelayP99Ms: number };
type ToGenerator = { type: 'go'; changesPerSecond: number; seconds: number } | { type: 'stop' };

// ---------------------------------------------------------------- generator (child process)

async function runGenerator(file: string, url: string): Promise<void> {
  const creds = JSON.parse(readFileSync(file, 'utf8')) as SeatCredentials[];
  const started = performance.now();
  const seats: SimulatedSeat[] = creds.map((c) => startSimulatedSeat(url, c));
  while (seats.some((s) => !s.link.connected)) await new Promise((r) => setTimeout(r, 10));
  send({ type: 'connected', seconds: (performance.now() - started) / 1000, seats: seats.length });
  const go = await new Promise<ToGenerator>((r) => process.once('message', (m) => r(m as ToGenerator)));
  if (go.type !== 'go') {
    await Promise.all(seats.map((s) => s.stop()));
    process.exit(0);
  }
  const sent: string[] = [];
  let eventsSent = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const tickMs = 100;
  const perTick = (go.changesPerSecond * tickMs) / 1000;
  let carry = 0;
  let next = 0;
  const eventAt = seats.map(() => Math.random() * go.seconds * 1000);
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
  send({ type: 'done', sent, eventsSent, eventsLeft, loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6) });
  await new Promise<void>((r) => process.once('message', () => r()));
  await Promise.all(seats.map((s) => s.stop()));
  process.exit(0);
}

function send(m: FromGenerator): void {
  process.send?.(m);
}

// ---------------------------------------------------------------- the benchmark (parent)

function openFilesLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return line?.split(/\s+/).slice(3, 5).join('/') ?? 'unknown';
}

function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
  return { cpuTicks, rssMb: Number(rss ?? 0) / 1024 };
}

/** Seeds N enrolled seats straight into the console's database (one transaction). */
async function seed(dataDir: string, n: number): Promise<SeatCredentials[]> {
  const store = openSqliteStore(dataDir);
  const { centre } = await store.ensureCentre();
  const creds: SeatCredentials[] = [];
  const insert = store.db.prepare(
    'INSERT INTO seats (id, centre_id, pc_name, place, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const c = {
        seatId: randomUUID(),
        credential: newToken(32),
        pcName: `PC-${String(i + 1).padStart(5, '0')}`,
      };
      insert.run(c.seatId, centre.id, c.pcName, '', sha256(c.credential), now);
      creds.push(c);
    }
  })();
  await store.close();
  return creds;
}

interface Generator {
  child: ChildProcess;
  next(): Promise<FromGenerator>;
  send(m: ToGenerator): void;
}

function startGenerator(creds: SeatCredentials[], url: string, dir: string, index: number): Generator {
  const file = join(dir, `seats-${index}.json`);
  writeFileSync(file, JSON.stringify(creds));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'generator', file, url], {
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

async function scenario(n: number, steadySeconds: number, measure: boolean): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invigil-bench-'));
  const creds = await seed(dataDir, n);
  const consoleProc = await startConsoleProcess({
    dataDir,
    env: { INVIGIL_LOG_LEVEL: 'warn' },
    // For profiling: CONSOLE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
    nodeArgs: (process.env.CONSOLE_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  try {
    const admin = await setupFirstInvigilator(consoleProc.url, consoleProc.setupUrl ?? '');
    // A real dashboard live connection, timing what reaches it.
    const received = new Map<string, number>();
    const ws = new WebSocket(`${consoleProc.url.replace('http', 'ws')}/api/live`, {
      headers: { cookie: admin.cookie ?? '', origin: consoleProc.url },
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

    const perGenerator = n > 2500 ? Math.ceil(n / 2) : n;
    const groups: SeatCredentials[][] = [];
    for (let i = 0; i < n; i += perGenerator) groups.push(creds.slice(i, i + perGenerator));
    const gens = groups.map((g, i) => startGenerator(g, consoleProc.url, dataDir, i));
    const connected = await Promise.all(gens.map((g) => g.next()));
    const connectSeconds = Math.max(
      ...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)),
    );
    const row: Row = {
      seats: n,
      generators: gens.length,
      connectAllSeconds: Number(connectSeconds.toFixed(2)),
      // The machine is shared: the 1-minute load average says how much else was running.
      loadAvg1m: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    };
    if (!measure) {
      for (const g of gens) g.send({ type: 'stop' });
      await Promise.all(gens.map((g) => new Promise((r) => g.child.once('exit', r))));
      ws.close();
      return row;
    }

    await new Promise((r) => setTimeout(r, 2000)); // settle after the connect storm
    const changesPerSecond = Math.max(20, n / 10);
    await admin.post('/api/health/reset');
    const health0 = (await admin.get<{ seatMessages: number }>('/api/health')).body;
    const cpu0 = procStat(consoleProc.pid);
    const t0 = Date.now();
    let rssMax = cpu0.rssMb;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, procStat(consoleProc.pid).rssMb);
    }, 500);
    for (const g of gens)
      g.send({ type: 'go', changesPerSecond: changesPerSecond / gens.length, seconds: steadySeconds });
    const done = await Promise.all(gens.map((g) => g.next()));
    const cpu1 = procStat(consoleProc.pid);
    const health1 = (
      await admin.get<{ seatMessages: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number }>(
        '/api/health',
      )
    ).body;
    const elapsed = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 500)); // last pushes in flight

    const latencies: number[] = [];
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
        else latencies.push(at - sentAt);
      }
    }
    for (const g of gens) g.send({ type: 'stop' });
    await Promise.all(gens.map((g) => new Promise((r) => g.child.once('exit', r))));
    ws.close();
    await consoleProc.stop();
    const store = openSqliteStore(dataDir);
    const eventsStored = await store.countSeatEvents();
    // Seats wrongly shown Offline (no message for more than 3 s) while the seats were running steadily.
    const steadyEnd = new Date(t0 + elapsed * 1000).toISOString();
    const offlineIncidents = Number(
      (
        store.db
          .prepare("SELECT COUNT(*) AS n FROM incidents WHERE kind = 'seat-offline' AND at >= ? AND at <= ?")
          .get(new Date(t0).toISOString(), steadyEnd) as { n: number }
      ).n,
    );
    const offlineDuringConnect = Number(
      (
        store.db
          .prepare("SELECT COUNT(*) AS n FROM incidents WHERE kind = 'seat-offline' AND at < ?")
          .get(new Date(t0).toISOString()) as { n: number }
      ).n,
    );
    await store.close();
    Object.assign(row, {
      steadySeconds: Number(elapsed.toFixed(1)),
      seatMsgsPerSec: Math.round((health1.seatMessages - health0.seatMessages) / elapsed),
      statusChangesPerSec: Math.round(sent / elapsed),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
      statusChangesLost: lost,
      eventsSent,
      eventsStored,
      eventsUnacked: eventsLeft,
      consoleCpuPct: Math.round(((cpu1.cpuTicks - cpu0.cpuTicks) / 100 / elapsed) * 100),
      consoleLoopDelayP99Ms: health1.eventLoopDelayP99Ms,
      generatorLoopDelayP99Ms: Math.max(...done.map((d) => (d.type === 'done' ? d.loopDelayP99Ms : 0))),
      falseOfflineSteady: offlineIncidents,
      falseOfflineConnecting: offlineDuringConnect,
      consoleRssMbMax: Math.round(rssMax),
    });
    return row;
  } finally {
    await consoleProc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.SEATS ?? '100,1000,10000').split(',').map(Number);
  const steady = Number(process.env.STEADY_S ?? 20);
  process.stdout.write(`open files limit (soft/hard): ${openFilesLimit()}\n`);
  const rows: Row[] = [];
  for (const n of sizes) {
    process.stdout.write(`▸ ${n} seats…\n`);
    const row = await scenario(n, steady, true);
    process.stdout.write(`  ${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  process.stdout.write('▸ 2000 seats connecting at once…\n');
  const storm = await scenario(2000, 0, false);
  rows.push({ ...storm, note: 'connect storm only' });
  report(
    'console-seats',
    `Seats on the real protocol (1 heartbeat/s each, ${steady} s steady, a tenth of the seats changing status each second, one event per seat) against invigil console as its own process; latency is a seat's status change to a dashboard live connection receiving it. Open files limit ${openFilesLimit()}.`,
    rows,
  );
}

if (process.argv[2] === 'generator') {
  await runGenerator(process.argv[3] ?? '', process.argv[4] ?? '');
} else {
  await main();
}
