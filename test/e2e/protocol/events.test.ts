/**
 * Conformance, sections 3.4, 5 and 6.4 of docs/protocol.md: events and their acknowledgements, ids per
 * seat, batches by count and by size, rejected and oversized events, the frame limit. A real `invigil
 * console` process; the seat is the document-only client; what was stored is read from the console's
 * SQLite file, read-only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { DOC, DocSeat, type Enrolled, enrolOk, findingRaised, focusLost } from './doc-client.ts';
import { conformanceConsole, incidents, schemaViolations, storedEvents, until } from './oracle.ts';

let c: ReadyConsole;
const seats: DocSeat[] = [];
let n = 0;

async function connected(): Promise<{ seat: Enrolled; s: DocSeat }> {
  const seat = await enrolOk(c.proc.url, c.code, `EVT-${String(++n).padStart(3, '0')}`);
  const { s } = await DocSeat.hello(c.proc.url, seat);
  seats.push(s);
  return { seat, s };
}

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

test('6.4 ids are the seat’s own: an id another seat already used is stored as this seat’s event', async () => {
  const a = await connected();
  const b = await connected();
  const shared = 'seat-event-000001';
  a.s.events([focusLost(shared)]);
  await a.s.waitForAcks([shared]);
  b.s.events([focusLost(shared)]);
  await b.s.waitForAcks([shared]);
  expect(storedEvents(c.proc.dataDir, a.seat.seatId).map((e) => e.id)).toEqual([shared]);
  expect(storedEvents(c.proc.dataDir, b.seat.seatId).map((e) => e.id)).toEqual([shared]);
  await until(async () => (await incidents(c.admin, b.seat.seatId)).length === 1, 5000, "B's incident");
  expect(await incidents(c.admin, a.seat.seatId)).toHaveLength(1);
});

test('6.4 a repeat from the same seat is acknowledged and stored once; the first one stands', async () => {
  const { seat, s } = await connected();
  const id = 'seat-event-000002';
  s.events([focusLost(id)]);
  await s.waitForAcks([id]);
  const before = s.messages('event/ack').length;
  s.events([{ id, at: new Date().toISOString(), type: 'event/focus-returned', awayMs: 5 }]);
  await until(() => s.messages('event/ack').length > before, 5000, 'the second ack');
  expect(s.messages('event/ack').at(-1)?.ids).toEqual([id]);
  const stored = storedEvents(c.proc.dataDir, seat.seatId);
  expect(stored.map((e) => [e.id, e.type])).toEqual([[id, 'event/focus-lost']]);
  expect(await incidents(c.admin, seat.seatId)).toHaveLength(1);
});

test('3.4 acks never name more than 200 ids, each names its batch, and together they cover every event', async () => {
  const { seat, s } = await connected();
  const batches = new Map<string, string[]>();
  // 800 events at once: within a seat's burst of 1,000 events (section 0), so no pause interferes.
  for (let b = 0; b < 4; b++) {
    const events = Array.from({ length: DOC.eventsPerBatch }, () => focusLost());
    const batchId = s.events(events);
    batches.set(
      batchId,
      events.map((e) => String(e.id)),
    );
  }
  const all = [...batches.values()].flat();
  await s.waitForAcks(all, 30_000);
  for (const ack of s.messages('event/ack')) {
    const ids = ack.ids as string[];
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(DOC.ackIds);
    if (ack.batchId !== undefined) {
      const mine = new Set(batches.get(String(ack.batchId)));
      expect(ids.every((id) => mine.has(id))).toBe(true);
    }
  }
  expect(storedEvents(c.proc.dataDir, seat.seatId)).toHaveLength(all.length);
});

test('6.4 an invalid event with an id is kept as rejected, acknowledged and reported with its batch, index and id; one without an id is reported only; one console/error for the batch', async () => {
  const { seat, s } = await connected();
  const good = focusLost();
  const unknown = { id: 'seat-event-000003', at: new Date().toISOString(), type: 'event/teleported' };
  const noId = { type: 'event/focus-lost', at: 'yesterday' };
  const batchId = s.events([good, unknown, noId]);
  await s.waitForAcks([String(good.id), unknown.id]);
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e).toMatchObject({ code: 'invalid-event', inReplyTo: batchId, messageType: 'seat/events' });
  const listed = e.events as {
    index: number;
    eventId?: string;
    code: string;
    error: string;
    kept: boolean;
  }[];
  expect(listed.map((x) => [x.index, x.eventId, x.code, x.kept])).toEqual([
    [1, unknown.id, 'invalid-event', true],
    [2, undefined, 'invalid-event', false],
  ]);
  expect(listed[0]?.error).toContain('events.1.type');
  expect(s.errors()).toHaveLength(1);
  const stored = storedEvents(c.proc.dataDir, seat.seatId);
  expect(stored.map((e) => [e.id, e.type]).sort()).toEqual(
    [
      [good.id, 'event/focus-lost'],
      [unknown.id, 'rejected'],
    ].sort(),
  );
  expect(stored.find((e) => e.type === 'rejected')?.json).toContain('event/teleported');
  expect(s.ackedIds()).not.toContain(undefined);
});

test('6.4 an event over 65,536 bytes is kept as rejected with its first 4,096 characters, acknowledged, event-too-large', async () => {
  const { seat, s } = await connected();
  const big: Record<string, unknown> = {
    ...focusLost('seat-event-000004'),
    padding: 'x'.repeat(DOC.eventBytes + 10),
  };
  const small = focusLost();
  const batchId = s.events([big, small]);
  await s.waitForAcks([big.id as string, small.id as string]);
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e).toMatchObject({
    code: 'event-too-large',
    inReplyTo: batchId,
    events: [{ index: 0, eventId: big.id, code: 'event-too-large', kept: true }],
  });
  const kept = storedEvents(c.proc.dataDir, seat.seatId).find((r) => r.id === big.id);
  expect(kept?.type).toBe('rejected');
  expect(kept?.json.length).toBeLessThan(DOC.excerptChars + 1000);
  // What is kept is the seat's own text for the event (its start), with the reason.
  const slice = JSON.parse(kept?.json ?? '{}') as { reason: string; sent: string };
  expect(slice.sent.length).toBe(DOC.excerptChars);
  expect(slice.sent).toContain('"padding":"xxx');
  expect(slice.reason).toContain(String(DOC.eventBytes));
});

test('6.4 an event/oversized stand-in is kept as rejected with its excerpt and acknowledged; it is not an error', async () => {
  const { seat, s } = await connected();
  const original = findingRaised({
    code: 'other-browser',
    severity: 'warn',
    message: 'Another browser is running',
    details: { cmdline: 'y'.repeat(1000) },
  });
  const excerpt = JSON.stringify(original).slice(0, DOC.excerptChars);
  const standIn = {
    id: original.id,
    at: original.at,
    type: 'event/oversized',
    originalType: 'event/finding-raised',
    bytes: 606_208,
    excerpt,
  };
  s.events([standIn]);
  await s.waitForAcks([String(original.id)]);
  const kept = storedEvents(c.proc.dataDir, seat.seatId).find((r) => r.id === original.id);
  expect(kept?.type).toBe('rejected');
  expect(kept?.json).toContain('606208');
  expect(kept?.json).toContain('event/finding-raised');
  expect(s.errors()).toEqual([]);
  expect(await incidents(c.admin, seat.seatId)).toEqual([]);
});

test('5. a finding’s details are bounded: 33 entries, or a key over 64 characters, make the event invalid', async () => {
  const { s } = await connected();
  const tooMany = findingRaised({
    code: 'other-browser',
    severity: 'warn',
    message: 'x',
    details: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])),
  });
  const longKey = findingRaised({
    code: 'other-browser',
    severity: 'warn',
    message: 'x',
    details: { ['k'.repeat(65)]: 1 },
  });
  const fine = findingRaised({
    code: 'other-browser',
    severity: 'warn',
    message: 'x',
    details: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'.repeat(1000)])),
  });
  s.events([tooMany, longKey, fine]);
  await s.waitForAcks([tooMany.id, longKey.id, fine.id] as string[]);
  const errors = s.errors('invalid-event');
  expect(errors).toHaveLength(1);
  const listed = errors[0]?.events as { index: number; error: string }[];
  expect(listed.map((e) => e.index)).toEqual([0, 1]);
  expect(listed.every((e) => e.error.includes('finding.details'))).toBe(true);
});

test('2. a frame of exactly 524,288 bytes is read; one byte more gets frame-too-large, then close 1009', async () => {
  const { seat, s } = await connected();
  const frame = (total: number): { text: string; ids: string[] } => {
    const ids = Array.from({ length: 9 }, () => randomUUID());
    const make = (pad: number[]) =>
      JSON.stringify({
        type: 'seat/events',
        batchId: randomUUID(),
        events: ids.map((id, i) => ({ ...focusLost(id), padding: 'p'.repeat(pad[i] ?? 0) })),
      });
    const base = Buffer.byteLength(make([]));
    const each = Math.floor((total - base) / ids.length);
    const pads = ids.map(() => each);
    pads[0] = (pads[0] ?? 0) + (total - base - each * ids.length);
    const text = make(pads);
    expect(Buffer.byteLength(text)).toBe(total);
    return { text, ids };
  };
  const exact = frame(DOC.frameBytes);
  s.sendText(exact.text);
  await s.waitForAcks(exact.ids, 15_000);
  expect(storedEvents(c.proc.dataDir, seat.seatId)).toHaveLength(9);
  const over = frame(DOC.frameBytes + 1);
  s.sendText(over.text);
  const closed = await s.closed;
  const e = s.errors('frame-too-large');
  expect(e).toHaveLength(1);
  expect(String(e[0]?.error)).toContain(String(DOC.frameBytes));
  expect(closed.code).toBe(1009);
});

test('6.4 a batch holds 1 to 200 events: 201 is invalid-message naming the batch, and nothing is acknowledged', async () => {
  const { seat, s } = await connected();
  const batchId = s.events(Array.from({ length: DOC.eventsPerBatch + 1 }, () => focusLost()));
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e).toMatchObject({ code: 'invalid-message', inReplyTo: batchId, messageType: 'seat/events' });
  const empty = s.events([]);
  await s.waitFor((m) => m.type === 'console/error' && m.inReplyTo === empty);
  await new Promise((r) => setTimeout(r, 300));
  expect(s.messages('event/ack')).toEqual([]);
  expect(storedEvents(c.proc.dataDir, seat.seatId)).toEqual([]);
});

test('9.1 one open hand a seat: raises while it is open are stored and acknowledged but make no second incident', async () => {
  const { seat, s } = await connected();
  const t0 = Date.now() - 3_600_000;
  // The seat's clock far apart each time: the 60-second coalescing of incidents does not apply here.
  const raises = Array.from({ length: 5 }, (_, i) => ({
    id: randomUUID(),
    at: new Date(t0 + i * 600_000).toISOString(),
    type: 'event/hand-raised',
    via: i % 2 ? 'shortcut' : 'button',
  }));
  s.events(raises);
  await s.waitForAcks(raises.map((r) => r.id));
  expect(
    storedEvents(c.proc.dataDir, seat.seatId).filter((e) => e.type === 'event/hand-raised'),
  ).toHaveLength(5);
  const hands = (await incidents(c.admin, seat.seatId)).filter((i) => i.kind === 'hand-raised');
  expect(hands).toHaveLength(1);
  expect(hands[0]?.at).toBe(raises[0]?.at);
  const map = await c.admin.get<{ seats: { id: string; hand?: { count: number } | null }[] }>('/api/seats');
  expect(map.body.seats.find((x) => x.id === seat.seatId)?.hand?.count).toBe(5);
});
