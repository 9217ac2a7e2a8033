/**
 * The live channel between console processes (invigilator/server/live-bus.ts). On PostgreSQL (project
 * unit-pg): two buses on one real database, as two processes would have; notices cross, a process's
 * own are ignored, bad payloads sent straight to the channel are refused (and the bus keeps serving),
 * and a listening connection cut by the server is opened again, followed by a resync. On SQLite
 * (project unit): the loopback, which sends nowhere.
 */
import pg from 'pg';
import { afterEach, expect, test } from 'vitest';
import {
  coalesceNotices,
  type LiveBusHandler,
  LoopbackBus,
  PgLiveBus,
  splitNotice,
} from '../../../../invigilator/server/live-bus.ts';
import { silentLogger } from '../../../../invigilator/server/logger.ts';
import {
  LIVE_CHANNEL,
  LIVE_NOTICE_MAX_BYTES,
  type LiveNotice,
} from '../../../../shared/schemas/live-notice.ts';
import { newPostgresDatabase, testEngine } from '../../../helpers/engines.ts';

const open: { close(): Promise<void> }[] = [];
const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  for (const p of pools.splice(0)) await p.end();
});

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function recorder(): LiveBusHandler & { notices: LiveNotice[]; resyncs: number } {
  const r = {
    notices: [] as LiveNotice[],
    resyncs: 0,
    notice(n: LiveNotice) {
      r.notices.push(n);
    },
    resync() {
      r.resyncs++;
    },
  };
  return r;
}

const SEAT_A = 'seat-aaaaaaaa';
const SEAT_B = 'seat-bbbbbbbb';

test('a long list of ids is sent as several notices, each within the size PostgreSQL takes', () => {
  const ids = Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(63, '0')}`);
  const parts = splitNotice({ k: 'seats', ids });
  expect(parts.map((p) => ('ids' in p ? p.ids.length : 0))).toEqual([100, 100, 50]);
  for (const p of parts) {
    const text = JSON.stringify({ v: 1, from: '00000000-0000-0000-0000-000000000000', ...p });
    expect(Buffer.byteLength(text)).toBeLessThan(LIVE_NOTICE_MAX_BYTES);
  }
  expect(parts.flatMap((p) => ('ids' in p ? p.ids : []))).toEqual(ids);
});

test('notices merge per kind (and centre), each id once, first-published order; then split', () => {
  const ids = Array.from({ length: 120 }, (_, i) => `seat-${String(i).padStart(8, '0')}`);
  expect(
    coalesceNotices([
      { k: 'seats', ids: ids.slice(0, 60) },
      { k: 'sittings', centre: 'centre-00000001', ids: [] },
      { k: 'notices', centre: 'centre-00000001' },
      { k: 'seats', ids: ids.slice(30) },
      { k: 'sittings', centre: 'centre-00000002', ids: ['sitting-1'] },
      { k: 'sittings', centre: 'centre-00000001', ids: ['sitting-2'] },
      { k: 'help', centre: 'centre-00000001', id: 'help-00000001' },
      { k: 'help', centre: 'centre-00000001', id: 'help-00000002' },
      { k: 'help', centre: 'centre-00000001', id: 'help-00000001' },
      { k: 'notices', centre: 'centre-00000001' },
    ]),
  ).toEqual([
    { k: 'seats', ids: ids.slice(0, 100) },
    { k: 'seats', ids: ids.slice(100) },
    { k: 'sittings', centre: 'centre-00000001', ids: ['sitting-2'] },
    { k: 'notices', centre: 'centre-00000001' },
    { k: 'sittings', centre: 'centre-00000002', ids: ['sitting-1'] },
    { k: 'help', centre: 'centre-00000001', id: 'help-00000001' },
    { k: 'help', centre: 'centre-00000001', id: 'help-00000002' },
  ]);
});

if (testEngine() === 'sqlite') {
  test('on SQLite the bus is a loopback: one process, nobody to tell, nothing received', async () => {
    const bus = new LoopbackBus('instance-1');
    const r = recorder();
    bus.setHandler(r);
    bus.publish({ k: 'seats', ids: [SEAT_A] });
    await new Promise((res) => setTimeout(res, 50));
    expect(bus.shared).toBe(false);
    expect(bus.stats.sent).toBe(1);
    expect(r.notices).toEqual([]);
  });
} else {
  async function twoBuses(): Promise<{ url: string; a: PgLiveBus; b: PgLiveBus; pool: pg.Pool }> {
    const url = await newPostgresDatabase();
    const make = async (instanceId: string): Promise<PgLiveBus> => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      const bus = await PgLiveBus.start({
        client: { connectionString: url, application_name: `invigil-console ${instanceId}` },
        pool,
        instanceId,
        log: silentLogger(),
        retryMs: 50,
        maxRetryMs: 200,
      });
      open.push(bus);
      return bus;
    };
    const a = await make('11111111-1111-4111-8111-111111111111');
    const b = await make('22222222-2222-4222-8222-222222222222');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(pool);
    return { url, a, b, pool };
  }

  test('a notice from one process reaches the other; a process ignores its own', async () => {
    const { a, b } = await twoBuses();
    const onA = recorder();
    const onB = recorder();
    a.setHandler(onA);
    b.setHandler(onB);
    a.publish({ k: 'seats', ids: [SEAT_A, SEAT_B] });
    a.publish({ k: 'help', centre: 'centre-00000001', id: 'help-000000001' });
    await waitFor('two notices on B', () => onB.notices.length === 2);
    // Each notice is sent on whichever pooled connection is free, so they may arrive in either order
    // (a notice only says what to re-read, so order does not matter).
    expect(onB.notices).toHaveLength(2);
    expect(onB.notices).toEqual(
      expect.arrayContaining([
        { v: 1, from: a.instanceId, k: 'seats', ids: [SEAT_A, SEAT_B] },
        { v: 1, from: a.instanceId, k: 'help', centre: 'centre-00000001', id: 'help-000000001' },
      ]),
    );
    await waitFor('A hears its own notices', () => a.stats.own === 2);
    expect(onA.notices).toEqual([]);
  });

  test('bad payloads on the channel are refused, counted, and the bus keeps serving', async () => {
    const { a, b, pool } = await twoBuses();
    const onB = recorder();
    b.setHandler(onB);
    const deep = `${'['.repeat(50)}${']'.repeat(50)}`;
    const bad = [
      'not json',
      deep,
      JSON.stringify({ v: 1, from: a.instanceId, k: 'seats', ids: ['x'.repeat(7100)] }),
      JSON.stringify({ v: 1, from: a.instanceId, k: 'unknown-kind', ids: [SEAT_A] }),
      JSON.stringify({ v: 2, from: a.instanceId, k: 'seats', ids: [SEAT_A] }),
      JSON.stringify({ v: 1, from: a.instanceId, k: 'seats', ids: [SEAT_A], extra: 'field' }),
      JSON.stringify({ v: 1, from: a.instanceId, k: 'seats', ids: Array(101).fill(SEAT_A) }),
      JSON.stringify({ v: 1, from: a.instanceId, k: 'seats', ids: ['short'] }),
      JSON.stringify({ v: 1, from: a.instanceId, k: 'seats', ids: [] }),
      JSON.stringify({ v: 1, k: 'hands-pauses' }),
      JSON.stringify({ v: 1, from: a.instanceId, k: '__proto__' }),
      '',
    ];
    for (const payload of bad) await pool.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, payload]);
    // A good notice sent straight to the channel, after the bad ones: still handled.
    await pool.query('SELECT pg_notify($1, $2)', [
      LIVE_CHANNEL,
      JSON.stringify({ v: 1, from: a.instanceId, k: 'hands-pauses' }),
    ]);
    await waitFor('the good notice', () => onB.notices.length === 1);
    expect(onB.notices).toEqual([{ v: 1, from: a.instanceId, k: 'hands-pauses' }]);
    expect(b.stats.refused).toBe(bad.length);
  });

  test('a handler that throws does not stop the bus', async () => {
    const { a, b } = await twoBuses();
    const seen: LiveNotice[] = [];
    b.setHandler({
      notice(n) {
        seen.push(n);
        throw new Error('handler failed');
      },
      resync() {},
    });
    a.publish({ k: 'seats', ids: [SEAT_A] });
    await waitFor('the first notice', () => seen.length === 1);
    a.publish({ k: 'seats', ids: [SEAT_B] });
    await waitFor('the second notice', () => seen.length === 2);
  });

  test('notices published together go as one per kind, ids merged', async () => {
    const { a, b } = await twoBuses();
    const onB = recorder();
    b.setHandler(onB);
    const many = Array.from({ length: 150 }, (_, i) => `seat-${String(i).padStart(8, '0')}`);
    a.publish({ k: 'seats', ids: [SEAT_A] });
    a.publish({ k: 'incidents', ids: ['incident-1'] });
    a.publish({ k: 'seats', ids: [SEAT_B, SEAT_A] });
    a.publish({ k: 'seats', ids: many });
    a.publish({ k: 'hands-pauses' });
    a.publish({ k: 'hands-pauses' });
    await waitFor('the merged notices', () => onB.notices.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(onB.notices).toEqual([
      { v: 1, from: a.instanceId, k: 'seats', ids: [SEAT_A, SEAT_B, ...many.slice(0, 98)] },
      { v: 1, from: a.instanceId, k: 'seats', ids: many.slice(98) },
      { v: 1, from: a.instanceId, k: 'incidents', ids: ['incident-1'] },
      { v: 1, from: a.instanceId, k: 'hands-pauses' },
    ]);
    expect(a.stats.sent).toBe(4);
  });

  test('what is published just before close is still sent', async () => {
    const { a, b } = await twoBuses();
    const onB = recorder();
    b.setHandler(onB);
    a.publish({ k: 'seats', ids: [SEAT_A] });
    await a.close();
    await waitFor('the last notice', () => onB.notices.length === 1);
  });

  test('a listening connection the server cuts is opened again, then the process re-reads everything', async () => {
    const { a, b, pool } = await twoBuses();
    const onB = recorder();
    b.setHandler(onB);
    const pid = await b.listenerPid();
    expect(pid).toBeTypeOf('number');
    await pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor('B to notice the cut', () => !b.listening);
    // Sent while B is not listening: lost to B, which is why it re-reads everything once back.
    a.publish({ k: 'seats', ids: [SEAT_A] });
    await waitFor('B listening again', () => b.listening && onB.resyncs === 1);
    expect(b.stats.reconnects).toBe(1);
    expect(await b.listenerPid()).not.toBe(pid);
    a.publish({ k: 'seats', ids: [SEAT_B] });
    await waitFor('a notice after the reconnection', () =>
      onB.notices.some((n) => n.k === 'seats' && n.ids.includes(SEAT_B)),
    );
  });

  test('a bus refuses to start when the database cannot be reached (the console does not start blind)', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    pools.push(pool);
    await expect(
      PgLiveBus.start({
        client: { connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 },
        pool,
        instanceId: '33333333-3333-4333-8333-333333333333',
        log: silentLogger(),
      }),
    ).rejects.toThrow();
  });
}
