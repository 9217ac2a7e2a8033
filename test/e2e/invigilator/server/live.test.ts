/**
 * The dashboards' live socket of `invigil console` as a real process: a dashboard that stops reading
 * is dropped once 1 MB waits unsent for it (it reconnects for a fresh snapshot), and what a dashboard
 * sends on the socket can neither end the console nor cost it anything.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { type ReadyConsole, startReadyConsole } from '../../../helpers/console-process.ts';
import { deepArrayText, openRawSeat } from '../../../helpers/console-raw-seat.ts';
import { enrolTestSeat } from '../../../helpers/console-seat.ts';

let ready: ReadyConsole;

beforeAll(async () => {
  ready = await startReadyConsole();
}, 60_000);

afterAll(async () => {
  const code = await ready?.stop();
  expect(code).toBe(0);
});

function liveSocket(): Promise<WebSocket> {
  const ws = new WebSocket(`${ready.proc.url.replace(/^http/, 'ws')}/api/live`, {
    headers: { cookie: ready.admin.cookie ?? '', origin: ready.proc.url },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('a dashboard that stops reading is closed once 1 MB waits unsent for it', async () => {
  // Ten seats, each well within its own budget, whose statuses make large seat views.
  const seats = [];
  for (let i = 0; i < 10; i++) {
    const seat = await openRawSeat(
      ready.proc.url,
      await enrolTestSeat(ready.admin, `CHATTY-${i}`, ready.code),
    );
    await seat.hello();
    seats.push(seat);
  }
  const deaf = await liveSocket();
  let closed: number | null = null;
  deaf.on('close', (code) => {
    closed = code;
  });
  deaf.pause();
  const dashboards = async () =>
    (await ready.admin.get<{ dashboards: number }>('/api/health')).body.dashboards;
  expect(await dashboards()).toBe(1);
  let seq = 0;
  let pushed = 0;
  let dropped = false;
  const deadline = Date.now() + 40_000;
  while (!dropped && Date.now() < deadline && pushed < 12 * 1024 * 1024) {
    const findings = Array.from({ length: 200 }, (_, i) => ({
      code: 'other-browser',
      severity: 'warn',
      message: `Another browser is running (${i}) ${'x'.repeat(1900)}`,
      subject: randomUUID(),
      source: 'agent',
    }));
    const status = {
      state: 'attention',
      findings,
      checks: [],
      extension: { linked: true, reportAgeSeconds: 1 },
    };
    const seat = seats[seq % seats.length];
    seat?.send(JSON.stringify({ type: 'seat/status', seq: seq++, at: new Date().toISOString(), status }));
    pushed += 200 * 2000;
    await new Promise((r) => setTimeout(r, 300));
    dropped = (await dashboards()) === 0;
  }
  // Dropped while the console had pushed it far less than the old 16 MB allowance...
  expect(dropped).toBe(true);
  expect(pushed).toBeLessThan(12 * 1024 * 1024);
  // ...and once it reads again, what was sent, then the reason.
  deaf.resume();
  const deadline2 = Date.now() + 10_000;
  while (closed === null && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 50));
  expect(closed).toBe(4008);
  for (const seat of seats) seat.close();
  // A new dashboard connection gets its snapshot.
  const fresh = await liveSocket();
  const first = await new Promise<string>((resolve) => fresh.once('message', (d) => resolve(String(d))));
  expect(JSON.parse(first).type).toBe('live/snapshot');
  fresh.close();
}, 90_000);

test('frames a dashboard sends (deep, huge, binary, junk) end nothing', async () => {
  const ws = await liveSocket();
  ws.send(deepArrayText(150_000).slice(0, 4000));
  ws.send(Buffer.from([0xff, 0x00, 0x13]));
  ws.send('{"type":"live/seats"}');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send('x'.repeat(100_000));
  expect(await closed).toBe(1009);
  const again = await liveSocket();
  const first = await new Promise<string>((resolve) => again.once('message', (d) => resolve(String(d))));
  expect(JSON.parse(first).type).toBe('live/snapshot');
  again.close();
}, 60_000);
