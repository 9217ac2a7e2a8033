import { sql } from 'kysely';
import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Issue 13: entries gain their attempt (the seat's first acknowledged release, the finish and how),
 * help summoned from a room (with the incident that records it), and per-centre settings as JSON.
 *
 * On SQLite it adopts what a file written by the console before numbered migrations at its schema
 * version 5 already has: tables `IF NOT EXISTS`, and each entries column added only when missing.
 */
export const attemptsHelpSettings: Migration = {
  version: 8,
  name: 'attempts (release and finish of each entry), help requests, centre settings',
  async up(trx, engine) {
    const ine = engine === 'sqlite' ? 'IF NOT EXISTS ' : '';
    let existing = new Set<string>();
    if (engine === 'sqlite') {
      const r = await sql<{ name: string }>`SELECT name FROM pragma_table_info('entries')`.execute(trx);
      existing = new Set(r.rows.map((c) => c.name));
    }
    await runStatements(trx, [
      ...['released_at', 'finished_at', 'finished_how']
        .filter((column) => !existing.has(column))
        .map((column) => `ALTER TABLE entries ADD COLUMN ${column} TEXT`),
      `CREATE TABLE ${ine}help_requests (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), room TEXT NOT NULL, reason TEXT NOT NULL,
        note TEXT, sitting_id TEXT, asked_at TEXT NOT NULL, asked_by TEXT NOT NULL REFERENCES invigilators(id),
        acknowledged_at TEXT, acknowledged_by TEXT REFERENCES invigilators(id), incident_id TEXT NOT NULL REFERENCES incidents(id))`,
      `CREATE INDEX ${ine}help_requests_centre ON help_requests (centre_id, asked_at)`,
      `CREATE TABLE ${ine}centre_settings (
        centre_id TEXT NOT NULL REFERENCES centres(id), key TEXT NOT NULL, value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL, updated_by TEXT, PRIMARY KEY (centre_id, key))`,
    ]);
  },
};
