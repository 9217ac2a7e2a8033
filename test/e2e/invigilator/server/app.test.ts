/**
 * HTTP bodies to `invigil console` as a real process: size and depth are bounded before anything
 * walks the body, and a refusal names the problem in one line.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ReadyConsole, startReadyConsole } from '../../../helpers/console-process.ts';
import { deepArrayText } from '../../../helpers/console-raw-seat.ts';

let ready: ReadyConsole;

beforeAll(async () => {
  ready = await startReadyConsole();
}, 60_000);

afterAll(async () => {
  expect(await ready?.stop()).toBe(0);
});

test('a body nested 150,000 deep is refused before it is walked, naming the limit', async () => {
  for (const path of ['/api/sittings', '/api/seats/enrol', '/api/sign-in']) {
    const r = await ready.admin.post(path, `{"room":${deepArrayText(100_000)}}`);
    expect(r.status, path).toBe(400);
    expect(r.body.error, path).toMatch(/^The body nests more than 32 levels deep\.$/);
  }
  expect((await ready.admin.get('/api/me')).status).toBe(200);
});

test('a body that would change object prototypes is refused', async () => {
  const r = await ready.admin.post('/api/sittings', '{"room":"A","__proto__":{"isAdmin":true}}');
  expect(r.status).toBe(400);
  expect(r.body.error).toMatch(/__proto__/);
});

test('an error about a bad body quotes a bounded slice of it, never the whole', async () => {
  const r = await ready.admin.post('/api/sittings', `{"room": "${'A'.repeat(200_000)}`);
  expect(r.status).toBe(400);
  expect(r.text.length).toBeLessThan(1000);
  // A key the sender chose is part of zod's message ("Unrecognized key"): bounded too.
  const key = await ready.admin.post('/api/sittings', {
    room: 'Room 1',
    startsAt: new Date().toISOString(),
    invigilatorIds: [],
    entries: [],
    ['K'.repeat(200_000)]: 1,
  });
  expect(key.status).toBe(400);
  expect(key.body.error).toMatch(/Unrecognized key/);
  expect(key.text.length).toBeLessThan(1000);
});
