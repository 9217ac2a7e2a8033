import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Raised hands and pauses (issue 13). A seat has at most one open (unanswered) hand: a unique index
 * holds it, so a seat raising its hand again and again counts on the open one. A room (entry_id null)
 * or a seat has at most one open pause.
 *
 * On SQLite every statement is `IF NOT EXISTS`: a file written by the console before numbered
 * migrations at its schema version 4 or 5 already has these tables (with the same columns), and keeps
 * them and their rows (see migrate.ts).
 */
export const handsAndPauses: Migration = {
  version: 7,
  name: 'raised hands (one open a seat) and pauses of a seat or a room',
  async up(trx, engine) {
    const ine = engine === 'sqlite' ? 'IF NOT EXISTS ' : '';
    await runStatements(trx, [
      `CREATE TABLE ${ine}hands (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
        sitting_id TEXT, entry_id TEXT, raised_at TEXT NOT NULL, last_raised_at TEXT NOT NULL, count INTEGER NOT NULL,
        via TEXT NOT NULL, event_id TEXT NOT NULL, answered_at TEXT, answered_by TEXT REFERENCES invigilators(id),
        reason TEXT, note TEXT)`,
      `CREATE UNIQUE INDEX ${ine}hands_one_open ON hands (seat_id) WHERE answered_at IS NULL`,
      `CREATE INDEX ${ine}hands_sitting ON hands (sitting_id, raised_at)`,
      `CREATE TABLE ${ine}pauses (
        id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), sitting_id TEXT NOT NULL REFERENCES sittings(id),
        entry_id TEXT REFERENCES entries(id), reason TEXT NOT NULL, note TEXT, started_at TEXT NOT NULL,
        started_by TEXT REFERENCES invigilators(id), ended_at TEXT, ended_by TEXT REFERENCES invigilators(id))`,
      `CREATE UNIQUE INDEX ${ine}pauses_one_open ON pauses (sitting_id, COALESCE(entry_id, '')) WHERE ended_at IS NULL`,
      `CREATE INDEX ${ine}pauses_sitting ON pauses (sitting_id, started_at)`,
    ]);
  },
};
