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
import { MIGRATIONS, SCHEMA_VERSION } from '../../../../../invigilator/server/db/migrations/index.ts';
import { openStore, sqliteFileIn } from '../../../../../invigilator/server/store/database-store.ts';
import { type PostgresServer, startPostgres, startSlowRelay } from '../../../../helpers/postgres-server.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../../fixtures/invigilator');
/**
 * A centre written through the Store methods of main's hand-written SqliteStore (schema 3, before numbered
 * migrations; invigilator/server/store/sqlite-store.ts at 8370e36): a coordinator, an invigilator, a
 * session, a sign-in link, a NAT enrolment code, two seats and a replacement request, a closed sitting with
 * an identity check and an outcome, events (one id at two seats), coalesced and manual incidents,
 * instructions, notices, seat status and console_alive.
 */
const V3_FILE = join(FIXTURES, 'console-v3.sqlite');
/**
 * A centre written through the Store methods of main's hand-written SqliteStore at schema version 5
 * (1b38193, issue 13; the recipe is make-console-v5.ts.txt beside it): two seats, a sitting of two
 * entries, PC-01's hand raised twice (one hand, counted twice) and answered, PC-02's hand open, a seat's
 * pause ended and the room's pause open, help summoned and acknowledged and another open, both entries
 * released, one submitted early with an imported outcome, and the centre's hours.
 */
const V5_FILE = join(FIXTURES, 'console-v5.sqlite');
/** The tables main's version 4 (hands, pauses) and 5 (help requests, centre settings) added. */
const ISSUE_13_TABLES = ['hands', 'pauses', 'help_requests', 'centre_settings'];
/** Columns later migrations add to those tables (10: help requests belong to a site). */
const LATER_COLUMNS = ['help_requests.site_id'];

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
    ).rows
      .filter((c) => !LATER_COLUMNS.includes(`${c.table_name}.${c.column_name}`))
      .map((c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`);
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
    expect(store.migrated).toMatchObject({ from: 3, to: SCHEMA_VERSION, beforeMigrations: true });
    // 3 runs too (on SQLite it only adds what is missing: nothing, in a version-3 file), then 4 and 5.
    expect(store.migrated.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
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

test('the v5 fixture is a real version-5 file of the hand-written store, with every issue-13 table in use', () => {
  const db = new Database(V5_FILE, { readonly: true });
  expect(db.pragma('user_version', { simple: true })).toBe(5);
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").get()).toBeUndefined();
  for (const [t, n] of [
    ['hands', 2],
    ['pauses', 2],
    ['help_requests', 2],
    ['centre_settings', 1],
  ] as const)
    expect(Number((db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n), t).toBe(n);
  db.close();
});

/** Columns (name, type, NOT NULL, key) of a table in an SQLite file. */
function columnsOf(file: string, table: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare(`PRAGMA table_info(${table})`).all() as {
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }[]
    ).map((c) => `${c.name} ${c.type}${c.notnull ? ' not null' : ''}${c.pk ? ` pk${c.pk}` : ''}`);
  } finally {
    db.close();
  }
}

test("migrations 7 and 8 make the same issue-13 tables and entries' columns as main's version 5, on SQLite and PostgreSQL", async () => {
  const file = join(dir, 'fresh.sqlite');
  await (await openStore({ sqlite: file })).close();
  for (const t of [...ISSUE_13_TABLES, 'entries']) {
    const ours = columnsOf(file, t).filter((c) => !LATER_COLUMNS.includes(`${t}.${c.split(' ')[0]}`));
    const main = columnsOf(V5_FILE, t);
    // entries also gained site-independent nothing else; compare as sets (ALTER TABLE appends).
    expect(ours.sort(), t).toEqual(main.sort());
  }
  const pg = await openStore({ postgres: await pgServer.createDatabase() });
  try {
    const rows = (
      await sql<{ table_name: string; column_name: string; is_nullable: string }>`
        SELECT table_name, column_name, is_nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('hands', 'pauses', 'help_requests', 'centre_settings')
        ORDER BY table_name, column_name`.execute(pg.db.kysely)
    ).rows
      .filter((c) => !LATER_COLUMNS.includes(`${c.table_name}.${c.column_name}`))
      .map((c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`);
    const lite = ISSUE_13_TABLES.flatMap((t) => {
      const db = new Database(V5_FILE, { readonly: true });
      const cols = (
        db.prepare(`PRAGMA table_info(${t})`).all() as { name: string; notnull: number; pk: number }[]
      ).map((c) => `${t}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`);
      db.close();
      return cols;
    });
    expect(rows).toEqual(lite.sort());
  } finally {
    await pg.close();
  }
});

/**
 * Main's version-5 file (or that file cut back to main's version 4) upgraded in place: recognised by
 * its missing ledger, not by its number (main's 4 and 5 are not migrations 4 and 5).
 */
async function upgradesInPlace(file: string, from: number): Promise<void> {
  const tables = sqliteSchema(file)
    .filter((r) => r.type === 'table')
    .map((r) => r.name);
  const before = new Map(
    tables.map((t) => {
      const db = new Database(file, { readonly: true });
      const columns = (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
      db.close();
      return [t, { columns, rows: allRows(file, t, columns.join(', ')) }];
    }),
  );
  const store = await openStore({ sqlite: file });
  try {
    expect(store.migrated).toMatchObject({ from, to: SCHEMA_VERSION, beforeMigrations: true });
    // Every migration runs: 4 to 6 as on any version-3 file, 7 and 8 adopting what the file has.
    expect(store.migrated.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const [t, { columns, rows }] of before) {
      expect(allRows(file, t, columns.join(', ')), t).toEqual(rows);
    }
    const { centre } = await store.ensureCentre();
    const [sitting] = await store.listSittings(centre.id);
    if (!sitting) throw new Error('no sitting');
    // Hands: PC-01's answered (counted twice, by name), PC-02's still open.
    const hands = await store.listHands(centre.id, sitting.id);
    expect(hands.map((h) => [h.pcName, h.count, h.answeredBy, h.reason])).toEqual([
      ['PC-01', 2, 'Hal Helper', 'toilet'],
      ['PC-02', 1, null, null],
    ]);
    const open = await store.openHands();
    expect(open.map((h) => h.pcName)).toEqual(['PC-02']);
    // The room's pause is still open (its seats stay held); the seat's has its end.
    expect((await store.openPauses()).map((p) => [p.entryId, p.reason])).toEqual([[null, 'fire-alarm']]);
    expect((await store.listPauses(centre.id, sitting.id)).map((p) => p.endedAt)).toEqual([
      '2026-12-01T09:25:00.000Z',
      null,
    ]);
    const seats = await store.listSeats(centre.id);
    const pc2 = seats.find((s) => s.pcName === 'PC-02');
    if (!pc2) throw new Error('no PC-02');
    // The flood guard holds on the adopted table: PC-02 raising again counts on its open hand.
    const at = '2026-12-01T09:45:00.000Z';
    const event = {
      id: `again-${randomUUID()}`,
      type: 'event/hand-raised' as const,
      at,
      via: 'shortcut' as const,
    };
    const incidents = await store.storeSeatEvents([
      {
        seatId: pc2.id,
        centreId: centre.id,
        event,
        json: JSON.stringify(event),
        sittingId: sitting.id,
        receivedAt: at,
        incident: {
          kind: 'hand-raised',
          description: 'Hand raised.',
          at,
          seatId: pc2.id,
          sittingId: sitting.id,
          entryId: null,
        },
      },
    ]);
    expect(incidents).toEqual([]);
    expect((await store.openHands()).map((h) => [h.pcName, h.count, h.lastRaisedAt])).toEqual([
      ['PC-02', 2, at],
    ]);
    return void (await checkDay(store, centre.id, sitting.id, from));
  } finally {
    await store.close();
  }
}

/** What main's version 5 added: read back after the upgrade (a version-4 file had none of it). */
async function checkDay(
  store: Awaited<ReturnType<typeof openStore>>,
  centreId: string,
  sittingId: string,
  from: number,
): Promise<void> {
  const sitting = await store.getSitting(sittingId);
  const help = await store.listHelpRequests(centreId, '2026-12-01T00:00:00.000Z');
  if (from === 5) {
    expect(sitting?.entries.map((e) => [e.releasedAt, e.finishedHow, e.outcome])).toEqual([
      ['2026-12-01T09:01:00.000Z', 'submitted-early', 'failed'],
      ['2026-12-01T09:01:30.000Z', null, 'not-known'],
    ]);
    expect(help.map((h) => [h.askedBy.name, h.acknowledgedBy?.name ?? null])).toEqual([
      ['Hal Helper', 'Cora Ordinator'],
      ['Cora Ordinator', null],
    ]);
    // Migration 10: each request takes its asker's site (Hal invigilates at the lead site), else its
    // sitting's, else none: the centre coordinator's, recorded in no sitting, stays centre-wide.
    expect(sitting?.siteId).toBeTruthy();
    expect(help.map((h) => [h.askedBy.name, h.sittingId, h.siteId])).toEqual([
      ['Hal Helper', sitting?.id, sitting?.siteId],
      ['Cora Ordinator', null, null],
    ]);
    expect(await store.getCentreSetting(centreId, 'centre-hours')).toEqual({
      opens: '08:30',
      closes: '17:00',
    });
  } else {
    expect(sitting?.entries.map((e) => [e.releasedAt, e.finishedAt, e.finishedHow])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
    expect(help).toEqual([]);
  }
}

test("a real version-5 file made by main's code upgrades in place: hands, pauses, help, attempts and settings kept", async () => {
  const file = join(dir, 'console.sqlite');
  copyFileSync(V5_FILE, file);
  await upgradesInPlace(file, 5);
  const again = await openStore({ sqlite: file });
  expect(again.migrated).toMatchObject({ applied: [], beforeMigrations: false });
  await again.close();
  const db = new Database(file, { readonly: true });
  expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  db.close();
});

test("main's version 4 (hands and pauses, no attempts, help or settings) upgrades in place too", async () => {
  const file = join(dir, 'console.sqlite');
  copyFileSync(V5_FILE, file);
  // The v5 fixture cut back to version 4 exactly: without what version 5 added (DAY_SCHEMA, migrateDay).
  const db = new Database(file);
  db.exec(`DROP TABLE help_requests; DROP TABLE centre_settings;
    ALTER TABLE entries DROP COLUMN released_at; ALTER TABLE entries DROP COLUMN finished_at;
    ALTER TABLE entries DROP COLUMN finished_how; DELETE FROM incidents WHERE kind = 'help-summoned';`);
  db.pragma('user_version = 4');
  db.close();
  await upgradesInPlace(file, 4);
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
    expect(applied.filter((a) => a.length > 0)).toEqual([MIGRATIONS.map((m) => m.version)]);
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

test('PostgreSQL: close() resolves only when the server has let go of every connection', async () => {
  // On a busy machine a connection's last message reaches the server late. A console that closed must
  // not still look alive to another one (its seats would not count as waiting after a restart), and a
  // database dropped after close() must have no users left.
  const url = await pgServer.createDatabase();
  const relay = await startSlowRelay(pgServer.port);
  const a = await openStore({ postgres: relay.urlFor(url) });
  const b = await openStore({ postgres: url });
  try {
    await a.noteConsoleAlive(new Date().toISOString(), ['seat-1']);
    expect((await b.lastConsoleAlive())?.writerAlive).toBe(true);
    relay.delayMs = 500;
    await a.close();
    expect((await b.lastConsoleAlive())?.writerAlive).toBe(false);
  } finally {
    await a.close();
    await b.close();
    await relay.close();
  }
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
