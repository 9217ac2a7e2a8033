/**
 * Conformance, sections 3.5, 6.6, 6.7 and 8 of docs/protocol.md: one connection per seat (close 4000),
 * two agents with one credential as an incident rather than a duel, and instructions (sent again on
 * every hello until acknowledged; another seat's cannot be acknowledged). A real `invigil console`
 * process; the seats are the document-only client, "another PC" is another loopback address.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { DOC, DocSeat, EMPTY_STATUS, type Enrolled, enrolOk } from './doc-client.ts';
import { conformanceConsole, incidents, schemaViolations, seatOnMap, until } from './oracle.ts';

let c: ReadyConsole;
const seats: DocSeat[] = [];
const timers: (() => void)[] = [];
let n = 0;

async function newSeat(): Promise<Enrolled> {
  return enrolOk(c.proc.url, c.code, `TAKE-${String(++n).padStart(3, '0')}`);
}

async function online(seat: Enrolled, localAddress?: string): Promise<DocSeat> {
  const { s } = await DocSeat.hello(c.proc.url, seat, {}, localAddress ? { localAddress } : {});
  seats.push(s);
  s.status(EMPTY_STATUS);
  timers.push(s.keepAlive());
  return s;
}

beforeAll(async () => {
  c = await conformanceConsole();
});
afterAll(async () => {
  await c?.stop();
});
afterEach(() => {
  for (const stop of timers.splice(0)) stop();
  const violations = schemaViolations(seats);
  for (const s of seats.splice(0)) s.terminate();
  expect(violations).toEqual([]);
});

test('8. a new connection with the seat’s credential replaces a dead one, which is closed with 4000; no incident', async () => {
  const seat = await newSeat();
  const { s: old } = await DocSeat.hello(c.proc.url, seat);
  seats.push(old);
  old.status(EMPTY_STATUS);
  // The old connection goes quiet (a PC that moved network): after the offline window it is not "alive".
  await new Promise((r) => setTimeout(r, DOC.offlineAfterMs + 1000));
  const fresh = await online(seat);
  expect((await old.closed).code).toBe(4000);
  await until(async () => (await seatOnMap(c.admin, seat.seatId))?.state === 'ready', 5000, 'Ready again');
  expect(fresh.open).toBe(true);
  await new Promise((r) => setTimeout(r, 500));
  expect((await incidents(c.admin, seat.seatId)).filter((i) => i.kind === 'seat-credential-shared')).toEqual(
    [],
  );
});

test('6.6 two live agents with one credential: an incident on the seat naming both addresses, and the seat Not ready', async () => {
  const seat = await newSeat();
  const first = await online(seat, '127.0.0.61');
  await until(async () => (await seatOnMap(c.admin, seat.seatId))?.state === 'ready', 5000, 'Ready');
  const second = await online(seat, '127.0.0.62');
  expect((await first.closed).code).toBe(4000);
  const incident = await until(
    async () => (await incidents(c.admin, seat.seatId)).find((i) => i.kind === 'seat-credential-shared'),
    5000,
    'the incident',
  );
  expect(incident.description).toContain('127.0.0.61');
  expect(incident.description).toContain('127.0.0.62');
  expect(incident.description).toContain(seat.pcName);
  // The newer connection reports Ready, but the seat cannot be trusted while two agents share it.
  const v = await until(
    async () => {
      const x = await seatOnMap(c.admin, seat.seatId);
      return x?.connected && x.state !== 'offline' ? x : undefined;
    },
    5000,
    'the map',
  );
  expect(v.state).toBe('not-ready');
  expect(v.reasons.map((r) => r.code)).toContain('credential-shared');
  expect(second.open).toBe(true);
});

test('6.7 a message for the candidate is sent again on every hello until acknowledged; acknowledging twice is harmless', async () => {
  const seat = await newSeat();
  const first = await online(seat);
  const sent = await c.admin.post<{ instructionId: string }>(`/api/seats/${seat.seatId}/message`, {
    text: 'Ten minutes left.',
  });
  expect(sent.status).toBe(201);
  const message = await first.waitFor((m) => m.type === 'instruction/show-message');
  expect(message).toMatchObject({ instructionId: sent.body.instructionId, text: 'Ten minutes left.' });
  first.close();
  await first.closed;
  const again = await online(seat);
  await again.waitFor(
    (m) => m.type === 'instruction/show-message' && m.instructionId === sent.body.instructionId,
  );
  again.send({ type: 'instruction/ack', instructionId: sent.body.instructionId });
  again.send({ type: 'instruction/ack', instructionId: sent.body.instructionId });
  await new Promise((r) => setTimeout(r, 500));
  expect(again.errors()).toEqual([]);
  again.close();
  await again.closed;
  const third = await online(seat);
  await third.waitFor((m) => m.type === 'instruction/gate');
  await new Promise((r) => setTimeout(r, 500));
  expect(third.messages('instruction/show-message')).toEqual([]);
});

test('6.7 acknowledging another seat’s instruction gets not-your-instruction, naming it', async () => {
  const a = await online(await newSeat());
  const b = await online(await newSeat());
  const gateOfA = await a.waitFor((m) => m.type === 'instruction/gate');
  b.send({ type: 'instruction/ack', instructionId: String(gateOfA.instructionId) });
  const e = await b.waitFor((m) => m.type === 'console/error');
  expect(e).toMatchObject({
    code: 'not-your-instruction',
    inReplyTo: gateOfA.instructionId,
    messageType: 'instruction/ack',
  });
});
