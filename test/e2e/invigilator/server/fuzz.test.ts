/**
 * A bounded fuzz of `invigil console` as a real process: 10,000 inputs from a seeded generator (deep
 * nesting, huge strings, random bytes, invalid UTF-8, valid-looking messages with fields of the wrong
 * type, prototype keys, truncated JSON) over the seat WebSocket (handshakes and frames), the
 * dashboard's HTTP API (signed in and not) and the dashboard's live socket. Afterwards the console must
 * still be running, must still serve a normal seat and a dashboard, and nothing may have escaped to its
 * last-resort error handler or come back as a 500.
 */

import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { SEAT_PROTOCOL_VERSION } from '../../../../shared/schemas/protocol.ts';
import { type ReadyConsole, startReadyConsole } from '../../../helpers/console-process.ts';
import { seatUrl } from '../../../helpers/console-raw-seat.ts';
import {
  enrolTestSeat,
  PASSWORD_MANAGER_FINDING,
  type SeatCredentials,
  startSimulatedSeat,
} from '../../../helpers/console-seat.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const COUNTS = { seatFrames: 6000, handshakes: 300, http: 3200, live: 500 };

let ready: ReadyConsole;
let r: () => number;
const tally = { inputs: 0, http: new Map<number, number>(), closes: new Map<number, number>() };

/** mulberry32: small, seedable, good enough to spread inputs. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (n: number) => Math.floor(r() * n);
function pick<T>(xs: readonly T[]): T {
  return xs[int(xs.length)] as T;
}
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

function deepText(): string {
  const depth = pick([33, 100, 1000, 20_000, 150_000]);
  return pick([
    () => `${'['.repeat(depth)}${']'.repeat(depth)}`,
    () => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    () => `${'['.repeat(depth)}`, // never closed
  ])();
}

function hugeString(): string {
  return pick(['a', '\\u0000', '"', '\u{1F600}', '<img src=x onerror=alert(1)>']).repeat(
    1 + int(pick([100, 10_000, 120_000])),
  );
}

/** A value of the wrong kind for wherever it lands. */
function wrongValue(): unknown {
  return pick<() => unknown>([
    () => null,
    () => -1,
    () => 1e308,
    () => true,
    () => [],
    () => ({}),
    () => '',
    () => hugeString().slice(0, 5000),
    () => [[[[[[1]]]]]],
    () => ({ __proto__: { admin: true } }),
    () => JSON.parse('{"__proto__":{"polluted":1}}'),
    () => 'x'.repeat(300),
    () => new Date().toISOString(),
  ])();
}

function validEvent(): Record<string, unknown> {
  const base = { id: randomUUID(), at: new Date().toISOString() };
  return pick([
    { ...base, type: 'event/focus-lost' },
    {
      ...base,
      type: 'event/blocked-navigation',
      url: 'https://www.google.com/',
      reason: 'not-allowed',
      frame: 'main',
    },
    { ...base, type: 'event/finding-raised', finding: { ...PASSWORD_MANAGER_FINDING, details: { pid: 4 } } },
    { ...base, type: 'event/setting-reverted', setting: 'passwordSaving', restored: true },
    { ...base, type: 'event/extension-link', connected: false },
  ]);
}

function validMessage(): Record<string, unknown> {
  return pick<() => Record<string, unknown>>([
    () => ({
      type: 'seat/hello',
      protocol: SEAT_PROTOCOL_VERSION,
      agentVersion: 'fuzz',
      pcName: 'FUZZ',
      os: 'linux',
    }),
    () => ({ type: 'seat/heartbeat', seq: int(1000), at: new Date().toISOString() }),
    () => ({
      type: 'seat/status',
      seq: int(1_000_000),
      at: new Date().toISOString(),
      status: { state: 'ready', findings: [], checks: [], extension: { linked: true, reportAgeSeconds: 1 } },
    }),
    () => ({
      type: 'seat/events',
      batchId: randomUUID(),
      events: Array.from({ length: 1 + int(5) }, validEvent),
    }),
    () => ({ type: 'instruction/ack', instructionId: randomUUID() }),
  ])();
}

/** Replaces, removes or adds one field somewhere in a copy of `value`. */
function mutate(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return wrongValue();
  // Array.from, not slice: a copy made by slice asks the array's "constructor" for its kind, and an
  // earlier mutation may have set that key to a primitive (a TypeError, raised in the generator).
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? Array.from(value as unknown[])
    : { ...(value as object) };
  const keys = Object.keys(copy);
  const key = keys.length > 0 ? pick(keys) : 'x';
  const what = int(4);
  const c = copy as Record<string, unknown>;
  // An own property even for "__proto__" (so that it is sent as a key), never the copy's prototype:
  // an array whose prototype was replaced is no longer iterable, and the next mutation would throw.
  const set = (k: string, v: unknown) =>
    Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (what === 0) set(key, wrongValue());
  else if (what === 1) delete c[key];
  else if (what === 2) set(pick(['extra', '__proto__', 'constructor', 'type', 'events']), wrongValue());
  else set(key, mutate(c[key], depth + 1));
  return copy;
}

function seatFrame(): { data: string | Buffer; binary: boolean } {
  return pick<() => { data: string | Buffer; binary: boolean }>([
    () => ({ data: JSON.stringify(validMessage()), binary: false }),
    () => ({ data: JSON.stringify(mutate(validMessage())), binary: false }),
    () => ({ data: JSON.stringify(mutate(mutate(validMessage()))), binary: false }),
    () => ({
      data: JSON.stringify({
        type: 'seat/events',
        events: Array.from({ length: 1 + int(200) }, () => mutate(validEvent())),
      }),
      binary: false,
    }),
    () => ({
      data: `{"type":"seat/events","batchId":"${randomUUID()}","events":[{"id":"${randomUUID()}","type":"event/focus-lost","at":${deepText()}}]}`,
      binary: false,
    }),
    () => ({ data: deepText(), binary: false }),
    () => ({
      data: JSON.stringify({
        type: 'seat/status',
        seq: 1,
        at: new Date().toISOString(),
        status: hugeString(),
      }),
      binary: false,
    }),
    () => ({ data: JSON.stringify(validMessage()).slice(0, int(60)), binary: false }),
    () => ({ data: randomBytes(1 + int(2000)), binary: true }),
    () => ({ data: randomBytes(1 + int(200)), binary: false }), // text frames that are not UTF-8: 1007
    () => ({ data: `{"type":"${hugeString().slice(0, 100_000)}"}`, binary: false }),
  ])();
}

function httpBody(): { body: string | Buffer | undefined; type: string | undefined } {
  return pick<() => { body: string | Buffer | undefined; type: string | undefined }>([
    () => ({ body: undefined, type: undefined }),
    () => ({
      body: JSON.stringify(mutate({ name: 'Dana Okafor', pin: '40213', password: 'x'.repeat(12) })),
      type: 'application/json',
    }),
    () => ({
      body: JSON.stringify(
        mutate({ room: 'Room 1', startsAt: new Date().toISOString(), invigilatorIds: [], entries: [] }),
      ),
      type: 'application/json',
    }),
    () => ({
      body: JSON.stringify(mutate({ code: 'ABCD-EFGH', pcName: 'PC-FUZZ' })),
      type: 'application/json',
    }),
    () => ({ body: JSON.stringify(wrongValue()), type: 'application/json' }),
    () => ({ body: deepText(), type: 'application/json' }),
    () => ({ body: `{"text":"${hugeString().slice(0, 300_000)}"}`, type: 'application/json' }),
    () => ({
      body: randomBytes(1 + int(3000)),
      type: pick(['application/json', 'application/octet-stream', 'text/plain']),
    }),
    () => ({ body: '{"__proto__":{"isCoordinator":true},"text":"hi"}', type: 'application/json' }),
    () => ({ body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' }),
    () => ({ body: JSON.stringify({ text: 'hello' }), type: 'application/json; charset=utf-8' }),
  ])();
}

const ID = () =>
  pick([randomUUID(), 'x', '../../etc/passwd', '%00', 'a'.repeat(300), '<script>', '00000000']);
const PATHS: readonly (() => string)[] = [
  () => '/api/setup',
  () => '/api/sign-in',
  () => '/api/sign-in/link',
  () => '/api/me',
  () => '/api/invigilators',
  () => `/api/invigilators/${ID()}/sign-in-links`,
  () => '/api/audit',
  () => '/api/enrolment-codes',
  () => '/api/seats/enrol',
  () => '/api/seats',
  () => `/api/seats/${ID()}`,
  () => `/api/seats/${ID()}/message`,
  () => '/api/sittings',
  () => '/api/sittings/check',
  () => `/api/sittings/${ID()}`,
  () => `/api/sittings/${ID()}/close`,
  () => `/api/sittings/${ID()}/entries/${ID()}/identity`,
  () => `/api/sittings/${ID()}/entries/${ID()}/outcome`,
  () => `/api/sittings/${ID()}/record`,
  () => `/api/sittings/${ID()}/record.csv`,
  () => `/api/incidents?limit=${pick(['1', '-5', 'abc', '99999', ''])}&sittingId=${ID()}`,
  () => '/api/notices',
  () => `/api/seat-replacements/${ID()}/${pick(['approve', 'refuse'])}`,
  () => `/api/notices/${ID()}/dismiss`,
  () => '/api/health',
  () => '/api/health/reset',
  () => `/api/${ID()}`,
  () => `/${ID()}`,
];

async function httpInput(signedIn: boolean): Promise<void> {
  const method = pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
  const path = pick(PATHS)();
  const { body, type } = httpBody();
  const headers: Record<string, string> = {};
  if (type) headers['content-type'] = type;
  if (signedIn && ready.admin.cookie) headers.cookie = ready.admin.cookie;
  if (r() < 0.8) headers.origin = pick([ready.proc.url, 'http://evil.example', 'null']);
  if (r() < 0.1) headers['x-forwarded-for'] = '203.0.113.1';
  let status = 0;
  try {
    const res = await fetch(`${ready.proc.url}${path}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? null : ((body as BodyInit | undefined) ?? null),
      signal: AbortSignal.timeout(15_000),
    });
    status = res.status;
    await res.arrayBuffer();
  } catch {
    status = -1;
  }
  tally.http.set(status, (tally.http.get(status) ?? 0) + 1);
  tally.inputs++;
}

/** One seat: connects, says hello (usually), sends its share of frames, reconnecting when closed. */
async function fuzzSeat(creds: SeatCredentials, frames: number): Promise<void> {
  let sent = 0;
  while (sent < frames) {
    const ws = new WebSocket(seatUrl(ready.proc.url), {
      headers: { authorization: `Bearer ${creds.credential}`, 'x-invigil-seat': creds.seatId },
      maxPayload: 1024 * 1024,
    });
    ws.on('error', () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('close', () => resolve(false));
    });
    if (!opened) {
      sent++;
      continue;
    }
    const closed = new Promise<void>((resolve) =>
      ws.once('close', (code) => {
        tally.closes.set(code, (tally.closes.get(code) ?? 0) + 1);
        resolve();
      }),
    );
    if (r() < 0.9) ws.send(JSON.stringify(validMessage()));
    while (sent < frames && ws.readyState === WebSocket.OPEN) {
      const f = seatFrame();
      ws.send(f.data, { binary: f.binary });
      sent++;
      tally.inputs++;
      // Text that is not UTF-8 (1007) or a frame over the limit (1009) ends the connection: wait for
      // that before sending more, so that what follows is read on a new one rather than lost.
      const fatal = (!f.binary && Buffer.isBuffer(f.data)) || Buffer.byteLength(f.data) > 512 * 1024;
      if (fatal) {
        await Promise.race([closed, new Promise((res) => setTimeout(res, 2000))]);
        break;
      }
      // Let the socket drain now and then, as a sender that is not paused would.
      if (ws.bufferedAmount > 2 * 1024 * 1024) ws.terminate();
      if (sent % 10 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    // Give the console a moment to read what is in flight before the close discards it.
    await new Promise((res) => setTimeout(res, 300));
    ws.close();
    await Promise.race([closed, new Promise((res) => setTimeout(res, 2000))]);
    ws.terminate();
  }
}

/** An upgrade request with junk or missing headers, sometimes reset halfway. */
function handshake(): Promise<void> {
  const url = new URL(ready.proc.url);
  const lines = [
    `GET ${pick(['/seat', '/api/live', '/seat?x=1', '/nope', `/${'a'.repeat(5000)}`])} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${pick(['dGhlIHNhbXBsZSBub25jZQ==', '', 'x'])}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (r() < 0.7)
    lines.push(
      `Authorization: ${pick(['Bearer ', 'Bearer x', `Bearer ${'k'.repeat(40)}`, 'Basic Zm9v', `Bearer ${hugeString().slice(0, 8000)}`])}`,
    );
  if (r() < 0.7) lines.push(`x-invigil-seat: ${ID()}`);
  if (r() < 0.3) lines.push(`Origin: ${pick([ready.proc.url, 'http://evil.example'])}`);
  if (r() < 0.2) lines.push(`Cookie: invigil_session=${ID()}`);
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  return new Promise((resolve) => {
    const s = connect({ host: url.hostname, port: Number(url.port) }, () => {
      if (r() < 0.3) {
        s.write(request.slice(0, int(request.length)));
        setTimeout(() => s.resetAndDestroy(), int(20));
      } else {
        s.write(request);
        if (r() < 0.3) setTimeout(() => s.resetAndDestroy(), int(30));
      }
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 3000);
    tally.inputs++;
  });
}

async function liveFuzz(count: number): Promise<void> {
  let sent = 0;
  while (sent < count) {
    const ws = new WebSocket(`${ready.proc.url.replace(/^http/, 'ws')}/api/live`, {
      headers: { cookie: ready.admin.cookie ?? '', origin: ready.proc.url },
    });
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('close', () => resolve(false));
    });
    if (!opened) break;
    while (sent < count && ws.readyState === WebSocket.OPEN) {
      const f = pick<() => string | Buffer>([
        () => deepText().slice(0, 4000),
        () => JSON.stringify(mutate({ type: 'live/seats', seats: [] })),
        () => randomBytes(1 + int(500)),
        () => hugeString().slice(0, pick([100, 4096, 5000])),
      ])();
      ws.send(f, { binary: Buffer.isBuffer(f) && r() < 0.5 });
      sent++;
      tally.inputs++;
    }
    await new Promise((res) => setTimeout(res, 20));
    ws.terminate();
  }
}

beforeAll(async () => {
  ready = await startReadyConsole();
  r = seeded(SEED);
}, 60_000);

afterAll(async () => {
  expect(await ready?.stop()).toBe(0);
});

test(`10,000 hostile inputs (seed ${SEED}) leave the console serving seats and dashboards`, async () => {
  // Many seats with a few frames each (enrolment allows 300 a minute from one address), so that most
  // frames are within one seat's budget and are read.
  const seats: SeatCredentials[] = [];
  const many = await ready.admin.post<{ code: string }>('/api/enrolment-codes', { uses: 250 });
  for (let i = 0; i < 250; i++) seats.push(await enrolTestSeat(ready.admin, `FUZZ-${i}`, many.body.code));
  const perSeat = COUNTS.seatFrames / seats.length;
  // Everything at once, as a hostile network would send it.
  const t0 = Date.now();
  const timed = async (what: string, p: Promise<unknown>) => {
    await p;
    process.stdout.write(`${what}: ${Date.now() - t0} ms\n`);
  };
  await Promise.all([
    timed('seats', Promise.all(seats.map((s) => fuzzSeat(s, perSeat)))),
    timed(
      'handshakes',
      (async () => {
        for (let i = 0; i < COUNTS.handshakes; i++) await handshake();
      })(),
    ),
    timed(
      'http',
      (async () => {
        for (let i = 0; i < COUNTS.http; i++) await httpInput(r() < 0.7);
      })(),
    ),
    timed('live', liveFuzz(COUNTS.live)),
  ]);
  expect(tally.inputs).toBeGreaterThanOrEqual(10_000);

  // Still running, and still serving: a dashboard, and a normal seat whose change reaches it.
  expect(ready.proc.child.exitCode).toBeNull();
  expect((await ready.admin.get('/api/me')).status).toBe(200);
  const live = await ready.admin.live();
  const code = await ready.admin.post<{ code: string }>('/api/enrolment-codes', {});
  const creds = await enrolTestSeat(ready.admin, 'AFTER-FUZZ', code.body.code);
  const seat = startSimulatedSeat(ready.proc.url, creds);
  await seat.waitFor(() => seat.link.connected);
  seat.setFindings([PASSWORD_MANAGER_FINDING]);
  await live.waitFor((m) =>
    m.type === 'live/seats'
      ? m.seats.find((s) => s.id === creds.seatId && s.state === 'not-ready')
      : undefined,
  );
  await seat.stop();
  live.close();

  // Nothing got past a handler to the last resort, and no request failed inside the console.
  expect(ready.proc.stderr()).not.toMatch(/an error escaped|nobody handled it/);
  expect(tally.http.get(500) ?? 0).toBe(0);
  // The seat frames really reached the console's parser (rather than dying in a socket buffer).
  const health = await ready.admin.get<{ seatMessages: number }>('/api/health');
  expect(health.body.seatMessages).toBeGreaterThan(0.9 * COUNTS.seatFrames);
  const statuses = Object.fromEntries([...tally.http].sort((a, b) => a[0] - b[0]));
  const closes = Object.fromEntries([...tally.closes].sort((a, b) => a[0] - b[0]));
  process.stdout.write(
    `fuzz seed ${SEED}: ${tally.inputs} inputs; seat messages the console read ${health.body.seatMessages}; HTTP ${JSON.stringify(statuses)}; seat closes ${JSON.stringify(closes)}\n`,
  );
}, 300_000);
