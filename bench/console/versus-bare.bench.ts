/**
 * The console beside a bare `ws` server, same client, same run: what the console's work (authentication,
 * validation, readiness, storage, the dashboard's coalesced pushes, pings) costs over the least a server
 * can do with the same traffic.
 *
 * The bare server accepts every seat on `/seat`, parses each frame with JSON.parse, answers the hello
 * with a welcome and each batch of events with an ack, and sends each status change to every dashboard
 * on `/api/live` at once. Both servers run as their own process and get the same simulated seats (the
 * reference client, kiosk-agent/seat/console-link.ts, in two generator processes), the same heartbeats,
 * the same status changes (a tenth of the seats a second) and events, one after the other in one run
 * (ROUNDS=2 alternates them twice, to see how much the shared machine moves the numbers).
 *
 * For each: CPU per seat message (the server's user+system time over the steady window, divided by the
 * seat messages it received), p50 and p99 from a seat's status change to a dashboard receiving it, and the
 * machine's load meanwhile (the 1-minute load average, and how busy the machine's CPUs were with
 * everything else: other engineers' work shares these two cores).
 *
 *   npm run bench -- versus-bare            (SEATS=10000 STEADY_S=20 ROUNDS=1)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { newToken, sha256 } from '../../invigilator/server/auth.ts';
import { openSqliteStore } from '../../invigilator/server/store/sqlite-store.ts';
import type { Finding } from '../../shared/schemas/common.ts';
import { setupFirstInvigilator } from '../../test/helpers/console-client.ts';
import { startConsoleProcess } from '../../test/helpers/console-process.ts';
import {
  event,
  type SeatCredentials,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../test/helpers/console-seat.ts';
import { percentile, type Row, report } from '../report.ts';

const MARK = 'vs:';
type FromChild =
  | { type: 'connected'; seconds: number }
  | { type: 'done'; sent: string[]; eventsLeft: number }
  | { type: 'listening'; port: number }
  | { type: 'count'; messages: number };
type ToChild =
  | { type: 'go'; changesPerSecond: number; seconds: number }
  | { type: 'stop' }
  | { type: 'count' };

function send(m: FromChild): void {
  process.send?.(m);
}

// ---------------------------------------------------------------- the bare server (child process)

function runBareServer(): void {
  let messages = 0;
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const seats = new WebSocketServer({ noServer: true, maxPayload: 512 * 1024 });
  const dashboards = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    const wss = path === '/seat' ? seats : path === '/api/live' ? dashboards : null;
    if (!wss) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  seats.on('connection', (ws, req) => {
    const seatId = String(req.headers['x-invigil-seat'] ?? '');
    ws.on('message', (data) => {
      messages++;
      let msg: { type?: string; status?: { findings?: { subject?: string }[] }; events?: { id: string }[] };
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      switch (msg.type) {
        case 'seat/hello':
          ws.send(
            JSON.stringify({
              type: 'console/welcome',
              protocol: 2,
              seatId,
              serverTime: new Date().toISOString(),
              heartbeatMs: 1000,
            }),
          );
          return;
        case 'seat/status': {
          const subject = msg.status?.findings?.[0]?.subject;
          const payload = JSON.stringify({
            type: 'live/seats',
            seats: [{ id: seatId, reasons: subject ? [{ subject }] : [] }],
          });
          for (const d of dashboards.clients) d.send(payload);
          return;
        }
        case 'seat/events':
          ws.send(JSON.stringify({ type: 'event/ack', ids: (msg.events ?? []).map((e) => e.id) }));
          return;
        default:
          return;
      }
    });
  });
  http.listen(0, '127.0.0.1', 4096, () =>
    send({ type: 'listening', port: (http.address() as AddressInfo).port }),
  );
  process.on('message', (m: ToChild) => {
    if (m.type === 'count') send({ type: 'count', messages });
    if (m.type === 'stop') process.exit(0);
  });
}

// ---------------------------------------------------------------- seats (child process)

async function runGenerator(file: string, url: string): Promise<void> {
  const creds = JSON.parse(readFileSync(file, 'utf8')) as SeatCredentials[];
  const started = performance.now();
  const seats: SimulatedSeat[] = creds.map((c) => startSimulatedSeat(url, c));
  while (seats.some((s) => !s.link.connected)) await new Promise((r) => setTimeout(r, 10));
  send({ type: 'connected', seconds: (performance.now() - started) / 1000 });
  const go = await new Promise<ToChild>((r) => process.once('message', (m) => r(m as ToChild)));
  if (go.type !== 'go') process.exit(0);
  const sent: string[] = [];
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
        message: 'Another browser',
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
      }
    });
    await new Promise((r) => setTimeout(r, tickMs));
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && seats.some((s) => s.outbox.events.length > 0))
    await new Promise((r) => setTimeout(r, 50));
  send({ type: 'done', sent, eventsLeft: seats.reduce((n, s) => n + s.outbox.events.length, 0) });
  await new Promise<void>((r) => process.once('message', () => r()));
  process.exit(0);
}

// ---------------------------------------------------------------- the run (parent)

interface Child {
  child: ChildProcess;
  next(): Promise<FromChild>;
  send(m: ToChild): void;
}

function child(args: string[]): Child {
  const c = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: FromChild[] = [];
  const waiters: ((m: FromChild) => void)[] = [];
  c.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m as FromChild);
    else queue.push(m as FromChild);
  });
  return {
    child: c,
    next: () => {
      const m = queue.shift();
      return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
    },
    send: (m) => c.send(m),
  };
}

function procCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Busy and total jiffies of the whole machine (all CPUs). */
function machineTicks(): { busy: number; total: number } {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const loadAvg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

function makeSeats(n: number): SeatCredentials[] {
  return Array.from({ length: n }, (_, i) => ({
    seatId: randomUUID(),
    credential: newToken(32),
    pcName: `PC-${String(i + 1).padStart(5, '0')}`,
  }));
}

async function seedConsole(dataDir: string, creds: SeatCredentials[]): Promise<void> {
  const store = openSqliteStore(dataDir);
  const { centre } = await store.ensureCentre();
  const insert = store.db.prepare(
    'INSERT INTO seats (id, centre_id, pc_name, place, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  store.db.transaction(() => {
    for (const c of creds) insert.run(c.seatId, centre.id, c.pcName, '', sha256(c.credential), now);
  })();
  await store.close();
}

interface Server {
  url: string;
  pid: number;
  /** Dashboard socket headers. */
  dashboard: Record<string, string>;
  messages(): Promise<number>;
  stop(): Promise<void>;
}

async function startBare(): Promise<Server> {
  const c = child(['bare-server']);
  const m = await c.next();
  if (m.type !== 'listening') throw new Error('the bare server did not start');
  return {
    url: `http://127.0.0.1:${m.port}`,
    pid: c.child.pid ?? 0,
    dashboard: {},
    async messages() {
      c.send({ type: 'count' });
      const r = await c.next();
      return r.type === 'count' ? r.messages : Number.NaN;
    },
    async stop() {
      const exited = new Promise((r) => c.child.once('exit', r));
      c.send({ type: 'stop' });
      await exited;
    },
  };
}

async function startConsole(dataDir: string, creds: SeatCredentials[]): Promise<Server> {
  await seedConsole(dataDir, creds);
  const proc = await startConsoleProcess({
    dataDir,
    keepData: true,
    env: { INVIGIL_LOG_LEVEL: 'warn' },
    // For profiling: CONSOLE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
    nodeArgs: (process.env.CONSOLE_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  const admin = await setupFirstInvigilator(proc.url, proc.setupUrl ?? '');
  return {
    url: proc.url,
    pid: proc.pid,
    dashboard: { cookie: admin.cookie ?? '', origin: proc.url },
    async messages() {
      const r = await admin.get<{ seatMessages: number }>('/api/health');
      return r.body.seatMessages;
    },
    async stop() {
      await proc.stop();
    },
  };
}

async function measure(
  kind: 'bare' | 'console',
  round: number,
  n: number,
  steadySeconds: number,
  dir: string,
): Promise<Row> {
  const creds = makeSeats(n);
  const dataDir = mkdtempSync(join(dir, `${kind}-`));
  const server = kind === 'bare' ? await startBare() : await startConsole(dataDir, creds);
  try {
    const received = new Map<string, number>();
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/live`, { headers: server.dashboard });
    ws.on('message', (data) => {
      const at = Date.now();
      const msg = JSON.parse(data.toString()) as {
        type: string;
        seats?: { id: string; reasons: { subject?: string }[] }[];
      };
      if (msg.type !== 'live/seats') return;
      for (const seat of msg.seats ?? []) {
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
    const half = Math.ceil(n / 2);
    const gens = [creds.slice(0, half), creds.slice(half)]
      .filter((g) => g.length > 0)
      .map((g, i) => {
        const file = join(dir, `${kind}-${round}-seats-${i}.json`);
        writeFileSync(file, JSON.stringify(g));
        return child(['generator', file, server.url]);
      });
    const connected = await Promise.all(gens.map((g) => g.next()));
    const connectSeconds = Math.max(
      ...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)),
    );
    await new Promise((r) => setTimeout(r, 3000)); // settle after the connect storm

    const changesPerSecond = Math.max(20, n / 10);
    const load0 = loadAvg();
    const m0 = machineTicks();
    const cpu0 = procCpuTicks(server.pid);
    const gen0 = gens.reduce((a, g) => a + procCpuTicks(g.child.pid ?? 0), 0);
    const msgs0 = await server.messages();
    const t0 = Date.now();
    for (const g of gens)
      g.send({ type: 'go', changesPerSecond: changesPerSecond / gens.length, seconds: steadySeconds });
    const done = await Promise.all(gens.map((g) => g.next()));
    const elapsed = (Date.now() - t0) / 1000;
    const msgs1 = await server.messages();
    const cpu1 = procCpuTicks(server.pid);
    const gen1 = gens.reduce((a, g) => a + procCpuTicks(g.child.pid ?? 0), 0);
    const m1 = machineTicks();
    const load1 = loadAvg();
    await new Promise((r) => setTimeout(r, 500));

    const latencies: number[] = [];
    let sent = 0;
    let lost = 0;
    let eventsLeft = 0;
    for (const d of done) {
      if (d.type !== 'done') continue;
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
    const hz = 100;
    const serverCpuS = (cpu1 - cpu0) / hz;
    const messages = msgs1 - msgs0;
    const machineBusyPct = ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100;
    const ncpu = Math.round((m1.total - m0.total) / hz / elapsed);
    const oursPct = ((cpu1 - cpu0 + gen1 - gen0) / hz / elapsed / ncpu) * 100;
    return {
      server: kind,
      round,
      seats: n,
      connectAllSeconds: Number(connectSeconds.toFixed(2)),
      steadySeconds: Number(elapsed.toFixed(1)),
      seatMsgsPerSec: Math.round(messages / elapsed),
      cpuUsPerMsg: Number(((serverCpuS * 1e6) / messages).toFixed(1)),
      serverCpuPctOfCore: Math.round((serverCpuS / elapsed) * 100),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      statusChangesLost: lost,
      eventsUnacked: eventsLeft,
      statusChanges: sent,
      loadAvg1mStart: load0,
      loadAvg1mEnd: load1,
      machineBusyPct: Math.round(machineBusyPct),
      /** The machine's CPUs busy with neither the server nor its seats: other people's work. */
      othersBusyPct: Math.max(0, Math.round(machineBusyPct - oursPct)),
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.env.SEATS ?? 10_000);
  const steady = Number(process.env.STEADY_S ?? 20);
  const rounds = Number(process.env.ROUNDS ?? 1);
  // ONLY=console (or bare) runs one side, for profiling.
  const only = process.env.ONLY;
  const kinds: ('bare' | 'console')[] = only === 'console' || only === 'bare' ? [only] : ['bare', 'console'];
  const dir = mkdtempSync(join(tmpdir(), 'invigil-vs-bare-'));
  const rows: Row[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds) {
        process.stdout.write(`▸ ${kind}, ${n} seats, round ${round}…\n`);
        const row = await measure(kind, round, n, steady, dir);
        process.stdout.write(`  ${JSON.stringify(row)}\n`);
        rows.push(row);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const mean = (kind: string, key: string): number => {
    const v = rows.filter((r) => r.server === kind).map((r) => Number(r[key]));
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  if (kinds.length === 2)
    rows.push({
      server: 'console ÷ bare',
      round: 'all',
      seats: n,
      cpuUsPerMsg: Number((mean('console', 'cpuUsPerMsg') / mean('bare', 'cpuUsPerMsg')).toFixed(2)),
      p50Ms: Number((mean('console', 'p50Ms') / mean('bare', 'p50Ms')).toFixed(2)),
      p99Ms: Number((mean('console', 'p99Ms') / mean('bare', 'p99Ms')).toFixed(2)),
    });
  report(
    'console-versus-bare',
    `invigil console beside a bare ws server (JSON.parse each frame, welcome, ack, each status change sent to the dashboard at once), same seats (the reference client, 1 heartbeat/s, a tenth changing status each second, one event each), same run, ${steady} s steady each. CPU per seat message; latency from a seat's status change to a dashboard receiving it; the machine's load meanwhile (othersBusyPct: the CPUs busy with neither server nor seats).`,
    rows,
  );
}

if (process.argv[2] === 'generator') {
  await runGenerator(process.argv[3] ?? '', process.argv[4] ?? '');
} else if (process.argv[2] === 'bare-server') {
  runBareServer();
} else {
  await main();
}
