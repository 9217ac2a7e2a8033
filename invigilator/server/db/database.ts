/**
 * One query layer for both engines: Kysely over better-sqlite3 (the embedded default, one file in the
 * console's data folder) or over node-postgres (a centre's own PostgreSQL server, shared by several
 * console processes). Repositories write their queries once, against `Tables`; what differs between
 * the engines is kept here and in the migrations.
 *
 * Durability: a transaction commits to disk before it resolves (SQLite synchronous=FULL, PostgreSQL's
 * default), because events are acknowledged to a seat only after their transaction. What the console
 * can rebuild after a power cut (seat statuses, gate instructions, acknowledgements) may ask for a
 * `relaxed` transaction, which skips the wait for the disk (synchronous=NORMAL on SQLite,
 * synchronous_commit=off on PostgreSQL) but is still atomic.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Tables } from './tables.ts';

export type Engine = 'sqlite' | 'postgres';

/** Where the console's database is: an SQLite file, or a PostgreSQL connection string (and its pool's size). */
export type DatabaseTarget = { sqlite: string } | { postgres: string; poolSize?: number };

/**
 * PostgreSQL connections one console process keeps by default (`--db-pool`). Writes are batched (a
 * transaction per batch, a few statements each), so a few connections carry 10,000 seats; more only
 * helps many dashboards reading at once. Several processes share the server's max_connections (100 by
 * default): each takes this many plus one listening connection.
 */
export const DEFAULT_POOL_SIZE = 10;
export const MAX_POOL_SIZE = 100;

/** A unique constraint refused the change (a PIN already used, for example). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** The database cannot be used: a message for a person (which database, what is wrong, what to do). */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

export type Trx = Transaction<Tables>;
export type Queryable = Kysely<Tables>;

export interface TransactionOptions {
  /** Skip the wait for the disk at commit (still atomic): only for what the console can rebuild. */
  relaxed?: boolean;
}

/** What the database has been asked, for tests and health: statements and transactions since opening. */
export interface DbStats {
  statements: number;
  transactions: number;
}

/** Counts every statement Kysely runs (its log hook sees each one, inside transactions too). */
function counting(stats: DbStats): (event: unknown) => void {
  return () => {
    stats.statements++;
  };
}

/** How long close() waits for the server to let go of the pool's connections; then it stops waiting. */
const CLOSE_WAIT_MS = 10_000;

/** PostgreSQL's application_name for a console: the prefix, then this process's instance id. */
export const CONSOLE_APPLICATION_NAME = 'invigil-console';

export class Db {
  private closed = false;
  /** This open database's id: on PostgreSQL, its connections are named after it (see `instanceAlive`). */
  readonly instanceId: string;

  constructor(
    readonly engine: Engine,
    readonly kysely: Kysely<Tables>,
    /** The file, or the PostgreSQL address without its password: for messages and logs. */
    readonly where: string,
    private readonly end: () => Promise<void>,
    /** The PostgreSQL pool (null on SQLite), for LISTEN/NOTIFY. */
    readonly pool: pg.Pool | null = null,
    instanceId: string = randomUUID(),
    /** How a dedicated PostgreSQL connection connects (LISTEN, live-bus.ts); null on SQLite. */
    readonly pgClientConfig: pg.ClientConfig | null = null,
    /** Counted by the Kysely instance's log hook (`counting`). */
    readonly stats: DbStats = { statements: 0, transactions: 0 },
  ) {
    this.instanceId = instanceId;
  }

  /** Runs `fn` in one transaction; a unique-constraint failure becomes a `ConflictError`. */
  async transaction<T>(fn: (trx: Trx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.stats.transactions++;
    try {
      if (!options.relaxed) return await this.kysely.transaction().execute(fn);
      if (this.engine === 'postgres') {
        return await this.kysely.transaction().execute(async (trx) => {
          await sql`SET LOCAL synchronous_commit = off`.execute(trx);
          return fn(trx);
        });
      }
      // One SQLite connection (Kysely queues its users), its sync level lowered for this commit only.
      return await this.kysely.connection().execute(async (conn) => {
        await sql`PRAGMA synchronous = NORMAL`.execute(conn);
        try {
          return await conn.transaction().execute(fn);
        } finally {
          await sql`PRAGMA synchronous = FULL`.execute(conn);
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError((error as Error).message);
      throw error;
    }
  }

  /** Runs SQL text as it is (migrations, maintenance). */
  async raw(text: string): Promise<void> {
    await this.kysely.executeQuery(CompiledQuery.raw(text));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kysely.destroy();
    await this.end();
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * better-sqlite3 compiles a statement per `prepare`; the console runs the same few statements
 * thousands of times a second, so each text is compiled once per connection and kept (a bounded
 * number of them: multi-row inserts vary in length).
 */
function cachingSqlite(raw: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = raw.prepare(text);
        if (cache.size >= 1000) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

/** Opens (creating the file and its folder if needed) an SQLite database. */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let raw: Database.Database;
  try {
    raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    // FULL: an event is acknowledged to the seat only after it is on disk, power cut or not.
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new DatabaseError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
  const stats: DbStats = { statements: 0, transactions: 0 };
  const kysely = new Kysely<Tables>({
    dialect: new SqliteDialect({ database: cachingSqlite(raw) }),
    log: counting(stats),
  });
  return new Db(
    'sqlite',
    kysely,
    file,
    async () => {
      if (raw.open) raw.close();
    },
    null,
    randomUUID(),
    null,
    stats,
  );
}

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an address that is not a URL)';
  }
}

/** PostgreSQL's 64-bit integers (COUNT, SUM) as numbers: the console's counts fit. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: 'text' | 'binary') => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

/** Connects to PostgreSQL (and checks the connection works, with a message that says why not). */
export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Db> {
  const where = redactUrl(url);
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new DatabaseError(`--database takes a postgres:// address, not ${where}`);
  const instanceId = randomUUID();
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    types: pgTypes,
    connectionTimeoutMillis: 10_000,
    // Names the process's connections, so that another console can tell whether it is alive.
    application_name: `${CONSOLE_APPLICATION_NAME} ${instanceId}`,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? DEFAULT_POOL_SIZE });
  // An idle connection the server drops (a restart, a network blip) is an error on the pool: logged by
  // whoever uses the pool, never an unhandled 'error' that ends the process.
  pool.on('error', () => undefined);
  // The pool's end() resolves once it has asked each connection to end, not when they have: close()
  // waits until the server has let go of each one (another console must not see this one as alive,
  // and a database dropped after close() must have no users left).
  const open = new Set<pg.Client>();
  pool.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const connectionsEnded = async () => {
    const ended = [...open].map((client) => new Promise((resolve) => client.once('end', resolve)));
    // A server that never answers does not hold close() up for ever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ended),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  };
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(`cannot use the PostgreSQL database ${where}: ${describePgError(error)}`);
  }
  const stats: DbStats = { statements: 0, transactions: 0 };
  const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), log: counting(stats) });
  return new Db('postgres', kysely, where, connectionsEnded, pool, instanceId, clientConfig, stats);
}

export function describePgError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'nothing answers at that address (is the server running, on that port?)';
    case 'ENOTFOUND':
      return 'no such host';
    case '28P01':
    case '28000':
      return 'the server refused the user name or password';
    case '3D000':
      return `${e.message ?? 'no such database'}: create it first (createdb NAME)`;
    default:
      return e.message ?? String(error);
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Db> {
  return 'sqlite' in target
    ? openSqlite(target.sqlite)
    : openPostgres(target.postgres, target.poolSize ? { poolSize: target.poolSize } : {});
}
