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
 *
 * ENGINES=sqlite,postgres runs each size on SQLite and then on one console on a real PostgreSQL server
 * (test/helpers/postgres-server.ts, one for the run, a new database per scenario); default: sqlite.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openStore, sqliteFileIn } from '../../invigilator/server/store/database-store.ts';
import { setupFirstInvigilator } from '../../test/helpers/console-client.ts';
import { startConsoleProcess } from '../../test/helpers/console-process.ts';
import type { SeatCredentials } from '../../test/helpers/console-seat.ts';
import { type PostgresServer, startPostgres } from '../../test/helpers/postgres-server.ts';
import { percentile, type Row, report } from '../report.ts';
import {
  latencies as measured,
  openFilesLimit,
  procStat,
  runGenerator,
  seed,
  startGenerator,
  timedDashboard,
} from './harness.ts';

let pgServer: PostgresServer | null = null;

async function scenario(
  n: number,
  steadySeconds: number,
  measure: boolean,
  engine: 'sqlite' | 'postgres' = 'sqlite',
): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'invigil-bench-'));
  if (engine === 'postgres') pgServer ??= await startPostgres();
  const database = engine === 'postgres' ? await pgServer?.createDatabase() : undefined;
  const creds = await seed(dataDir, n, 'PC-', database);
  const consoleProc = await startConsoleProcess({
    dataDir,
    ...(database ? { database } : {}),
    env: { INVIGIL_LOG_LEVEL: 'warn' },
    // For profiling: CONSOLE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
    nodeArgs: (process.env.CONSOLE_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  try {
    const admin = await setupFirstInvigilator(consoleProc.url, consoleProc.setupUrl ?? '');
    // A real dashboard live connection, timing what reaches it.
    const { ws, received } = await timedDashboard(consoleProc.url, admin);

    const perGenerator = n > 2500 ? Math.ceil(n / 2) : n;
    const groups: SeatCredentials[][] = [];
    for (let i = 0; i < n; i += perGenerator) groups.push(creds.slice(i, i + perGenerator));
    const self = fileURLToPath(import.meta.url);
    const gens = groups.map((g, i) => startGenerator(self, g, consoleProc.url, dataDir, i));
    const connected = await Promise.all(gens.map((g) => g.next()));
    const connectSeconds = Math.max(
      ...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)),
    );
    const row: Row = {
      engine,
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

    const { latencies, sent, lost, eventsSent, eventsLeft } = measured(done, received);
    for (const g of gens) g.send({ type: 'stop' });
    await Promise.all(gens.map((g) => new Promise((r) => g.child.once('exit', r))));
    ws.close();
    await consoleProc.stop();
    const store = await openStore(database ? { postgres: database } : { sqlite: sqliteFileIn(dataDir) });
    const eventsStored = await store.countSeatEvents();
    // Seats wrongly shown Offline (no message for more than 3 s) while the seats were running steadily.
    const steadyEnd = new Date(t0 + elapsed * 1000).toISOString();
    const offlineIncidents = Number(
      (
        await sql<{ n: number }>`SELECT COUNT(*) AS n FROM incidents WHERE kind = 'seat-offline'
          AND at >= ${new Date(t0).toISOString()} AND at <= ${steadyEnd}`.execute(store.db.kysely)
      ).rows[0]?.n,
    );
    const offlineDuringConnect = Number(
      (
        await sql<{ n: number }>`SELECT COUNT(*) AS n FROM incidents WHERE kind = 'seat-offline'
          AND at < ${new Date(t0).toISOString()}`.execute(store.db.kysely)
      ).rows[0]?.n,
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
      dbSizeMb: await databaseSizeMb(dataDir, database),
    });
    return row;
  } finally {
    await consoleProc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The database's size after the run: the SQLite file (and its WAL), or pg_database_size. */
async function databaseSizeMb(dataDir: string, database: string | undefined): Promise<number> {
  if (!database) {
    const file = sqliteFileIn(dataDir);
    const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
    return Number(((size(file) + size(`${file}-wal`)) / 1048576).toFixed(1));
  }
  const store = await openStore({ postgres: database });
  try {
    const r = await sql<{ n: number }>`SELECT pg_database_size(current_database()) AS n`.execute(
      store.db.kysely,
    );
    return Number((Number(r.rows[0]?.n ?? 0) / 1048576).toFixed(1));
  } finally {
    await store.close();
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

if (process.argv[2] === 'generator') {
  await runGenerator(process.argv[3] ?? '', process.argv[4] ?? '');
} else {
  await main();
}
