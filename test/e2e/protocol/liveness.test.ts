/**
 * Conformance, section 6.5 of docs/protocol.md: heartbeats and Offline, the console's pings, the read
 * timeout on the console's side, and Seat offline incidents after a console restart (kill -9 and an
 * orderly stop), with nothing acknowledged lost. Real `invigil console` processes; the seats are the
 * document-only client.
 */
import { afterEach, expect, test } from 'vitest';
import { ConsoleClient } from '../../helpers/console-client.ts';
import { type ConsoleProcess, startConsoleProcess } from '../../helpers/console-process.ts';
import { DOC, DocSeat, EMPTY_STATUS, type Enrolled, enrolOk, focusLost } from './doc-client.ts';
import { conformanceConsole, incidents, schemaViolations, seatOnMap, storedEvents, until } from './oracle.ts';

const seats: DocSeat[] = [];
const stops: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  const violations = schemaViolations(seats);
  for (const s of seats.splice(0)) s.terminate();
  for (const stop of stops.splice(0)) await stop();
  expect(violations).toEqual([]);
});

async function online(url: string, seat: Enrolled): Promise<{ s: DocSeat; stop: () => void }> {
  const { s } = await DocSeat.hello(url, seat);
  seats.push(s);
  s.status(EMPTY_STATUS);
  return { s, stop: s.keepAlive() };
}

test(`6.5 the console pings every seat every ${DOC.pingMs} ms`, async () => {
  const c = await conformanceConsole();
  stops.push(() => c.stop());
  const seat = await enrolOk(c.proc.url, c.code, 'PING-1');
  const { s, stop } = await online(c.proc.url, seat);
  try {
    await until(() => s.pings.length >= 2, DOC.pingMs * 2 + 4000, 'two pings');
    const first = (s.pings[0] ?? 0) - s.opened;
    const gap = (s.pings[1] ?? 0) - (s.pings[0] ?? 0);
    expect(first).toBeLessThanOrEqual(DOC.pingMs + 1500);
    expect(gap).toBeGreaterThan(DOC.pingMs - 1500);
    expect(gap).toBeLessThan(DOC.pingMs + 1500);
  } finally {
    stop();
  }
}, 40_000);

test(`6.5 the console cuts a connection it has received nothing from for ${DOC.readTimeoutMs} ms; pongs alone keep one open`, async () => {
  const c = await conformanceConsole();
  stops.push(() => c.stop());
  const deaf = (
    await DocSeat.hello(c.proc.url, await enrolOk(c.proc.url, c.code, 'DEAF-1'), {}, { autoPong: false })
  ).s;
  const quiet = (await DocSeat.hello(c.proc.url, await enrolOk(c.proc.url, c.code, 'QUIET-1'))).s;
  seats.push(deaf, quiet);
  const lastSent = Date.now();
  const closed = await deaf.closed;
  expect(closed.code).toBe(1006);
  expect(closed.at - lastSent).toBeGreaterThan(DOC.readTimeoutMs - 1000);
  expect(closed.at - lastSent).toBeLessThan(DOC.readTimeoutMs + 6000);
  expect(quiet.open).toBe(true);
}, 60_000);

test(`6.5 a seat silent for ${DOC.offlineAfterMs} ms shows Offline, and a Seat offline incident is recorded`, async () => {
  const c = await conformanceConsole();
  stops.push(() => c.stop());
  const seat = await enrolOk(c.proc.url, c.code, 'SILENT-1');
  const { stop } = await online(c.proc.url, seat);
  await until(async () => (await seatOnMap(c.admin, seat.seatId))?.state === 'ready', 5000, 'Ready');
  stop(); // the socket stays open; the seat just stops talking
  const wentSilent = Date.now();
  await until(async () => (await seatOnMap(c.admin, seat.seatId))?.state === 'offline', 8000, 'Offline');
  expect(Date.now() - wentSilent).toBeGreaterThan(DOC.offlineAfterMs - 500);
  const offline = await until(
    async () => (await incidents(c.admin, seat.seatId)).find((i) => i.kind === 'seat-offline'),
    5000,
    'the incident',
  );
  expect(offline.description).toContain(seat.pcName);
});

/** A console on a data folder the test keeps, so that it can be killed and started again on it. */
async function restartable(): Promise<{
  proc: ConsoleProcess;
  admin: ConsoleClient;
  code: string;
  restart(signal: 'SIGKILL' | 'SIGTERM', downMs: number): Promise<ConsoleProcess>;
}> {
  const c = await conformanceConsole();
  const dataDir = c.proc.dataDir;
  let proc: ConsoleProcess = c.proc;
  stops.push(async () => {
    await proc.stop();
    await c.stop();
  });
  const admin = c.admin;
  return {
    proc,
    admin,
    code: c.code,
    async restart(signal, downMs) {
      const exited = new Promise((r) => proc.child.once('exit', r));
      proc.child.kill(signal);
      await exited;
      await new Promise((r) => setTimeout(r, downMs));
      proc = await startConsoleProcess({ dataDir, keepData: true });
      return proc;
    },
  };
}

function signedInTo(url: string, admin: ConsoleClient): ConsoleClient {
  const client = new ConsoleClient(url);
  client.cookie = admin.cookie;
  return client;
}

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`6.5 after a console restart (${signal === 'SIGKILL' ? 'kill -9' : 'orderly stop'}), a seat not back within ${DOC.restartGraceMs} ms gets a Seat offline incident saying the console was down, when and how long; one back in time gets none; nothing acknowledged is lost`, async () => {
    const r = await restartable();
    const gone = await enrolOk(r.proc.url, r.code, `GONE-${signal}`);
    const back = await enrolOk(r.proc.url, r.code, `BACK-${signal}`);
    const a = await online(r.proc.url, gone);
    const b = await online(r.proc.url, back);
    const events = Array.from({ length: 20 }, () => focusLost());
    b.s.events(events);
    await b.s.waitForAcks(events.map((e) => String(e.id)));
    // The console notes every few seconds which seats are online.
    await new Promise((res) => setTimeout(res, 6000));
    const downAt = Date.now();
    const restarted = await r.restart(signal, 3000);
    const upAt = Date.now();
    if (signal === 'SIGTERM') expect((await a.s.closed).code).toBe(1001);
    a.stop();
    b.stop();
    // The seat that comes back does so within the grace; the other never does.
    const b2 = await online(restarted.url, back);
    const admin = signedInTo(restarted.url, r.admin);
    const incident = await until(
      async () =>
        (await incidents(admin, gone.seatId)).find(
          (i) => i.kind === 'seat-offline' && Date.parse(i.at) >= downAt - 10_000,
        ),
      DOC.restartGraceMs + 10_000,
      'the offline incident after the restart',
    );
    expect(Date.now() - upAt).toBeGreaterThan(DOC.restartGraceMs - 2000);
    expect(incident.description).toContain(gone.pcName);
    expect(incident.description).toMatch(
      /console itself was down for about \d+ s \(from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d\)/,
    );
    const secondsDown = Number(incident.description.match(/down for about (\d+) s/)?.[1]);
    expect(secondsDown).toBeGreaterThanOrEqual(2);
    expect(secondsDown).toBeLessThanOrEqual(Math.ceil((upAt - downAt) / 1000) + 6);
    expect(
      (await incidents(admin, back.seatId)).filter(
        (i) => i.kind === 'seat-offline' && Date.parse(i.at) >= downAt - 10_000,
      ),
    ).toEqual([]);
    expect((await seatOnMap(admin, gone.seatId))?.state).toBe('offline');
    expect((await seatOnMap(admin, back.seatId))?.state).toBe('ready');
    const stored = new Set(storedEvents(restarted.dataDir, back.seatId).map((e) => e.id));
    expect(events.every((e) => stored.has(String(e.id)))).toBe(true);
    b2.stop();
  }, 90_000);
}
