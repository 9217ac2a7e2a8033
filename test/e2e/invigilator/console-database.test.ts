/**
 * `invigil console` on its database as real processes: `migrate` upgrades a real version-3 file written
 * by the console before numbered migrations; a database newer than the console is refused in one line
 * (exit 2); a centre used on SQLite is exported, imported into a real PostgreSQL database, and served
 * from there (`--database`, or DATABASE_URL) with the same people, sittings and record.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SCHEMA_VERSION } from '../../../invigilator/server/db/migrations/index.ts';
import { TABLES_IN_ORDER } from '../../../invigilator/server/db/tables.ts';
import { ConsoleClient, setupFirstInvigilator } from '../../helpers/console-client.ts';
import { CLI, startConsoleProcess } from '../../helpers/console-process.ts';
import { type PostgresServer, startPostgres } from '../../helpers/postgres-server.ts';

const V3_FILE = resolve(import.meta.dirname, '../../fixtures/invigilator/console-v3.sqlite');

let dir: string;
let pgServer: PostgresServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-console-db-'));
  pgServer = await startPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function invigil(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('console migrate upgrades a version-3 file from before numbered migrations; the console then serves it', async () => {
  const folder = mkdtempSync(join(dir, 'v3-'));
  copyFileSync(V3_FILE, join(folder, 'console.sqlite'));
  const r = invigil(['console', 'migrate', '--data', folder]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(
    new RegExp(
      `console\\.sqlite: schema version 3 \\(from before numbered migrations\\) → ${SCHEMA_VERSION}\n {2}applied 3: .*\n {2}applied 4: sites.*\n {2}applied 5: .*\n {2}applied 6: .*\n {2}applied 7: raised hands.*\n {2}applied 8: attempts`,
    ),
  );
  expect(invigil(['console', 'migrate', '--data', folder]).stdout).toMatch(
    new RegExp(`is up to date \\(schema version ${SCHEMA_VERSION}\\)\\.\n$`),
  );
  const proc = await startConsoleProcess({ dataDir: folder });
  try {
    expect(proc.setupUrl).toBeNull();
    expect(proc.stdout()).toContain('Centre: Northgate College');
  } finally {
    await proc.stop();
  }
});

test("invigil console migrate on main's version-5 file (issue 13's tables): told apart from migration 5, every migration run, then served", async () => {
  const folder = mkdtempSync(join(dir, 'v5-'));
  copyFileSync(resolve(V3_FILE, '../console-v5.sqlite'), join(folder, 'console.sqlite'));
  const r = invigil(['console', 'migrate', '--data', folder]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(
    new RegExp(
      `console\\.sqlite: schema version 5 \\(from before numbered migrations\\) → ${SCHEMA_VERSION}\n {2}applied 3: (.*\n {2}applied \\d: ){5}attempts`,
    ),
  );
  const proc = await startConsoleProcess({ dataDir: folder });
  try {
    expect(proc.setupUrl).toBeNull();
  } finally {
    await proc.stop();
  }
});

test('a database newer than the console is refused in one line, exit 2, on SQLite and on PostgreSQL', async () => {
  const folder = mkdtempSync(join(dir, 'new-'));
  copyFileSync(V3_FILE, join(folder, 'console.sqlite'));
  const db = new Database(join(folder, 'console.sqlite'));
  db.pragma('user_version = 42');
  db.close();
  for (const args of [
    ['console', 'migrate', '--data', folder],
    ['console', '--port', '0', '--data', folder],
  ]) {
    const r = invigil(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `invigil console: ${join(folder, 'console.sqlite')} has schema version 42, written by a newer Invigil; this console knows versions up to ${SCHEMA_VERSION}. Upgrade Invigil to use it (the database was not changed).\n`,
    );
  }
  const url = await pgServer.createDatabase();
  expect(invigil(['console', 'migrate', '--database', url]).status).toBe(0);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO schema_migrations VALUES (${SCHEMA_VERSION + 1}, 'from the future', 'x')`);
  await client.end();
  // Named through DATABASE_URL this time; its password never printed.
  const r = invigil(['console', 'migrate'], { DATABASE_URL: url.replace('postgres@', 'postgres:s3cret@') });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(
    new RegExp(
      `^invigil console: postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/\\w+ has schema version ${SCHEMA_VERSION + 1}, written by a newer Invigil; this console knows versions up to ${SCHEMA_VERSION}\\. .*\n$`,
    ),
  );
  expect(r.stderr).not.toContain('s3cret');
});

test('a centre used on SQLite is exported, imported into PostgreSQL and served from there with nothing lost', async () => {
  // A real console on SQLite, used: the first coordinator, an invigilator, a sitting, an incident.
  const first = await startConsoleProcess({ keepData: true, dataDir: mkdtempSync(join(dir, 'lite-')) });
  let sittingId = '';
  let record = '';
  try {
    if (!first.setupUrl) throw new Error('no setup link');
    const admin = await setupFirstInvigilator(first.url, first.setupUrl);
    const sam = await admin.post<{ invigilator: { id: string } }>('/api/invigilators', {
      name: 'Sam Lee',
      pin: '55501',
      password: 'another long password',
    });
    expect(sam.status).toBe(201);
    const made = await admin.post<{ sitting: { id: string } }>('/api/sittings', {
      room: 'Room 4',
      startsAt: '2026-12-01T09:00:00+00:00',
      invigilatorIds: [sam.body.invigilator.id],
      entries: [
        {
          candidateName: 'Ada Lovelace',
          registrationNumber: 'R-0001',
          qualificationNumber: '600/1234/5',
          assessment: 'Unit 1',
          durationMinutes: 60,
        },
      ],
    });
    expect(made.status).toBe(201);
    sittingId = made.body.sitting.id;
    expect(
      (
        await admin.post('/api/incidents', {
          kind: 'fire-alarm',
          description: 'Fire alarm test at 09:20',
          sittingId,
        })
      ).status,
    ).toBe(201);
    record = (await admin.get(`/api/sittings/${sittingId}/record.csv`)).text;
    expect(record).toContain('Fire alarm test at 09:20');
  } finally {
    await first.stop();
  }
  const file = join(dir, 'centre.jsonl');
  const exported = invigil(['console', 'export', '--data', first.dataDir, '--out', file]);
  expect(exported.status).toBe(0);
  expect(exported.stderr).toMatch(
    new RegExp(
      `^Exported \\d+ rows of ${TABLES_IN_ORDER.length} tables from .*console\\.sqlite to .*centre\\.jsonl\\.\\n$`,
    ),
  );
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const url = await pgServer.createDatabase();
  const imported = invigil(['console', 'import', '--database', url, '--in', file]);
  expect(imported.stderr).toBe('');
  expect(imported.stdout).toMatch(
    new RegExp(
      `^Imported \\d+ rows of ${TABLES_IN_ORDER.length} tables into postgres://postgres@127\\.0\\.0\\.1:\\d+/\\w+\\.\\n$`,
    ),
  );
  // Importing twice is refused: the database has a centre now.
  const twice = invigil(['console', 'import', '--database', url, '--in', file]);
  expect(twice.status).toBe(2);
  expect(twice.stderr).toMatch(
    /already holds a centre: import only into a new, empty database \(nothing was written\)\n$/,
  );

  const onPg = await startConsoleProcess({ database: url });
  try {
    expect(onPg.setupUrl).toBeNull();
    expect(onPg.stdout()).toMatch(
      /Centre: Northgate College \(data in postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+\)/,
    );
    const admin = new ConsoleClient(onPg.url);
    await admin.signIn('Dana Okafor', '40213', 'correct horse battery');
    const sam = new ConsoleClient(onPg.url);
    await sam.signIn('Sam Lee', '55501', 'another long password');
    // The same record, but for when it was generated.
    const generated = (csv: string) => csv.replace(/^Generated at,.*$/m, 'Generated at,…');
    expect(generated((await admin.get(`/api/sittings/${sittingId}/record.csv`)).text)).toBe(
      generated(record),
    );
  } finally {
    await onPg.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});

test('--db-pool N: the console keeps at most N PostgreSQL connections (and one listening); bad values are refused in one line', async () => {
  const url = await pgServer.createDatabase();
  const zero = invigil(['console', '--port', '0', '--database', url, '--db-pool', '0']);
  expect(zero.status).toBe(2);
  expect(zero.stderr).toBe('invigil console: --db-pool must be a whole number from 1 to 100 (got "0")\n');
  const lite = invigil([
    'console',
    '--port',
    '0',
    '--data',
    mkdtempSync(join(dir, 'pool-')),
    '--db-pool',
    '4',
  ]);
  expect(lite.status).toBe(2);
  expect(lite.stderr).toBe(
    'invigil console: --db-pool is for a PostgreSQL database (--database or DATABASE_URL)\n',
  );
  const c = await startConsoleProcess({ database: url, args: ['--db-pool', '2'] });
  try {
    if (!c.setupUrl) throw new Error('no setup link');
    const admin = await setupFirstInvigilator(c.url, c.setupUrl);
    // Thirty reads at once: they queue for the two connections rather than open more.
    const reads = await Promise.all(
      Array.from({ length: 30 }, () => admin.api.call('listIncidents', { query: { limit: 10 } })),
    );
    expect(reads).toHaveLength(30);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ name: string; n: number }>(
        `SELECT CASE WHEN application_name LIKE '% listen' THEN 'listen' ELSE 'pool' END AS name,
                count(*)::int AS n
           FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'invigil-console %'
          GROUP BY 1 ORDER BY 1`,
      );
      expect(r.rows).toEqual([
        { name: 'listen', n: 1 },
        { name: 'pool', n: 2 },
      ]);
    } finally {
      await client.end();
    }
  } finally {
    await c.stop();
  }
});
