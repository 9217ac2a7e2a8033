/**
 * Which database the console's tests run on. The same test files run twice: on SQLite (project
 * `unit`/`e2e`, a real file in a temporary folder) and on PostgreSQL (projects `unit-pg`/`e2e-pg`,
 * with INVIGIL_TEST_ENGINE=postgres: a real server from Debian's package, started once for the run
 * by `postgres-global-setup.ts`, and a new empty database for each console).
 */
import pg from 'pg';
import { inject } from 'vitest';

export type TestEngine = 'sqlite' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL server (postgres://postgres@127.0.0.1:PORT/postgres), in the -pg projects. */
    postgresUrl: string;
  }
}

export function testEngine(): TestEngine {
  return process.env.INVIGIL_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

let counter = 0;

/** A new empty database on the run's PostgreSQL server: its URL. */
export async function newPostgresDatabase(): Promise<string> {
  const url = inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL server for this run (the -pg projects start one)');
  const name = `t${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

/** Where a test console keeps its data: nothing to add on SQLite (its data folder), a new database on PostgreSQL. */
export async function testDatabase(): Promise<{ database?: string }> {
  return testEngine() === 'postgres' ? { database: await newPostgresDatabase() } : {};
}
