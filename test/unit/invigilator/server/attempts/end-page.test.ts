/**
 * Issue 13, attempts: a seat that reaches the assessment's end page (`event/assessment-finished`) finishes
 * its own candidate's entry, once, and only while released. Real console in this process (real sockets, a
 * real SQLite file), seats speaking the real seat protocol through the agent's own console link. Each
 * event is checked once the console has acknowledged it (the finish is written before the ack).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SittingView } from '../../../../../shared/schemas/console-api.ts';
import type { SeatEvent } from '../../../../../shared/schemas/events.ts';
import { startTestConsole, type TestConsole } from '../../../../helpers/console-client.ts';
import { event, type SimulatedSeat } from '../../../../helpers/console-seat.ts';
import { lastGate, seatRoom, until } from '../../../../helpers/seat-room.ts';

let c: TestConsole;
const room = seatRoom(() => c);
const END = 'https://www.theimi.org.uk/awarding/finished';

beforeAll(async () => {
  c = await startTestConsole({ livePushMs: 10 });
}, 30_000);

afterAll(async () => {
  await room.stop();
  await c?.close();
});

const seat = room.seat;
const sittingWith = (...list: SimulatedSeat[]) => room.sittingWith(list, { registrationPrefix: 'IMI-3000' });

async function confirm(sitting: SittingView, s: SimulatedSeat): Promise<void> {
  const e = sitting.entries.find((x) => x.seatId === s.seatId);
  const ok = await c.admin.post(`/api/sittings/${sitting.id}/entries/${e?.id}/identity`, {
    method: 'photo-id',
  });
  expect(ok.status, ok.text).toBe(201);
  await s.waitFor(() => lastGate(s)?.state === 'released');
  // The console notes the release when the seat's acknowledgement is stored.
  await until(async () => (await entry(sitting.id, s.seatId)).releasedAt, 'the release');
}

async function entry(sittingId: string, seatId: string): Promise<SittingView['entries'][number]> {
  const r = await c.admin.get<{ sitting: SittingView }>(`/api/sittings/${sittingId}`);
  const e = r.body.sitting.entries.find((x) => x.seatId === seatId);
  if (!e) throw new Error(`no entry at ${seatId}`);
  return e;
}

/** Sends the events and waits until the console has acknowledged every one. */
async function send(s: SimulatedSeat, ...events: SeatEvent[]): Promise<void> {
  s.outbox.add(...events);
  await s.waitFor(() => events.every((e) => s.outbox.acknowledged.includes(e.id)));
}

const finished = (at?: string) => event('event/assessment-finished', { url: END, ...(at ? { at } : {}) });

test('attack: a held seat (never released) sending the end-page event does not finish its candidate', async () => {
  const a = await seat('END-HELD');
  const sitting = await sittingWith(a);
  await a.waitFor(() => lastGate(a)?.state === 'held');
  await send(a, finished(), finished());
  expect(await entry(sitting.id, a.seatId)).toMatchObject({ finishedAt: null });
});

test('attack: a seat paused after its release cannot finish while paused; resumed, it finishes once with the console’s time', async () => {
  const a = await seat('END-PAUSED');
  const sitting = await sittingWith(a);
  await confirm(sitting, a);
  const e = await entry(sitting.id, a.seatId);
  const p = await c.admin.post<{ pause: { id: string } }>(`/api/sittings/${sitting.id}/pauses`, {
    scope: 'seat',
    entryId: e.id,
    reason: 'exam-froze',
  });
  expect(p.status, p.text).toBe(201);
  await a.waitFor(() => lastGate(a)?.state === 'held');
  await send(a, finished());
  expect(await entry(sitting.id, a.seatId)).toMatchObject({ finishedAt: null });

  expect((await c.admin.post(`/api/pauses/${p.body.pause.id}/resume`, {})).status).toBe(200);
  await a.waitFor(() => lastGate(a)?.state === 'released');
  await until(async () => {
    const g = lastGate(a);
    return g?.state === 'released';
  }, 'the resume');
  // The seat's clock says years ago: the finish is the console's time, not the seat's.
  const before = Date.now();
  await send(a, finished('2001-01-01T00:00:00.000Z'));
  const done = await entry(sitting.id, a.seatId);
  expect(done.finishedHow).toBe('end-page');
  expect(Date.parse(done.finishedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);

  // Repeated (new ids, and the same id resent): the first finish stands.
  const again = finished();
  await send(a, again, finished());
  await send(a, again);
  expect(await entry(sitting.id, a.seatId)).toMatchObject({
    finishedAt: done.finishedAt,
    finishedHow: 'end-page',
  });
});

test('attack: a seat finishes only its own candidate; a seat in no sitting finishes nobody', async () => {
  const a = await seat('END-OWN-A');
  const b = await seat('END-OWN-B');
  const loose = await seat('END-LOOSE');
  const sitting = await sittingWith(a, b);
  await confirm(sitting, a);
  await confirm(sitting, b);
  await send(loose, finished());
  await send(b, finished());
  expect(await entry(sitting.id, b.seatId)).toMatchObject({ finishedHow: 'end-page' });
  expect(await entry(sitting.id, a.seatId)).toMatchObject({ finishedAt: null });
});

test('an entry the invigilator already marked finished keeps that finish', async () => {
  const a = await seat('END-MARKED');
  const sitting = await sittingWith(a);
  await confirm(sitting, a);
  const e = await entry(sitting.id, a.seatId);
  const marked = await c.admin.put(`/api/sittings/${sitting.id}/entries/${e.id}/finish`, {
    how: 'submitted-early',
  });
  expect(marked.status, marked.text).toBe(200);
  const before = await entry(sitting.id, a.seatId);
  await send(a, finished());
  expect(await entry(sitting.id, a.seatId)).toMatchObject({
    finishedAt: before.finishedAt,
    finishedHow: 'submitted-early',
  });
});
