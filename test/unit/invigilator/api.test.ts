/**
 * The console's HTTP API against a real server on 127.0.0.1 with a real SQLite file (or PostgreSQL
 * database, in the -pg projects): sign-in,
 * refusals (400 naming the field, 413, 401, 403), centre separation, and the invigilation record.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../../invigilator/server/auth.ts';
import { ApiError } from '../../../shared/api/client.ts';
import type { SittingView } from '../../../shared/schemas/console-api.ts';
import {
  ConsoleClient,
  setupFirstInvigilator,
  startTestConsole,
  type TestConsole,
} from '../../helpers/console-client.ts';

let c: TestConsole;
beforeAll(async () => {
  c = await startTestConsole();
});
afterAll(async () => {
  await c?.close();
});

function sittingBody(overrides: Record<string, unknown> = {}) {
  return {
    room: 'Room 4 (IT suite)',
    startsAt: '2026-11-22T09:30:00+00:00',
    invigilatorIds: [],
    entries: [
      {
        candidateName: 'Amira Hussain',
        registrationNumber: 'IMI-100234',
        qualificationNumber: '601/8928/9',
        qualificationType: 'other',
        assessment: 'MOT Testing Classes 4 and 7: online test',
        durationMinutes: 60,
        extraMinutes: 15,
        reasonableAdjustment: null,
        seatId: null,
      },
    ],
    ...overrides,
  };
}

describe('first start and sign-in', () => {
  test('the setup link works once; a second use is refused', async () => {
    const again = await new ConsoleClient(c.url).post('/api/setup', {
      token: 'x'.repeat(32),
      centreName: 'Elsewhere',
      name: 'Mallory',
      pin: '9999',
      password: 'long enough password',
    });
    expect(again.status).toBe(403);
    expect((await c.admin.get('/api/setup')).body).toEqual({ needed: false });
  });

  test('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const client = new ConsoleClient(c.url);
    const r = await client.post('/api/sign-in', {
      name: c.adminName,
      pin: c.adminPin,
      password: c.adminPassword,
    });
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const me = await client.get<{ invigilator: { name: string; role: string }; centre: { name: string } }>(
      '/api/me',
    );
    expect(me.body.invigilator).toMatchObject({ name: 'Dana Okafor', role: 'coordinator' });
    expect(me.body.centre.name).toBe('Northgate College');
  });

  test('a wrong password, PIN or name is refused with 401 and the same message', async () => {
    const client = new ConsoleClient(c.url);
    const wrongPassword = await client.post('/api/sign-in', {
      name: c.adminName,
      pin: c.adminPin,
      password: 'nope nope nope',
    });
    const wrongPin = await client.post('/api/sign-in', {
      name: c.adminName,
      pin: '11111',
      password: c.adminPassword,
    });
    const wrongName = await client.post('/api/sign-in', {
      name: 'Nobody',
      pin: c.adminPin,
      password: c.adminPassword,
    });
    expect([wrongPassword.status, wrongPin.status, wrongName.status]).toEqual([401, 401, 401]);
    expect(wrongPin.body.error).toBe(wrongName.body.error);
    expect(client.cookie).toBeNull();
  });

  test('signing out ends the session', async () => {
    const client = new ConsoleClient(c.url);
    await client.signIn(c.adminName, c.adminPin, c.adminPassword);
    const cookie = client.cookie;
    const live = await client.live();
    const closed = new Promise<number>((r) => live.ws.once('close', (code) => r(code)));
    expect((await client.post('/api/sign-out')).status).toBe(200);
    expect(await closed).toBe(4001);
    client.cookie = cookie;
    expect((await client.get('/api/me')).status).toBe(401);
    await expect(client.live()).rejects.toThrow('live socket refused: 401');
  });
});

describe('refusals', () => {
  test('no sign-in: 401 on every API that reads or writes centre data', async () => {
    const anon = new ConsoleClient(c.url);
    for (const path of ['/api/me', '/api/seats', '/api/sittings', '/api/incidents', '/api/invigilators']) {
      expect((await anon.get(path)).status, path).toBe(401);
    }
    expect((await anon.post('/api/sittings', sittingBody())).status).toBe(401);
    expect((await anon.post('/api/enrolment-codes', {})).status).toBe(401);
  });

  test('a bad field gets 400 naming it, and nothing is written', async () => {
    const before = (await c.admin.api.call('listSittings')).sittings.length;
    const body = sittingBody();
    (body.entries[0] as Record<string, unknown>).qualificationNumber = 'not a number';
    const r = await c.admin.post('/api/sittings', body);
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('entries.0.qualificationNumber');
    expect(String(r.body.error)).toContain('entries.0.qualificationNumber');
    const missingRoom = await c.admin.post('/api/sittings', sittingBody({ room: '' }));
    expect(missingRoom.status).toBe(400);
    expect(missingRoom.body.field).toBe('room');
    const badTime = await c.admin.post('/api/sittings', sittingBody({ startsAt: 'tomorrow' }));
    expect(badTime.body.field).toBe('startsAt');
    const unknownSeat = await c.admin.post('/api/sittings', {
      ...sittingBody(),
      entries: [{ ...sittingBody().entries[0], seatId: 'aaaaaaaa-0000-0000-0000-000000000000' }],
    });
    expect(unknownSeat.status).toBe(400);
    expect(unknownSeat.body.field).toBe('entries.0.seatId');
    expect((await c.admin.api.call('listSittings')).sittings.length).toBe(before);
  });

  test('a body that is not JSON gets 400; a body in another format gets 415', async () => {
    expect((await c.admin.request('POST', '/api/sittings', '{"room": ')).status).toBe(400);
    expect(
      (
        await c.admin.request('POST', '/api/sittings', 'room=4', {
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
  });

  test('an oversized body gets 413', async () => {
    const huge = sittingBody({ room: 'x'.repeat(300 * 1024) });
    const r = await c.admin.post('/api/sittings', huge);
    expect(r.status).toBe(413);
    expect(String(r.body.error)).toMatch(/larger than/);
  });

  test('a write from another site (wrong or missing Origin) is refused with 403', async () => {
    const foreign = await c.admin.request('POST', '/api/sittings', sittingBody(), {
      origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);
    const none = await c.admin.request('POST', '/api/sittings', sittingBody(), { origin: '' });
    expect(none.status).toBe(403);
    expect(c.logs.some((l) => l.msg === 'cross-site write refused')).toBe(true);
  });

  test('an invigilator who is not a coordinator cannot add invigilators (403)', async () => {
    const add = await c.admin.post('/api/invigilators', {
      name: 'Sam Reid',
      pin: '55501',
      password: 'another long one',
    });
    expect(add.status).toBe(201);
    const dup = await c.admin.post('/api/invigilators', {
      name: 'Sam Again',
      pin: '55501',
      password: 'another long one',
    });
    expect(dup.status).toBe(409);
    const sam = new ConsoleClient(c.url);
    await sam.signIn('sam reid', '55501', 'another long one');
    const r = await sam.post('/api/invigilators', {
      name: 'Eve',
      pin: '66601',
      password: 'another long one',
    });
    expect(r.status).toBe(403);
  });

  test("another centre's sitting and seat are refused with 403", async () => {
    // A second centre in the same database (as a multi-centre deployment would have).
    const now = new Date().toISOString();
    await c.db
      .insertInto('centres')
      .values({ id: 'centre-other-0001', name: 'Other', created_at: now })
      .execute();
    await c.db
      .insertInto('invigilators')
      .values({
        id: 'invig-other-0001',
        centre_id: 'centre-other-0001',
        site_id: null,
        name: 'Olive Other',
        pin: '77701',
        password_hash: await hashPassword('other centre pass'),
        role: 'coordinator',
        created_at: now,
      })
      .execute();
    const mine = await c.admin.post<{ sitting: SittingView }>('/api/sittings', sittingBody());
    expect(mine.status).toBe(201);
    const other = new ConsoleClient(c.url);
    await other.signIn('Olive Other', '77701', 'other centre pass');
    const id = mine.body.sitting.id;
    expect((await other.get(`/api/sittings/${id}`)).status).toBe(403);
    expect((await other.get(`/api/sittings/${id}/record.csv`)).status).toBe(403);
    expect((await other.put(`/api/sittings/${id}`, sittingBody())).status).toBe(403);
    expect((await other.api.call('listSittings')).sittings).toEqual([]);
    expect((await c.admin.get(`/api/sittings/${id}`)).status).toBe(200);
  });
});

describe('sittings', () => {
  test('a sitting shows the rule warnings: ratio, extra time, retake wait, attempts, two a day', async () => {
    const inv = await c.admin.get<{ invigilators: { id: string; name: string }[] }>('/api/invigilators');
    const dana = inv.body.invigilators.find((i) => i.name === 'Dana Okafor');
    const base = sittingBody().entries[0];
    const entries = Array.from({ length: 16 }, (_, i) => ({
      ...base,
      candidateName: `Candidate ${i + 1}`,
      registrationNumber: `REG-${1000 + i}`,
      extraMinutes: 0,
    }));
    entries[0] = { ...entries[0], extraMinutes: 20 } as (typeof entries)[number];
    const r = await c.admin.post<{ sitting: SittingView }>(
      '/api/sittings',
      sittingBody({ startsAt: '2026-12-01T09:00:00+00:00', invigilatorIds: [dana?.id], entries }),
    );
    expect(r.status).toBe(201);
    const rules = r.body.sitting.warnings.map((w) => w.rule);
    expect(rules).toContain('ratio');
    expect(rules).toContain('extra-time');

    // A failed attempt, then a retake 1 hour later (this qualification's wait is 2 hours).
    const first = await c.admin.post<{ sitting: SittingView }>(
      '/api/sittings',
      sittingBody({ startsAt: '2026-12-02T09:00:00+00:00', invigilatorIds: [dana?.id] }),
    );
    const entryId = first.body.sitting.entries[0]?.id;
    const outcome = await c.admin.put(`/api/sittings/${first.body.sitting.id}/entries/${entryId}/outcome`, {
      outcome: 'failed',
    });
    expect(outcome.status).toBe(200);
    const retake = await c.admin.post<{ sitting: SittingView }>(
      '/api/sittings',
      sittingBody({ startsAt: '2026-12-02T10:00:00+00:00', invigilatorIds: [dana?.id] }),
    );
    const w = retake.body.sitting.warnings;
    expect(w.map((x) => x.rule)).toContain('retake-wait');
    expect(w.find((x) => x.rule === 'retake-wait')?.message).toContain('2 hours');
    const third = await c.admin.post<{ warnings: { rule: string }[] }>('/api/sittings/check', {
      ...sittingBody({ startsAt: '2026-12-02T15:00:00+00:00', invigilatorIds: [dana?.id] }),
    });
    expect(third.body.warnings.map((x) => x.rule)).toContain('daily-limit');
  });

  test('every change is attributed to the invigilator who made it (audit trail)', async () => {
    const audit = await c.admin.api.call('listAudit');
    const created = audit.audit.filter((a) => a.action === 'sitting.create');
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((a) => a.invigilator === 'Dana Okafor')).toBe(true);
    expect(audit.audit.some((a) => a.action === 'entry.outcome' && a.invigilator === 'Dana Okafor')).toBe(
      true,
    );
  });
});

test('the live socket refuses another site (Origin) and anyone not signed in', async () => {
  const WebSocket = (await import('ws')).default;
  const status = (headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/api/live`, { headers });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
  expect(await status({ origin: c.url })).toBe(401);
  expect(await status({ origin: 'http://evil.example', cookie: c.admin.cookie ?? '' })).toBe(403);
  expect(await status({ origin: c.url, cookie: c.admin.cookie ?? '' })).toBe(101);
});

test('sign-in attempts are rate-limited per address (429 after 10 a minute)', async () => {
  const other = await startTestConsole();
  try {
    const client = new ConsoleClient(other.url);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        // A different name each time, so that only the per-address limit applies.
        (await client.post('/api/sign-in', { name: `Guess ${i}`, pin: '1234', password: `guess ${i}` }))
          .status,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Even the right password is refused while limited.
    const right = await client.post('/api/sign-in', {
      name: other.adminName,
      pin: other.adminPin,
      password: other.adminPassword,
    });
    expect(right.status).toBe(429);
  } finally {
    await other.close();
  }
});

test('a setup link from a previous start no longer works once the centre is set up', async () => {
  const other = await startTestConsole();
  try {
    const r = await setupFirstInvigilator(other.url, other.running.setupUrl ?? '').catch((e: Error) => e);
    expect(r).toBeInstanceOf(ApiError);
    expect((r as ApiError).status).toBe(403);
    expect((r as ApiError).message).toMatch(/setup link has been used or replaced/);
  } finally {
    await other.close();
  }
});
