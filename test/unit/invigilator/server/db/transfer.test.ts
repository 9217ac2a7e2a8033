/**
 * `invigil console export/import` on real databases: a centre written by main's SQLite store (the
 * version-5 fixture, with raised hands, pauses, help requests, attempts and a centre setting, upgraded)
 * and then used by this console moves to a real PostgreSQL database and
 * back with every row of every table equal; a bad or cut-short file, another schema version, an
 * unknown column or a database that already holds a centre writes nothing.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import type { Db } from '../../../../../invigilator/server/db/database.ts';
import { TABLES_IN_ORDER } from '../../../../../invigilator/server/db/tables.ts';
import { exportDatabase, importDatabase } from '../../../../../invigilator/server/db/transfer.ts';
import {
  type DatabaseStore,
  openStore,
  sqliteFileIn,
} from '../../../../../invigilator/server/store/database-store.ts';
import { type PostgresServer, startPostgres } from '../../../../helpers/postgres-server.ts';

const V5_FILE = resolve(import.meta.dirname, '../../../../fixtures/invigilator/console-v5.sqlite');

let dir: string;
const open: DatabaseStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-transfer-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});
let pgServer: PostgresServer;
beforeAll(async () => {
  pgServer = await startPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
});

async function track(p: Promise<DatabaseStore>): Promise<DatabaseStore> {
  const s = await p;
  open.push(s);
  return s;
}

/** Every row of every table, in primary-key order (the columns as each engine returns them). */
async function everyRow(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const lines: string[] = [];
  await exportDatabase(db, (l) => {
    lines.push(l);
  });
  for (const t of TABLES_IN_ORDER) out[t] = [];
  for (const l of lines.slice(1, -1)) {
    const { table, row } = JSON.parse(l) as { table: string; row: unknown };
    out[table]?.push(row);
  }
  // And straight from the database, not only through the export: the same count per table.
  for (const t of TABLES_IN_ORDER) {
    const n = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(t)}`.execute(db.kysely);
    expect(Number(n.rows[0]?.n), t).toBe(out[t]?.length);
  }
  return out;
}

async function* linesOf(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

/** A used centre on SQLite: main's version-5 file, upgraded, with this console's own writes on top. */
async function sqliteCentre(): Promise<DatabaseStore> {
  copyFileSync(V5_FILE, sqliteFileIn(dir));
  const store = await track(openStore({ sqlite: sqliteFileIn(dir) }));
  const { centre } = await store.ensureCentre();
  const [coordinator] = await store.listInvigilators(centre.id);
  const actor = { centreId: centre.id, invigilatorId: coordinator?.id ?? null };
  await store.createInvigilator(actor, {
    name: 'Zoë Ünicode',
    pin: '99999',
    passwordHash: 'x',
    role: 'invigilator',
  });
  await store.repos.sites.createSite(actor, {
    name: 'Riverside annexe',
    kind: 'satellite',
    rooms: ['Lab 2', 'Lab 3'],
  });
  await store.addIncident(actor, {
    kind: 'other',
    description: 'Quote " backslash \\ newline \n and =cmd|',
    at: '2026-12-01T11:00:00.000Z',
    sittingId: null,
    entryId: null,
    seatId: null,
  });
  return store;
}

test('a SQLite centre moves to PostgreSQL and back with every row of every table equal', async () => {
  const lite = await sqliteCentre();
  const before = await everyRow(lite.db);
  expect(before.seat_events).toHaveLength(3);
  expect(before.audit?.length).toBeGreaterThanOrEqual(15);
  // Issue 13's tables and entries' attempt columns are in it, and so in the comparison below.
  expect(
    [before.hands, before.pauses, before.help_requests, before.centre_settings].map((t) => t?.length),
  ).toEqual([2, 2, 2, 1]);
  expect(before.entries?.map((e) => (e as { finished_how: string | null }).finished_how)).toContain(
    'submitted-early',
  );

  const lines: string[] = [];
  const exported = await exportDatabase(lite.db, (l) => {
    lines.push(l);
  });
  const pg = await track(openStore({ postgres: await pgServer.createDatabase() }));
  const imported = await importDatabase(pg.db, linesOf(lines));
  expect(imported).toEqual(exported);
  expect(await everyRow(pg.db)).toEqual(before);

  // The console works on it: sign-in data, the record, and the audit trail numbering on.
  const { centre, created } = await pg.ensureCentre();
  expect(created).toBe(false);
  expect((await pg.listIncidents(centre.id, { limit: 50 })).map((i) => i.description)).toContain(
    'Quote " backslash \\ newline \n and =cmd|',
  );
  await pg.audit({ centreId: centre.id, invigilatorId: null }, 'after.import', null);
  expect((await pg.listAudit(centre.id, 1))[0]?.action).toBe('after.import');

  // And back to a new SQLite file: the same rows again.
  const back: string[] = [];
  await exportDatabase(pg.db, (l) => {
    back.push(l);
  });
  const again = await track(openStore({ sqlite: join(dir, 'again', 'console.sqlite') }));
  await importDatabase(again.db, linesOf(back));
  const after = await everyRow(again.db);
  expect({ ...after, audit: after.audit?.slice(0, -1) }).toEqual(before);
}, 30_000);

test('an import refuses, and writes nothing: a centre already there, a cut-short file, another version, an unknown column', async () => {
  const lite = await sqliteCentre();
  const lines: string[] = [];
  await exportDatabase(lite.db, (l) => {
    lines.push(l);
  });
  const pg = await track(openStore({ postgres: await pgServer.createDatabase() }));
  const empty = await everyRow(pg.db);
  const refused = async (file: string[]) => {
    const error = await importDatabase(pg.db, linesOf(file)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(await everyRow(pg.db)).toEqual(empty);
    return error?.message;
  };
  expect(await refused(lines.slice(0, -3))).toMatch(
    /ends before its end line: it was cut short \(nothing was written\)$/,
  );
  const header = JSON.parse(lines[0] ?? '{}') as { schemaVersion: number };
  expect(
    await refused([
      JSON.stringify({ ...header, schemaVersion: header.schemaVersion + 1 }),
      ...lines.slice(1),
    ]),
  ).toMatch(/^line 1: the export is of schema version \d+ and this database is at \d+/);
  // A column name is never SQL: one that the table does not have is refused by name.
  const row = JSON.parse(lines[1] ?? '{}') as { table: string; row: Record<string, unknown> };
  const evil = JSON.stringify({
    table: row.table,
    row: { ...row.row, 'id) VALUES (1); DROP TABLE seats; --': 'x' },
  });
  expect(await refused([lines[0] ?? '', evil, ...lines.slice(2)])).toMatch(
    /^line 2: centres has no column "id\) VALUES/,
  );
  expect(await refused(['{"not":"an export"}'])).toMatch(/^line 1: not an Invigil console export/);
  expect(await refused([lines[0] ?? '', `${'['.repeat(50)}${']'.repeat(50)}`])).toMatch(
    /^line 2: not an export line: it nests/,
  );
  // Rows that break the schema's own rules (a seat of no centre) roll the whole import back.
  const orphan = JSON.stringify({
    table: 'seats',
    row: {
      id: 's',
      centre_id: 'nowhere',
      site_id: null,
      pc_name: 'X',
      place: '',
      credential_hash: 'h',
      enrolled_at: 'x',
    },
  });
  expect(await refused([lines[0] ?? '', orphan, lines.at(-1) ?? ''])).toMatch(/foreign key|violates/i);
  // Into a database that already has a centre: refused before reading.
  await importDatabase(pg.db, linesOf(lines));
  const full = await everyRow(pg.db);
  const error = await importDatabase(pg.db, linesOf(lines)).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error?.message).toMatch(
    /already holds a centre: import only into a new, empty database \(nothing was written\)$/,
  );
  expect(await everyRow(pg.db)).toEqual(full);
}, 30_000);
