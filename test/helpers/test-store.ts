/**
 * A store over a real database on this run's engine, for the console's repository and store tests: an
 * SQLite file in a temporary folder (projects `unit`/`e2e`) or a new PostgreSQL database (`unit-pg`/
 * `e2e-pg`). Registers the hooks that make a folder for each test and close every store it opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  type DatabaseStore,
  openStore,
  sqliteFileIn,
} from '../../invigilator/server/store/database-store.ts';
import { newPostgresDatabase, testEngine } from './engines.ts';

/** Call at a test file's top level; the function it returns opens a new store for the running test. */
export function storesOnTestEngine(prefix: string): () => Promise<DatabaseStore> {
  let dir = '';
  const opened: DatabaseStore[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return async () => {
    const store =
      testEngine() === 'postgres'
        ? await openStore({ postgres: await newPostgresDatabase() })
        : await openStore({ sqlite: sqliteFileIn(dir) });
    opened.push(store);
    return store;
  };
}
