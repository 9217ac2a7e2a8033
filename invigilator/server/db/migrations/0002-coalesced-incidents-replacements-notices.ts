import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Issue 9 (SQLite schema version 2): repeats of an incident coalesce (count, last_at); seat events know
 * their sitting (the per-sitting budget); seat replacement requests; notices of refused connections.
 */
export const coalescedIncidentsReplacementsNotices: Migration = {
  version: 2,
  name: 'incidents coalesce; events know their sitting; seat replacement requests; notices',
  async up(trx) {
    await runStatements(trx, [
      'ALTER TABLE incidents ADD COLUMN count INTEGER NOT NULL DEFAULT 1',
      'ALTER TABLE incidents ADD COLUMN last_at TEXT',
      'UPDATE incidents SET last_at = at',
      'ALTER TABLE seat_events ADD COLUMN sitting_id TEXT',
      `CREATE TABLE seat_replacements (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
        credential_hash TEXT NOT NULL UNIQUE, pc_name TEXT NOT NULL, address TEXT NOT NULL, user_agent TEXT,
        requested_at TEXT NOT NULL, status TEXT NOT NULL, decided_at TEXT, decided_by TEXT REFERENCES invigilators(id))`,
      'CREATE INDEX seat_replacements_seat ON seat_replacements (seat_id, status)',
      `CREATE TABLE seat_notices (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
        kind TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count INTEGER NOT NULL,
        details_json TEXT NOT NULL, dismissed_at TEXT, dismissed_by TEXT REFERENCES invigilators(id))`,
      'CREATE INDEX seat_notices_open ON seat_notices (centre_id, dismissed_at)',
      'CREATE INDEX incidents_coalesce ON incidents (seat_id, kind, last_at)',
      'CREATE INDEX seat_events_sitting ON seat_events (seat_id, sitting_id)',
    ]);
  },
};
