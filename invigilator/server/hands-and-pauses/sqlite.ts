/**
 * Raised hands and pauses on SQLite (schema version 4 of store/sqlite-store.ts). Functions over the
 * store's connection, called from SqliteStore inside its transactions, so that its own file changes
 * by a few lines only.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { HandRow, PauseRow } from './rows.ts';

/** Tables for SqliteStore's SCHEMA (version 4). */
export const HANDS_AND_PAUSES_SCHEMA = `
CREATE TABLE IF NOT EXISTS hands (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
  sitting_id TEXT, entry_id TEXT, raised_at TEXT NOT NULL, last_raised_at TEXT NOT NULL, count INTEGER NOT NULL,
  via TEXT NOT NULL, event_id TEXT NOT NULL, answered_at TEXT, answered_by TEXT REFERENCES invigilators(id),
  reason TEXT, note TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS hands_one_open ON hands (seat_id) WHERE answered_at IS NULL;
CREATE INDEX IF NOT EXISTS hands_sitting ON hands (sitting_id, raised_at);
CREATE TABLE IF NOT EXISTS pauses (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), sitting_id TEXT NOT NULL REFERENCES sittings(id),
  entry_id TEXT REFERENCES entries(id), reason TEXT NOT NULL, note TEXT, started_at TEXT NOT NULL,
  started_by TEXT REFERENCES invigilators(id), ended_at TEXT, ended_by TEXT REFERENCES invigilators(id));
CREATE UNIQUE INDEX IF NOT EXISTS pauses_one_open ON pauses (sitting_id, ifnull(entry_id, '')) WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS pauses_sitting ON pauses (sitting_id, started_at);
`;

type Row = Record<string, unknown>;
const s = (v: unknown) => v as string;
const sn = (v: unknown) => (v === null || v === undefined ? null : String(v));

const HAND_SELECT = `SELECT h.*, st.pc_name, e.candidate_name, e.registration_number
  FROM hands h LEFT JOIN seats st ON st.id = h.seat_id LEFT JOIN entries e ON e.id = h.entry_id`;
const PAUSE_SELECT = `SELECT p.*, e.candidate_name, st.pc_name
  FROM pauses p LEFT JOIN entries e ON e.id = p.entry_id LEFT JOIN seats st ON st.id = e.seat_id`;

function handRow(r: Row): HandRow {
  return {
    id: s(r.id),
    centreId: s(r.centre_id),
    seatId: s(r.seat_id),
    sittingId: sn(r.sitting_id),
    entryId: sn(r.entry_id),
    raisedAt: s(r.raised_at),
    lastRaisedAt: s(r.last_raised_at),
    count: Number(r.count),
    via: r.via === 'shortcut' ? 'shortcut' : 'button',
    answeredAt: sn(r.answered_at),
    answeredBy: sn(r.answered_by_name ?? r.answered_by),
    reason: sn(r.reason),
    note: sn(r.note),
    pcName: sn(r.pc_name),
    candidateName: sn(r.candidate_name),
    registrationNumber: sn(r.registration_number),
  };
}

function pauseRow(r: Row): PauseRow {
  return {
    id: s(r.id),
    centreId: s(r.centre_id),
    sittingId: s(r.sitting_id),
    entryId: sn(r.entry_id),
    reason: s(r.reason),
    note: sn(r.note),
    startedAt: s(r.started_at),
    startedBy: sn(r.started_by),
    endedAt: sn(r.ended_at),
    endedBy: sn(r.ended_by),
    candidateName: sn(r.candidate_name),
    pcName: sn(r.pc_name),
  };
}

/** Invigilators' names for the ids a row holds (the record shows names, not ids). */
function withNames<
  T extends { answeredBy?: string | null; startedBy?: string | null; endedBy?: string | null },
>(db: Database.Database, row: T): T {
  const name = (id: string | null | undefined) =>
    id
      ? (sn((db.prepare('SELECT name FROM invigilators WHERE id = ?').get(id) as Row | undefined)?.name) ??
        id)
      : (id ?? null);
  const out = { ...row };
  if ('answeredBy' in out) out.answeredBy = name(out.answeredBy);
  if ('startedBy' in out) out.startedBy = name(out.startedBy);
  if ('endedBy' in out) out.endedBy = name(out.endedBy);
  return out;
}

/**
 * A newly stored `event/hand-raised`: opens the seat's hand, or counts on the one already open (one
 * open hand a seat, however often it is raised). True when it opened a hand (so the record gets a
 * *Hand raised* incident); false when it only counted on the open one.
 */
export function noteHandRaised(
  db: Database.Database,
  e: {
    centreId: string;
    seatId: string;
    eventId: string;
    at: string;
    via: 'button' | 'shortcut';
    sittingId: string | null;
    entryId: string | null;
  },
): boolean {
  const open = db
    .prepare('SELECT id, last_raised_at FROM hands WHERE seat_id = ? AND answered_at IS NULL')
    .get(e.seatId) as Row | undefined;
  if (open) {
    db.prepare(
      'UPDATE hands SET count = count + 1, last_raised_at = max(last_raised_at, ?) WHERE id = ?',
    ).run(e.at, open.id);
    return false;
  }
  db.prepare(
    `INSERT INTO hands (id, centre_id, seat_id, sitting_id, entry_id, raised_at, last_raised_at, count, via, event_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  ).run(randomUUID(), e.centreId, e.seatId, e.sittingId, e.entryId, e.at, e.at, e.via, e.eventId);
  return true;
}

export function openHands(db: Database.Database): HandRow[] {
  return (db.prepare(`${HAND_SELECT} WHERE h.answered_at IS NULL`).all() as Row[]).map(handRow);
}

export function answerHand(
  db: Database.Database,
  centreId: string,
  invigilatorId: string | null,
  handId: string,
  answer: { reason: string; note: string | null; at: string },
): HandRow | null {
  const r = db
    .prepare(
      'UPDATE hands SET answered_at = ?, answered_by = ?, reason = ?, note = ? WHERE id = ? AND centre_id = ? AND answered_at IS NULL',
    )
    .run(answer.at, invigilatorId, answer.reason, answer.note, handId, centreId);
  if (r.changes !== 1) return null;
  return withNames(db, handRow(db.prepare(`${HAND_SELECT} WHERE h.id = ?`).get(handId) as Row));
}

export function listHands(db: Database.Database, centreId: string, sittingId: string): HandRow[] {
  return (
    db
      .prepare(`${HAND_SELECT} WHERE h.centre_id = ? AND h.sitting_id = ? ORDER BY h.raised_at`)
      .all(centreId, sittingId) as Row[]
  ).map((r) => withNames(db, handRow(r)));
}

export function startPause(
  db: Database.Database,
  centreId: string,
  invigilatorId: string | null,
  p: { sittingId: string; entryId: string | null; reason: string; note: string | null; at: string },
): PauseRow | null {
  const open = db
    .prepare('SELECT id FROM pauses WHERE sitting_id = ? AND entry_id IS ? AND ended_at IS NULL')
    .get(p.sittingId, p.entryId) as Row | undefined;
  if (open) return null;
  const id = randomUUID();
  db.prepare(
    'INSERT INTO pauses (id, centre_id, sitting_id, entry_id, reason, note, started_at, started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(id, centreId, p.sittingId, p.entryId, p.reason, p.note, p.at, invigilatorId);
  return withNames(db, pauseRow(db.prepare(`${PAUSE_SELECT} WHERE p.id = ?`).get(id) as Row));
}

export function endPause(
  db: Database.Database,
  centreId: string,
  invigilatorId: string | null,
  pauseId: string,
  at: string,
): PauseRow | null {
  const r = db
    .prepare(
      'UPDATE pauses SET ended_at = ?, ended_by = ? WHERE id = ? AND centre_id = ? AND ended_at IS NULL',
    )
    .run(at, invigilatorId, pauseId, centreId);
  if (r.changes !== 1) return null;
  return withNames(db, pauseRow(db.prepare(`${PAUSE_SELECT} WHERE p.id = ?`).get(pauseId) as Row));
}

export function openPauses(db: Database.Database): PauseRow[] {
  return (db.prepare(`${PAUSE_SELECT} WHERE p.ended_at IS NULL`).all() as Row[]).map(pauseRow);
}

export function listPauses(db: Database.Database, centreId: string, sittingId: string): PauseRow[] {
  return (
    db
      .prepare(`${PAUSE_SELECT} WHERE p.centre_id = ? AND p.sitting_id = ? ORDER BY p.started_at`)
      .all(centreId, sittingId) as Row[]
  ).map((r) => withNames(db, pauseRow(r)));
}
