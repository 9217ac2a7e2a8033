/**
 * The console beside a bare `ws` server, same client, same run: what the console's work (authentication,
 * validation, readiness, storage, the dashboard's coalesced pushes, pings) costs over the least a server
 * can do with the same traffic.
 *
 * The bare server accepts every seat on `/seat`, parses each frame with JSON.parse, answers the hello
 * with a welcome and each batch of events with an ack, and sends each status change to every dashboard
 * on `/api/live` at once. Both servers run as their own process and get the same simulated seats (the
 * seat simulator, seat-sim.ts: one WebSocket per seat, in two worker processes), the same heartbeats,
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
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { percentile, type Row, report } from '../report.ts';
import {
  enrolSeats,
  loadAvg1m,
  procStat,
  type SeatCredentials,
  Session,
  sentAt,
  setUp,
  startConsole,
  timedDashboard,
} from './client.ts';
import { runSeatWorker, splitSeats, startSeatWorker } from './seat-sim.ts';

const self = fileURLToPath(import.meta.url);
type FromChild = { type: 'listening'; port: number } | { type: 'count'; messages: number };
type ToChild = { type: 'stop' } | { type: 'count' };

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

// ---------------------------------------------------------------- the run (parent)

interface Child {
  child: ChildProcess;
  next(): Promise<FromChild>;
  send(m: ToChild): void;
}

function child(args: string[]): Child {
  const c = spawn(process.execPath, [self, ...args], {
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

/** Busy and total jiffies of the whole machine (all CPUs). */
function machineTicks(): { busy: number; total: number } {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const procCpuTicks = (pid: number) => procStat(pid).cpuTicks;

/** Seats for the bare server, which takes any credential. */
function anySeats(n: number): SeatCredentials[] {
  return Array.from({ length: n }, (_, i) => ({
    seatId: randomUUID(),
    credential: randomBytes(32).toString('base64url'),
    pcName: `PC-${String(i + 1).padStart(5, '0')}`,
  }));
}

interface Server {
  url: string;
  pid: number;
  /** Seats it accepts. */
  seats: SeatCredentials[];
  /** Whom the dashboard's live socket connects as. */
  session: Session;
  messages(): Promise<number>;
  stop(): Promise<void>;
}

async function startBare(n: number): Promise<Server> {
  const c = child(['bare-server']);
  const m = await c.next();
  if (m.type !== 'listening') throw new Error('the bare server did not start');
  return {
    url: `http://127.0.0.1:${m.port}`,
    pid: c.child.pid ?? 0,
    seats: anySeats(n),
    session: new Session(`http://127.0.0.1:${m.port}`),
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

async function startConsoleServer(dataDir: string, n: number): Promise<Server> {
  const proc = await startConsole({ dataDir });
  const admin = await setUp(proc);
  const seats = await enrolSeats(admin, n);
  return {
    url: proc.url,
    pid: proc.pid,
    seats,
    session: admin,
    async messages() {
      return (await admin.health()).seatMessages;
    },
    stop: () => proc.stop(),
  };
}

async function measure(
  kind: 'bare' | 'console',
  round: number,
  n: number,
  steadySeconds: number,
  dir: string,
): Promise<Row> {
  const dataDir = mkdtempSync(join(dir, `${kind}-`));
  const server = kind === 'bare' ? await startBare(n) : await startConsoleServer(dataDir, n);
  try {
    const { ws, received } = await timedDashboard(server.session);
    // Two worker processes, every seat connecting at once.
    const gens = splitSeats(
      server.seats.map((s) => ({ ...s, console: 0 })),
      2,
    ).map((seats, i) =>
      startSeatWorker(self, { urls: [server.url], seats, connectPerSecond: n * 20 }, dataDir, i),
    );
    const connected = await Promise.all(gens.map((g) => g.next()));
    const connectSeconds = Math.max(
      ...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)),
    );
    await new Promise((r) => setTimeout(r, 3000)); // settle after the connect storm

    const changesPerSecond = Math.max(20, n / 10);
    const load0 = loadAvg1m();
    const m0 = machineTicks();
    const cpu0 = procCpuTicks(server.pid);
    const gen0 = gens.reduce((a, g) => a + procCpuTicks(g.child.pid ?? 0), 0);
    const msgs0 = await server.messages();
    const t0 = Date.now();
    for (const g of gens)
      g.send({
        type: 'go',
        changesPerSecond: changesPerSecond / gens.length,
        seconds: steadySeconds,
        eventsPerSeat: 1,
        mix: 'focus',
      });
    const done = await Promise.all(gens.map((g) => g.next()));
    const elapsed = (Date.now() - t0) / 1000;
    const msgs1 = await server.messages();
    const cpu1 = procCpuTicks(server.pid);
    const gen1 = gens.reduce((a, g) => a + procCpuTicks(g.child.pid ?? 0), 0);
    const m1 = machineTicks();
    const load1 = loadAvg1m();
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
        if (at === undefined) lost++;
        else latencies.push(at - sentAt(key.split('|')[1] ?? ''));
      }
    }
    for (const g of gens) g.send({ type: 'stop' });
    await Promise.all(gens.map((g) => g.exited));
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
    `invigil console beside a bare ws server (JSON.parse each frame, welcome, ack, each status change sent to the dashboard at once), same seats (seat-sim.ts, one socket each, 1 heartbeat/s, a tenth changing status each second, one event each), same run, ${steady} s steady each. CPU per seat message; latency from a seat's status change to a dashboard receiving it; the machine's load meanwhile (othersBusyPct: the CPUs busy with neither server nor seats).`,
    rows,
  );
}

if (process.argv[2] === 'seats') {
  await runSeatWorker(process.argv[3] ?? '');
} else if (process.argv[2] === 'bare-server') {
  runBareServer();
} else {
  await main();
}
