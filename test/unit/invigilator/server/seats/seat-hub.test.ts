/**
 * The seat hub's budgets and what it keeps, against a console on 127.0.0.1 (real sockets, a real
 * SQLite file) with small budgets, so that each limit is reached in a moment.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { SeatView } from '../../../../../shared/schemas/console-api.ts';
import { startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';
import { openRawSeat, seatUrl } from '../../../../helpers/console-raw-seat.ts';
import { enrolTestSeat } from '../../../../helpers/console-seat.ts';

let c: TestConsole;
beforeAll(async () => {
  c = await startTestConsole({
    seats: { budget: { storedBytesPerSitting: 4000, eventBurst: 50, eventsPerMinute: 600, pauseMs: 1500 } },
  });
});
afterAll(async () => {
  await c?.close();
});

async function stored(id: string): Promise<{ type: string; json: string } | undefined> {
  return (
    await sql<{ type: string; json: string }>`SELECT type, json FROM seat_events WHERE id = ${id}`.execute(
      c.db,
    )
  ).rows[0];
}

async function view(id: string): Promise<SeatView | undefined> {
  return (await c.admin.get<{ seats: SeatView[] }>('/api/seats')).body.seats.find((s) => s.id === id);
}

test('an invalid event is kept as the text the seat sent (bounded), not as a re-serialised copy', async () => {
  const seat = await openRawSeat(c.url, await enrolTestSeat(c.admin, 'PC-RAW'));
  await seat.hello();
  const id = randomUUID();
  const sent = `{ "id" : "${id}",   "type":"event/focus-lost", "at" : [ 1,2 ], "pad": "${'p'.repeat(20_000)}" }`;
  seat.send(`{"type":"seat/events","batchId":"${randomUUID()}","events":[ ${sent} ]}`);
  await seat.waitFor((m) => (m.type === 'event/ack' && m.ids.includes(id) ? m : undefined));
  const row = await stored(id);
  expect(row?.type).toBe('rejected');
  const kept = JSON.parse(row?.json ?? '{}') as { reason: string; sent: string; sentLength: number };
  expect(kept.reason).toMatch(/^seat\/events: events\.0\.at: /);
  // The first 4,096 characters (docs/protocol.md, section 6.4).
  expect(kept.sent).toBe(sent.slice(0, 4096));
  expect(kept.sentLength).toBe(sent.length);
  seat.close();
});

test('past its stored-bytes budget for the sitting, a seat is told once and its events are kept as stubs, still acknowledged', async () => {
  const creds = await enrolTestSeat(c.admin, 'PC-BIG');
  const seat = await openRawSeat(c.url, creds);
  await seat.hello();
  const events = Array.from({ length: 6 }, (_, i) => ({
    id: randomUUID(),
    type: 'event/blocked-navigation',
    at: new Date(Date.now() + i).toISOString(),
    url: `https://example.org/${i}/${'x'.repeat(1000)}`,
    reason: 'not-allowed',
    frame: 'main',
  }));
  seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events }));
  const error = await seat.waitFor((m) => (m.type === 'console/error' ? m : undefined));
  expect(error).toMatchObject({ code: 'over-budget', messageType: 'seat/events' });
  expect(error.type === 'console/error' && error.error).toMatch(/more than 4 KB of events in this sitting/);
  await seat.waitFor((m) => (m.type === 'event/ack' && m.ids.length === 6 ? m : undefined));
  const kept: { url?: string; overBudget?: boolean }[] = [];
  for (const e of events) kept.push(JSON.parse((await stored(e.id))?.json ?? '{}'));
  expect(kept.slice(0, 3).every((k) => k.url?.startsWith('https://example.org/'))).toBe(true);
  expect(kept.slice(4).every((k) => k.overBudget === true && k.url === undefined)).toBe(true);
  seat.close();
});

test('a paused seat is shown Not ready (not Offline); what it sent meanwhile is handled when it resumes', async () => {
  const creds = await enrolTestSeat(c.admin, 'PC-PAUSE');
  const seat = await openRawSeat(c.url, creds);
  await seat.hello();
  const batch = () =>
    Array.from({ length: 30 }, () => ({
      id: randomUUID(),
      type: 'event/focus-lost',
      at: new Date().toISOString(),
    }));
  const first = batch();
  const second = batch();
  seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events: first }));
  seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events: second })); // 60 > a burst of 50
  await seat.waitFor((m) => (m.type === 'console/error' && m.code === 'over-budget' ? m : undefined));
  const during = await view(creds.seatId);
  expect(during?.state).toBe('not-ready');
  expect(during?.reasons[0]?.code).toBe('seat-flooding');
  // Sent while paused: handled after the pause, and nothing is lost.
  const third = batch().slice(0, 2);
  seat.send(JSON.stringify({ type: 'seat/events', batchId: randomUUID(), events: third }));
  await new Promise((r) => setTimeout(r, 3500)); // past the pause, and past the offline threshold
  const ids = new Set(seat.received.flatMap((m) => (m.type === 'event/ack' ? m.ids : [])));
  for (const e of [...first, ...second, ...third]) expect(ids.has(e.id)).toBe(true);
  const after = await view(creds.seatId);
  expect(after?.reasons.some((r) => r.code === 'seat-flooding')).toBe(false);
  expect(after?.state).not.toBe('offline');
  const flooding = (
    await c.admin.get<{ incidents: { kind: string; seatId: string }[] }>('/api/incidents')
  ).body.incidents.filter((i) => i.kind === 'seat-flooding' && i.seatId === creds.seatId);
  expect(flooding).toHaveLength(1);
  seat.close();
}, 20_000);

test('a seat that fell silent while its offline incident could not be written is recorded later, once', async () => {
  const creds = await enrolTestSeat(c.admin, 'PC-SILENT');
  const seat = await openRawSeat(c.url, creds);
  await seat.hello();
  const offlineSince = async () =>
    (
      await sql<{
        offline_since: string | null;
      }>`SELECT offline_since FROM seat_presence WHERE seat_id = ${creds.seatId}`.execute(c.db)
    ).rows[0]?.offline_since ?? null;
  const offlineIncidents = async () =>
    (
      await c.admin.get<{ incidents: { kind: string; seatId: string }[] }>('/api/incidents')
    ).body.incidents.filter((i) => i.kind === 'seat-offline' && i.seatId === creds.seatId);
  await sql`ALTER TABLE incidents RENAME TO incidents_away`.execute(c.db);
  try {
    // Silent past the offline threshold (3 s), its connection still open: shown Offline at once (fail
    // closed), but the episode's claim is not kept without its incident.
    await new Promise((r) => setTimeout(r, 4500));
    expect((await view(creds.seatId))?.state).toBe('offline');
    expect(await offlineSince()).toBeNull();
  } finally {
    await sql`ALTER TABLE incidents_away RENAME TO incidents`.execute(c.db);
  }
  // Tried again (every 2 s) once the database takes it: claimed and recorded, once.
  const deadline = Date.now() + 8000;
  while ((await offlineIncidents()).length === 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  expect(await offlineIncidents()).toHaveLength(1);
  expect(await offlineSince()).not.toBeNull();
  await new Promise((r) => setTimeout(r, 2500));
  expect(await offlineIncidents()).toHaveLength(1);
  seat.close();
}, 25_000);

/** The HTTP status a seat upgrade with these headers is refused with. */
function refusedWith(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(seatUrl(c.url), { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the connection was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

test('/api/health counts refused seat connections by reason, and the live channel’s notices', async () => {
  const health = () => c.admin.api.call('health', {});
  const before = await health();
  const creds = await enrolTestSeat(c.admin, 'PC-REFUSED');
  // The same PC name enrolled again: a replacement request, whose credential waits for a coordinator.
  const replacement = await enrolTestSeat(c.admin, 'PC-REFUSED');
  expect(replacement.seatId).toBe(creds.seatId);
  const someCredential = `Bearer ${'x'.repeat(43)}`;
  expect(await refusedWith({})).toBe(401);
  expect(await refusedWith({ authorization: someCredential, 'x-invigil-seat': 'no-such-seat-00' })).toBe(401);
  expect(await refusedWith({ authorization: someCredential, 'x-invigil-seat': creds.seatId })).toBe(401);
  expect(
    await refusedWith({ authorization: `Bearer ${replacement.credential}`, 'x-invigil-seat': creds.seatId }),
  ).toBe(403);
  const seat = await openRawSeat(c.url, creds);
  await seat.hello(); // announced to the other processes (or, on SQLite, to nobody)
  const shared = process.env.INVIGIL_TEST_ENGINE === 'postgres';
  let after = await health();
  // On PostgreSQL the process hears its own notices back on the channel (and ignores them).
  const deadline = Date.now() + 5000;
  while (shared && after.liveChannel.own === before.liveChannel.own && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    after = await health();
  }
  const b = before.refusedConnectionsByReason;
  // An unknown seat and a wrong credential are one count, as they are one answer: the route is public,
  // and it must not tell anyone whether the seat id they tried exists.
  expect(after.refusedConnectionsByReason).toEqual({
    noCredential: b.noCredential + 1,
    wrongCredential: b.wrongCredential + 2,
    pendingReplacement: b.pendingReplacement + 1,
  });
  expect(after.refusedConnections).toBe(before.refusedConnections + 4);
  expect(after.liveChannel.shared).toBe(shared);
  expect(after.liveChannel.sent).toBeGreaterThan(before.liveChannel.sent);
  expect(after.liveChannel.bad).toBe(0);
  if (shared) {
    expect(after.liveChannel.own).toBeGreaterThan(before.liveChannel.own);
    expect(after.liveChannel.received).toBeGreaterThanOrEqual(after.liveChannel.own);
  } else expect(after.liveChannel.received).toBe(0);
  seat.close();
});

test('/api/health shows the database’s statements and transactions and the events writer’s batches', async () => {
  const health = () => c.admin.api.call('health', {});
  const before = await health();
  const seat = await openRawSeat(c.url, await enrolTestSeat(c.admin, 'PC-WRITER'));
  await seat.hello();
  const ids = Array.from({ length: 5 }, () => randomUUID());
  const at = new Date().toISOString();
  seat.send(
    JSON.stringify({
      type: 'seat/events',
      batchId: randomUUID(),
      events: ids.map((id) => ({ id, type: 'event/focus-lost', at })),
    }),
  );
  await seat.waitFor((m) =>
    m.type === 'event/ack' && ids.every((id) => m.ids.includes(id)) ? m : undefined,
  );
  const after = await health();
  expect(after.database.engine).toBe(process.env.INVIGIL_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite');
  // At least the events' transaction: BEGIN, the INSERT, COMMIT.
  expect(after.database.transactions).toBeGreaterThan(before.database.transactions);
  expect(after.database.statements).toBeGreaterThanOrEqual(before.database.statements + 3);
  const w = after.seatEventWrites;
  expect(w.batches).toBeGreaterThan(before.seatEventWrites.batches);
  expect(w.largestBatch).toBeGreaterThanOrEqual(5);
  expect(w.queueMax).toBeGreaterThanOrEqual(5);
  expect(w.msMax).toBeLessThanOrEqual(w.msTotal);
  seat.close();
});
