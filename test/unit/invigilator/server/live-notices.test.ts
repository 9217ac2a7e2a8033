/**
 * What a console does with the live channel (invigilator/server/live-notices.ts), with real consoles in
 * this process. On PostgreSQL (unit-pg): two consoles on one real database; a change that reached the
 * database with no notice (as when a notice is lost while the listening connection is down) shows on
 * the other console once its listening connection is cut and comes back, since it then re-reads
 * everything, and its dashboards are sent to reconnect for a fresh snapshot. On SQLite (unit): one
 * process, and presence rows left by another instance (a predecessor) are never taken as live.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, test } from 'vitest';
import type { PgLiveBus } from '../../../../invigilator/server/live-bus.ts';
import { silentLogger } from '../../../../invigilator/server/logger.ts';
import { type RunningConsole, startConsole } from '../../../../invigilator/server/start.ts';
import type { SeatView } from '../../../../shared/schemas/console-api.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../../helpers/console-client.ts';
import { enrolTestSeat } from '../../../helpers/console-seat.ts';
import { newPostgresDatabase, testEngine } from '../../../helpers/engines.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function seatOn(client: ConsoleClient, seatId: string): Promise<SeatView | undefined> {
  return (await client.get<{ seats: SeatView[] }>('/api/seats')).body.seats.find((s) => s.id === seatId);
}

const OTHER_INSTANCE = '44444444-4444-4444-8444-444444444444';

if (testEngine() === 'postgres') {
  test('a change the other console was not told of shows once its listening connection comes back (it re-reads everything)', async () => {
    const database = await newPostgresDatabase();
    const a: TestConsole = await startTestConsole({ database, livePushMs: 10 });
    cleanups.push(() => a.close());
    const dir = mkdtempSync(join(tmpdir(), 'invigil-console-b-'));
    const b: RunningConsole = await startConsole({
      dataDir: dir,
      database,
      port: 0,
      host: '127.0.0.1',
      log: silentLogger(),
      livePushMs: 10,
    });
    cleanups.push(async () => {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const onB = new ConsoleClient(b.url);
    onB.cookie = a.admin.cookie;
    const feed = await onB.live();
    const closed = new Promise<number>((r) => feed.ws.once('close', (code) => r(code)));
    const seat = await enrolTestSeat(a.admin, 'PC-DEAF');
    await until(async () => seatOn(onB, seat.seatId), 'B to know the seat');

    // A third console process (this test's connection, named as consoles name theirs) holds the seat:
    // written straight into the database, so nobody is told.
    const other = new pg.Client({
      connectionString: database,
      application_name: `invigil-console ${OTHER_INSTANCE}`,
    });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query(
      'INSERT INTO seat_presence (seat_id, instance_id, connected, seen_at) VALUES ($1, $2, 1, $3)',
      [seat.seatId, OTHER_INSTANCE, new Date().toISOString()],
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await seatOn(onB, seat.seatId))?.connected).toBe(false);

    // B's listening connection is cut by the server; B opens it again and re-reads.
    const bus = b.ctx.hub.bus as PgLiveBus;
    const pid = await bus.listenerPid();
    await other.query('SELECT pg_terminate_backend($1)', [pid]);
    await until(async () => (await seatOn(onB, seat.seatId))?.connected === true, 'B re-reading the seat');
    expect(bus.stats.reconnects).toBe(1);
    // Its dashboards are sent to reconnect for a fresh snapshot (they may have missed notices too).
    expect(await closed).toBe(4012);
  });
} else {
  test('on SQLite a presence row left by another instance (a predecessor) is never taken as a live seat', async () => {
    const c = await startTestConsole({ livePushMs: 10 });
    cleanups.push(() => c.close());
    expect(c.running.ctx.hub.bus.shared).toBe(false);
    const seat = await enrolTestSeat(c.admin, 'PC-OLD');
    await c.db
      .insertInto('seat_presence')
      .values({
        seat_id: seat.seatId,
        instance_id: OTHER_INSTANCE,
        connected: 1,
        seen_at: new Date().toISOString(),
        offline_since: null,
        flooding_until: null,
        shared_until: null,
      })
      .execute();
    await c.running.ctx.hub.resync();
    expect(await seatOn(c.admin, seat.seatId)).toMatchObject({ connected: false, state: 'offline' });
  });
}
