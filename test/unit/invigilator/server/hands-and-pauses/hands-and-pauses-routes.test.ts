/**
 * Raised hands and pauses on a real console in this process (real sockets, a real SQLite file), with
 * seats speaking the real seat protocol (the agent's own console link): a hand reaches the seat map and
 * the record once however often it is raised, is answered with a reason from the catalog, and a pause of
 * a seat or the room holds its gate until resumed, with its duration in the record.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { InvigilationRecord, SeatView, SittingView } from '../../../../../shared/schemas/console-api.ts';
import type { SeatEvent } from '../../../../../shared/schemas/events.ts';
import type { HandView, PauseView } from '../../../../../shared/schemas/invigilation-day.ts';
import { type LiveFeed, startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';
import { event, type SimulatedSeat } from '../../../../helpers/console-seat.ts';
import { lastGate, seatRoom, until } from '../../../../helpers/seat-room.ts';

let c: TestConsole;
let live: LiveFeed;
const room = seatRoom(() => c);

beforeAll(async () => {
  c = await startTestConsole({ livePushMs: 10 });
  live = await c.admin.live();
}, 30_000);

afterAll(async () => {
  live?.close();
  await room.stop();
  await c?.close();
});

const seat = room.seat;

async function view(seatId: string): Promise<SeatView> {
  const r = await c.admin.get<{ seats: SeatView[] }>('/api/seats');
  const v = r.body.seats.find((x) => x.id === seatId);
  if (!v) throw new Error(`no seat ${seatId}`);
  return v;
}

async function handIncidents(seatId: string): Promise<{ kind: string; count: number }[]> {
  const r = await c.admin.get<{ incidents: { kind: string; count: number; seatId: string | null }[] }>(
    '/api/incidents?limit=1000',
  );
  return r.body.incidents.filter((i) => i.seatId === seatId && i.kind === 'hand-raised');
}

/** A sitting starting now with one candidate per seat, each confirmed (so released). */
const sittingWith = (...list: SimulatedSeat[]) =>
  room.sittingWith(list, { registrationPrefix: 'IMI-2000', confirmed: true });

test('attack: a seat raising its hand 300 times, with its own clock spread over hours, is one open hand and one incident', async () => {
  const s = await seat('HAND-FLOOD');
  const start = Date.now() - 10 * 3_600_000;
  // The seat's clock is the seat's to choose: two minutes apart each, so no 60-second coalescing applies.
  const raises: SeatEvent[] = Array.from({ length: 300 }, (_, i) =>
    event('event/hand-raised', {
      at: new Date(start + i * 120_000).toISOString(),
      via: i % 2 === 0 ? 'button' : 'shortcut',
    }),
  );
  for (let i = 0; i < raises.length; i += 100) s.outbox.add(...raises.slice(i, i + 100));
  // Acknowledged only once stored, so the record is complete when the outbox is empty.
  await s.waitFor(() => s.outbox.events.length === 0, 20_000);
  expect(await handIncidents(s.seatId)).toEqual([expect.objectContaining({ count: 1 })]);
  const v = await until(async () => {
    const x = await view(s.seatId);
    return x.hand?.count === 300 && x.hand;
  }, 'the hand counted 300 times');
  expect(v.raisedAt).toBe(new Date(start).toISOString());
});

test('a raised hand reaches the dashboard live, is answered with a reason from the catalog, and a new raise is a new hand', async () => {
  const s = await seat('HAND-01');
  const sitting = await sittingWith(s);
  const raisedAt = new Date().toISOString();
  s.outbox.add(event('event/hand-raised', { at: raisedAt, via: 'shortcut' }));
  const hand = await live.waitFor((m) =>
    m.type === 'live/seats' ? m.seats.find((x) => x.id === s.seatId && x.hand)?.hand : undefined,
  );
  expect(hand).toMatchObject({ raisedAt, via: 'shortcut', count: 1 });

  // The answer needs a reason from the catalog, and a note for "other".
  const none = await c.admin.post(`/api/hands/${hand?.id}/answer`, { reason: 'telepathy' });
  expect(none.status).toBe(400);
  expect(none.text).toContain('reason');
  const bare = await c.admin.post(`/api/hands/${hand?.id}/answer`, { reason: 'other' });
  expect(bare.status).toBe(400);
  expect(bare.text).toContain('note');

  const r = await c.admin.post<{ hand: HandView }>(`/api/hands/${hand?.id}/answer`, {
    reason: 'explanation-or-pronunciation',
    note: 'Pronounced "catalytic"',
  });
  expect(r.status, r.text).toBe(200);
  expect(r.body.hand).toMatchObject({
    answeredBy: c.adminName,
    reasonLabel: 'Explanation or pronunciation requested',
    note: 'Pronounced "catalytic"',
  });
  expect((await view(s.seatId)).hand).toBeNull();
  expect((await c.admin.post(`/api/hands/${hand?.id}/answer`, { reason: 'finished' })).status).toBe(404);

  const record = (await c.admin.get<{ record: InvigilationRecord }>(`/api/sittings/${sitting.id}/record`))
    .body.record;
  expect(record.hands).toEqual([
    expect.objectContaining({
      pcName: 'HAND-01',
      candidateName: 'Candidate HAND-01',
      via: 'shortcut',
      reasonLabel: 'Explanation or pronunciation requested',
      answeredBy: c.adminName,
    }),
  ]);
  expect(record.incidents.filter((i) => i.kind === 'hand-raised')).toHaveLength(1);
  const csv = await c.admin.get(`/api/sittings/${sitting.id}/record.csv`);
  expect(csv.text).toContain('Raised hands');
  expect(csv.text).toContain('Explanation or pronunciation requested');

  // Raised again after the answer: a new hand, and a second incident in the record.
  s.outbox.add(event('event/hand-raised', { via: 'button' }));
  await until(async () => (await view(s.seatId)).hand?.id !== undefined, 'a new hand');
  expect((await view(s.seatId)).hand?.id).not.toBe(hand?.id);
  expect(await handIncidents(s.seatId)).toHaveLength(2);
});

test('pausing one seat holds it (the seat is told it is paused), resuming releases it, and the record has the duration', async () => {
  const a = await seat('PAUSE-A');
  const b = await seat('PAUSE-B');
  const sitting = await sittingWith(a, b);
  await a.waitFor(() => lastGate(a)?.state === 'released');
  const entryA = sitting.entries.find((e) => e.seatId === a.seatId);

  const bad = await c.admin.post(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'seat',
    reason: 'exam-froze',
  });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('entryId');

  const p = await c.admin.post<{ pause: PauseView }>(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'seat',
    entryId: entryA?.id,
    reason: 'exam-froze',
  });
  expect(p.status, p.text).toBe(201);
  await a.waitFor(() => {
    const g = lastGate(a);
    return g?.state === 'held' && g.paused === true;
  });
  expect((await view(a.seatId)).pause).toMatchObject({ scope: 'seat', reasonLabel: 'The assessment froze' });
  expect(lastGate(b)?.state).toBe('released');
  expect((await view(b.seatId)).pause).toBeNull();
  const again = await c.admin.post(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'seat',
    entryId: entryA?.id,
    reason: 'it-failure',
  });
  expect(again.status).toBe(409);

  await new Promise((r) => setTimeout(r, 1100));
  const resumed = await c.admin.post<{ pause: PauseView }>(`/api/pauses/${p.body.pause.id}/resume`);
  expect(resumed.status, resumed.text).toBe(200);
  await a.waitFor(() => lastGate(a)?.state === 'released');
  expect(lastGate(a)?.paused).toBeUndefined();
  expect(resumed.body.pause.durationSeconds).toBeGreaterThanOrEqual(1);
  expect((await c.admin.post(`/api/pauses/${p.body.pause.id}/resume`)).status).toBe(404);

  const record = (await c.admin.get<{ record: InvigilationRecord }>(`/api/sittings/${sitting.id}/record`))
    .body.record;
  expect(record.pauses).toEqual([
    expect.objectContaining({
      scope: 'seat',
      pcName: 'PAUSE-A',
      reasonLabel: 'The assessment froze',
      startedBy: c.adminName,
      endedBy: c.adminName,
      durationSeconds: resumed.body.pause.durationSeconds,
    }),
  ]);
});

test('pausing the room holds every seat of the sitting until resumed; other needs a note', async () => {
  const a = await seat('ROOM-A');
  const b = await seat('ROOM-B');
  const sitting = await sittingWith(a, b);
  await a.waitFor(() => lastGate(a)?.state === 'released' && lastGate(b)?.state === 'released');
  expect(
    (await c.admin.post(`/api/sittings/${sitting.id}/pauses`, { scope: 'room', reason: 'other' })).status,
  ).toBe(400);
  const p = await c.admin.post<{ pause: PauseView }>(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'room',
    reason: 'fire-alarm',
  });
  expect(p.status, p.text).toBe(201);
  for (const s of [a, b])
    await s.waitFor(() => lastGate(s)?.state === 'held' && lastGate(s)?.paused === true);
  expect((await view(b.seatId)).pause).toMatchObject({ scope: 'room', reasonLabel: 'Fire alarm' });
  await c.admin.post(`/api/pauses/${p.body.pause.id}/resume`);
  for (const s of [a, b]) await s.waitFor(() => lastGate(s)?.state === 'released');
  const csv = await c.admin.get(`/api/sittings/${sitting.id}/record.csv`);
  expect(csv.text).toContain('The whole room');
  expect(csv.text).toContain('Fire alarm');
});

test('closing a sitting while its room is paused ends the pause at the close, so the record has its length', async () => {
  const a = await seat('CLOSE-A');
  const sitting = await sittingWith(a);
  const p = await c.admin.post<{ pause: PauseView }>(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'room',
    reason: 'it-failure',
  });
  expect(p.status, p.text).toBe(201);
  const closed = await c.admin.post<{ sitting: SittingView }>(`/api/sittings/${sitting.id}/close`);
  expect(closed.status, closed.text).toBe(200);
  const record = (await c.admin.get<{ record: InvigilationRecord }>(`/api/sittings/${sitting.id}/record`))
    .body.record;
  expect(record.pauses?.[0]?.endedAt).toBe(closed.body.sitting.closedAt);
  expect((await c.admin.post(`/api/pauses/${p.body.pause.id}/resume`)).status).toBe(404);
});
