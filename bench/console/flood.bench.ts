/**
 * One seat flooding the console while 1,000 others report normally (issue 9, part C): measured from
 * outside, against `invigil console` as its own process.
 *
 * The 1,000 seats run in a worker process (seat-sim.ts, one socket each; one heartbeat a second,
 * a tenth of them changing status every second), and a real dashboard live connection times each
 * status change's arrival. First a quiet phase, then the same load while one more seat, in its own
 * process, sends 200-event `seat/events` batches as fast as its socket takes them. For each phase:
 * status-change-to-dashboard p50/p99/max, the console's CPU, memory and event-loop delay; for the
 * flood: what the flooder sent, what the console accepted (acknowledged) from it, how soon its budget
 * stopped it, and how many incidents it left in the record.
 *
 * Quiet and flooded phases alternate for a few rounds, so that whatever else the machine is doing
 * falls on both alike; each row says the machine's load average.
 *
 *   npm run bench -- flood          (SEATS=1000 PHASE_S=10 ROUNDS=3)
 */

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ConsoleToSeat } from '../../shared/schemas/protocol.ts';
import { SEAT_PROTOCOL_VERSION } from '../../shared/schemas/protocol.ts';
import { percentile, type Row, report } from '../report.ts';
import {
  enrolSeats,
  loadAvg1m,
  procStat,
  type SeatCredentials,
  sentAt,
  setUp,
  sqliteSizeMb,
  startConsole,
  timedDashboard,
} from './client.ts';
import { type FromWorker, runSeatWorker, startSeatWorker } from './seat-sim.ts';

interface FloodResult {
  type: 'flood-done';
  seconds: number;
  batches: number;
  eventsSent: number;
  eventsAcked: number;
  /** Events acknowledged in the first second: the burst one seat can push before its budget stops it. */
  ackedWithin1s: number;
  msToFirstStop: number | null;
  overBudgetErrors: number;
  closedWith: number | null;
}

// ---------------------------------------------------------------- the flooder (child process)

async function runFlooder(file: string, url: string, seconds: number): Promise<void> {
  const creds = JSON.parse(readFileSync(file, 'utf8')) as SeatCredentials;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/seat`, {
    headers: { authorization: `Bearer ${creds.credential}`, 'x-invigil-seat': creds.seatId },
  });
  let acked = 0;
  let ackedWithin1s = 0;
  let firstStop: number | null = null;
  let overBudget = 0;
  let closedWith: number | null = null;
  let welcomed = false;
  /** When the flood started (reset on `go`). */
  let t0 = Date.now();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as ConsoleToSeat;
    if (m.type === 'console/welcome') welcomed = true;
    if (m.type === 'event/ack') {
      acked += m.ids.length;
      if (Date.now() - t0 <= 1000) ackedWithin1s += m.ids.length;
    }
    if (m.type === 'console/error' && m.code === 'over-budget') {
      overBudget++;
      if (firstStop === null) firstStop = Date.now() - t0;
    }
  });
  ws.on('close', (code) => {
    closedWith = code;
  });
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  ws.send(
    JSON.stringify({
      type: 'seat/hello',
      protocol: SEAT_PROTOCOL_VERSION,
      agentVersion: 'flood',
      pcName: creds.pcName,
      os: 'bench',
    }),
  );
  while (!welcomed) await new Promise((r) => setTimeout(r, 5));
  process.send?.({ type: 'flood-ready' });
  await new Promise((r) => process.once('message', r));
  const start = Date.now();
  t0 = start;
  let batches = 0;
  let eventsSent = 0;
  while (Date.now() - start < seconds * 1000 && closedWith === null) {
    // As fast as the socket takes them, never waiting for acknowledgements: top the send buffer up,
    // then sleep a moment. (Spinning would only take this machine's CPU from the console: a real
    // attacker's CPU is on another PC.)
    while (ws.bufferedAmount < 512 * 1024 && closedWith === null) {
      const at = new Date().toISOString();
      const events = Array.from({ length: 200 }, () => ({ id: randomUUID(), type: 'event/focus-lost', at }));
      ws.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events }));
      batches++;
      eventsSent += 200;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const result: FloodResult = {
    type: 'flood-done',
    seconds: (Date.now() - start) / 1000,
    batches,
    eventsSent,
    eventsAcked: acked,
    ackedWithin1s,
    msToFirstStop: firstStop,
    overBudgetErrors: overBudget,
    closedWith,
  };
  process.send?.(result);
  ws.terminate();
  process.exit(0);
}

// ---------------------------------------------------------------- the benchmark (parent)

async function main(): Promise<void> {
  const n = Number(process.env.SEATS ?? 1000);
  const seconds = Number(process.env.PHASE_S ?? 10);
  const rounds = Number(process.env.ROUNDS ?? 3);
  const dataDir = mkdtempSync(join(tmpdir(), 'invigil-bench-flood-'));
  const consoleProc = await startConsole({ dataDir });
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  try {
    const admin = await setUp(consoleProc);
    const creds = await enrolSeats(admin, n);
    const [flooder] = await enrolSeats(admin, 1, 'FLOOD-');
    const { ws, received } = await timedDashboard(admin);
    const gen = startSeatWorker(
      self,
      { urls: [consoleProc.url], seats: creds.map((c) => ({ ...c, console: 0 })), connectPerSecond: n * 20 },
      dataDir,
      0,
    );
    const connected = await gen.next();
    process.stdout.write(
      `  ${n} seats connected in ${connected.type === 'connected' ? connected.seconds.toFixed(1) : '?'} s\n`,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const events0 = (await admin.health()).seatEventsStored;

    const quietLatencies: number[] = [];
    const floodLatencies: number[] = [];
    const measurePhase = async (name: string, pool: number[], during?: () => Promise<void>): Promise<Row> => {
      await admin.api.call('resetHealth');
      const cpu0 = procStat(consoleProc.pid);
      let rssMax = cpu0.rssMb;
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, procStat(consoleProc.pid).rssMb);
      }, 250);
      const load0 = loadAvg1m();
      const t0 = Date.now();
      // Only status changes, so that the phases differ by the flood alone.
      gen.send({
        type: 'go',
        changesPerSecond: Math.max(20, n / 10),
        seconds,
        eventsPerSeat: 0,
        mix: 'focus',
      });
      const [done] = await Promise.all([gen.next(), during?.()]);
      const elapsed = (Date.now() - t0) / 1000;
      clearInterval(sampler);
      const cpu1 = procStat(consoleProc.pid);
      const health = await admin.health();
      await new Promise((r) => setTimeout(r, 500));
      const m = measured(done as FromWorker, received);
      pool.push(...m.latencies);
      const row: Row = {
        phase: name,
        seats: n,
        statusChanges: m.sent,
        p50Ms: percentile(m.latencies, 50),
        p99Ms: percentile(m.latencies, 99),
        maxMs: percentile(m.latencies, 100),
        lost: m.lost,
        consoleCpuPct: Math.round(((cpu1.cpuTicks - cpu0.cpuTicks) / 100 / elapsed) * 100),
        consoleRssMbMax: Math.round(rssMax),
        loopDelayP99Ms: health.eventLoopDelayP99Ms,
        loopDelayMaxMs: health.eventLoopDelayMaxMs,
        // The machine is shared: how busy it was (the 1-minute load average, before and after).
        loadAvg1m: `${load0} → ${loadAvg1m()}`,
      };
      process.stdout.write(`  ${JSON.stringify(row)}\n`);
      return row;
    };

    const floodFile = join(dataDir, 'flooder.json');
    writeFileSync(floodFile, JSON.stringify(flooder));
    const floods: FloodResult[] = [];
    const dbBefore = sqliteSizeMb(dataDir);
    // Quiet and flooded phases alternate, so that the machine's other load falls on both alike.
    for (let round = 1; round <= rounds; round++) {
      rows.push(await measurePhase(`quiet ${round}`, quietLatencies));
      const child = spawn(process.execPath, [self, 'flooder', floodFile, consoleProc.url, String(seconds)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const exited = new Promise((r) => child.once('exit', r));
      const messages: unknown[] = [];
      const waiters: ((m: unknown) => void)[] = [];
      child.on('message', (m) => {
        const w = waiters.shift();
        if (w) w(m);
        else messages.push(m);
      });
      const nextMessage = () =>
        messages.length > 0
          ? Promise.resolve(messages.shift())
          : new Promise<unknown>((r) => waiters.push(r));
      await nextMessage(); // flood-ready
      rows.push(
        await measurePhase(`one seat flooding ${round}`, floodLatencies, async () => {
          child.send({ type: 'go' });
          floods.push((await nextMessage()) as FloodResult);
        }),
      );
      await exited;
    }
    gen.send({ type: 'stop' });
    await gen.exited;
    ws.close();
    // What the flood left in the record (the incidents list, newest first) and in the database.
    const { incidents: all } = await admin.api.call('listIncidents', { query: { limit: 1000 } });
    const byKind = new Map<string, { n: number; times: number }>();
    for (const i of all.filter((x) => x.pcName?.startsWith('FLOOD-'))) {
      const k = byKind.get(i.kind) ?? { n: 0, times: 0 };
      byKind.set(i.kind, { n: k.n + 1, times: k.times + i.count });
    }
    const incidents = [...byKind].map(([kind, v]) => ({ kind, ...v }));
    const stored = (await admin.health()).seatEventsStored - events0;
    await consoleProc.stop();
    const quietP99 = percentile(quietLatencies, 99);
    const floodP99 = percentile(floodLatencies, 99);
    rows.push({
      phase: 'quiet, all rounds',
      statusChanges: quietLatencies.length,
      p50Ms: percentile(quietLatencies, 50),
      p99Ms: quietP99,
      maxMs: percentile(quietLatencies, 100),
    });
    rows.push({
      phase: 'flooding, all rounds',
      statusChanges: floodLatencies.length,
      p50Ms: percentile(floodLatencies, 50),
      p99Ms: floodP99,
      maxMs: percentile(floodLatencies, 100),
      p99RatioFloodToQuiet: Number((floodP99 / quietP99).toFixed(2)),
    });
    const sum = (f: (x: FloodResult) => number) => floods.reduce((t, x) => t + f(x), 0);
    const floodSeconds = sum((x) => x.seconds);
    rows.push({
      phase: 'the flooding seat, all rounds',
      batchesSent: sum((x) => x.batches),
      eventsSent: sum((x) => x.eventsSent),
      eventsSentPerSec: Math.round(sum((x) => x.eventsSent) / floodSeconds),
      eventsAccepted: sum((x) => x.eventsAcked),
      eventsAcceptedPerSec: Math.round(sum((x) => x.eventsAcked) / floodSeconds),
      firstRoundAcceptedIn1s: floods[0]?.ackedWithin1s ?? null,
      firstRoundMsToStop: floods[0]?.msToFirstStop ?? null,
      overBudgetErrors: sum((x) => x.overBudgetErrors),
      eventsStored: stored,
      incidents: incidents.map((i) => `${i.kind}: ${i.n} (${i.times} times)`).join('; '),
      dbGrowthMb: Number((sqliteSizeMb(dataDir) - dbBefore).toFixed(1)),
    });
  } finally {
    await consoleProc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report(
    'console-flood',
    `${Number(process.env.SEATS ?? 1000)} seats on the real protocol (1 heartbeat/s, a tenth changing status each second) against invigil console as its own process; ${Number(process.env.ROUNDS ?? 3)} rounds of ${Number(process.env.PHASE_S ?? 10)} s quiet, then ${Number(process.env.PHASE_S ?? 10)} s with one more seat sending 200-event batches as fast as its socket takes them; latency is a seat's status change to a dashboard live connection receiving it.`,
    rows,
  );
}

if (process.argv[2] === 'seats') {
  await runSeatWorker(process.argv[3] ?? '');
} else if (process.argv[2] === 'flooder') {
  await runFlooder(process.argv[3] ?? '', process.argv[4] ?? '', Number(process.argv[5] ?? 10));
} else {
  await main();
}

/** Latencies of one phase's marked status changes to the dashboard. */
function measured(
  done: FromWorker,
  received: Map<string, number>,
): { latencies: number[]; sent: number; lost: number } {
  const latencies: number[] = [];
  let lost = 0;
  const sent = done.type === 'done' ? done.sent : [];
  for (const key of sent) {
    const at = received.get(key);
    if (at === undefined) lost++;
    else latencies.push(at - sentAt(key.split('|')[1] ?? ''));
  }
  return { latencies, sent: sent.length, lost };
}
