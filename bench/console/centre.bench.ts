/**
 * A centre's console at scale (issue 12's numbers), measured from outside in one run:
 *
 * 1. `centre` (default): N simulated seats (10,000 unless `--seats N`), one heartbeat a second each, a
 *    tenth of them changing status every second and one event each, against
 *    (a) one console on SQLite, (b) one console on PostgreSQL, (c) two consoles on one PostgreSQL
 *    database with the seats split across both. Each seat is its own WebSocket speaking docs/protocol.md,
 *    driven by a few worker processes. Every console has a dashboard live connection; a status change is
 *    timed to the dashboard on the OTHER console where there are two (and, beside it, to its own). For each
 *    set-up: seat messages a second handled (the consoles' own /api/health counters), p50/p99 from a
 *    status change to the dashboard, changes not seen there within a few seconds, CPU (user+system from
 *    /proc/PID/stat) and peak RSS (VmHWM) per console process, the PostgreSQL server's CPU, and event-loop
 *    delay from /api/health.
 * 2. `hour` (`--hour`): the database's size after an hour-long sitting of 1,000 seats (`--seats`), on SQLite
 *    and on PostgreSQL: two sittings planned through the API, then an hour of sitting traffic sent in
 *    `--hour-seconds` (60 by default): every event and status change an hour produces, with the events'
 *    times spread over the hour. Heartbeats are sent at one a second for the compressed time only: the
 *    console keeps them in memory (seats/seat-hub.ts: "heartbeats only touch memory"), so an hour of them stores
 *    what a minute does.
 *
 * Seats are enrolled through the public enrolment route, the coordinator is set up and signs in through
 * the API, and the database is looked at only from outside (the file's size, pg_database_size).
 *
 *   node scripts/bench.mjs centre                    (all three set-ups, 10,000 seats)
 *   npm run bench -- centre -- --seats 2000 --setups sqlite,postgres,postgres-2 --steady 20
 *   npm run bench -- centre -- --hour [--seats 1000] [--hour-seconds 60] [--engines sqlite,postgres]
 *
 * Environment equivalents: SEATS, STEADY_S, SETUPS, WORKERS, NOT_SEEN_S, MODE=hour, HOUR_S, ENGINES.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { type PostgresServer, startPostgres } from '../../test/helpers/postgres-server.ts';
import { percentile, type Row, report } from '../report.ts';
import {
  type ConsoleProcess,
  enrolSeats,
  loadAvg1m,
  openFilesLimit,
  postgresSizeMb,
  postgresTicks,
  procStat,
  type SeatCredentials,
  type Session,
  setUp,
  signIn,
  sqliteSizeMb,
  startConsole,
  timedDashboard,
} from './client.ts';
import {
  runSeatWorker,
  type SeatWorker,
  SITTING_EVENTS_PER_HOUR,
  splitSeats,
  startSeatWorker,
  timings,
} from './seat-sim.ts';

type Setup = 'sqlite' | 'postgres' | 'postgres-2';
const HZ = 100;
const self = fileURLToPath(import.meta.url);

interface Options {
  seats: number;
  steady: number;
  setups: Setup[];
  workers: number | null;
  notSeenSeconds: number;
  hour: boolean;
  hourSeconds: number;
  engines: ('sqlite' | 'postgres')[];
}

function options(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seats: { type: 'string' },
      steady: { type: 'string' },
      setups: { type: 'string' },
      workers: { type: 'string' },
      'not-seen-seconds': { type: 'string' },
      hour: { type: 'boolean' },
      'hour-seconds': { type: 'string' },
      engines: { type: 'string' },
    },
  });
  const hour = values.hour ?? process.env.MODE === 'hour';
  const num = (v: string | undefined, env: string | undefined, d: number) => {
    const n = Number(v ?? env ?? d);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v ?? env}`);
    return n;
  };
  const setups = (values.setups ?? process.env.SETUPS ?? 'sqlite,postgres,postgres-2').split(',') as Setup[];
  for (const s of setups)
    if (!['sqlite', 'postgres', 'postgres-2'].includes(s))
      throw new Error(`unknown set-up "${s}" (sqlite, postgres or postgres-2)`);
  const workers = values.workers ?? process.env.WORKERS;
  return {
    seats: num(values.seats, process.env.SEATS, hour ? 1000 : 10_000),
    steady: num(values.steady, process.env.STEADY_S, 20),
    setups,
    workers: workers ? num(workers, undefined, 1) : null,
    notSeenSeconds: num(values['not-seen-seconds'], process.env.NOT_SEEN_S, 5),
    hour,
    hourSeconds: num(values['hour-seconds'], process.env.HOUR_S, 60),
    engines: (values.engines ?? process.env.ENGINES ?? 'sqlite,postgres').split(',') as (
      | 'sqlite'
      | 'postgres'
    )[],
  };
}

const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- a centre: consoles, seats, dashboards

interface Centre {
  consoles: ConsoleProcess[];
  sessions: Session[];
  seats: SeatCredentials[];
  stop(): Promise<void>;
}

let pgServer: PostgresServer | null = null;

async function startCentre(setup: Setup, n: number, dataDir: string): Promise<Centre> {
  // What was started before a failure is stopped, not left running.
  const started: ConsoleProcess[] = [];
  const launch = async (o: { dataDir?: string; database?: string }): Promise<ConsoleProcess> => {
    const p = await startConsole(o);
    started.push(p);
    return p;
  };
  try {
    return await centreOf(setup, n, dataDir, launch);
  } catch (error) {
    await Promise.all(started.map((p) => p.stop()));
    throw error;
  }
}

async function centreOf(
  setup: Setup,
  n: number,
  dataDir: string,
  launch: (o: { dataDir?: string; database?: string }) => Promise<ConsoleProcess>,
): Promise<Centre> {
  if (setup === 'sqlite') {
    const proc = await launch({ dataDir });
    const admin = await setUp(proc);
    const seats = await enrolSeats(admin, n, 'PC-', (d) => log(`  enrolled ${d}`));
    return { consoles: [proc], sessions: [admin], seats, stop: () => proc.stop() };
  }
  pgServer ??= await startPostgres();
  // Each set-up on a new database: (c) on (b)'s would start by taking (b)'s seats for seats that were
  // online before a restart, and record thousands of Seat offline incidents into its own numbers.
  const database = await pgServer.createDatabase();
  const count = setup === 'postgres-2' ? 2 : 1;
  // The first applies the migrations and offers the setup link; the others start once the centre is set
  // up (a later console's link would replace the first's).
  const first = await launch({ database });
  const admin = await setUp(first);
  const seats = await enrolSeats(admin, n, 'PC-', (d) => log(`  enrolled ${d}`));
  const consoles: ConsoleProcess[] = [first];
  for (let i = 1; i < count; i++) consoles.push(await launch({ database }));
  const sessions = [admin];
  // The same coordinator on the other console: a session made there, from the shared database.
  for (const c of consoles.slice(1)) sessions.push(await signIn(c.url));
  return {
    consoles,
    sessions,
    seats,
    stop: async () => void (await Promise.all(consoles.map((c) => c.stop()))),
  };
}

function workerCount(n: number, given: number | null): number {
  return given ?? Math.min(4, Math.max(1, Math.ceil(n / 2500)));
}

async function connectSeats(
  centre: Centre,
  workers: number,
  dir: string,
): Promise<{ workers: SeatWorker[]; connectSeconds: number; consoleOf: Map<string, number> }> {
  const k = centre.consoles.length;
  const assigned = centre.seats.map((s, i) => ({ ...s, console: i % k }));
  const consoleOf = new Map(assigned.map((s) => [s.seatId, s.console]));
  const urls = centre.consoles.map((c) => c.url);
  const ws = splitSeats(assigned, workers).map((seats, i) =>
    startSeatWorker(self, { urls, seats, connectPerSecond: Math.ceil(1000 / workers) }, dir, i),
  );
  const connected = await Promise.all(ws.map((w) => w.next()));
  const connectSeconds = Math.max(...connected.map((m) => (m.type === 'connected' ? m.seconds : Number.NaN)));
  return { workers: ws, connectSeconds, consoleOf };
}

async function stopWorkers(workers: SeatWorker[]): Promise<void> {
  for (const w of workers) w.send({ type: 'stop' });
  await Promise.all(workers.map((w) => w.exited));
}

/** A percentile, or null (an empty cell) when nothing was seen. */
const pct = (xs: readonly number[], p: number): number | null => (xs.length === 0 ? null : percentile(xs, p));
const each = (xs: readonly number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(' / ');

async function runSetup(setup: Setup, o: Options, dir: string): Promise<Row> {
  const n = o.seats;
  const dataDir = mkdtempSync(join(dir, `${setup}-`));
  log(`▸ ${setup}: ${n} seats`);
  const t = Date.now();
  const centre = await startCentre(setup, n, dataDir);
  log(`  enrolment/set-up ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const dashboards: { ws: WebSocket; received: Map<string, number> }[] = [];
  let workers: SeatWorker[] = [];
  try {
    for (const s of centre.sessions) dashboards.push(await timedDashboard(s));
    const w = workerCount(n, o.workers);
    const c = await connectSeats(centre, w, dir);
    workers = c.workers;
    log(`  ${n} seats connected in ${c.connectSeconds.toFixed(1)} s by ${w} workers`);
    await sleep(3000); // settle after the connect storm

    const pids = centre.consoles.map((p) => p.pid);
    const errors: string[] = [];
    await Promise.all(
      centre.sessions.map((s, i) =>
        s.api.call('resetHealth').catch((e: Error) => errors.push(`console ${i + 1}: reset: ${e.message}`)),
      ),
    );
    const h0 = (await Promise.all(centre.sessions.map((s) => s.tryHealth()))).map((h) => h.health);
    const cpu0 = pids.map((p) => procStat(p).cpuTicks);
    const pgData = pgServer && setup !== 'sqlite' ? join(pgServer.dir, 'data') : null;
    const pg0 = pgData ? postgresTicks(pgData) : 0;
    const load0 = loadAvg1m();
    const t0 = Date.now();
    const changesPerSecond = Math.max(20, n / 10);
    for (const wk of workers)
      wk.send({
        type: 'go',
        changesPerSecond: changesPerSecond / workers.length,
        seconds: o.steady,
        eventsPerSeat: 1,
        mix: 'focus',
      });
    const done = await Promise.all(workers.map((wk) => wk.next()));
    const elapsed = (Date.now() - t0) / 1000;
    const cpu1 = pids.map((p) => procStat(p).cpuTicks);
    const pg1 = pgData ? postgresTicks(pgData) : 0;
    const h1r = await Promise.all(centre.sessions.map((s) => s.tryHealth()));
    h1r.forEach((h, i) => {
      if (h.error) errors.push(`console ${i + 1}: ${h.error}`);
    });
    const h1 = h1r.map((h) => h.health);
    const peak = pids.map((p) => procStat(p).peakRssMb);
    const load1 = loadAvg1m();
    // Changes made in the last moments of the phase still on their way.
    await sleep(o.notSeenSeconds * 1000);
    const tm = timings(
      done,
      c.consoleOf,
      dashboards.map((d) => d.received),
    );
    const msgs = h1.map((h, i) => {
      const before = h0[i];
      return h && before ? (h.seatMessages - before.seatMessages) / elapsed : Number.NaN;
    });
    const d = done.filter((x) => x.type === 'done');
    const two = centre.consoles.length > 1;
    const delta = (pick: (h: NonNullable<(typeof h1)[number]>) => number) =>
      h1.map((h, i) => {
        const before = h0[i];
        return h && before ? pick(h) - pick(before) : Number.NaN;
      });
    const row: Row = {
      setup:
        setup === 'postgres-2'
          ? 'two consoles, PostgreSQL'
          : setup === 'postgres'
            ? 'one console, PostgreSQL'
            : 'one console, SQLite',
      seats: n,
      seatWorkers: workers.length,
      connectAllSeconds: Number(c.connectSeconds.toFixed(1)),
      steadySeconds: Number(elapsed.toFixed(1)),
      seatMsgsPerSec: Math.round(msgs.reduce((a, b) => a + b, 0)),
      seatMsgsPerSecPerConsole: each(msgs),
      heartbeatsSentPerSec: Math.round(d.reduce((a, x) => a + x.heartbeats, 0) / elapsed),
      statusChanges: tm.sent,
      p50Ms: pct(tm.other, 50),
      p99Ms: pct(tm.other, 99),
      [`notSeenWithin${o.notSeenSeconds}s`]: tm.notSeenOther,
      ...(two
        ? {
            sameConsoleP50Ms: pct(tm.own, 50),
            sameConsoleP99Ms: pct(tm.own, 99),
            sameConsoleNotSeen: tm.notSeenOwn,
            notSeenBySeatsConsole: each(tm.notSeenOtherFrom),
          }
        : {}),
      cpuPctPerConsole: each(cpu1.map((x, i) => ((x - (cpu0[i] ?? 0)) / HZ / elapsed) * 100)),
      postgresCpuPct: pgData ? Math.round(((pg1 - pg0) / HZ / elapsed) * 100) : null,
      peakRssMbPerConsole: each(peak),
      loopDelayP99MsPerConsole: each(h1.map((h) => h?.eventLoopDelayP99Ms ?? Number.NaN)),
      loopDelayMaxMsPerConsole: each(h1.map((h) => h?.eventLoopDelayMaxMs ?? Number.NaN)),
      eventsSent: d.reduce((a, x) => a + x.eventsSent, 0),
      eventsUnacked: d.reduce((a, x) => a + x.eventsLeft, 0),
      // The events writer in the phase (deltas of /api/health), and its longest queue and batch since start.
      eventBatchesPerConsole: each(delta((h) => h.seatEventWrites.batches)),
      eventBatchMsMeanPerConsole: each(
        delta((h) => h.seatEventWrites.msTotal).map(
          (ms, i) => ms / (delta((h) => h.seatEventWrites.batches)[i] || 1),
        ),
      ),
      eventBatchMsMaxPerConsole: each(h1.map((h) => h?.seatEventWrites.msMax ?? Number.NaN)),
      eventQueueMaxPerConsole: each(h1.map((h) => h?.seatEventWrites.queueMax ?? Number.NaN)),
      eventBatchLargestPerConsole: each(h1.map((h) => h?.seatEventWrites.largestBatch ?? Number.NaN)),
      dbStatementsPerSecPerConsole: each(delta((h) => h.database.statements).map((x) => x / elapsed)),
      dbTransactionsPerSecPerConsole: each(delta((h) => h.database.transactions).map((x) => x / elapsed)),
      seatReconnects: d.reduce((a, x) => a + x.reconnects, 0),
      seatWorkerLoopP99Ms: Math.max(...d.map((x) => x.loopDelayP99Ms)),
      loadAvg1m: `${load0} → ${load1}`,
      errors: errors.join('; ') || null,
    };
    if (errors.length > 0)
      for (const p of centre.consoles) log(`  console ${p.pid} printed:\n${p.logTail()}`);
    log(`  ${JSON.stringify(row)}`);
    return row;
  } catch (error) {
    // One set-up failing does not lose the others' numbers: say what failed and what the consoles printed.
    log(`  ${setup} failed: ${(error as Error).message}`);
    for (const p of centre.consoles) log(`  console ${p.pid} printed:\n${p.logTail()}`);
    return { setup, seats: n, errors: (error as Error).message };
  } finally {
    await stopWorkers(workers);
    for (const d of dashboards) d.ws.close();
    await centre.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- an hour-long sitting

/** Two sittings (the API takes at most 500 entries each) seating every seat, planned through the API. */
async function planSittings(admin: Session, seats: SeatCredentials[]): Promise<string> {
  const startsAt = new Date(Date.now() - 3600_000).toISOString();
  let planned = 0;
  for (let i = 0; i < seats.length; i += 500) {
    const entries = seats.slice(i, i + 500).map((s, j) => ({
      candidateName: `Candidate ${i + j + 1}`,
      registrationNumber: `R${String(i + j + 1).padStart(6, '0')}`,
      qualificationNumber: '601/8928/9',
      assessment: 'Electrical principles',
      durationMinutes: 60,
      seatId: s.seatId,
    }));
    try {
      await admin.api.call('createSitting', {
        body: { room: `Hall ${i / 500 + 1}`, startsAt, invigilatorIds: [], entries },
      });
      planned += entries.length;
    } catch (error) {
      return `${planned} entries planned; then refused: ${(error as Error).message}`;
    }
  }
  return `${planned} entries in ${Math.ceil(seats.length / 500)} sittings`;
}

async function runHour(engine: 'sqlite' | 'postgres', o: Options, dir: string): Promise<Row> {
  const n = o.seats;
  const dataDir = mkdtempSync(join(dir, `hour-${engine}-`));
  log(`▸ an hour's sitting, ${n} seats, ${engine} (sent in ${o.hourSeconds} s)`);
  let database: string | undefined;
  if (engine === 'postgres') {
    pgServer ??= await startPostgres();
    database = await pgServer.createDatabase();
  }
  const proc = await startConsole(database ? { database } : { dataDir });
  const size = () => (database ? postgresSizeMb(database) : Promise.resolve(sqliteSizeMb(dataDir)));
  let workers: SeatWorker[] = [];
  try {
    const admin = await setUp(proc);
    const seats = await enrolSeats(admin, n, 'PC-');
    const sittings = await planSittings(admin, seats);
    const sizeBefore = await size();
    const c = await connectSeats(
      { consoles: [proc], sessions: [admin], seats, stop: async () => {} },
      workerCount(n, o.workers),
      dir,
    );
    workers = c.workers;
    await sleep(2000);
    await admin.api.call('resetHealth');
    const h0 = await admin.health();
    const cpu0 = procStat(proc.pid).cpuTicks;
    const t0 = Date.now();
    // Each seat: its status at connection, then a change with each finding raised or cleared.
    const statusChangesPerSeat = 6;
    for (const w of workers)
      w.send({
        type: 'go',
        changesPerSecond: (n * statusChangesPerSeat) / o.hourSeconds / workers.length,
        seconds: o.hourSeconds,
        eventsPerSeat: SITTING_EVENTS_PER_HOUR,
        mix: 'sitting',
        simulatedSeconds: 3600,
      });
    const done = (await Promise.all(workers.map((w) => w.next()))).filter((x) => x.type === 'done');
    const elapsed = (Date.now() - t0) / 1000;
    const h1 = await admin.health();
    const cpu1 = procStat(proc.pid).cpuTicks;
    const incidents = (await admin.api.call('listIncidents', { query: { limit: 1000 } })).incidents.length;
    await stopWorkers(workers);
    workers = [];
    await sleep(1500); // the last statuses are written once a second
    await proc.stop(); // a clean stop: SQLite checkpoints its WAL into the file
    const row: Row = {
      engine,
      seats: n,
      sittings,
      compressedSeconds: Number(elapsed.toFixed(1)),
      eventsSent: done.reduce((a, x) => a + x.eventsSent, 0),
      eventsStored: h1.seatEventsStored - h0.seatEventsStored,
      eventsUnacked: done.reduce((a, x) => a + x.eventsLeft, 0),
      statusChanges: done.reduce((a, x) => a + x.sent.length, 0),
      heartbeatsSent: done.reduce((a, x) => a + x.heartbeats, 0),
      incidentsListed: incidents >= 1000 ? '1000 or more' : incidents,
      consoleCpuPct: Math.round(((cpu1 - cpu0) / HZ / elapsed) * 100),
      dbSizeMbBefore: sizeBefore,
      dbSizeMbAfterHour: await size(),
    };
    log(`  ${JSON.stringify(row)}`);
    return row;
  } finally {
    await stopWorkers(workers);
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = options();
  log(`open files limit (soft/hard): ${openFilesLimit()}`);
  const dir = mkdtempSync(join(tmpdir(), 'invigil-bench-centre-'));
  const rows: Row[] = [];
  try {
    if (o.hour) for (const e of o.engines) rows.push(await runHour(e, o, dir));
    else for (const s of o.setups) rows.push(await runSetup(s, o, dir));
  } finally {
    await pgServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (o.hour)
    report(
      'console-centre-hour',
      `The database's size after an hour-long sitting of ${o.seats} seats (two sittings planned through the API; per seat: ${SITTING_EVENTS_PER_HOUR} events, 6 status changes, heartbeats at 1/s), the hour's traffic sent in ${o.hourSeconds} s with the events' times spread over the hour; SQLite file (with WAL) after a clean stop, PostgreSQL pg_database_size.`,
      rows,
    );
  else
    report(
      'console-centre',
      `${o.seats} seats, each its own WebSocket on the seat protocol (1 heartbeat/s, a tenth changing status each second, one event each), ${o.steady} s steady, against invigil console processes; p50/p99: a seat's status change to a dashboard live connection on the other console where there are two; CPU is user+system per console process; peak RSS is VmHWM. Open files limit ${openFilesLimit()}.`,
      rows,
    );
}

if (process.argv[2] === 'seats') {
  await runSeatWorker(process.argv[3] ?? '');
} else {
  await main();
}
