import { sql } from 'kysely';
import type { Queryable } from '../database.ts';
import type { Migration } from './migration.ts';
import { runStatements } from './migration.ts';

/**
 * Schema version 3: exactly the schema the console had before numbered migrations (releases up to
 * the seat protocol v2). It is numbered 3, not 1, so that the schema version keeps counting where
 * `PRAGMA user_version` of those releases left it: an older console (which refuses a file above 3)
 * refuses a database that a later migration has changed.
 *
 * On SQLite it also upgrades a file of schema version 1 or 2 (or an unfinished 3) in place, the way
 * the console always did: new tables and columns are added, and events are re-keyed by (seat, id).
 * Every statement is idempotent there, so an existing version-3 file is left exactly as it was.
 */

/** Events are keyed by (seat, id): a seat's event ids say nothing about another seat's. */
const SEAT_EVENTS_COLUMNS =
  'seat_id TEXT NOT NULL REFERENCES seats(id), id TEXT NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL, json TEXT NOT NULL, sitting_id TEXT, PRIMARY KEY (seat_id, id)';

function tables(auditId: string, ifNotExists: string): string[] {
  const t = `CREATE TABLE ${ifNotExists}`;
  return [
    `${t}centres (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `${t}setup_tokens (centre_id TEXT PRIMARY KEY REFERENCES centres(id), token_hash TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `${t}invigilators (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), name TEXT NOT NULL, pin TEXT NOT NULL,
  password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (centre_id, pin))`,
    `${t}sessions (token_hash TEXT PRIMARY KEY, invigilator_id TEXT NOT NULL REFERENCES invigilators(id), created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
    `${t}sign_in_links (
  token_hash TEXT PRIMARY KEY, invigilator_id TEXT NOT NULL REFERENCES invigilators(id), centre_id TEXT NOT NULL REFERENCES centres(id),
  created_by TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)`,
    `${t}enrolment_codes (code_hash TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), created_by TEXT, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, uses_left INTEGER NOT NULL, behind_nat INTEGER NOT NULL DEFAULT 0)`,
    `${t}seats (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), pc_name TEXT NOT NULL, place TEXT NOT NULL DEFAULT '',
  credential_hash TEXT NOT NULL, enrolled_at TEXT NOT NULL, UNIQUE (centre_id, pc_name))`,
    `${t}seat_status (seat_id TEXT PRIMARY KEY REFERENCES seats(id), state TEXT NOT NULL, status_json TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, last_seen_at TEXT NOT NULL)`,
    `${t}seat_events (${SEAT_EVENTS_COLUMNS})`,
    `${t}sittings (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), room TEXT NOT NULL, starts_at TEXT NOT NULL,
  closed_at TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
    `${t}sitting_invigilators (sitting_id TEXT NOT NULL REFERENCES sittings(id), invigilator_id TEXT NOT NULL REFERENCES invigilators(id), PRIMARY KEY (sitting_id, invigilator_id))`,
    `${t}entries (
  id TEXT PRIMARY KEY, sitting_id TEXT NOT NULL REFERENCES sittings(id), position INTEGER NOT NULL,
  candidate_name TEXT NOT NULL, registration_number TEXT NOT NULL, qualification_number TEXT NOT NULL,
  qualification_type TEXT NOT NULL, assessment TEXT NOT NULL, duration_minutes INTEGER NOT NULL,
  extra_minutes INTEGER NOT NULL, reasonable_adjustment TEXT, seat_id TEXT REFERENCES seats(id),
  outcome TEXT NOT NULL DEFAULT 'not-known')`,
    `CREATE INDEX ${ifNotExists}entries_candidate ON entries (registration_number)`,
    `${t}identity_checks (
  id TEXT PRIMARY KEY, entry_id TEXT NOT NULL REFERENCES entries(id), confirmed_at TEXT NOT NULL, confirmed_by TEXT NOT NULL REFERENCES invigilators(id),
  method TEXT NOT NULL, note TEXT, pc_name TEXT, revoked_at TEXT, revoked_by TEXT)`,
    `${t}instructions (
  id TEXT PRIMARY KEY, seat_id TEXT NOT NULL REFERENCES seats(id), type TEXT NOT NULL, payload_json TEXT NOT NULL,
  created_at TEXT NOT NULL, created_by TEXT, acked_at TEXT, superseded INTEGER NOT NULL DEFAULT 0)`,
    `CREATE INDEX ${ifNotExists}instructions_seat ON instructions (seat_id, created_at)`,
    `${t}incidents (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), at TEXT NOT NULL, kind TEXT NOT NULL,
  source TEXT NOT NULL, description TEXT NOT NULL, sitting_id TEXT, entry_id TEXT, seat_id TEXT,
  event_id TEXT UNIQUE, recorded_by TEXT, created_at TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1, last_at TEXT)`,
    `CREATE INDEX ${ifNotExists}incidents_sitting ON incidents (sitting_id, at)`,
    `CREATE INDEX ${ifNotExists}incidents_centre ON incidents (centre_id, at)`,
    `${t}seat_replacements (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
  credential_hash TEXT NOT NULL UNIQUE, pc_name TEXT NOT NULL, address TEXT NOT NULL, user_agent TEXT,
  requested_at TEXT NOT NULL, status TEXT NOT NULL, decided_at TEXT, decided_by TEXT REFERENCES invigilators(id))`,
    `CREATE INDEX ${ifNotExists}seat_replacements_seat ON seat_replacements (seat_id, status)`,
    `${t}seat_notices (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
  kind TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count INTEGER NOT NULL,
  details_json TEXT NOT NULL, dismissed_at TEXT, dismissed_by TEXT REFERENCES invigilators(id))`,
    `CREATE INDEX ${ifNotExists}seat_notices_open ON seat_notices (centre_id, dismissed_at)`,
    `${t}console_alive (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL, online_json TEXT NOT NULL)`,
    `${t}audit (
  ${auditId}, centre_id TEXT NOT NULL, at TEXT NOT NULL, invigilator_id TEXT,
  action TEXT NOT NULL, subject TEXT, details_json TEXT)`,
  ];
}

/** Indexes on columns that a version-1 or -2 file gains in `upgradeLegacySqlite`. */
function indexes(ifNotExists: string): string[] {
  return [
    `CREATE INDEX ${ifNotExists}seat_events_seat ON seat_events (seat_id, at)`,
    `CREATE INDEX ${ifNotExists}incidents_coalesce ON incidents (seat_id, kind, last_at)`,
    `CREATE INDEX ${ifNotExists}seat_events_sitting ON seat_events (seat_id, sitting_id)`,
  ];
}

/** Brings a version-1 or -2 SQLite file's existing tables up to version 3 (what the console always did at start). */
async function upgradeLegacySqlite(q: Queryable): Promise<void> {
  const columns = async (table: string) => {
    const r = await sql<{
      name: string;
      pk: number;
    }>`SELECT name, pk FROM pragma_table_info(${table})`.execute(q);
    return r.rows;
  };
  const names = async (table: string) => new Set((await columns(table)).map((c) => c.name));
  const incidents = await names('incidents');
  const run = (text: string) => sql.raw(text).execute(q);
  if (!incidents.has('count')) await run('ALTER TABLE incidents ADD COLUMN count INTEGER NOT NULL DEFAULT 1');
  if (!incidents.has('last_at')) {
    await run('ALTER TABLE incidents ADD COLUMN last_at TEXT');
    await run('UPDATE incidents SET last_at = at');
  }
  if (!(await names('enrolment_codes')).has('behind_nat'))
    await run('ALTER TABLE enrolment_codes ADD COLUMN behind_nat INTEGER NOT NULL DEFAULT 0');
  if (!(await names('seat_events')).has('sitting_id'))
    await run('ALTER TABLE seat_events ADD COLUMN sitting_id TEXT');
  // Versions 1 and 2 keyed events by id alone, across every seat: rebuilt keyed by (seat, id).
  if ((await columns('seat_events')).find((c) => c.name === 'seat_id')?.pk === 0) {
    for (const text of [
      'ALTER TABLE seat_events RENAME TO seat_events_old',
      'DROP INDEX IF EXISTS seat_events_seat',
      'DROP INDEX IF EXISTS seat_events_sitting',
      `CREATE TABLE seat_events (${SEAT_EVENTS_COLUMNS})`,
      `INSERT INTO seat_events (seat_id, id, type, at, received_at, json, sitting_id)
        SELECT seat_id, id, type, at, received_at, json, sitting_id FROM seat_events_old`,
      'DROP TABLE seat_events_old',
    ])
      await run(text);
  }
}

export const v3Baseline: Migration = {
  version: 3,
  name: 'schema version 3: centres, invigilators, seats, events keyed by (seat, id), sittings, incidents, instructions, notices, audit',
  async up(trx, engine) {
    if (engine === 'postgres') {
      await runStatements(trx, [
        ...tables('id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY', ''),
        ...indexes(''),
      ]);
      return;
    }
    await runStatements(trx, tables('id INTEGER PRIMARY KEY AUTOINCREMENT', 'IF NOT EXISTS '));
    await upgradeLegacySqlite(trx);
    await runStatements(trx, indexes('IF NOT EXISTS '));
  },
};
