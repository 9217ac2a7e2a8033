/**
 * Conformance, sections 3.1–3.3 and 6.1–6.3 of docs/protocol.md: `seq`, time, readiness from findings
 * alone, the extension link, the PC's name and place. A real `invigil console` process; the seat is the
 * document-only client; what the invigilator sees is read from the seat map (GET /api/seats).
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { DocSeat, EMPTY_STATUS, type Enrolled, enrolOk, statusWith } from './doc-client.ts';
import { conformanceConsole, type SeatOnMap, schemaViolations, seatOnMap, until } from './oracle.ts';

let c: ReadyConsole;
const seats: DocSeat[] = [];
let n = 0;

async function newSeat(): Promise<Enrolled> {
  return enrolOk(c.proc.url, c.code, `STAT-${String(++n).padStart(3, '0')}`);
}

async function connected(hello: Record<string, unknown> = {}): Promise<{ seat: Enrolled; s: DocSeat }> {
  const seat = await newSeat();
  const { s } = await DocSeat.hello(c.proc.url, seat, hello);
  seats.push(s);
  return { seat, s };
}

/** Waits until the seat map shows what `pick` wants. */
async function mapShows(seatId: string, pick: (v: SeatOnMap) => boolean): Promise<SeatOnMap> {
  return until(
    async () => {
      const v = await seatOnMap(c.admin, seatId);
      return v && pick(v) ? v : undefined;
    },
    5000,
    'the seat map',
  );
}

/** Lets the console read and apply whatever was sent (a heartbeat's round trip is not acknowledged). */
const settle = () => new Promise((r) => setTimeout(r, 400));

const BLOCK = {
  code: 'password-manager',
  severity: 'block',
  message: 'A password manager is running',
  subject: 'KeePassXC',
};
const WARN = {
  code: 'other-browser',
  severity: 'warn',
  message: 'Another browser is running',
  subject: 'Firefox',
};

beforeAll(async () => {
  c = await conformanceConsole();
});
afterAll(async () => {
  await c?.stop();
});
afterEach(() => {
  const violations = schemaViolations(seats);
  for (const s of seats.splice(0)) s.terminate();
  expect(violations).toEqual([]);
});

// ---- 6.1 seq ----

test('6.1 seq 0 (and a negative or fractional seq) is refused with invalid-message', async () => {
  const { s } = await connected();
  for (const seq of [0, -1, 1.5]) {
    s.send({ type: 'seat/heartbeat', seq, at: new Date().toISOString() }, true);
    const e = await s.waitFor((m) => m.type === 'console/error' && m.seq === seq);
    expect(e.code).toBe('invalid-message');
  }
});

test('6.1 the first status may carry seq 1, and later ones may skip numbers', async () => {
  const { seat, s } = await connected();
  s.send({ type: 'seat/status', seq: 1, at: new Date().toISOString(), status: statusWith([]) });
  await mapShows(seat.seatId, (v) => v.state === 'ready');
  s.send({ type: 'seat/status', seq: 7, at: new Date().toISOString(), status: statusWith([WARN]) });
  await mapShows(seat.seatId, (v) => v.state === 'attention');
  expect(s.errors()).toEqual([]);
});

test('6.1 a status whose seq is not above the last accepted gets seq-not-increasing, and does not change the seat map', async () => {
  const { seat, s } = await connected();
  s.send({ type: 'seat/status', seq: 5, at: new Date().toISOString(), status: statusWith([]) });
  await mapShows(seat.seatId, (v) => v.state === 'ready');
  s.send({ type: 'seat/status', seq: 5, at: new Date().toISOString(), status: statusWith([BLOCK]) });
  const same = await s.waitFor((m) => m.type === 'console/error');
  expect(same).toMatchObject({ code: 'seq-not-increasing', messageType: 'seat/status', seq: 5 });
  s.send({ type: 'seat/status', seq: 4, at: new Date().toISOString(), status: statusWith([BLOCK]) });
  await s.waitFor((m) => m.type === 'console/error' && m.seq === 4 && m.code === 'seq-not-increasing');
  await settle();
  expect((await seatOnMap(c.admin, seat.seatId))?.state).toBe('ready');
});

test('6.1 statuses and heartbeats share one counter: a status below a heartbeat’s seq is refused, and so is a lower heartbeat', async () => {
  const { seat, s } = await connected();
  s.send({ type: 'seat/status', seq: 1, at: new Date().toISOString(), status: statusWith([]) });
  s.send({ type: 'seat/heartbeat', seq: 2, at: new Date().toISOString() });
  s.send({ type: 'seat/heartbeat', seq: 2, at: new Date().toISOString() });
  const hb = await s.waitFor((m) => m.type === 'console/error');
  expect(hb).toMatchObject({ code: 'seq-not-increasing', messageType: 'seat/heartbeat', seq: 2 });
  s.send({ type: 'seat/status', seq: 2, at: new Date().toISOString(), status: statusWith([BLOCK]) });
  await s.waitFor((m) => m.type === 'console/error' && m.messageType === 'seat/status');
  await settle();
  expect((await seatOnMap(c.admin, seat.seatId))?.state).toBe('ready');
});

test('6.1 a new connection starts again: its first seq may be 1', async () => {
  const seat = await newSeat();
  const first = await DocSeat.hello(c.proc.url, seat);
  seats.push(first.s);
  first.s.send({ type: 'seat/status', seq: 40, at: new Date().toISOString(), status: statusWith([]) });
  await mapShows(seat.seatId, (v) => v.state === 'ready');
  first.s.close();
  await first.s.closed;
  const second = await DocSeat.hello(c.proc.url, seat);
  seats.push(second.s);
  second.s.send({ type: 'seat/status', seq: 1, at: new Date().toISOString(), status: statusWith([WARN]) });
  await mapShows(seat.seatId, (v) => v.state === 'attention');
  expect(second.s.errors()).toEqual([]);
});

// ---- 6.2 time ----

test('6.2 at may end in Z or an offset; without either it is refused', async () => {
  const { s } = await connected();
  s.send({ type: 'seat/heartbeat', seq: 1, at: '2026-12-01T09:00:00Z' });
  s.send({ type: 'seat/heartbeat', seq: 2, at: '2026-12-01T10:00:00.5+01:00' });
  s.send({ type: 'seat/heartbeat', seq: 3, at: '2026-12-01T09:00:00' }, true);
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e).toMatchObject({ code: 'invalid-message', seq: 3 });
  expect(String(e.error)).toContain('at');
  expect(s.errors()).toHaveLength(1);
});

test('6.2 the seat map shows when the console received a status, not the seat’s clock', async () => {
  const { seat, s } = await connected();
  s.send({ type: 'seat/status', seq: 1, at: '2001-01-01T00:00:00Z', status: statusWith([]) });
  const v = await mapShows(seat.seatId, (x) => x.state === 'ready');
  expect(Math.abs(Date.parse(v.statusAt ?? '') - Date.now())).toBeLessThan(10_000);
  expect(Math.abs(Date.parse(v.lastSeenAt ?? '') - Date.now())).toBeLessThan(10_000);
});

// ---- 6.3 readiness ----

test('6.3 readiness comes from findings alone: block is Not ready, warn is Attention, none is Ready; a state the seat sends is ignored', async () => {
  const { seat, s } = await connected();
  s.send(
    {
      type: 'seat/status',
      seq: 1,
      at: new Date().toISOString(),
      status: { ...statusWith([BLOCK]), state: 'ready' },
    },
    true,
  );
  const notReady = await mapShows(seat.seatId, (v) => v.state !== 'offline' && v.reasons.length > 0);
  expect(notReady.state).toBe('not-ready');
  expect(notReady.reasons[0]).toMatchObject({ code: 'password-manager', subject: 'KeePassXC' });
  s.send(
    {
      type: 'seat/status',
      seq: 2,
      at: new Date().toISOString(),
      status: { ...statusWith([WARN]), state: 'not-ready' },
    },
    true,
  );
  await mapShows(seat.seatId, (v) => v.state === 'attention');
  s.send(
    {
      type: 'seat/status',
      seq: 3,
      at: new Date().toISOString(),
      status: { ...statusWith([]), state: 'not-ready' },
    },
    true,
  );
  await mapShows(seat.seatId, (v) => v.state === 'ready');
  expect(s.errors()).toEqual([]);
});

test('6.3 no linked extension and no finding saying so: Not ready, with the console’s own reason', async () => {
  const { seat, s } = await connected();
  s.send({
    type: 'seat/status',
    seq: 1,
    at: new Date().toISOString(),
    status: { findings: [], checks: [], extension: { linked: false, reportAgeSeconds: null } },
  });
  const v = await mapShows(seat.seatId, (x) => x.state === 'not-ready');
  expect(v.reasons.map((r) => r.code)).toEqual(['extension-not-linked']);
  expect(v.reasons[0]?.message).toMatch(/extension/i);
});

test('6.3 an unlinked extension the seat already reports as extension-silent gets no second reason', async () => {
  const { seat, s } = await connected();
  const silent = {
    code: 'extension-silent',
    severity: 'block',
    message: 'No recent report from the Invigil extension',
  };
  s.send({
    type: 'seat/status',
    seq: 1,
    at: new Date().toISOString(),
    status: { findings: [silent], checks: [], extension: { linked: false, reportAgeSeconds: null } },
  });
  const v = await mapShows(seat.seatId, (x) => x.state === 'not-ready');
  expect(v.reasons.map((r) => r.code)).toEqual(['extension-silent']);
});

test('6.3 a seat that has said hello but sent no status is Not ready, waiting for its first report', async () => {
  const { seat, s } = await connected();
  s.heartbeat();
  const v = await mapShows(seat.seatId, (x) => x.connected && x.state !== 'offline');
  expect(v.state).toBe('not-ready');
  expect(v.reasons[0]?.message).toMatch(/first report/);
});

// ---- 3.1 name and place ----

test('3.1 the hello’s pcName does not rename the seat: the map shows the enrolled name', async () => {
  const { seat, s } = await connected({ pcName: 'SOMETHING-ELSE' });
  s.status(EMPTY_STATUS);
  const v = await mapShows(seat.seatId, (x) => x.state === 'ready');
  expect(v.pcName).toBe(seat.pcName);
});

test('3.1 the hello’s place is used only while the console has none; the dashboard’s place then wins', async () => {
  const seat = await newSeat();
  const first = await DocSeat.hello(c.proc.url, seat, { place: 'Row A, seat 1' });
  seats.push(first.s);
  await mapShows(seat.seatId, (v) => v.place === 'Row A, seat 1');
  const patched = await c.admin.request('PATCH', `/api/seats/${seat.seatId}`, { place: 'Row C, seat 9' });
  expect(patched.status).toBe(200);
  first.s.close();
  await first.s.closed;
  const second = await DocSeat.hello(c.proc.url, seat, { place: 'Row Z, seat 99' });
  seats.push(second.s);
  second.s.status(EMPTY_STATUS);
  await mapShows(seat.seatId, (v) => v.state === 'ready');
  expect((await seatOnMap(c.admin, seat.seatId))?.place).toBe('Row C, seat 9');
});
