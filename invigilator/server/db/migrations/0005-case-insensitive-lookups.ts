import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Sign-in names and PINs, and candidates' registration numbers, are compared case-insensitively with
 * `lower()` on both engines (SQLite's NOCASE collation has no PostgreSQL twin); these indexes keep
 * those look-ups from reading the whole table.
 */
export const caseInsensitiveLookups: Migration = {
  version: 5,
  name: 'indexes for case-insensitive sign-in and candidate look-ups',
  async up(trx) {
    await runStatements(trx, [
      'CREATE INDEX invigilators_name_lower ON invigilators (lower(name))',
      'CREATE INDEX entries_candidate_lower ON entries (lower(registration_number))',
    ]);
  },
};
