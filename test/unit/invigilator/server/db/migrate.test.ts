/**
 * Numbered migrations on real databases: migration 3 makes exactly the schema main's hand-written
 * SQLite store made (version 3), a real version-3 file made by that code upgrades with every row kept,
 * a version-1 file still upgrades, a database newer than the console is refused and left unchanged,
 * and on PostgreSQL several consoles starting at once migrate it once.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { openPostgres, openSqlite } from '../../../../../invigilator/server/db/database.ts';
import { DatabaseTooNewError, migrate, schemaVersion } from '../../../../../invigilator/server/db/migrate.ts';
import { v3Baseline } from '../../../../../invigilator/server/db/migrations/0003-v3-baseline.ts';
import { SCHEMA_VERSION } from '../../../../../invigilator/server/db/migrations/index.ts';
import { openStore, sqliteFileIn } from '../../../../../invigilator/server/store/database-store.ts';
import { type PostgresServer, startPostgres } from '../../../../helpers/postgres-server.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../../fixtures/invigilator');
/**
 * A centre written through the Store methods of main's hand-written SqliteStore (schema 3, before numbered
 * migrations; invigilator/server/store/sqlite-store.ts at 8370e36): a coordinator, an invigilator, a
 * session, a sign-in link, a NAT enrolment code, two seats and a replacement request, a closed sitting with
 * an identity check and an outcome, events (one id at two seats), coalesced and manual incidents,
 * instructions, notices, seat status and console_alive.
 */
const V3_FILE = join(FIXTURES, 'console-v3.sqlite');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-migrate-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

let pgServer: PostgresServer;
beforeAll(async () => {
  pgServer = await startPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
});

type SchemaRow = { type: string; name: string; tbl_name: string; sql: string | null };

/** Every table and index of an SQLite file, its SQL with whitespace normalised. */
function sqliteSchema(file: string, skip: readonly string[] = []): SchemaRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db
        .prepare(
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as SchemaRow[]
    )
      .filter((r) => !skip.includes(r.tbl_name))
      .map((r) => ({ ...r, sql: r.sql?.replace(/\s+/g, ' ') ?? null }));
  } finally {
    db.close();
  }
}

function allRows(file: string, table: string, columns = '*'): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT ${columns} FROM ${table} ORDER BY rowid`).all();
  } finally {
    db.close();
  }
}

test('the fixture is a real version-3 file from before numbered migrations', () => {
  const db = new Database(V3_FILE, { readonly: true });
  expect(db.pragma('user_version', { simple: true })).toBe(3);
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").get()).toBeUndefined();
  expect(Number((db.prepare('SELECT COUNT(*) AS n FROM seat_events').get() as { n: number }).n)).toBe(4);
  db.close();
});

test('migration 3 on an empty SQLite file makes exactly the schema main made (version 3)', async () => {
  const file = join(dir, 'fresh.sqlite');
  const db = openSqlite(file);
  await v3Baseline.up(db.kysely, 'sqlite');
  await db.close();
  expect(sqliteSchema(file)).toEqual(sqliteSchema(V3_FILE));
});

test('migration 3 on PostgreSQL makes the same tables and columns (names, NOT NULL, keys)', async () => {
  const db = await openPostgres(await pgServer.createDatabase());
  try {
    await db.kysely.transaction().execute((trx) => v3Baseline.up(trx, 'postgres'));
    const pgColumns = (
      await sql<{ table_name: string; column_name: string; is_nullable: string }>`
        SELECT table_name, column_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, column_name`.execute(db.kysely)
    ).rows.map((c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`);
    const lite = new Database(V3_FILE, { readonly: true });
    const tables = (
      lite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    const liteColumns = tables
      .flatMap((t) =>
        (
          lite.prepare(`PRAGMA table_info(${t})`).all() as { name: string; notnull: number; pk: number }[]
        ).map(
          // SQLite's INTEGER PRIMARY KEY and other key columns are NOT NULL on PostgreSQL.
          (c) => `${t}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`,
        ),
      )
      .sort();
    lite.close();
    expect(pgColumns.sort()).toEqual(liteColumns);
  } finally {
    await db.close();
  }
});

test("a real version-3 file made by main's code upgrades in place: every row kept, then everything at the lead site", async () => {
  const file = join(dir, 'console.sqlite');
  copyFileSync(V3_FILE, file);
  const tables = sqliteSchema(V3_FILE)
    .filter((r) => r.type === 'table')
    .map((r) => r.name);
  const before = new Map(
    tables.map((t) => {
      const columns = (
        new Database(V3_FILE, { readonly: true }).prepare(`PRAGMA table_info(${t})`).all() as {
          name: string;
        }[]
      ).map((c) => c.name);
      return [t, { columns, rows: allRows(V3_FILE, t) }];
    }),
  );
  const store = await openStore({ sqlite: file });
  try {
    expect(store.migrated).toMatchObject({ from: 3, to: SCHEMA_VERSION });
    // 3 runs too (on SQLite it only adds what is missing: nothing, in a version-3 file), then 4 and 5.
    expect(store.migrated.applied.map((m) => m.version)).toEqual([3, 4, 5, 6]);
    // Every row of every version-3 table, column for column.
    for (const [t, { columns, rows }] of before) {
      expect(allRows(file, t, columns.join(', ')), t).toEqual(rows);
    }
    // What the console reads from it.
    const { centre, created } = await store.ensureCentre();
    expect(created).toBe(false);
    expect(centre.name).toBe('Northgate College');
    const [sitting] = await store.listSittings(centre.id);
    expect(sitting?.entries.map((e) => e.candidateName)).toEqual(['Ada Lovelace', 'Alan Turing']);
    expect(sitting?.entries[0]?.identity?.confirmedBy).toBe('Dana Okafor');
    const incidents = await store.listIncidents(centre.id, { limit: 10 });
    expect(incidents.find((i) => i.kind === 'forbidden-site')).toMatchObject({ count: 2, pcName: 'PC-01' });
    expect(await store.countSeatEvents()).toBe(4);
    expect(await store.lastConsoleAlive()).toMatchObject({ at: '2026-12-01T09:02:02.000Z' });
    // Sites (migration 4): one lead site holds the seats, sittings and invigilators.
    const sites = await store.repos.sites.listSites(centre.id);
    expect(sites.map((s) => [s.name, s.kind, s.rooms.map((r) => r.name)])).toEqual([
      ['Main site', 'lead', ['Room 1']],
    ]);
    const seats = await store.repos.seats.listSeats(centre.id);
    expect(seats.every((s) => s.siteId === sites[0]?.id)).toBe(true);
    // An event id one seat used is new for another seat (events keyed by (seat, id)).
    const seat = seats[0];
    if (!seat) throw new Error('no seat');
    await store.storeSeatEvents([
      {
        seatId: seat.id,
        centreId: centre.id,
        event: { id: `fresh-${randomUUID()}`, type: 'event/focus-lost', at: new Date().toISOString() },
        json: '{}',
        sittingId: null,
        receivedAt: new Date().toISOString(),
        incident: null,
      },
    ]);
    expect(await store.countSeatEvents()).toBe(5);
  } finally {
    await store.close();
  }
  // Opened again: nothing more to do. The file now says schema 5, which the old console refuses.
  const again = await openStore({ sqlite: file });
  expect(again.migrated.applied).toEqual([]);
  await again.close();
  const db = new Database(file, { readonly: true });
  expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  db.close();
});

test('a version-1 file opens: incidents gain a count and a last time, events a sitting and the (seat, id) key', async () => {
  const file = join(dir, 'console.sqlite');
  const v1 = new Database(file);
  v1.exec(readFileSync(join(FIXTURES, 'console-schema-v1.sql'), 'utf8'));
  v1.prepare("INSERT INTO centres VALUES ('c1', 'Old centre', '2026-01-01T00:00:00.000Z')").run();
  v1.prepare(
    "INSERT INTO seats VALUES ('seat-0001', 'c1', 'PC-OLD', '', 'hash', '2026-01-01T00:00:00.000Z')",
  ).run();
  v1.prepare(
    `INSERT INTO incidents (id, centre_id, at, kind, source, description, seat_id, created_at)
     VALUES ('i1', 'c1', '2026-01-01T09:00:00.000Z', 'focus-lost', 'automatic', 'Lost focus.', 'seat-0001', '2026-01-01T09:00:00.000Z')`,
  ).run();
  v1.prepare(
    `INSERT INTO seat_events (id, seat_id, type, at, received_at, json)
     VALUES ('evt-00000001', 'seat-0001', 'event/focus-lost', '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z', '{}')`,
  ).run();
  v1.pragma('user_version = 1');
  v1.close();
  const store = await openStore({ sqlite: file });
  try {
    expect(store.migrated).toMatchObject({ from: 1, to: SCHEMA_VERSION });
    expect(await store.countSeatEvents('seat-0001')).toBe(1);
    const lite = new Database(file, { readonly: true });
    expect(
      (lite.prepare('PRAGMA table_info(seat_events)').all() as { name: string; pk: number }[])
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    ).toEqual(['seat_id', 'id']);
    lite.close();
    const [old] = await store.listIncidents('c1', { limit: 10 });
    expect(old).toMatchObject({ id: 'i1', count: 1, lastAt: '2026-01-01T09:00:00.000Z' });
  } finally {
    await store.close();
  }
});

test('an SQLite file newer than this console is refused in one line, and left as it was', async () => {
  const file = join(dir, 'console.sqlite');
  copyFileSync(V3_FILE, file);
  const db = new Database(file);
  // (In WAL mode, as the console keeps it, so that opening it does not rewrite the header.)
  db.pragma('journal_mode = WAL');
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const bytes = readFileSync(file);
  const error = await openStore({ sqlite: file }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseTooNewError);
  expect((error as Error).message).toBe(
    `${file} has schema version ${SCHEMA_VERSION + 1}, written by a newer Invigil; this console knows versions up to ${SCHEMA_VERSION}. Upgrade Invigil to use it (the database was not changed).`,
  );
  expect((error as Error).message).not.toContain('\n');
  expect(readFileSync(file).equals(bytes)).toBe(true);
});

test('PostgreSQL: three consoles starting at once migrate once; a newer database is refused', async () => {
  const url = await pgServer.createDatabase();
  const stores = await Promise.all([1, 2, 3].map(() => openStore({ postgres: url })));
  try {
    const applied = stores.map((s) => s.migrated.applied.map((m) => m.version));
    // One of them applied every migration; the others found nothing to do.
    expect(applied.filter((a) => a.length > 0)).toEqual([[3, 4, 5, 6]]);
    const db = stores[0]?.db;
    if (!db) throw new Error('no store');
    expect(await schemaVersion(db)).toBe(SCHEMA_VERSION);
    // Their centre is one centre.
    const centres = await Promise.all(stores.map((s) => s.ensureCentre()));
    expect(new Set(centres.map((c) => c.centre.id)).size).toBe(1);
    await db.kysely
      .insertInto('schema_migrations')
      .values({ version: SCHEMA_VERSION + 1, name: 'from the future', applied_at: new Date().toISOString() })
      .execute();
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
  const error = await openStore({ postgres: url }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseTooNewError);
  expect((error as Error).message).toMatch(
    new RegExp(
      `has schema version ${SCHEMA_VERSION + 1}, written by a newer Invigil; this console knows versions up to ${SCHEMA_VERSION}`,
    ),
  );
});

test('PostgreSQL: a database that cannot be reached, or does not exist, is a one-line reason', async () => {
  const missing = pgServer.url.replace(/\/postgres$/, '/no_such_db');
  await expect(openStore({ postgres: missing })).rejects.toThrow(
    /^cannot use the PostgreSQL database postgres:\/\/postgres@127\.0\.0\.1:\d+\/no_such_db: .*no_such_db.*create it first/,
  );
  const db = openSqlite(sqliteFileIn(dir));
  await migrate(db);
  await db.close();
});

test('PostgreSQL: the console-alive note says whether the console that wrote it still serves the database', async () => {
  const url = await pgServer.createDatabase();
  const a = await openStore({ postgres: url });
  const b = await openStore({ postgres: url });
  try {
    await a.noteConsoleAlive(new Date().toISOString(), ['seat-1']);
    // B starting now must not count A's online seats as seats waiting after a restart.
    expect(await b.lastConsoleAlive()).toMatchObject({ onlineSeatIds: ['seat-1'], writerAlive: true });
    // Its own note is never "another console".
    expect((await a.lastConsoleAlive())?.writerAlive).toBe(false);
    await a.close();
    // A is gone (its connections closed, as they are when its process dies): a restart's note again.
    expect((await b.lastConsoleAlive())?.writerAlive).toBe(false);
  } finally {
    await a.close();
    await b.close();
  }
});
