/**
 * Numbered migrations, applied at start (and by `invigil console migrate`): each pending one in
 * order, recorded in `schema_migrations`, all under a lock so that several console processes starting
 * at once on one PostgreSQL database migrate it once. A database that a newer Invigil has migrated
 * further than this console knows is refused, with a message saying so: an older console must not
 * write to tables it does not understand.
 *
 * An SQLite file written before migrations existed (schema versions 1 to 5 of the hand-written SQLite
 * store, in `PRAGMA user_version`) is upgraded by the same migrations, from 3 on. Such a file is told
 * apart by its missing `schema_migrations` ledger, never by its number, because that store's numbers 4
 * and 5 are not these migrations 4 and 5:
 * - its 1 to 3: migration 3 (idempotent on SQLite) brings it to version 3 and leaves a 3 as it was;
 * - its 4 (3 + raised hands and pauses) and 5 (4 + attempts' entries columns, help requests, centre
 *   settings): it has none of migrations 4 to 6 (sites, look-up indexes, the alive note's writer), which
 *   run as on any version-3 file; migrations 7 and 8 then adopt the issue-13 tables it already has (on
 *   SQLite they create only what is missing: `IF NOT EXISTS`, and entries' columns only when absent), so
 *   every hand, pause, help request, setting and attempt is kept.
 * So every migration from 3 runs on a ledgerless file, whatever its user_version; `from` in the result
 * is that user_version (the old store's own number). Afterwards `user_version` holds this console's
 * schema version, so the older store (which refuses a file above its 5) refuses a file migrated here.
 */
import { sql } from 'kysely';
import { DatabaseError, type Db, type Queryable } from './database.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.ts';

/** pg_advisory_xact_lock key for migrations (any constant; "invigil" in ASCII). */
const MIGRATION_LOCK = 0x696e7669676;

export class DatabaseTooNewError extends DatabaseError {
  override name = 'DatabaseTooNewError';
  constructor(
    readonly where: string,
    readonly found: number,
  ) {
    super(
      `${where} has schema version ${found}, written by a newer Invigil; this console knows versions up to ${SCHEMA_VERSION}. Upgrade Invigil to use it (the database was not changed).`,
    );
  }
}

export interface MigrationResult {
  /** The schema version before (for a file from before migrations, its old `user_version`) and after. */
  from: number;
  to: number;
  applied: { version: number; name: string }[];
  /** An SQLite file from before numbered migrations (no ledger): `from` is its old store's own number. */
  beforeMigrations: boolean;
}

async function appliedVersions(q: Queryable): Promise<number[]> {
  const rows = await q.selectFrom('schema_migrations').select('version').orderBy('version').execute();
  return rows.map((r) => Number(r.version));
}

async function createLedger(q: Queryable): Promise<void> {
  await sql
    .raw(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    )
    .execute(q);
}

/** The schema version the database has now (0: empty), without changing anything. */
export async function schemaVersion(db: Db): Promise<number> {
  if (db.engine === 'sqlite') {
    const ledger = await sql<{
      n: number;
    }>`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`.execute(
      db.kysely,
    );
    if (Number(ledger.rows[0]?.n) === 0) {
      const v = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db.kysely);
      return Number(v.rows[0]?.user_version ?? 0);
    }
  } else {
    const ledger = await sql<{ t: string | null }>`SELECT to_regclass('schema_migrations') AS t`.execute(
      db.kysely,
    );
    if (!ledger.rows[0]?.t) return 0;
  }
  return Math.max(0, ...(await appliedVersions(db.kysely)));
}

async function migrateWith(q: Queryable, db: Db): Promise<MigrationResult> {
  let found = 0;
  let beforeMigrations = false;
  if (db.engine === 'sqlite') {
    const ledger = await sql<{
      n: number;
    }>`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`.execute(
      q,
    );
    const hasTables = await sql<{
      n: number;
    }>`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'centres'`.execute(q);
    beforeMigrations = Number(ledger.rows[0]?.n) === 0 && Number(hasTables.rows[0]?.n) > 0;
    // user_version: the schema version of a file from before numbered migrations (1 to 3), and the
    // latest migration's number since; an older console refuses a file above the version it knows.
    const uv = await sql<{ user_version: number }>`PRAGMA user_version`.execute(q);
    found = Number(uv.rows[0]?.user_version ?? 0);
    if (found > SCHEMA_VERSION) throw new DatabaseTooNewError(db.where, found);
  }
  // A file from before numbered migrations has no ledger: migration 3 (idempotent on SQLite) brings
  // it to version 3 and is recorded, and the rest run as usual.
  await createLedger(q);
  const applied = await appliedVersions(q);
  const from = Math.max(found, ...applied);
  if (from > SCHEMA_VERSION) throw new DatabaseTooNewError(db.where, from);
  const done = new Set(applied);
  const result: MigrationResult = { from, to: from, applied: [], beforeMigrations };
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    await m.up(q, db.engine);
    await q
      .insertInto('schema_migrations')
      .values({ version: m.version, name: m.name, applied_at: new Date().toISOString() })
      .execute();
    result.applied.push({ version: m.version, name: m.name });
    result.to = m.version;
  }
  if (db.engine === 'sqlite') await sql.raw(`PRAGMA user_version = ${SCHEMA_VERSION}`).execute(q);
  return result;
}

/** Brings the database to this console's schema version, in one transaction; refuses a newer one. */
export async function migrate(db: Db): Promise<MigrationResult> {
  if (db.engine === 'postgres') {
    return db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
      return migrateWith(trx, db);
    });
  }
  // IMMEDIATE: the write lock from the start, so two processes opening one file cannot both migrate it.
  return db.kysely.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await migrateWith(conn, db);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn);
      throw error;
    }
  });
}
