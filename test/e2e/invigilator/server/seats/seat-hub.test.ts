/**
 * Attacks on the seat socket of `invigil console` as a real process (real sockets, the real SQLite
 * file): a PC holding a valid seat credential tries to end the console or swamp it. After each, the
 * console must still be running and still serve a normal seat and a dashboard.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { LiveFeed } from '../../../../helpers/console-client.ts';
import { type ReadyConsole, startReadyConsole } from '../../../../helpers/console-process.ts';
import { deepArrayText, openRawSeat } from '../../../../helpers/console-raw-seat.ts';
import {
  enrolTestSeat,
  PASSWORD_MANAGER_FINDING,
  type SeatCredentials,
  startSimulatedSeat,
} from '../../../../helpers/console-seat.ts';

let ready: ReadyConsole;
let live: LiveFeed;

beforeAll(async () => {
  ready = await startReadyConsole();
  live = await ready.admin.live();
}, 60_000);

afterAll(async () => {
  live?.close();
  const code = await ready?.stop();
  // A clean stop (0) also proves the process was still running at the end.
  expect(code).toBe(0);
});

/** The console still serves: a fresh seat connects and its status change reaches the dashboard. */
async function stillServes(pcName: string): Promise<void> {
  expect(ready.proc.child.exitCode, `the console exited: ${ready.proc.stderr().slice(-2000)}`).toBeNull();
  const creds = await enrolTestSeat(ready.admin, pcName, ready.code);
  const seat = startSimulatedSeat(ready.proc.url, creds);
  try {
    await seat.waitFor(() => seat.link.connected);
    seat.setFindings([PASSWORD_MANAGER_FINDING]);
    await live.waitFor((m) =>
      m.type === 'live/seats'
        ? m.seats.find((s) => s.id === creds.seatId && s.state === 'not-ready')
        : undefined,
    );
  } finally {
    await seat.stop();
  }
}

let attacker: SeatCredentials;

test('one seat/events frame nested 150,000 arrays deep does not end the console', async () => {
  attacker = await enrolTestSeat(ready.admin, 'ATTACKER-1', ready.code);
  const raw = await openRawSeat(ready.proc.url, attacker);
  await raw.hello();
  const id = randomUUID();
  raw.send(
    `{"type":"seat/events","batchId":"${randomUUID()}","events":[{"id":"${id}","type":"event/focus-lost","at":${deepArrayText(150_000)}}]}`,
  );
  const error = await raw.waitFor((m) => (m.type === 'console/error' ? m : undefined));
  expect(error.error).toMatch(/nests more than \d+ levels deep/);
  raw.close();
  await stillServes('NORMAL-1');
}, 60_000);

interface IncidentLike {
  id: string;
  kind: string;
  seatId: string | null;
  description: string;
  count?: number;
  at: string;
  lastAt?: string;
}

async function incidentsOf(seatId: string): Promise<IncidentLike[]> {
  const r = await ready.admin.get<{ incidents: IncidentLike[] }>('/api/incidents?limit=1000');
  expect(r.status).toBe(200);
  return r.body.incidents.filter((i) => i.seatId === seatId);
}

function focusLost(at = new Date().toISOString()): Record<string, string> {
  return { id: randomUUID(), type: 'event/focus-lost', at };
}

test('one frame of 200 invalid events gets one console/error, not 200', async () => {
  const creds = await enrolTestSeat(ready.admin, 'AMPLIFY-1', ready.code);
  const raw = await openRawSeat(ready.proc.url, creds);
  await raw.hello();
  const before = raw.received.length;
  raw.send(
    JSON.stringify({
      type: 'seat/events',
      batchId: randomUUID(),
      events: Array.from({ length: 200 }, () => ({})),
    }),
  );
  // A heartbeat after it: once it is answered for (nothing comes back for a heartbeat), wait a moment more.
  const error = await raw.waitFor((m) => (m.type === 'console/error' ? m : undefined), 10_000, before);
  expect(error.error).toMatch(/200 of 200 events rejected/);
  await new Promise((r) => setTimeout(r, 1000));
  expect(raw.received.slice(before).filter((m) => m.type === 'console/error')).toHaveLength(1);
  raw.close();
}, 60_000);

test('repeats of one incident at a seat within 60 s are one incident with a count; every event is stored', async () => {
  const creds = await enrolTestSeat(ready.admin, 'REPEAT-1', ready.code);
  const raw = await openRawSeat(ready.proc.url, creds);
  await raw.hello();
  const t0 = Date.now();
  const events = Array.from({ length: 30 }, (_, i) => focusLost(new Date(t0 + i * 1000).toISOString()));
  raw.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events }));
  await raw.waitFor((m) => (m.type === 'event/ack' && m.ids.length === 30 ? m : undefined));
  // A minute and more later: a new incident.
  const later = focusLost(new Date(t0 + 29_000 + 61_000).toISOString());
  raw.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events: [later] }));
  await raw.waitFor((m) => (m.type === 'event/ack' && m.ids.includes(later.id ?? '') ? m : undefined));
  raw.close();
  const incidents = (await incidentsOf(creds.seatId)).filter((i) => i.kind === 'focus-lost');
  expect(incidents).toHaveLength(2);
  const [newest, first] = incidents;
  expect(first?.count).toBe(30);
  expect(first?.at).toBe(events[0]?.at);
  expect(first?.lastAt).toBe(events[29]?.at);
  expect(newest?.count).toBe(1);
  const health = await ready.admin.get<{ seatEventsStored: number }>('/api/health');
  expect(health.body.seatEventsStored).toBeGreaterThanOrEqual(31);
}, 60_000);

test('a seat flooding 200-event batches is stopped by its budget: console/error, one incident, other seats unaffected', async () => {
  const flooder = await enrolTestSeat(ready.admin, 'FLOOD-1', ready.code);
  const bystanderCreds = await enrolTestSeat(ready.admin, 'BYSTANDER-1', ready.code);
  const bystander = startSimulatedSeat(ready.proc.url, bystanderCreds);
  await bystander.waitFor(() => bystander.link.connected);
  const raw = await openRawSeat(ready.proc.url, flooder);
  await raw.hello();
  const t0 = Date.now();
  let batches = 0;
  // As fast as the socket takes them, for 4 s.
  while (Date.now() - t0 < 4000) {
    if (raw.ws.bufferedAmount < 1024 * 1024) {
      raw.send(
        JSON.stringify({
          type: 'seat/events',
          batchId: randomUUID(),
          events: Array.from({ length: 200 }, () => focusLost()),
        }),
      );
      batches++;
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (batches % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  const stop = await raw.waitFor((m) =>
    m.type === 'console/error' && (m as { code?: string }).code === 'over-budget' ? m : undefined,
  );
  expect(stop.error).toMatch(/more than/);
  // Meanwhile another seat's change still reaches the dashboard.
  bystander.setFindings([PASSWORD_MANAGER_FINDING]);
  await live.waitFor((m) =>
    m.type === 'live/seats'
      ? m.seats.find((s) => s.id === bystanderCreds.seatId && s.state === 'not-ready')
      : undefined,
  );
  await bystander.stop();
  raw.close();
  const flooding = (await incidentsOf(flooder.seatId)).filter((i) => i.kind === 'seat-flooding');
  expect(flooding).toHaveLength(1);
  expect(flooding[0]?.description).toMatch(/FLOOD-1 sent more than/);
  // Far fewer incidents than events: the repeats are one incident.
  expect((await incidentsOf(flooder.seatId)).length).toBeLessThan(5);
  expect(batches).toBeGreaterThan(20);
  await stillServes('NORMAL-2');
}, 60_000);

test('a seat that stops reading is disconnected once 1 MB waits unsent for it', async () => {
  const creds = await enrolTestSeat(ready.admin, 'DEAF-1', ready.code);
  const raw = await openRawSeat(ready.proc.url, creds);
  await raw.hello();
  raw.ws.pause(); // reads nothing more
  const text = 'Please put your phone in the bag at the front. '.repeat(40).slice(0, 1990);
  const droppedBefore = (await ready.admin.get<{ socketsDroppedNotReading: number }>('/api/health')).body
    .socketsDroppedNotReading;
  let sent = 0;
  let dropped = false;
  const deadline = Date.now() + 45_000;
  // Messages to the candidate pile up unread. The console gives up on the seat once 1 MB waits in its own
  // buffer; before that the kernel's socket buffers on both ends fill, and this kernel may grow those to
  // tcp_rmem + tcp_wmem at most. Count only up to the console's decision (its health counter), not the few
  // seconds it then waits for the close to be taken.
  while (Date.now() < deadline && !dropped) {
    const batch = await Promise.all(
      Array.from({ length: 20 }, () => ready.admin.post(`/api/seats/${creds.seatId}/message`, { text })),
    );
    sent += batch.length;
    const health = await ready.admin.get<{ socketsDroppedNotReading: number }>('/api/health');
    dropped = health.body.socketsDroppedNotReading > droppedBefore;
  }
  expect(dropped).toBe(true);
  const kernelMax = (file: string) => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
  const kernelBuffers = kernelMax('/proc/sys/net/ipv4/tcp_rmem') + kernelMax('/proc/sys/net/ipv4/tcp_wmem');
  expect(sent * 2000).toBeLessThan(1024 * 1024 + kernelBuffers + 20 * 2000);
  // The seat is then shown as gone: it took the close, or is cut off a few seconds later.
  const gone = Date.now() + 15_000;
  let connected: boolean | undefined = true;
  while (connected !== false && Date.now() < gone) {
    const seats = await ready.admin.get<{ seats: { id: string; connected: boolean }[] }>('/api/seats');
    connected = seats.body.seats.find((s) => s.id === creds.seatId)?.connected;
    if (connected !== false) await new Promise((r) => setTimeout(r, 200));
  }
  expect(connected).toBe(false);
  raw.close();
  await stillServes('NORMAL-3');
}, 90_000);

test('repeated refused connections for one seat are an incident and a notice on the dashboard', async () => {
  const creds = await enrolTestSeat(ready.admin, 'REFUSED-1', ready.code);
  for (let i = 0; i < 6; i++) {
    await expect(
      openRawSeat(ready.proc.url, { seatId: creds.seatId, credential: 'x'.repeat(43) }),
    ).rejects.toThrow(/HTTP 401/);
  }
  const deadline = Date.now() + 15_000;
  let incident: IncidentLike | undefined;
  while (!incident && Date.now() < deadline) {
    incident = (await incidentsOf(creds.seatId)).find((i) => i.kind === 'seat-connection-refused');
    if (!incident) await new Promise((r) => setTimeout(r, 200));
  }
  expect(incident?.description).toMatch(/REFUSED-1/);
  const notices = await ready.admin.get<{ refusals: { seatId: string; count: number }[] }>('/api/notices');
  expect(notices.status).toBe(200);
  expect(notices.body.refusals.find((n) => n.seatId === creds.seatId)?.count).toBeGreaterThanOrEqual(5);
}, 60_000);
