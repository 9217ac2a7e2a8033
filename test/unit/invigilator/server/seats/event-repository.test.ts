/**
 * The events writer's round trips (seats/event-repository.ts) on this run's engine. On PostgreSQL each
 * statement waits for a turn of the console's busy event loop, so a batch's statements are its cost:
 * the INSERT takes the seats' locks itself, and the incidents are written and read back in one
 * statement. SQLite keeps its statements as they were. (How incidents coalesce:
 * test/unit/invigilator/server/store/database-store.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { expect, test } from 'vitest';
import type { SeatRow } from '../../../../../invigilator/server/store/store.ts';
import { testEngine } from '../../../../helpers/engines.ts';
import { enrolTestSeats, focusLostEvent, storesOnTestEngine } from '../../../../helpers/test-store.ts';

const openTestStore = storesOnTestEngine('invigil-events-');
const t = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();

test('a batch with new and counted-on incidents: 5 statements on PostgreSQL (was 9), as before on SQLite', async () => {
  const s = await openTestStore();
  const [one, two, three] = (await enrolTestSeats(
    s,
    Array.from({ length: 3 }, (_, i) => `PC-${i + 1}`),
  )) as [SeatRow, SeatRow, SeatRow];
  await s.storeSeatEvents([focusLostEvent(one, t(0))]);
  // 600 events: one's count on the incident stored above, two's and three's are new ones.
  const batch = Array.from({ length: 600 }, (_, i) =>
    focusLostEvent([one, two, three][i % 3] as SeatRow, t(1 + (i % 50))),
  );
  const before = s.db.stats.statements;
  const rows = await s.storeSeatEvents(batch);
  const statements = s.db.stats.statements - before;
  // BEGIN, the events' INSERT with the seats' locks, the incidents read, their INSERT and UPDATE in one
  // (returning them as they are now), COMMIT. SQLite: BEGIN, INSERT (400 rows each, so two), the
  // incidents read, INSERT, UPDATE, COMMIT, and the incidents read after the commit.
  expect(statements).toBe(testEngine() === 'postgres' ? 5 : 8);
  // What the batch returns is what is stored.
  const byPc = [...rows].sort((a, b) => String(a.pcName).localeCompare(String(b.pcName)));
  expect(byPc.map((r) => [r.seatId, r.count, r.at, r.lastAt])).toEqual([
    [one.id, 201, t(0), t(50)],
    [two.id, 200, t(1), t(50)],
    [three.id, 200, t(1), t(50)],
  ]);
  const stored = await s.incidentsByIds(rows.map((r) => r.id));
  expect(rows).toEqual(expect.arrayContaining(stored));
  expect(stored).toHaveLength(3);
  expect(byPc.map((r) => r.pcName)).toEqual(['PC-1', 'PC-2', 'PC-3']);
  expect(await s.countSeatEvents()).toBe(601);

  // The same batch again (its acknowledgements lost): nothing stored twice, nothing counted twice.
  const beforeResend = s.db.stats.statements;
  expect(await s.storeSeatEvents(batch)).toEqual([]);
  expect(s.db.stats.statements - beforeResend).toBe(testEngine() === 'postgres' ? 3 : 4);
  expect(await s.countSeatEvents()).toBe(601);
  expect((await s.incidentsByIds(byPc.map((r) => r.id))).map((r) => r.count).sort()).toEqual([200, 200, 201]);
});

// On PostgreSQL only: SQLite's transactions are serial, and it has no row locks.
if (testEngine() === 'postgres')
  test('PostgreSQL: the events INSERT waits for a seat locked by another transaction (incidents stay serial between processes)', async () => {
    const s = await openTestStore();
    const [one] = (await enrolTestSeats(
      s,
      Array.from({ length: 1 }, (_, i) => `PC-${i + 1}`),
    )) as [SeatRow];
    const dbUrl = (s.db.pgClientConfig as { connectionString: string }).connectionString;
    // Another process holding the seat's row lock (as its own events writer or offline sweep would).
    const other = new pg.Client({ connectionString: dbUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM seats WHERE id = $1 FOR UPDATE', [one.id]);
      const storing = s.storeSeatEvents([focusLostEvent(one, t(0))]);
      // Wait until the console's statement is waiting on a lock (the server says so), then let go.
      for (;;) {
        const { rows } = await other.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND application_name LIKE 'invigil-console %' AND datname = current_database()`,
        );
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // Meanwhile the other process records the first incident of a run at that seat.
      await other.query(
        `INSERT INTO incidents (id, centre_id, at, kind, source, description, seat_id, created_at, count, last_at)
         VALUES ($1, $2, $3, 'focus-lost', 'automatic', 'The browser lost focus.', $4, $3, 1, $3)`,
        [randomUUID(), one.centreId, t(0), one.id],
      );
      await other.query('COMMIT');
      // The console's transaction read the incidents after the lock: it counts on that one, no second.
      const rows = await storing;
      expect(rows.map((r) => r.count)).toEqual([2]);
      const n = await sql<{ n: number }>`SELECT count(*) AS n FROM incidents`.execute(s.db.kysely);
      expect(Number(n.rows[0]?.n)).toBe(1);
    } finally {
      await other.end();
    }
  });
