/**
 * The console under load at several sizes: simulated seats speaking the real seat protocol (seat-sim.ts,
 * one WebSocket per seat) to `invigil console` running as its own process, and a real dashboard live
 * connection measuring how long a seat's status change takes to reach it.
 *
 * For 100, 1,000 and 10,000 seats (one heartbeat a second each, a tenth of the seats changing status
 * every second, one event per seat): messages per second, p50/p99 status-change-to-dashboard latency,
 * the console's CPU and memory, connection time (every seat connecting at once), whether anything was
 * lost, and seats wrongly shown Offline. Then 2,000 seats connecting at once. Seats are enrolled through
 * the public enrolment route; everything is reached only as a centre would (client.ts).
 *
 *   npm run bench -- seats.bench        (SEATS=100,1000 STEADY_S=10 to shorten)
 *
 * ENGINES=sqlite,postgres runs each size on SQLite and then on one console on a real PostgreSQL server
 * (test/helpers/postgres-server.ts, one for the run, a new database per scenario); default: sqlite.
 * centre.bench.ts compares the engines, and two consoles on one database, at 10,000 seats.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PostgresServer, startPostgres } from '../../test/helpers/postgres-server.ts';
import { percentile, type Row, report } from '../report.ts';
import {
  enrolSeats,
  loadAvg1m,
  openFilesLimit,
  postgresSizeMb,
  procStat,
  sentAt,
  setUp,
  sqliteSizeMb,
  startConsole,
  timedDashboard,
} from './client.ts';
import { runSeatWorker, type SeatWorker, splitSeats, startSeatWorker } from './seat-sim.ts';

let pgServer: PostgresServer | null = null;
const self = fileURLToPath(import.meta.url);

async function scenario(
  n: number,
  steadySeconds: number,
  measure: boolean,
  engine: 'sqlite' | 'postgres' = 'sqlite',
): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invigil-bench-'));
  if (engine === 'postgres') pgServer ??= await startPostgres();
  const database = engine === 'postgres' ? await pgServer?.createDatabase() : undefined;
  const proc = await startConsole(database ? { database } : { dataDir });
  let workers: SeatWorker[] = [];
  try {
    const admin = await setUp(proc);
    const creds = await enrolSeats(admin, n);
    const { ws, received } = await timedDashboard(admin);
    const groups = splitSeats(
      creds.map((c) => ({ ...c, console: 0 })),
      n > 2500 ? 2 : 1,
    );
    // Every seat at once (as after a power cut or the console's restart).
    workers = groups.map((seats, i) =>
      startSeatWorker(self, { urls: [proc.url], seats, connectPerSecond: n * 20 }, dataDir, i),
    );
    const connected = await Promise.all(workers.map((g) => g.next()));
    const connectSeconds = Math.max(
      ...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)),
    );
    const row: Row = {
      engine,
      seats: n,
      generators: workers.length,
      connectAllSeconds: Number(connectSeconds.toFixed(2)),
      // The machine is shared: the 1-minute load average says how much else was running.
      loadAvg1m: loadAvg1m(),
    };
    if (!measure) {
      ws.close();
      return row;
    }

    await new Promise((r) => setTimeout(r, 2000)); // settle after the connect storm
    const changesPerSecond = Math.max(20, n / 10);
    await admin.api.call('resetHealth');
    const health0 = await admin.health();
    const cpu0 = procStat(proc.pid);
    const t0 = Date.now();
    for (const g of workers)
      g.send({
        type: 'go',
        changesPerSecond: changesPerSecond / workers.length,
        seconds: steadySeconds,
        eventsPerSeat: 1,
        mix: 'focus',
      });
    const done = (await Promise.all(workers.map((g) => g.next()))).filter((d) => d.type === 'done');
    const cpu1 = procStat(proc.pid);
    const health1 = await admin.health();
    const elapsed = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 500)); // last pushes in flight
    const latencies: number[] = [];
    let lost = 0;
    for (const key of done.flatMap((d) => d.sent)) {
      const at = received.get(key);
      if (at === undefined) lost++;
      else latencies.push(at - sentAt(key.split('|')[1] ?? ''));
    }
    // Seats wrongly shown Offline (no message for more than 3 s): the incidents say when.
    const { incidents } = await admin.api.call('listIncidents', { query: { limit: 1000 } });
    const offline = incidents.filter((i) => i.kind === 'seat-offline').map((i) => Date.parse(i.at));
    ws.close();
    Object.assign(row, {
      steadySeconds: Number(elapsed.toFixed(1)),
      seatMsgsPerSec: Math.round((health1.seatMessages - health0.seatMessages) / elapsed),
      statusChangesPerSec: Math.round(done.reduce((a, d) => a + d.sent.length, 0) / elapsed),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
      statusChangesLost: lost,
      eventsSent: done.reduce((a, d) => a + d.eventsSent, 0),
      eventsStored: health1.seatEventsStored - health0.seatEventsStored,
      eventsUnacked: done.reduce((a, d) => a + d.eventsLeft, 0),
      consoleCpuPct: Math.round(((cpu1.cpuTicks - cpu0.cpuTicks) / 100 / elapsed) * 100),
      consoleLoopDelayP99Ms: health1.eventLoopDelayP99Ms,
      generatorLoopDelayP99Ms: Math.max(...done.map((d) => d.loopDelayP99Ms)),
      falseOfflineSteady: offline.filter((at) => at >= t0 && at <= t0 + elapsed * 1000).length,
      falseOfflineConnecting: offline.filter((at) => at < t0).length,
      consoleRssMbMax: Math.round(cpu1.peakRssMb),
    });
    for (const g of workers) g.send({ type: 'stop' });
    await Promise.all(workers.map((g) => g.exited));
    workers = [];
    await proc.stop();
    row.dbSizeMb = database ? await postgresSizeMb(database) : sqliteSizeMb(dataDir);
    return row;
  } finally {
    for (const g of workers) g.send({ type: 'stop' });
    await Promise.all(workers.map((g) => g.exited));
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.SEATS ?? '100,1000,10000').split(',').map(Number);
  const steady = Number(process.env.STEADY_S ?? 20);
  const engines = (process.env.ENGINES ?? 'sqlite').split(',') as ('sqlite' | 'postgres')[];
  process.stdout.write(`open files limit (soft/hard): ${openFilesLimit()}\n`);
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      for (const engine of engines) {
        process.stdout.write(`▸ ${n} seats on ${engine}…\n`);
        const row = await scenario(n, steady, true, engine);
        process.stdout.write(`  ${JSON.stringify(row)}\n`);
        rows.push(row);
      }
    }
    if (process.env.STORM !== '0') {
      process.stdout.write('▸ 2000 seats connecting at once…\n');
      const storm = await scenario(2000, 0, false);
      rows.push({ ...storm, note: 'connect storm only' });
    }
  } finally {
    await pgServer?.stop();
  }
  report(
    'console-seats',
    `Seats on the real protocol (1 heartbeat/s each, ${steady} s steady, a tenth of the seats changing status each second, one event per seat) against invigil console as its own process; latency is a seat's status change to a dashboard live connection receiving it. Open files limit ${openFilesLimit()}.`,
    rows,
  );
}

if (process.argv[2] === 'seats') {
  await runSeatWorker(process.argv[3] ?? '');
} else {
  await main();
}
