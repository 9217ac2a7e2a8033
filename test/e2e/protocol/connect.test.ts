/**
 * Conformance, sections 1 to 3 of docs/protocol.md: enrolment, connecting, the hello and the welcome,
 * and what the console does with frames it cannot use. A real `invigil console` process; the seat is
 * the document-only client (doc-client.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { ReadyConsole } from '../../helpers/console-process.ts';
import { DOC, DocSeat, type Enrolled, enrol, enrolOk, refusedUpgrade } from './doc-client.ts';
import { conformanceConsole, schemaViolations, seatOnMap, until } from './oracle.ts';

let c: ReadyConsole;
const seats: DocSeat[] = [];
let n = 0;
const pc = () => `CONN-${String(++n).padStart(3, '0')}`;

async function newSeat(): Promise<Enrolled> {
  return enrolOk(c.proc.url, c.code, pc());
}

async function code(body: Record<string, unknown>): Promise<string> {
  const r = await c.admin.post<{ code: string }>('/api/enrolment-codes', body);
  if (r.status !== 201) throw new Error(`enrolment code: ${r.status} ${r.text}`);
  return r.body.code;
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

test('1. enrolment: 201 with an id and credential matching the schema; 400 names the field; 403 for a wrong code', async () => {
  const ok = await enrol(c.proc.url, c.code.toLowerCase().replace('-', ''), pc());
  expect(ok.status).toBe(201);
  expect(typeof ok.body.seatId).toBe('string');
  expect(String(ok.body.credential).length).toBeGreaterThanOrEqual(32);
  const bad = await enrol(c.proc.url, c.code, '');
  expect(bad.status).toBe(400);
  expect(bad.body.field).toBe('pcName');
  const wrong = await enrol(c.proc.url, 'ZZZZ-ZZZZ', pc());
  expect(wrong.status).toBe(403);
  expect(wrong.body.field).toBe('code');
});

test(`1. enrolment is limited to ${DOC.enrolPerMinute} a minute per address: then 429 with Retry-After`, async () => {
  const from = '127.0.0.41';
  const many = await code({ uses: 1000, validHours: 1 });
  const answers: number[] = [];
  for (let i = 0; i < DOC.enrolPerMinute; i++) {
    answers.push((await enrol(c.proc.url, many, `LIMIT-${i}`, from)).status);
  }
  expect(answers.filter((s) => s !== 201)).toEqual([]);
  const over = await enrol(c.proc.url, many, 'LIMIT-OVER', from);
  expect(over.status).toBe(429);
  expect(Number(over.retryAfter)).toBeGreaterThan(0);
  // Another address is not affected.
  expect((await enrol(c.proc.url, many, 'LIMIT-OTHER', '127.0.0.42')).status).toBe(201);
});

test(`1. a code marked for a satellite site behind NAT gets ${DOC.natEnrolPerMinute} a minute per address`, async () => {
  const from = '127.0.0.43';
  const nat = await code({ uses: 1000, validHours: 1, behindNat: true });
  const answers: number[] = [];
  for (let i = 0; i < DOC.enrolPerMinute + 50; i++) {
    answers.push((await enrol(c.proc.url, nat, `NAT-${i}`, from)).status);
  }
  expect(answers.filter((s) => s !== 201)).toEqual([]);
  // Its own allowance: the address's ordinary allowance is untouched.
  const ordinary = await code({ uses: 5, validHours: 1 });
  expect((await enrol(c.proc.url, ordinary, 'NAT-ORDINARY', from)).status).toBe(201);
});

test('2. no credential, a wrong one, or another seat’s: HTTP 401 before the upgrade, with a one-line reason', async () => {
  const a = await newSeat();
  const b = await newSeat();
  const none = await refusedUpgrade(c.proc.url, {});
  expect(none.status).toBe(401);
  expect(none.body).not.toContain('\n');
  expect(
    (
      await refusedUpgrade(c.proc.url, {
        authorization: `Bearer ${'x'.repeat(43)}`,
        'x-invigil-seat': a.seatId,
      })
    ).status,
  ).toBe(401);
  expect(
    (
      await refusedUpgrade(c.proc.url, {
        authorization: `Bearer ${b.credential}`,
        'x-invigil-seat': a.seatId,
      })
    ).status,
  ).toBe(401);
});

test('3.1 anything before seat/hello gets hello-first and is ignored', async () => {
  const seat = await newSeat();
  const s = await DocSeat.open(c.proc.url, seat);
  seats.push(s);
  s.send({ type: 'seat/heartbeat', seq: 1, at: new Date().toISOString() });
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e.code).toBe('hello-first');
  expect(e.messageType).toBe('seat/heartbeat');
  expect(s.open).toBe(true);
  expect((await seatOnMap(c.admin, seat.seatId))?.state).toBe('offline');
});

test('3.1 a hello with another protocol version gets protocol-version, then close 4406', async () => {
  const s = await DocSeat.open(c.proc.url, await newSeat());
  seats.push(s);
  s.send({ type: 'seat/hello', protocol: 1, agentVersion: 'old', pcName: 'OLD', os: 'x' });
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e.code).toBe('protocol-version');
  expect(String(e.error)).toContain(`protocol ${DOC.version}`);
  expect((await s.closed).code).toBe(4406);
  expect(s.messages('console/welcome')).toEqual([]);
});

test('3.1 the welcome carries the enrolled name and the numbers of section 0; the current gate follows it', async () => {
  const seat = await newSeat();
  const { s, welcome } = await DocSeat.hello(c.proc.url, seat);
  seats.push(s);
  expect(welcome).toMatchObject({
    protocol: DOC.version,
    seatId: seat.seatId,
    pcName: seat.pcName,
    heartbeatMs: DOC.heartbeatMs,
    offlineAfterMs: DOC.offlineAfterMs,
    pingMs: DOC.pingMs,
    readTimeoutMs: DOC.readTimeoutMs,
    limits: { frameBytes: DOC.frameBytes, eventsPerBatch: DOC.eventsPerBatch, eventBytes: DOC.eventBytes },
  });
  expect(Math.abs(Date.parse(String(welcome.serverTime)) - Date.now())).toBeLessThan(5000);
  const gate = await s.waitFor((m) => m.type === 'instruction/gate');
  expect(gate.state).toBe('held');
  const types = s.messages().map((m) => m.type);
  expect(types.indexOf('instruction/gate')).toBeGreaterThan(types.indexOf('console/welcome'));
});

test('3.1 a second hello on one connection gets hello-again and changes nothing', async () => {
  const { s } = await DocSeat.hello(c.proc.url, await newSeat());
  seats.push(s);
  s.send({ type: 'seat/hello', protocol: DOC.version, agentVersion: 'again', pcName: 'X', os: 'x' });
  const e = await s.waitFor((m) => m.type === 'console/error');
  expect(e.code).toBe('hello-again');
  expect(s.messages('console/welcome')).toHaveLength(1);
  expect(s.open).toBe(true);
});

test('2. binary frames, text that is not JSON and JSON nested past 32 get their codes; the connection stays open', async () => {
  const { s } = await DocSeat.hello(c.proc.url, await newSeat());
  seats.push(s);
  s.sendText(Buffer.from('{"type":"seat/heartbeat"}'), true);
  await s.waitFor((m) => m.type === 'console/error' && m.code === 'binary-frame');
  s.sendText('this is not json');
  await s.waitFor((m) => m.type === 'console/error' && m.code === 'not-json');
  const deep = `{"type":"seat/heartbeat","seq":1,"at":${'['.repeat(DOC.maxDepth + 1)}${']'.repeat(DOC.maxDepth + 1)}}`;
  s.sendText(deep);
  await s.waitFor((m) => m.type === 'console/error' && m.code === 'too-deep');
  // 150,000 levels: the frame is well within the size limit; the console must neither walk it nor fall over.
  s.sendText(
    `{"type":"seat/events","batchId":"deep-batch-1","events":[{"id":"deep-event-1","x":${'['.repeat(150_000)}${']'.repeat(150_000)}}]}`,
  );
  await until(() => s.errors('too-deep').length === 2, 10_000, 'the second too-deep');
  expect(s.open).toBe(true);
  s.heartbeat();
  await new Promise((r) => setTimeout(r, 300));
  expect(
    s.errors().filter((e) => e.code !== 'binary-frame' && e.code !== 'not-json' && e.code !== 'too-deep'),
  ).toEqual([]);
});

test('2. a message that breaks its schema, or an unknown type, gets invalid-message naming the field; nothing in it is used', async () => {
  const seat = await newSeat();
  const { s } = await DocSeat.hello(c.proc.url, seat);
  seats.push(s);
  s.send({ type: 'seat/status', seq: 1, at: new Date().toISOString(), status: { findings: 'none' } }, true);
  const e1 = await s.waitFor((m) => m.type === 'console/error');
  expect(e1).toMatchObject({ code: 'invalid-message', messageType: 'seat/status', seq: 1 });
  expect(String(e1.error)).toContain('status.findings');
  s.send({ type: 'seat/teleport', seq: 2 }, true);
  const e2 = await s.waitFor((m) => m.type === 'console/error' && m.messageType === 'seat/teleport');
  expect(e2.code).toBe('invalid-message');
  s.send(
    {
      type: 'seat/events',
      events: [{ id: randomUUID(), at: new Date().toISOString(), type: 'event/focus-lost' }],
    },
    true,
  );
  const e3 = await s.waitFor((m) => m.type === 'console/error' && m.messageType === 'seat/events');
  expect(e3.code).toBe('invalid-message');
  expect(String(e3.error)).toContain('batchId');
  expect(s.messages('event/ack')).toEqual([]);
  expect((await seatOnMap(c.admin, seat.seatId))?.reasons[0]?.message).toMatch(/first report/);
});
