import { sql } from 'kysely';
import type { Engine, Queryable } from '../database.ts';

/**
 * One numbered step of the schema. Applied once, in order, inside the transaction that records it,
 * so a database is never left half-migrated. Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  /** What it changes, in a few words (stored with it). */
  name: string;
  up(trx: Queryable, engine: Engine): Promise<void>;
}

/** Runs DDL statements one at a time (drivers differ on several statements in one query). */
export async function runStatements(trx: Queryable, statements: readonly string[]): Promise<void> {
  for (const text of statements) await sql.raw(text).execute(trx);
}
