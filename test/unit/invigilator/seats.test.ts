/**
 * Seats against a real console on 127.0.0.1 (real SQLite file), driven by the real agent-side client:
 * enrolment, seat authentication, live state, idempotent events, instructions and their
 * acknowledgements, the gate held until the identity check, the record export.
 */
import { randomUUID } from 'node:crypto';

import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createConsoleLink, enrolSeat } from '../../../kiosk-agent/seat/console-link.ts';
import type { SeatView, SittingView } from '../../../shared/schemas/console-api.ts';
import { type ConsoleToSeat, SEAT_PROTOCOL_VERSION } from '../../../shared/schemas/protocol.ts';
import { startTestConsole, type TestConsole } from '../../helpers/console-client.ts';
import {
  enrolTestSeat,
  event,
  PASSWORD_MANAGER_FINDING,
  type SimulatedSeat,
  startSimulatedSeat,
} from '../../helpers/console-seat.ts';

let c: TestConsole;
const seats: SimulatedSeat[] = [];
beforeAll(async () => {
  c = await startTestConsole({ livePushMs: 20 });
});
afterEach(async () => {
  await Promise.all(seats.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await c?.close();
});

async function seatView(id: string): Promise<SeatView | undefined> {
  const { seats } = await c.admin.api.call('listSeats');
  return seats.find((s) => s.id === id);
}

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a raw socket as a seat and returns the HTTP status of the refusal (or 101). */
function rawConnect(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${c.url.replace('http', 'ws')}/seat`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

describe('enrolment and seat authentication', () => {
  test('a PC enrols with a code from the dashboard; a wrong code is refused', async () => {
    const code = await c.admin.post<{ code: string; usesLeft: number }>('/api/enrolment-codes', { uses: 1 });
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await expect(enrolSeat({ consoleUrl: c.url, code: 'WRNG-CODE', pcName: 'PC-X' })).rejects.toThrow(
      /refused the enrolment: The enrolment code is wrong/,
    );
    // Typed in lower case without the dash: still accepted.
    const e = await enrolSeat({
      consoleUrl: c.url,
      code: code.body.code.toLowerCase().replace('-', ''),
      pcName: 'PC-01',
    });
    expect(e.credential.length).toBeGreaterThanOrEqual(32);
    // A code for one PC is used up after one enrolment.
    await expect(enrolSeat({ consoleUrl: c.url, code: code.body.code, pcName: 'PC-02' })).rejects.toThrow(
      /used up/,
    );
    expect((await seatView(e.seatId))?.pcName).toBe('PC-01');
  });

  test('an unreachable console gets a one-line reason', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await expect(enrolSeat({ consoleUrl: `http://127.0.0.1:${port}`, code: 'AAAA-BBBB' })).rejects.toThrow(
      `could not reach the console at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });

  test('a missing or wrong credential is refused and logged; one seat cannot report as another', async () => {
    const a = await enrolTestSeat(c.admin, 'PC-AUTH-A');
    const b = await enrolTestSeat(c.admin, 'PC-AUTH-B');
    expect(await rawConnect({})).toBe(401);
    expect(await rawConnect({ authorization: `Bearer ${'x'.repeat(43)}`, 'x-invigil-seat': a.seatId })).toBe(
      401,
    );
    // A's real credential presented for B.
    expect(await rawConnect({ authorization: `Bearer ${a.credential}`, 'x-invigil-seat': b.seatId })).toBe(
      401,
    );
    expect(await rawConnect({ authorization: `Bearer ${a.credential}`, 'x-invigil-seat': a.seatId })).toBe(
      101,
    );
    const refusals = c.logs.filter((l) => l.msg === 'seat connection refused');
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals.some((l) => l.seatId === b.seatId && String(l.reason).includes('wrong credential'))).toBe(
      true,
    );
  });

  test('enrolling an enrolled PC name again does not replace its credential: the new one waits for a coordinator', async () => {
    const first = await enrolTestSeat(c.admin, 'PC-REIMAGED');
    const second = await enrolTestSeat(c.admin, 'PC-REIMAGED');
    expect(second.seatId).toBe(first.seatId);
    expect(
      await rawConnect({ authorization: `Bearer ${first.credential}`, 'x-invigil-seat': first.seatId }),
    ).toBe(101);
    expect(
      await rawConnect({ authorization: `Bearer ${second.credential}`, 'x-invigil-seat': second.seatId }),
    ).toBe(403);
    const notices = await c.admin.api.call('listNotices');
    expect(notices.replacements).toEqual([
      expect.objectContaining({ seatId: first.seatId, status: 'pending' }),
    ]);
  });
});

describe('live seat state', () => {
  test('a seat turns Ready, Not ready with the reason, then Offline when it stops; the dashboard hears each', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-LIVE');
    const live = await c.admin.live();
    try {
      const seat = startSimulatedSeat(c.url, creds);
      seats.push(seat);
      const ready = await live.waitFor((m) =>
        m.type === 'live/seats'
          ? m.seats.find((s) => s.id === creds.seatId && s.state === 'ready')
          : undefined,
      );
      expect(ready.pcName).toBe('PC-LIVE');
      seat.setFindings([PASSWORD_MANAGER_FINDING]);
      // Not the "waiting for the first report" Not ready of a seat just connected: the finding's.
      const notReady = await live.waitFor((m) =>
        m.type === 'live/seats'
          ? m.seats.find(
              (s) =>
                s.id === creds.seatId && s.state === 'not-ready' && s.reasons[0]?.code === 'password-manager',
            )
          : undefined,
      );
      expect(notReady.reasons[0]).toMatchObject({
        message: 'A password manager is running',
        subject: 'KeePassXC',
      });
      await seat.stop();
      const offline = await live.waitFor(
        (m) =>
          m.type === 'live/seats'
            ? m.seats.find((s) => s.id === creds.seatId && s.state === 'offline' && s.lastSeenAt !== null)
            : undefined,
        15_000,
      );
      expect(offline.reasons[0]?.message).toMatch(/stopped reporting/);
      const incident = await live.waitFor((m) =>
        m.type === 'live/incidents'
          ? m.incidents.find((i) => i.kind === 'seat-offline' && i.seatId === creds.seatId)
          : undefined,
      );
      expect(incident.kindLabel).toBe('Seat offline');
    } finally {
      live.close();
    }
  });

  test('a message that breaks the protocol gets console/error naming the field; the seat stays connected', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-BADMSG');
    const ws = new WebSocket(`${c.url.replace('http', 'ws')}/seat`, {
      headers: { authorization: `Bearer ${creds.credential}`, 'x-invigil-seat': creds.seatId },
    });
    const received: ConsoleToSeat[] = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString()) as ConsoleToSeat));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'seat/heartbeat', seq: 1, at: new Date().toISOString() }));
    ws.send(
      JSON.stringify({
        type: 'seat/hello',
        protocol: SEAT_PROTOCOL_VERSION,
        agentVersion: 'raw',
        pcName: 'PC-BADMSG',
        os: 'linux',
      }),
    );
    ws.send('this is not json');
    ws.send(JSON.stringify({ type: 'seat/status', seq: 'one', at: 'now', status: {} }));
    ws.send(JSON.stringify({ type: 'seat/heartbeat', seq: 2, at: new Date().toISOString() }));
    await until(
      async () =>
        received.filter((m) => m.type === 'console/error').length >= 3 &&
        received.some((m) => m.type === 'console/welcome'),
    );
    const errors = received.flatMap((m) => (m.type === 'console/error' ? [m] : []));
    expect(errors[0]).toMatchObject({ code: 'hello-first', error: 'send seat/hello first' });
    expect(errors.some((e) => e.code === 'not-json' && e.error.includes('not valid JSON'))).toBe(true);
    expect(
      errors.some(
        (e) => e.code === 'invalid-message' && e.messageType === 'seat/status' && e.error.includes('seq:'),
      ),
    ).toBe(true);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});

describe('events and instructions', () => {
  test('one bad event never blocks the others: valid ones are stored, a bad one with an id is kept as rejected, all acknowledged', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-BADEVENT');
    const ws = new WebSocket(`${c.url.replace('http', 'ws')}/seat`, {
      headers: { authorization: `Bearer ${creds.credential}`, 'x-invigil-seat': creds.seatId },
    });
    const received: ConsoleToSeat[] = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString()) as ConsoleToSeat));
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({
        type: 'seat/hello',
        protocol: SEAT_PROTOCOL_VERSION,
        agentVersion: 'raw',
        pcName: 'PC-BADEVENT',
        os: 'linux',
      }),
    );
    const good = event('event/focus-lost');
    const futureType = {
      id: 'evt-from-a-newer-agent',
      at: new Date().toISOString(),
      type: 'event/teleported',
    };
    const noId = { type: 'event/focus-lost', at: 'yesterday' };
    const batchId = randomUUID();
    ws.send(JSON.stringify({ type: 'seat/events', batchId, events: [good, futureType, noId] }));
    const acked = await until(async () => {
      const ids = received.flatMap((m) => (m.type === 'event/ack' ? m.ids : []));
      return ids.length >= 2 ? ids : undefined;
    });
    expect(acked.sort()).toEqual([good.id, futureType.id].sort());
    const errors = received.flatMap((m) => (m.type === 'console/error' ? [m] : []));
    // One error for the batch, naming it and listing each bad event with its position and usable id.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'invalid-event',
      inReplyTo: batchId,
      messageType: 'seat/events',
    });
    expect(errors[0]?.error).toMatch(
      /^seat\/events: 2 of 3 events rejected \(1 with an id kept as rejected and acknowledged\): events\.1\.type: .*; events\.2\./,
    );
    expect(errors[0]?.events?.map((e) => [e.index, e.eventId, e.kept])).toEqual([
      [1, futureType.id, true],
      [2, undefined, false],
    ]);
    expect(await c.running.store.countSeatEvents(creds.seatId)).toBe(2);
    ws.close();
  });

  test('events are stored once however often they are sent, and acknowledged each time', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-EVENTS');
    const seat = startSimulatedSeat(c.url, creds);
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
    const blocked = event('event/blocked-navigation', {
      url: 'http://answers.example.net/',
      reason: 'not-allowed',
      frame: 'main',
    });
    const focus = event('event/focus-lost');
    seat.outbox.add(blocked, focus);
    await seat.waitFor(() => seat.outbox.events.length === 0);
    // The same ids again, as after a lost acknowledgement.
    seat.outbox.add(blocked, focus);
    await seat.waitFor(() => seat.outbox.events.length === 0);
    expect(seat.outbox.acknowledged.filter((id) => id === blocked.id)).toHaveLength(2);
    expect(await c.running.store.countSeatEvents(creds.seatId)).toBe(2);
    const { incidents } = await c.admin.api.call('listIncidents');
    const mine = incidents.filter((i) => i.seatId === creds.seatId);
    expect(mine.map((i) => i.kind).sort()).toEqual(['focus-lost', 'site-blocked']);
    expect(mine.find((i) => i.kind === 'site-blocked')?.description).toContain('http://answers.example.net/');
  });

  test('events sent while the console is away are delivered after the seat reconnects', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-OUTBOX');
    const seat = startSimulatedSeat(c.url, creds);
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
    await seat.stop();
    const e = event('event/download-blocked', {
      url: 'http://files.example.net/answers.pdf',
      filename: 'answers.pdf',
    });
    seat.outbox.add(e);
    expect(seat.outbox.events).toHaveLength(1);
    const again = startSimulatedSeat(c.url, creds);
    seats.push(again);
    again.outbox.add(e);
    await again.waitFor(() => again.outbox.events.length === 0);
    expect(await c.running.store.countSeatEvents(creds.seatId)).toBe(1);
  });

  test('show-message reaches the seat, which acknowledges it', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-MSG');
    const seat = startSimulatedSeat(c.url, creds);
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
    const r = await c.admin.post<{ instructionId: string }>(`/api/seats/${creds.seatId}/message`, {
      text: '<b>10 minutes left</b>',
    });
    expect(r.status).toBe(201);
    const shown = await seat.waitFor(() =>
      seat.instructions.find((i) => i.type === 'instruction/show-message'),
    );
    expect(shown).toMatchObject({ text: '<b>10 minutes left</b>', instructionId: r.body.instructionId });
    const acked = await until(async () => {
      const rows = await c.running.store.instructionsToResend(creds.seatId);
      return !rows.some((row) => row.id === r.body.instructionId) || undefined;
    });
    expect(acked).toBe(true);
  });

  test('a seat in a sitting is held with the candidate name until the identity check releases it', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-GATE');
    const seat = startSimulatedSeat(c.url, creds);
    seats.push(seat);
    const firstGate = await seat.waitFor(() => seat.instructions.find((i) => i.type === 'instruction/gate'));
    expect(firstGate).toMatchObject({ state: 'held' });
    const s = await c.admin.post<{ sitting: SittingView }>('/api/sittings', {
      room: 'Room 2',
      startsAt: new Date().toISOString(),
      invigilatorIds: [],
      entries: [
        {
          candidateName: 'Jordan Lee',
          registrationNumber: 'IMI-55501',
          qualificationNumber: '603/1465/5',
          assessment: 'EV awareness',
          durationMinutes: 45,
          seatId: creds.seatId,
        },
      ],
    });
    expect(s.status).toBe(201);
    const held = await seat.waitFor(() =>
      seat.instructions.find((i) => i.type === 'instruction/gate' && i.candidateName === 'Jordan Lee'),
    );
    expect(held).toMatchObject({ state: 'held', seatLabel: 'PC-GATE' });
    const entryId = s.body.sitting.entries[0]?.id;
    const confirm = await c.admin.post<{ sitting: SittingView }>(
      `/api/sittings/${s.body.sitting.id}/entries/${entryId}/identity`,
      { method: 'photo-id', note: 'College ID card' },
    );
    expect(confirm.status).toBe(201);
    expect(confirm.body.sitting.entries[0]?.identity).toMatchObject({
      confirmedBy: 'Dana Okafor',
      method: 'photo-id',
      pcName: 'PC-GATE',
    });
    const released = await seat.waitFor(() =>
      seat.instructions.find((i) => i.type === 'instruction/gate' && i.state === 'released'),
    );
    expect(released).toMatchObject({ candidateName: 'Jordan Lee' });
    await until(async () => (await seatView(creds.seatId))?.gate?.ackedAt ?? undefined);

    // Reconnecting: the seat is told the current gate state again.
    await seat.stop();
    const count = seat.instructions.length;
    const again = startSimulatedSeat(c.url, creds);
    seats.push(again);
    const resent = await again.waitFor(() => again.instructions.find((i) => i.type === 'instruction/gate'));
    expect(resent).toMatchObject({ state: 'released', candidateName: 'Jordan Lee' });
    expect(seat.instructions.length).toBe(count);
  });
});

describe('the invigilation record', () => {
  test('the CSV holds the invigilators, candidates, seating plan and incidents, with hostile text defused', async () => {
    const creds = await enrolTestSeat(c.admin, 'PC-REC');
    const inv = await c.admin.api.call('listInvigilators');
    const s = await c.admin.post<{ sitting: SittingView }>('/api/sittings', {
      room: 'Room 9',
      startsAt: new Date().toISOString(),
      invigilatorIds: inv.invigilators.filter((i) => i.name === 'Dana Okafor').map((i) => i.id),
      entries: [
        {
          candidateName: '=HYPERLINK("http://evil.example","x")',
          registrationNumber: 'IMI-77001',
          qualificationNumber: '601/8930/7',
          assessment: 'MOT Classes 1 and 2',
          durationMinutes: 60,
          seatId: creds.seatId,
        },
      ],
    });
    const seat = startSimulatedSeat(c.url, creds);
    seats.push(seat);
    await seat.waitFor(() => seat.link.connected);
    seat.outbox.add(
      event('event/finding-raised', {
        finding: {
          code: 'display-count',
          severity: 'block',
          message: 'Two displays are connected',
          subject: 'HDMI-1',
        },
      }),
    );
    await seat.waitFor(() => seat.outbox.events.length === 0);
    const manual = await c.admin.post('/api/incidents', {
      kind: 'fire-alarm',
      description: 'Fire alarm at 10:05, "all" candidates left, sitting resumed 10:20',
      sittingId: s.body.sitting.id,
    });
    expect(manual.status).toBe(201);
    const csv = await c.admin.get(`/api/sittings/${s.body.sitting.id}/record.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="invigilation-record-/);
    const text = csv.text;
    expect(text).toContain('Dana Okafor,40213');
    expect(text).toContain('IMI-77001');
    expect(text).toContain('PC-REC');
    expect(text).toContain('Display added');
    expect(text).toContain('Two displays are connected (HDMI-1)');
    expect(text).toContain('Fire alarm');
    expect(text).toContain('"Fire alarm at 10:05, ""all"" candidates left, sitting resumed 10:20"');
    // The formula is written as text, not as a formula.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

test('a seat rides out a console restart: it reconnects by itself and delivers what happened meanwhile', async () => {
  const first = await startTestConsole();
  const dataDir = first.dataDir;
  const port = first.running.port;
  const creds = await enrolTestSeat(first.admin, 'PC-RESTART');
  const seat = startSimulatedSeat(first.url, creds);
  seats.push(seat);
  await seat.waitFor(() => seat.link.connected);
  await first.running.close(); // the data folder stays
  await seat.waitFor(() => !seat.link.connected);
  const meanwhile = event('event/focus-lost');
  seat.outbox.add(meanwhile);
  const { startConsole } = await import('../../../invigilator/server/start.ts');
  const pino = (await import('pino')).default;
  // The same database: the data folder's file, or the same PostgreSQL database.
  const second = await startConsole({
    dataDir,
    ...(first.database ? { database: first.database } : {}),
    port,
    host: '127.0.0.1',
    log: pino({ level: 'silent' }),
  });
  try {
    expect(second.setupUrl).toBeNull();
    await seat.waitFor(() => seat.link.connections >= 2 && seat.outbox.events.length === 0, 20_000);
    expect(await second.store.countSeatEvents(creds.seatId)).toBe(1);
  } finally {
    await seat.stop();
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('createConsoleLink refuses an address that is not http(s)', () => {
  expect(() =>
    createConsoleLink({ url: 'ftp://x', seatId: 's', credential: 'c', pcName: 'p', agentVersion: '1' }),
  ).toThrow(/http:\/\/ or https:\/\//);
});
