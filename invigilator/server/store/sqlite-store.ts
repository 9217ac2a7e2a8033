/**
 * The Store on SQLite (better-sqlite3, WAL, synchronous=FULL): one file in the console's data folder.
 * Writes that belong together run in one transaction, so nothing is ever half-written; the hot path
 * (seat statuses, seat events) arrives here in batches, one transaction per batch.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { HelpReason } from '../../../shared/catalogs/help-reasons.ts';
import type { Attempt, AttemptOutcome } from '../../../shared/rules/centre.ts';
import type { FinishKind } from '../../../shared/schemas/attempts.ts';
import type { SittingInput } from '../../../shared/schemas/console-api.ts';
import type { HandRow, PauseRow } from '../hands-and-pauses/rows.ts';
import * as handsAndPauses from '../hands-and-pauses/sqlite.ts';
import {
  type Actor,
  type Assignment,
  type AuditRow,
  type CentreRow,
  ConflictError,
  type EntryRow,
  type HelpRequestRow,
  INCIDENT_COALESCE_MS,
  type IncidentRow,
  type IncomingSeatEvent,
  type InstructionRow,
  type InvigilatorRow,
  type NewIncident,
  type NoticeRow,
  type ReplacementRow,
  type SeatRow,
  type SeatStatusRow,
  type SessionRow,
  type SignInLinkRefusal,
  type SittingOf,
  type SittingRow,
  type Store,
} from './store.ts';

/**
 * 1: the first release. 2: incidents coalesce (count, last_at); seat events know their sitting (for
 * the per-sitting budget); seat replacement requests; notices of refused seat connections.
 * 3: seat events keyed by (seat, id) (protocol version 2).
 * 4: raised hands and pauses (hands-and-pauses/sqlite.ts).
 * 5: attempts (entries' release and finish), help requests, centre settings (DAY_SCHEMA, migrateDay).
 */
const SCHEMA_VERSION = 5;

/**
 * Event ids are the seat's own (protocol version 2): one seat's id says nothing about another's, so
 * events are keyed by (seat, id).
 */
const SEAT_EVENTS_COLUMNS =
  'seat_id TEXT NOT NULL REFERENCES seats(id), id TEXT NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL, json TEXT NOT NULL, sitting_id TEXT, PRIMARY KEY (seat_id, id)';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS centres (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS setup_tokens (centre_id TEXT PRIMARY KEY REFERENCES centres(id), token_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invigilators (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), name TEXT NOT NULL, pin TEXT NOT NULL,
  password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (centre_id, pin));
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, invigilator_id TEXT NOT NULL REFERENCES invigilators(id), created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_links (
  token_hash TEXT PRIMARY KEY, invigilator_id TEXT NOT NULL REFERENCES invigilators(id), centre_id TEXT NOT NULL REFERENCES centres(id),
  created_by TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS enrolment_codes (code_hash TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), created_by TEXT, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, uses_left INTEGER NOT NULL, behind_nat INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS seats (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), pc_name TEXT NOT NULL, place TEXT NOT NULL DEFAULT '',
  credential_hash TEXT NOT NULL, enrolled_at TEXT NOT NULL, UNIQUE (centre_id, pc_name));
CREATE TABLE IF NOT EXISTS seat_status (seat_id TEXT PRIMARY KEY REFERENCES seats(id), state TEXT NOT NULL, status_json TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, last_seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seat_events (${SEAT_EVENTS_COLUMNS});
CREATE TABLE IF NOT EXISTS sittings (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), room TEXT NOT NULL, starts_at TEXT NOT NULL,
  closed_at TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sitting_invigilators (sitting_id TEXT NOT NULL REFERENCES sittings(id), invigilator_id TEXT NOT NULL REFERENCES invigilators(id), PRIMARY KEY (sitting_id, invigilator_id));
CREATE TABLE IF NOT EXISTS entries (
  id TEXT PRIMARY KEY, sitting_id TEXT NOT NULL REFERENCES sittings(id), position INTEGER NOT NULL,
  candidate_name TEXT NOT NULL, registration_number TEXT NOT NULL, qualification_number TEXT NOT NULL,
  qualification_type TEXT NOT NULL, assessment TEXT NOT NULL, duration_minutes INTEGER NOT NULL,
  extra_minutes INTEGER NOT NULL, reasonable_adjustment TEXT, seat_id TEXT REFERENCES seats(id),
  outcome TEXT NOT NULL DEFAULT 'not-known');
CREATE INDEX IF NOT EXISTS entries_candidate ON entries (registration_number);
CREATE TABLE IF NOT EXISTS identity_checks (
  id TEXT PRIMARY KEY, entry_id TEXT NOT NULL REFERENCES entries(id), confirmed_at TEXT NOT NULL, confirmed_by TEXT NOT NULL REFERENCES invigilators(id),
  method TEXT NOT NULL, note TEXT, pc_name TEXT, revoked_at TEXT, revoked_by TEXT);
CREATE TABLE IF NOT EXISTS instructions (
  id TEXT PRIMARY KEY, seat_id TEXT NOT NULL REFERENCES seats(id), type TEXT NOT NULL, payload_json TEXT NOT NULL,
  created_at TEXT NOT NULL, created_by TEXT, acked_at TEXT, superseded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS instructions_seat ON instructions (seat_id, created_at);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), at TEXT NOT NULL, kind TEXT NOT NULL,
  source TEXT NOT NULL, description TEXT NOT NULL, sitting_id TEXT, entry_id TEXT, seat_id TEXT,
  event_id TEXT UNIQUE, recorded_by TEXT, created_at TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1, last_at TEXT);
CREATE INDEX IF NOT EXISTS incidents_sitting ON incidents (sitting_id, at);
CREATE INDEX IF NOT EXISTS incidents_centre ON incidents (centre_id, at);
CREATE TABLE IF NOT EXISTS seat_replacements (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
  credential_hash TEXT NOT NULL UNIQUE, pc_name TEXT NOT NULL, address TEXT NOT NULL, user_agent TEXT,
  requested_at TEXT NOT NULL, status TEXT NOT NULL, decided_at TEXT, decided_by TEXT REFERENCES invigilators(id));
CREATE INDEX IF NOT EXISTS seat_replacements_seat ON seat_replacements (seat_id, status);
CREATE TABLE IF NOT EXISTS seat_notices (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), seat_id TEXT NOT NULL REFERENCES seats(id),
  kind TEXT NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL, count INTEGER NOT NULL,
  details_json TEXT NOT NULL, dismissed_at TEXT, dismissed_by TEXT REFERENCES invigilators(id));
CREATE INDEX IF NOT EXISTS seat_notices_open ON seat_notices (centre_id, dismissed_at);
CREATE TABLE IF NOT EXISTS console_alive (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL, online_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, centre_id TEXT NOT NULL, at TEXT NOT NULL, invigilator_id TEXT,
  action TEXT NOT NULL, subject TEXT, details_json TEXT);
${handsAndPauses.HANDS_AND_PAUSES_SCHEMA}`;

/** Indexes on columns that a version-1 database gains in `migrate`. */
const INDEXES = `
CREATE INDEX IF NOT EXISTS seat_events_seat ON seat_events (seat_id, at);
CREATE INDEX IF NOT EXISTS incidents_coalesce ON incidents (seat_id, kind, last_at);
CREATE INDEX IF NOT EXISTS seat_events_sitting ON seat_events (seat_id, sitting_id);
`;

/** Brings a version-1 database's tables up to date (new tables come from SCHEMA itself). */
function migrate(db: Database.Database): void {
  const columns = (table: string) =>
    new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  const incidents = columns('incidents');
  if (!incidents.has('count')) db.exec('ALTER TABLE incidents ADD COLUMN count INTEGER NOT NULL DEFAULT 1');
  if (!incidents.has('last_at')) {
    db.exec('ALTER TABLE incidents ADD COLUMN last_at TEXT');
    db.exec('UPDATE incidents SET last_at = at');
  }
  if (!columns('enrolment_codes').has('behind_nat'))
    db.exec('ALTER TABLE enrolment_codes ADD COLUMN behind_nat INTEGER NOT NULL DEFAULT 0');
  if (!columns('seat_events').has('sitting_id'))
    db.exec('ALTER TABLE seat_events ADD COLUMN sitting_id TEXT');
  // Versions 1 and 2 keyed events by id alone, across every seat: rebuilt keyed by (seat, id).
  const pk = db.prepare('PRAGMA table_info(seat_events)').all() as { name: string; pk: number }[];
  if (pk.find((c) => c.name === 'seat_id')?.pk === 0) {
    db.exec(`ALTER TABLE seat_events RENAME TO seat_events_old;
      DROP INDEX IF EXISTS seat_events_seat;
      DROP INDEX IF EXISTS seat_events_sitting;
      CREATE TABLE seat_events (${SEAT_EVENTS_COLUMNS});
      INSERT INTO seat_events (seat_id, id, type, at, received_at, json, sitting_id)
        SELECT seat_id, id, type, at, received_at, json, sitting_id FROM seat_events_old;
      DROP TABLE seat_events_old;`);
  }
}

/** Issue 13 (version 5): summoned help and centre settings; entries' attempt columns come from migrateDay. */
const DAY_SCHEMA = `
CREATE TABLE IF NOT EXISTS help_requests (
  id TEXT PRIMARY KEY, centre_id TEXT NOT NULL REFERENCES centres(id), room TEXT NOT NULL, reason TEXT NOT NULL,
  note TEXT, sitting_id TEXT, asked_at TEXT NOT NULL, asked_by TEXT NOT NULL REFERENCES invigilators(id),
  acknowledged_at TEXT, acknowledged_by TEXT REFERENCES invigilators(id), incident_id TEXT NOT NULL REFERENCES incidents(id));
CREATE INDEX IF NOT EXISTS help_requests_centre ON help_requests (centre_id, asked_at);
CREATE TABLE IF NOT EXISTS centre_settings (
  centre_id TEXT NOT NULL REFERENCES centres(id), key TEXT NOT NULL, value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT, PRIMARY KEY (centre_id, key));
`;

/** Entries gain their attempt: first release to the assessment, finish and how (older files get NULLs). */
function migrateDay(db: Database.Database): void {
  const entries = new Set(
    (db.prepare('PRAGMA table_info(entries)').all() as { name: string }[]).map((c) => c.name),
  );
  for (const column of ['released_at', 'finished_at', 'finished_how']) {
    if (!entries.has(column)) db.exec(`ALTER TABLE entries ADD COLUMN ${column} TEXT`);
  }
}

type Row = Record<string, unknown>;
const str = (v: unknown) => v as string;
const strOrNull = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** Prepared statements are compiled once per connection and reused (the hot path runs the same few). */
function cachePreparedStatements(db: Database.Database): void {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
}

export function openSqliteStore(dataDir: string): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return new SqliteStore(join(dataDir, 'console.sqlite'));
}

export class SqliteStore implements Store {
  readonly db: Database.Database;
  /**
   * A second connection to the same file for what the console can rebuild after a power cut (seat
   * statuses, gate instructions, acknowledgements): synchronous=NORMAL, so these commits skip the disk
   * sync. Events, incidents and everything a person changes go through `db` (FULL). Both run on one
   * thread, so they never wait for each other's lock.
   */
  private readonly relaxed: Database.Database;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: an event is acknowledged to the seat only after it is on disk, power cut or not.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${file} was written by a newer Invigil (schema ${version}); upgrade Invigil to open it.`,
      );
    }
    this.tx(() => {
      this.db.exec(SCHEMA);
      migrate(this.db);
      this.db.exec(DAY_SCHEMA);
      migrateDay(this.db);
      this.db.exec(INDEXES);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
    this.relaxed = new Database(file);
    this.relaxed.pragma('journal_mode = WAL');
    this.relaxed.pragma('synchronous = NORMAL');
    this.relaxed.pragma('foreign_keys = ON');
    this.relaxed.pragma('busy_timeout = 5000');
    cachePreparedStatements(this.db);
    cachePreparedStatements(this.relaxed);
  }

  private now(): string {
    return new Date().toISOString();
  }

  private writeAudit(actor: Actor, action: string, subject: string | null, details?: unknown): void {
    this.auditOn(this.db, actor, action, subject, details);
  }

  private auditOn(
    db: Database.Database,
    actor: Actor,
    action: string,
    subject: string | null,
    details?: unknown,
  ): void {
    db.prepare(
      'INSERT INTO audit (centre_id, at, invigilator_id, action, subject, details_json) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      actor.centreId,
      this.now(),
      actor.invigilatorId,
      action,
      subject,
      details === undefined ? null : JSON.stringify(details),
    );
  }

  private tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError((error as Error).message);
      }
      throw error;
    }
  }

  // ---- centre ----

  async ensureCentre(): Promise<{ centre: CentreRow; created: boolean }> {
    return this.tx(() => {
      const row = this.db.prepare('SELECT * FROM centres ORDER BY created_at LIMIT 1').get() as
        | Row
        | undefined;
      if (row) return { centre: centreRow(row), created: false };
      const centre = { id: randomUUID(), name: 'Invigil centre', createdAt: this.now() };
      this.db
        .prepare('INSERT INTO centres (id, name, created_at) VALUES (?, ?, ?)')
        .run(centre.id, centre.name, centre.createdAt);
      this.writeAudit({ centreId: centre.id, invigilatorId: null }, 'centre.create', centre.id);
      return { centre, created: true };
    });
  }

  async getCentre(id: string): Promise<CentreRow | undefined> {
    const row = this.db.prepare('SELECT * FROM centres WHERE id = ?').get(id) as Row | undefined;
    return row && centreRow(row);
  }

  async setSetupToken(centreId: string, tokenHash: string): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO setup_tokens (centre_id, token_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (centre_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at',
      )
      .run(centreId, tokenHash, this.now());
  }

  async completeSetup(
    tokenHash: string,
    centreName: string,
    first: Omit<InvigilatorRow, 'id' | 'centreId' | 'createdAt'>,
  ): Promise<InvigilatorRow | null> {
    return this.tx(() => {
      const token = this.db
        .prepare('SELECT centre_id FROM setup_tokens WHERE token_hash = ?')
        .get(tokenHash) as Row | undefined;
      if (!token) return null;
      const centreId = str(token.centre_id);
      const existing = this.db
        .prepare('SELECT COUNT(*) AS n FROM invigilators WHERE centre_id = ?')
        .get(centreId) as Row;
      if (Number(existing.n) > 0) return null;
      this.db.prepare('DELETE FROM setup_tokens WHERE centre_id = ?').run(centreId);
      this.db.prepare('UPDATE centres SET name = ? WHERE id = ?').run(centreName, centreId);
      const inv = this.insertInvigilator(centreId, first);
      this.writeAudit({ centreId, invigilatorId: inv.id }, 'centre.setup', centreId, {
        centreName,
        name: inv.name,
      });
      return inv;
    });
  }

  async countInvigilators(centreId: string): Promise<number> {
    return Number(
      (this.db.prepare('SELECT COUNT(*) AS n FROM invigilators WHERE centre_id = ?').get(centreId) as Row).n,
    );
  }

  // ---- invigilators and sessions ----

  private insertInvigilator(
    centreId: string,
    inv: Omit<InvigilatorRow, 'id' | 'centreId' | 'createdAt'>,
  ): InvigilatorRow {
    const row: InvigilatorRow = { ...inv, id: randomUUID(), centreId, createdAt: this.now() };
    this.db
      .prepare(
        'INSERT INTO invigilators (id, centre_id, name, pin, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.id, centreId, row.name, row.pin, row.passwordHash, row.role, row.createdAt);
    return row;
  }

  async createInvigilator(
    actor: Actor,
    inv: Omit<InvigilatorRow, 'id' | 'centreId' | 'createdAt'>,
  ): Promise<InvigilatorRow> {
    return this.tx(() => {
      const row = this.insertInvigilator(actor.centreId, inv);
      this.writeAudit(actor, 'invigilator.create', row.id, { name: row.name, pin: row.pin, role: row.role });
      return row;
    });
  }

  async findInvigilators(name: string, pin: string): Promise<InvigilatorRow[]> {
    return (
      this.db
        .prepare('SELECT * FROM invigilators WHERE name = ? COLLATE NOCASE AND pin = ? COLLATE NOCASE')
        .all(name, pin) as Row[]
    ).map(invigilatorRow);
  }

  async getInvigilator(id: string): Promise<InvigilatorRow | undefined> {
    const row = this.db.prepare('SELECT * FROM invigilators WHERE id = ?').get(id) as Row | undefined;
    return row && invigilatorRow(row);
  }

  async listInvigilators(centreId: string): Promise<InvigilatorRow[]> {
    return (
      this.db.prepare('SELECT * FROM invigilators WHERE centre_id = ? ORDER BY name').all(centreId) as Row[]
    ).map(invigilatorRow);
  }

  async createSession(tokenHash: string, invigilatorId: string, expiresAt: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(this.now());
    this.db
      .prepare(
        'INSERT INTO sessions (token_hash, invigilator_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      )
      .run(tokenHash, invigilatorId, this.now(), expiresAt);
  }

  async getSession(tokenHash: string): Promise<SessionRow | undefined> {
    const row = this.db
      .prepare(
        'SELECT s.invigilator_id, s.expires_at, i.centre_id FROM sessions s JOIN invigilators i ON i.id = s.invigilator_id WHERE s.token_hash = ?',
      )
      .get(tokenHash) as Row | undefined;
    return row
      ? {
          invigilatorId: str(row.invigilator_id),
          centreId: str(row.centre_id),
          expiresAt: str(row.expires_at),
        }
      : undefined;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  // ---- one-time sign-in links ----

  async createSignInLink(
    actor: Actor,
    link: { tokenHash: string; invigilatorId: string; expiresAt: string },
  ): Promise<void> {
    this.tx(() => {
      // Links a day past their expiry are no longer worth explaining: forget them.
      this.db
        .prepare('DELETE FROM sign_in_links WHERE expires_at < ?')
        .run(new Date(Date.now() - 86_400_000).toISOString());
      this.db
        .prepare(
          'INSERT INTO sign_in_links (token_hash, invigilator_id, centre_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          link.tokenHash,
          link.invigilatorId,
          actor.centreId,
          actor.invigilatorId ?? '',
          this.now(),
          link.expiresAt,
        );
      this.writeAudit(actor, 'sign-in-link.create', link.invigilatorId, { expiresAt: link.expiresAt });
    });
  }

  async useSignInLink(
    tokenHash: string,
    now: string,
  ): Promise<{ invigilator: InvigilatorRow } | { refused: SignInLinkRefusal; expiresAt?: string }> {
    return this.tx(() => {
      const link = this.db.prepare('SELECT * FROM sign_in_links WHERE token_hash = ?').get(tokenHash) as
        | Row
        | undefined;
      if (!link) return { refused: 'unknown' as const };
      const expiresAt = str(link.expires_at);
      if (link.used_at !== null) return { refused: 'used' as const, expiresAt };
      if (expiresAt <= now) return { refused: 'expired' as const, expiresAt };
      const row = this.db.prepare('SELECT * FROM invigilators WHERE id = ?').get(str(link.invigilator_id)) as
        | Row
        | undefined;
      if (!row) return { refused: 'unknown' as const };
      this.db.prepare('UPDATE sign_in_links SET used_at = ? WHERE token_hash = ?').run(now, tokenHash);
      const invigilator = invigilatorRow(row);
      this.writeAudit(
        { centreId: invigilator.centreId, invigilatorId: invigilator.id },
        'sign-in-link.use',
        invigilator.id,
      );
      return { invigilator };
    });
  }

  // ---- seats ----

  async createEnrolmentCode(
    actor: Actor,
    codeHash: string,
    expiresAt: string,
    uses: number,
    behindNat = false,
  ): Promise<void> {
    this.tx(() => {
      this.db
        .prepare(
          'INSERT INTO enrolment_codes (code_hash, centre_id, created_by, created_at, expires_at, uses_left, behind_nat) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(codeHash, actor.centreId, actor.invigilatorId, this.now(), expiresAt, uses, behindNat ? 1 : 0);
      this.writeAudit(actor, 'enrolment-code.create', null, { expiresAt, uses, behindNat });
    });
  }

  async enrolmentCodeBehindNat(codeHash: string, now: string): Promise<boolean> {
    const row = this.db
      .prepare(
        'SELECT behind_nat FROM enrolment_codes WHERE code_hash = ? AND uses_left > 0 AND expires_at > ?',
      )
      .get(codeHash, now) as Row | undefined;
    return row !== undefined && Number(row.behind_nat) === 1;
  }

  async enrolSeat(
    codeHash: string,
    pcName: string,
    credentialHash: string,
    now: string,
    from: { address: string; userAgent: string | null; maxPending: number },
    sittingOf: SittingOf = () => null,
  ): Promise<
    | { seat: SeatRow; replacement: ReplacementRow | null; incident: IncidentRow | null }
    | { tooManyPending: SeatRow }
    | null
  > {
    const result = this.tx(() => {
      const code = this.db
        .prepare(
          'SELECT centre_id FROM enrolment_codes WHERE code_hash = ? AND uses_left > 0 AND expires_at > ?',
        )
        .get(codeHash, now) as Row | undefined;
      if (!code) return null;
      const centreId = str(code.centre_id);
      const existing = this.db
        .prepare('SELECT * FROM seats WHERE centre_id = ? AND pc_name = ?')
        .get(centreId, pcName) as Row | undefined;
      if (existing) {
        const pending = this.db
          .prepare("SELECT COUNT(*) AS n FROM seat_replacements WHERE seat_id = ? AND status = 'pending'")
          .get(existing.id) as Row;
        if (Number(pending.n) >= from.maxPending) return { tooManyPending: seatRow(existing) };
      }
      this.db
        .prepare('UPDATE enrolment_codes SET uses_left = uses_left - 1 WHERE code_hash = ?')
        .run(codeHash);
      const actor = { centreId, invigilatorId: null };
      if (existing) {
        // A PC name already enrolled (a re-imaged PC, or another PC posing as it): the new credential
        // waits for a coordinator; the seat keeps its own until then.
        const seat = seatRow(existing);
        const replacement: ReplacementRow = {
          id: randomUUID(),
          centreId,
          seatId: seat.id,
          pcName,
          address: from.address,
          userAgent: from.userAgent,
          requestedAt: now,
          status: 'pending',
          decidedAt: null,
          decidedBy: null,
        };
        this.db
          .prepare(
            `INSERT INTO seat_replacements (id, centre_id, seat_id, credential_hash, pc_name, address, user_agent, requested_at, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
          )
          .run(replacement.id, centreId, seat.id, credentialHash, pcName, from.address, from.userAgent, now);
        this.writeAudit(actor, 'seat.replacement-request', seat.id, {
          pcName,
          address: from.address,
          userAgent: from.userAgent,
          request: replacement.id,
        });
        const where = sittingOf(seat.id);
        const incidentId = this.recordIncident(
          centreId,
          {
            kind: 'seat-replacement',
            description: `Another PC enrolled as ${pcName} (from ${from.address}${from.userAgent ? `, ${from.userAgent}` : ''}). It cannot report as this seat unless a coordinator approves the replacement; ${pcName} keeps reporting meanwhile.`,
            at: now,
            seatId: seat.id,
            sittingId: where?.sittingId ?? null,
            entryId: where?.entryId ?? null,
          },
          null,
        );
        return { seat, replacement, incidentId };
      }
      const seat: SeatRow = {
        id: randomUUID(),
        centreId,
        pcName,
        place: '',
        credentialHash,
        enrolledAt: now,
      };
      this.db
        .prepare(
          'INSERT INTO seats (id, centre_id, pc_name, place, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(seat.id, centreId, pcName, seat.place, credentialHash, now);
      this.writeAudit(actor, 'seat.enrol', seat.id, { pcName, address: from.address });
      return { seat, replacement: null, incidentId: null };
    });
    if (!result) return null;
    if (result.tooManyPending) return { tooManyPending: result.tooManyPending };
    return {
      seat: result.seat,
      replacement: result.replacement,
      incident: result.incidentId ? (this.incidentsById([result.incidentId])[0] ?? null) : null,
    };
  }

  async replacementByCredential(credentialHash: string): Promise<ReplacementRow | undefined> {
    const row = this.db.prepare(`${REPLACEMENT_SELECT} WHERE r.credential_hash = ?`).get(credentialHash) as
      | Row
      | undefined;
    return row && replacementRow(row);
  }

  async getReplacement(id: string): Promise<ReplacementRow | undefined> {
    const row = this.db.prepare(`${REPLACEMENT_SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    return row && replacementRow(row);
  }

  async listReplacements(
    centreId: string,
    query: { pendingOnly: boolean; limit: number },
  ): Promise<ReplacementRow[]> {
    const rows = query.pendingOnly
      ? this.db
          .prepare(
            `${REPLACEMENT_SELECT} WHERE r.centre_id = ? AND r.status = 'pending' ORDER BY r.requested_at DESC LIMIT ?`,
          )
          .all(centreId, query.limit)
      : this.db
          .prepare(`${REPLACEMENT_SELECT} WHERE r.centre_id = ? ORDER BY r.requested_at DESC LIMIT ?`)
          .all(centreId, query.limit);
    return (rows as Row[]).map(replacementRow);
  }

  async decideReplacement(
    actor: Actor,
    id: string,
    decision: 'approved' | 'refused',
    now: string,
    sittingOf: SittingOf = () => null,
  ): Promise<{ replacement: ReplacementRow; seat: SeatRow; incident: IncidentRow } | null> {
    const result = this.tx(() => {
      const row = this.db
        .prepare("SELECT * FROM seat_replacements WHERE id = ? AND centre_id = ? AND status = 'pending'")
        .get(id, actor.centreId) as Row | undefined;
      if (!row) return null;
      const seatRowRaw = this.db.prepare('SELECT * FROM seats WHERE id = ?').get(row.seat_id) as
        | Row
        | undefined;
      if (!seatRowRaw) return null;
      let seat = seatRow(seatRowRaw);
      this.db
        .prepare('UPDATE seat_replacements SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?')
        .run(decision, now, actor.invigilatorId, id);
      const by = actor.invigilatorId
        ? str(
            (this.db.prepare('SELECT name FROM invigilators WHERE id = ?').get(actor.invigilatorId) as Row)
              .name,
          )
        : 'The console';
      const from = `${str(row.address)}${row.user_agent ? `, ${str(row.user_agent)}` : ''}`;
      if (decision === 'approved') {
        this.db
          .prepare('UPDATE seats SET credential_hash = ?, enrolled_at = ? WHERE id = ?')
          .run(str(row.credential_hash), now, seat.id);
        this.db
          .prepare(
            "UPDATE seat_replacements SET status = 'superseded', decided_at = ?, decided_by = ? WHERE seat_id = ? AND status = 'pending'",
          )
          .run(now, actor.invigilatorId, seat.id);
        seat = { ...seat, credentialHash: str(row.credential_hash), enrolledAt: now };
      }
      this.writeAudit(
        actor,
        decision === 'approved' ? 'seat.replacement-approve' : 'seat.replacement-refuse',
        seat.id,
        {
          request: id,
          address: str(row.address),
        },
      );
      const where = sittingOf(seat.id);
      const incidentId = this.recordIncident(
        actor.centreId,
        {
          kind: 'seat-replacement',
          description:
            decision === 'approved'
              ? `${by} approved the PC that enrolled as ${seat.pcName} from ${from}: it reports as this seat from now on, and the previous PC's credential no longer works.`
              : `${by} refused the PC that enrolled as ${seat.pcName} from ${from}: its credential never works.`,
          at: now,
          seatId: seat.id,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        },
        null,
      );
      const decided = this.db.prepare(`${REPLACEMENT_SELECT} WHERE r.id = ?`).get(id) as Row;
      return { replacement: replacementRow(decided), seat, incidentId };
    });
    if (!result) return null;
    const [incident] = this.incidentsById([result.incidentId]);
    if (!incident) throw new Error('incident vanished after insert');
    return { replacement: result.replacement, seat: result.seat, incident };
  }

  async noteRefusedConnections(
    centreId: string,
    seatId: string,
    refusals: { firstAt: string; lastAt: string; count: number; addresses: string[] },
  ): Promise<NoticeRow> {
    const id = this.tx(() => {
      const open = this.db
        .prepare(
          "SELECT * FROM seat_notices WHERE seat_id = ? AND kind = 'refused-connections' AND dismissed_at IS NULL",
        )
        .get(seatId) as Row | undefined;
      if (open) {
        const known = JSON.parse(str(open.details_json)) as { addresses: string[] };
        const addresses = [...new Set([...known.addresses, ...refusals.addresses])].slice(
          0,
          NOTICE_ADDRESSES,
        );
        this.db
          .prepare('UPDATE seat_notices SET last_at = ?, count = count + ?, details_json = ? WHERE id = ?')
          .run(refusals.lastAt, refusals.count, JSON.stringify({ addresses }), open.id);
        return str(open.id);
      }
      const noticeId = randomUUID();
      this.db
        .prepare(
          `INSERT INTO seat_notices (id, centre_id, seat_id, kind, first_at, last_at, count, details_json)
           VALUES (?, ?, ?, 'refused-connections', ?, ?, ?, ?)`,
        )
        .run(
          noticeId,
          centreId,
          seatId,
          refusals.firstAt,
          refusals.lastAt,
          refusals.count,
          JSON.stringify({ addresses: refusals.addresses.slice(0, NOTICE_ADDRESSES) }),
        );
      return noticeId;
    });
    const row = this.db.prepare(`${NOTICE_SELECT} WHERE n.id = ?`).get(id) as Row;
    return noticeRow(row);
  }

  async listNotices(centreId: string): Promise<NoticeRow[]> {
    return (
      this.db
        .prepare(
          `${NOTICE_SELECT} WHERE n.centre_id = ? AND n.dismissed_at IS NULL ORDER BY n.last_at DESC LIMIT 500`,
        )
        .all(centreId) as Row[]
    ).map(noticeRow);
  }

  async dismissNotice(actor: Actor, id: string): Promise<boolean> {
    return this.tx(() => {
      const r = this.db
        .prepare(
          'UPDATE seat_notices SET dismissed_at = ?, dismissed_by = ? WHERE id = ? AND centre_id = ? AND dismissed_at IS NULL',
        )
        .run(this.now(), actor.invigilatorId, id, actor.centreId);
      if (r.changes !== 1) return false;
      this.writeAudit(actor, 'notice.dismiss', id);
      return true;
    });
  }

  async storedEventBytes(seatId: string, sittingId: string | null, since: string): Promise<number> {
    const row = (
      sittingId
        ? this.db
            .prepare(
              'SELECT COALESCE(SUM(LENGTH(json)), 0) AS n FROM seat_events WHERE seat_id = ? AND sitting_id = ?',
            )
            .get(seatId, sittingId)
        : this.db
            .prepare(
              'SELECT COALESCE(SUM(LENGTH(json)), 0) AS n FROM seat_events WHERE seat_id = ? AND sitting_id IS NULL AND received_at >= ?',
            )
            .get(seatId, since)
    ) as Row;
    return Number(row.n);
  }

  async getSeat(id: string): Promise<SeatRow | undefined> {
    const row = this.db.prepare('SELECT * FROM seats WHERE id = ?').get(id) as Row | undefined;
    return row && seatRow(row);
  }

  async listSeats(centreId?: string): Promise<SeatRow[]> {
    const rows = centreId
      ? this.db.prepare('SELECT * FROM seats WHERE centre_id = ? ORDER BY pc_name').all(centreId)
      : this.db.prepare('SELECT * FROM seats ORDER BY pc_name').all();
    return (rows as Row[]).map(seatRow);
  }

  async updateSeatPlace(actor: Actor, seatId: string, place: string): Promise<void> {
    this.tx(() => {
      this.db
        .prepare('UPDATE seats SET place = ? WHERE id = ? AND centre_id = ?')
        .run(place, seatId, actor.centreId);
      this.writeAudit(actor, 'seat.place', seatId, { place });
    });
  }

  async saveSeatStatuses(rows: readonly SeatStatusRow[]): Promise<void> {
    if (rows.length === 0) return;
    const stmt = this.relaxed.prepare(
      `INSERT INTO seat_status (seat_id, state, status_json, seq, at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (seat_id) DO UPDATE SET state = excluded.state, status_json = excluded.status_json,
       seq = excluded.seq, at = excluded.at, last_seen_at = excluded.last_seen_at`,
    );
    this.relaxed.transaction(() => {
      for (const r of rows) stmt.run(r.seatId, r.state, r.statusJson, r.seq, r.at, r.lastSeenAt);
    })();
  }

  async noteConsoleAlive(at: string, onlineSeatIds: readonly string[] | null): Promise<void> {
    if (onlineSeatIds === null) {
      this.relaxed.prepare('UPDATE console_alive SET at = ? WHERE id = 1').run(at);
      return;
    }
    this.relaxed
      .prepare(
        'INSERT INTO console_alive (id, at, online_json) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at, online_json = excluded.online_json',
      )
      .run(at, JSON.stringify(onlineSeatIds));
  }

  async lastConsoleAlive(): Promise<{ at: string; onlineSeatIds: string[] } | null> {
    const row = this.db.prepare('SELECT at, online_json FROM console_alive WHERE id = 1').get() as
      | Row
      | undefined;
    if (!row) return null;
    let ids: unknown;
    try {
      ids = JSON.parse(str(row.online_json));
    } catch {
      ids = [];
    }
    return {
      at: str(row.at),
      onlineSeatIds: Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [],
    };
  }

  async loadSeatStatuses(): Promise<SeatStatusRow[]> {
    return (this.db.prepare('SELECT * FROM seat_status').all() as Row[]).map((r) => ({
      seatId: str(r.seat_id),
      state: str(r.state),
      statusJson: str(r.status_json),
      seq: Number(r.seq),
      at: str(r.at),
      lastSeenAt: str(r.last_seen_at),
    }));
  }

  // ---- events and incidents ----

  private insertIncident(
    centreId: string,
    incident: NewIncident,
    source: 'automatic' | 'manual',
    recordedBy: string | null,
    eventId: string | null,
  ): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO incidents (id, centre_id, at, kind, source, description, sitting_id, entry_id, seat_id, event_id, recorded_by, created_at, count, last_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        centreId,
        incident.at,
        incident.kind,
        source,
        incident.description,
        incident.sittingId,
        incident.entryId,
        incident.seatId,
        eventId,
        recordedBy,
        this.now(),
        incident.count ?? 1,
        utc(incident.lastAt ?? incident.at),
      );
    return id;
  }

  /**
   * An automatic incident, or, when the same thing (kind and description) happened at the same seat in
   * the same sitting less than a minute before, one more on that incident's count: a seat repeating
   * itself makes one readable line in the record, not thousands. Returns the incident's id.
   */
  private recordIncident(centreId: string, incident: NewIncident, eventId: string | null): string {
    if (incident.seatId) {
      const first = Date.parse(incident.at);
      const last = utc(incident.lastAt ?? incident.at);
      const prev = this.db
        .prepare(
          `SELECT id, at, last_at FROM incidents WHERE seat_id = ? AND kind = ? AND last_at >= ? AND last_at <= ?
           AND description = ? AND source = 'automatic' AND sitting_id IS ? ORDER BY last_at DESC LIMIT 1`,
        )
        .get(
          incident.seatId,
          incident.kind,
          new Date(first - INCIDENT_COALESCE_MS).toISOString(),
          new Date(Date.parse(last) + INCIDENT_COALESCE_MS).toISOString(),
          incident.description,
          incident.sittingId,
        ) as Row | undefined;
      if (prev) {
        const at = Date.parse(str(prev.at)) <= first ? str(prev.at) : incident.at;
        const lastAt = str(prev.last_at) >= last ? str(prev.last_at) : last;
        this.db
          .prepare('UPDATE incidents SET count = count + ?, at = ?, last_at = ? WHERE id = ?')
          .run(incident.count ?? 1, at, lastAt, prev.id);
        return str(prev.id);
      }
    }
    return this.insertIncident(centreId, incident, 'automatic', null, eventId);
  }

  private incidentsById(ids: readonly string[]): IncidentRow[] {
    if (ids.length === 0) return [];
    const out: IncidentRow[] = [];
    // In chunks: a whole room going offline at once is one query per 500 incidents, not one each.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`${INCIDENT_SELECT} WHERE n.id IN (${chunk.map(() => '?').join(',')}) ORDER BY n.at`)
        .all(...chunk) as Row[];
      out.push(...rows.map(incidentRow));
    }
    return out;
  }

  async storeSeatEvents(events: readonly IncomingSeatEvent[]): Promise<IncidentRow[]> {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO seat_events (id, seat_id, type, at, received_at, json, sitting_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const ids = this.tx(() => {
      // The same incident repeated within the batch (a seat repeating itself) is grouped first, so that
      // a batch of a thousand repeats costs one look-up, not a thousand.
      const groups = new Map<string, { e: IncomingSeatEvent; ms: number }[]>();
      for (const e of events) {
        const r = insert.run(
          e.event.id,
          e.seatId,
          e.event.type,
          e.event.at,
          e.receivedAt,
          e.json,
          e.sittingId,
        );
        // An id already stored is a resend after a lost ack: store nothing twice.
        if (r.changes !== 1 || !e.incident) continue;
        // A hand raised while the seat's hand is open counts on it: no second incident.
        if (e.event.type === 'event/hand-raised' && !this.handRaised(e, e.event.via)) continue;
        const i = e.incident;
        const key = [e.centreId, i.seatId, i.kind, i.description, i.sittingId].join('\u0000');
        const list = groups.get(key) ?? [];
        list.push({ e, ms: Date.parse(i.at) });
        groups.set(key, list);
      }
      const touched = new Set<string>();
      for (const list of groups.values()) {
        list.sort((a, b) => a.ms - b.ms);
        let run: typeof list = [];
        const record = () => {
          const first = run[0];
          const last = run[run.length - 1];
          if (!first?.e.incident || !last?.e.incident) return;
          touched.add(
            this.recordIncident(
              first.e.centreId,
              { ...first.e.incident, count: run.length, lastAt: last.e.incident.at },
              // Event ids are per seat: the incident names the seat's event as (seat, id).
              `${first.e.seatId}:${first.e.event.id}`,
            ),
          );
        };
        for (const item of list) {
          const prev = run[run.length - 1];
          if (prev && item.ms - prev.ms > INCIDENT_COALESCE_MS) {
            record();
            run = [];
          }
          run.push(item);
        }
        record();
      }
      return [...touched];
    });
    return this.incidentsById(ids);
  }

  async storeRejectedEvents(
    seatId: string,
    events: readonly { id: string; json: string }[],
    receivedAt: string,
  ): Promise<void> {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO seat_events (id, seat_id, type, at, received_at, json) VALUES (?, ?, 'rejected', ?, ?, ?)",
    );
    this.tx(() => {
      for (const e of events) insert.run(e.id, seatId, receivedAt, receivedAt, e.json);
    });
  }

  async countSeatEvents(seatId?: string): Promise<number> {
    const row = seatId
      ? this.db.prepare('SELECT COUNT(*) AS n FROM seat_events WHERE seat_id = ?').get(seatId)
      : this.db.prepare('SELECT COUNT(*) AS n FROM seat_events').get();
    return Number((row as Row).n);
  }

  async addIncident(actor: Actor, incident: NewIncident): Promise<IncidentRow> {
    const id = this.tx(() => {
      const id = this.insertIncident(actor.centreId, incident, 'manual', actor.invigilatorId, null);
      this.writeAudit(actor, 'incident.record', id, { kind: incident.kind });
      return id;
    });
    const [row] = this.incidentsById([id]);
    if (!row) throw new Error('incident vanished after insert');
    return row;
  }

  async addAutomaticIncidents(
    incidents: readonly (NewIncident & { centreId: string })[],
  ): Promise<IncidentRow[]> {
    const ids = this.tx(() => [...new Set(incidents.map((i) => this.recordIncident(i.centreId, i, null)))]);
    return this.incidentsById(ids);
  }

  async listIncidents(
    centreId: string,
    query: { sittingId?: string; limit: number },
  ): Promise<IncidentRow[]> {
    const rows = query.sittingId
      ? this.db
          .prepare(
            `${INCIDENT_SELECT} WHERE n.centre_id = ? AND n.sitting_id = ? ORDER BY n.at, n.created_at LIMIT ?`,
          )
          .all(centreId, query.sittingId, query.limit)
      : this.db
          .prepare(`${INCIDENT_SELECT} WHERE n.centre_id = ? ORDER BY n.at DESC, n.created_at DESC LIMIT ?`)
          .all(centreId, query.limit);
    return (rows as Row[]).map(incidentRow);
  }

  // ---- raised hands and pauses (issue 13; the queries are in hands-and-pauses/sqlite.ts) ----

  private handRaised(e: IncomingSeatEvent, via: 'button' | 'shortcut'): boolean {
    return handsAndPauses.noteHandRaised(this.db, {
      centreId: e.centreId,
      seatId: e.seatId,
      eventId: e.event.id,
      at: utc(e.event.at),
      via,
      sittingId: e.sittingId,
      entryId: e.incident?.entryId ?? null,
    });
  }

  async openHands(): Promise<HandRow[]> {
    return handsAndPauses.openHands(this.db);
  }

  async answerHand(
    actor: Actor,
    handId: string,
    answer: { reason: string; note: string | null; at: string },
  ): Promise<HandRow | null> {
    return this.tx(() => {
      const row = handsAndPauses.answerHand(this.db, actor.centreId, actor.invigilatorId, handId, answer);
      if (row) this.writeAudit(actor, 'hand.answer', handId, { reason: answer.reason, note: answer.note });
      return row;
    });
  }

  async listHands(centreId: string, sittingId: string): Promise<HandRow[]> {
    return handsAndPauses.listHands(this.db, centreId, sittingId);
  }

  async startPause(
    actor: Actor,
    pause: { sittingId: string; entryId: string | null; reason: string; note: string | null; at: string },
  ): Promise<PauseRow | null> {
    return this.tx(() => {
      const row = handsAndPauses.startPause(this.db, actor.centreId, actor.invigilatorId, pause);
      if (row) this.writeAudit(actor, 'pause.start', row.id, pause);
      return row;
    });
  }

  async endPause(actor: Actor, pauseId: string, at: string): Promise<PauseRow | null> {
    return this.tx(() => {
      const row = handsAndPauses.endPause(this.db, actor.centreId, actor.invigilatorId, pauseId, at);
      if (row) this.writeAudit(actor, 'pause.end', pauseId, { at });
      return row;
    });
  }

  async openPauses(): Promise<PauseRow[]> {
    return handsAndPauses.openPauses(this.db);
  }

  async listPauses(centreId: string, sittingId: string): Promise<PauseRow[]> {
    return handsAndPauses.listPauses(this.db, centreId, sittingId);
  }

  // ---- sittings ----

  private writeEntries(sittingId: string, input: SittingInput): void {
    const existing = new Set(
      (this.db.prepare('SELECT id FROM entries WHERE sitting_id = ?').all(sittingId) as Row[]).map((r) =>
        str(r.id),
      ),
    );
    const keep = new Set<string>();
    const update = this.db.prepare(
      `UPDATE entries SET position = ?, candidate_name = ?, registration_number = ?, qualification_number = ?,
       qualification_type = ?, assessment = ?, duration_minutes = ?, extra_minutes = ?, reasonable_adjustment = ?, seat_id = ?
       WHERE id = ? AND sitting_id = ?`,
    );
    const insert = this.db.prepare(
      `INSERT INTO entries (id, sitting_id, position, candidate_name, registration_number, qualification_number,
       qualification_type, assessment, duration_minutes, extra_minutes, reasonable_adjustment, seat_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    input.entries.forEach((e, position) => {
      const values = [
        e.candidateName,
        e.registrationNumber,
        e.qualificationNumber,
        e.qualificationType ?? 'other',
        e.assessment,
        e.durationMinutes,
        e.extraMinutes ?? 0,
        e.reasonableAdjustment ?? null,
        e.seatId ?? null,
      ];
      if (e.id && existing.has(e.id)) {
        update.run(position, ...values, e.id, sittingId);
        keep.add(e.id);
      } else {
        insert.run(randomUUID(), sittingId, position, ...values);
      }
    });
    for (const id of existing) {
      if (keep.has(id)) continue;
      this.db.prepare('DELETE FROM identity_checks WHERE entry_id = ?').run(id);
      this.db.prepare('UPDATE incidents SET entry_id = NULL WHERE entry_id = ?').run(id);
      this.db.prepare('DELETE FROM entries WHERE id = ?').run(id);
    }
    this.db.prepare('DELETE FROM sitting_invigilators WHERE sitting_id = ?').run(sittingId);
    const addInv = this.db.prepare(
      'INSERT OR IGNORE INTO sitting_invigilators (sitting_id, invigilator_id) VALUES (?, ?)',
    );
    for (const id of input.invigilatorIds) addInv.run(sittingId, id);
  }

  async createSitting(actor: Actor, input: SittingInput): Promise<string> {
    return this.tx(() => {
      const id = randomUUID();
      const now = this.now();
      this.db
        .prepare(
          'INSERT INTO sittings (id, centre_id, room, starts_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, actor.centreId, input.room, input.startsAt, actor.invigilatorId ?? '', now, now);
      this.writeEntries(id, input);
      this.writeAudit(actor, 'sitting.create', id, {
        room: input.room,
        startsAt: input.startsAt,
        entries: input.entries.length,
      });
      return id;
    });
  }

  async updateSitting(actor: Actor, sittingId: string, input: SittingInput): Promise<void> {
    this.tx(() => {
      this.db
        .prepare('UPDATE sittings SET room = ?, starts_at = ?, updated_at = ? WHERE id = ?')
        .run(input.room, input.startsAt, this.now(), sittingId);
      this.writeEntries(sittingId, input);
      this.writeAudit(actor, 'sitting.update', sittingId, {
        room: input.room,
        startsAt: input.startsAt,
        entries: input.entries.length,
      });
    });
  }

  private entriesOf(sittingId: string): EntryRow[] {
    const rows = this.db
      .prepare('SELECT * FROM entries WHERE sitting_id = ? ORDER BY position')
      .all(sittingId) as Row[];
    const check = this.db.prepare(
      `SELECT c.*, i.name AS confirmed_by_name FROM identity_checks c JOIN invigilators i ON i.id = c.confirmed_by
       WHERE c.entry_id = ? AND c.revoked_at IS NULL ORDER BY c.confirmed_at DESC LIMIT 1`,
    );
    return rows.map((r) => {
      const c = check.get(r.id) as Row | undefined;
      return {
        id: str(r.id),
        sittingId: str(r.sitting_id),
        position: Number(r.position),
        candidateName: str(r.candidate_name),
        registrationNumber: str(r.registration_number),
        qualificationNumber: str(r.qualification_number),
        qualificationType: str(r.qualification_type) as EntryRow['qualificationType'],
        assessment: str(r.assessment),
        durationMinutes: Number(r.duration_minutes),
        extraMinutes: Number(r.extra_minutes),
        reasonableAdjustment: strOrNull(r.reasonable_adjustment),
        seatId: strOrNull(r.seat_id),
        outcome: str(r.outcome) as AttemptOutcome,
        releasedAt: strOrNull(r.released_at),
        finishedAt: strOrNull(r.finished_at),
        finishedHow: strOrNull(r.finished_how) as EntryRow['finishedHow'],
        identity: c
          ? {
              confirmedAt: str(c.confirmed_at),
              confirmedBy: str(c.confirmed_by_name),
              method: str(c.method) as 'photo-id',
              note: strOrNull(c.note),
              pcName: strOrNull(c.pc_name),
            }
          : null,
      };
    });
  }

  private sittingRow(r: Row): SittingRow {
    const invigilators = (
      this.db
        .prepare(
          'SELECT i.id, i.name, i.pin FROM sitting_invigilators s JOIN invigilators i ON i.id = s.invigilator_id WHERE s.sitting_id = ? ORDER BY i.name',
        )
        .all(r.id) as Row[]
    ).map((i) => ({ id: str(i.id), name: str(i.name), pin: str(i.pin) }));
    const creator = this.db.prepare('SELECT name FROM invigilators WHERE id = ?').get(r.created_by) as
      | Row
      | undefined;
    return {
      id: str(r.id),
      centreId: str(r.centre_id),
      room: str(r.room),
      startsAt: str(r.starts_at),
      closedAt: strOrNull(r.closed_at),
      invigilators,
      entries: this.entriesOf(str(r.id)),
      createdBy: creator ? str(creator.name) : '',
      createdAt: str(r.created_at),
    };
  }

  async getSitting(id: string): Promise<SittingRow | undefined> {
    const row = this.db.prepare('SELECT * FROM sittings WHERE id = ?').get(id) as Row | undefined;
    return row && this.sittingRow(row);
  }

  async listSittings(centreId: string): Promise<SittingRow[]> {
    return (
      this.db
        .prepare('SELECT * FROM sittings WHERE centre_id = ? ORDER BY starts_at DESC')
        .all(centreId) as Row[]
    ).map((r) => this.sittingRow(r));
  }

  async closeSitting(actor: Actor, sittingId: string, at: string): Promise<void> {
    this.tx(() => {
      this.db
        .prepare('UPDATE sittings SET closed_at = ? WHERE id = ? AND closed_at IS NULL')
        .run(at, sittingId);
      this.writeAudit(actor, 'sitting.close', sittingId);
    });
  }

  async setOutcome(actor: Actor, entryId: string, outcome: AttemptOutcome): Promise<void> {
    this.tx(() => {
      this.db.prepare('UPDATE entries SET outcome = ? WHERE id = ?').run(outcome, entryId);
      this.writeAudit(actor, 'entry.outcome', entryId, { outcome });
    });
  }

  async confirmIdentity(
    actor: Actor,
    entryId: string,
    check: { method: string; note: string | null; pcName: string | null; at: string },
  ): Promise<void> {
    this.tx(() => {
      this.db
        .prepare(
          'INSERT INTO identity_checks (id, entry_id, confirmed_at, confirmed_by, method, note, pc_name) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(randomUUID(), entryId, check.at, actor.invigilatorId, check.method, check.note, check.pcName);
      this.writeAudit(actor, 'identity.confirm', entryId, { method: check.method, pcName: check.pcName });
    });
  }

  async revokeIdentity(actor: Actor, entryId: string, at: string): Promise<void> {
    this.tx(() => {
      this.db
        .prepare(
          'UPDATE identity_checks SET revoked_at = ?, revoked_by = ? WHERE entry_id = ? AND revoked_at IS NULL',
        )
        .run(at, actor.invigilatorId, entryId);
      this.writeAudit(actor, 'identity.revoke', entryId);
    });
  }

  async openAssignments(): Promise<Assignment[]> {
    return (
      this.db
        .prepare(
          `SELECT s.id AS sitting_id, s.starts_at, e.id AS entry_id, e.seat_id, e.candidate_name, e.registration_number,
             EXISTS (SELECT 1 FROM identity_checks c WHERE c.entry_id = e.id AND c.revoked_at IS NULL) AS confirmed
           FROM entries e JOIN sittings s ON s.id = e.sitting_id
           WHERE s.closed_at IS NULL AND e.seat_id IS NOT NULL`,
        )
        .all() as Row[]
    ).map((r) => ({
      sittingId: str(r.sitting_id),
      startsAt: str(r.starts_at),
      entryId: str(r.entry_id),
      seatId: str(r.seat_id),
      candidateName: str(r.candidate_name),
      registrationNumber: str(r.registration_number),
      identityConfirmed: Number(r.confirmed) === 1,
    }));
  }

  async attemptsFor(centreId: string, registrationNumbers: readonly string[]): Promise<Attempt[]> {
    if (registrationNumbers.length === 0) return [];
    const stmt = this.db.prepare(
      `SELECT e.sitting_id, e.registration_number, e.qualification_number, e.assessment, s.starts_at, e.outcome,
         e.released_at, e.finished_at
       FROM entries e JOIN sittings s ON s.id = e.sitting_id
       WHERE s.centre_id = ? AND e.registration_number = ? COLLATE NOCASE`,
    );
    const out: Attempt[] = [];
    for (const reg of new Set(registrationNumbers)) {
      for (const r of stmt.all(centreId, reg) as Row[]) {
        out.push({
          sittingId: str(r.sitting_id),
          registrationNumber: str(r.registration_number),
          qualificationNumber: str(r.qualification_number),
          assessment: str(r.assessment),
          startsAt: str(r.starts_at),
          outcome: str(r.outcome) as AttemptOutcome,
          releasedAt: strOrNull(r.released_at),
          finishedAt: strOrNull(r.finished_at),
        });
      }
    }
    return out;
  }

  // ---- instructions ----

  async createInstruction(
    actor: Actor,
    seatId: string,
    type: InstructionRow['type'],
    payload: Record<string, unknown>,
  ): Promise<InstructionRow> {
    const [row] = await this.createInstructions([{ actor, seatId, type, payload }]);
    if (!row) throw new Error('instruction not created');
    return row;
  }

  async createInstructions(
    items: readonly {
      actor: Actor;
      seatId: string;
      type: InstructionRow['type'];
      payload: Record<string, unknown>;
    }[],
  ): Promise<InstructionRow[]> {
    if (items.length === 0) return [];
    const supersede = this.relaxed.prepare(
      "UPDATE instructions SET superseded = 1 WHERE seat_id = ? AND type = 'instruction/gate' AND superseded = 0",
    );
    const insert = this.relaxed.prepare(
      'INSERT INTO instructions (id, seat_id, type, payload_json, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
    );
    return this.relaxed.transaction(() =>
      items.map(({ actor, seatId, type, payload }) => {
        const row: InstructionRow = {
          id: randomUUID(),
          seatId,
          type,
          payload,
          createdAt: this.now(),
          createdBy: actor.invigilatorId,
          ackedAt: null,
        };
        if (type === 'instruction/gate') supersede.run(seatId);
        insert.run(row.id, seatId, type, JSON.stringify(payload), row.createdAt, row.createdBy);
        this.auditOn(this.relaxed, actor, type, seatId, payload);
        return row;
      }),
    )();
  }

  async ackInstruction(seatId: string, instructionId: string, at: string): Promise<boolean> {
    const [ok] = await this.ackInstructions([{ seatId, instructionId, at }]);
    return ok === true;
  }

  async ackInstructions(
    acks: readonly { seatId: string; instructionId: string; at: string }[],
  ): Promise<boolean[]> {
    const stmt = this.relaxed.prepare(
      'UPDATE instructions SET acked_at = COALESCE(acked_at, ?) WHERE id = ? AND seat_id = ?',
    );
    return this.relaxed.transaction(() =>
      acks.map((a) => stmt.run(a.at, a.instructionId, a.seatId).changes === 1),
    )();
  }

  async instructionsToResend(seatId: string): Promise<InstructionRow[]> {
    return (
      this.db
        .prepare(
          `SELECT * FROM instructions WHERE seat_id = ? AND superseded = 0
           AND (type = 'instruction/gate' OR acked_at IS NULL) ORDER BY created_at`,
        )
        .all(seatId) as Row[]
    ).map(instructionRow);
  }

  async latestGates(): Promise<InstructionRow[]> {
    return (
      this.db
        .prepare("SELECT * FROM instructions WHERE type = 'instruction/gate' AND superseded = 0")
        .all() as Row[]
    ).map(instructionRow);
  }

  async listAudit(centreId: string, limit: number): Promise<AuditRow[]> {
    return (
      this.db
        .prepare(
          `SELECT a.at, i.name AS invigilator, a.action, a.subject, a.details_json FROM audit a
           LEFT JOIN invigilators i ON i.id = a.invigilator_id WHERE a.centre_id = ? ORDER BY a.id DESC LIMIT ?`,
        )
        .all(centreId, limit) as Row[]
    ).map((r) => ({
      at: str(r.at),
      invigilator: strOrNull(r.invigilator),
      action: str(r.action),
      subject: strOrNull(r.subject),
      details: strOrNull(r.details_json),
    }));
  }

  async audit(actor: Actor, action: string, subject: string | null, details?: unknown): Promise<void> {
    this.writeAudit(actor, action, subject, details);
  }

  // ---- issue 13: summon help ----

  async createHelpRequest(
    actor: Actor & { invigilatorId: string },
    request: { room: string; reason: HelpReason; note: string | null; sittingId: string | null; at: string },
    incidentDescription: string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow }> {
    const id = randomUUID();
    const incidentId = this.tx(() => {
      const incidentId = this.insertIncident(
        actor.centreId,
        {
          kind: 'help-summoned',
          description: incidentDescription,
          at: request.at,
          sittingId: request.sittingId,
          entryId: null,
          seatId: null,
        },
        'manual',
        actor.invigilatorId,
        null,
      );
      this.db
        .prepare(
          `INSERT INTO help_requests (id, centre_id, room, reason, note, sitting_id, asked_at, asked_by, incident_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          actor.centreId,
          request.room,
          request.reason,
          request.note,
          request.sittingId,
          request.at,
          actor.invigilatorId,
          incidentId,
        );
      this.writeAudit(actor, 'help.summon', id, { room: request.room, reason: request.reason });
      return incidentId;
    });
    const row = await this.getHelpRequest(id);
    const [incident] = this.incidentsById([incidentId]);
    if (!row || !incident) throw new Error('help request vanished after insert');
    return { request: row, incident };
  }

  async acknowledgeHelpRequest(
    actor: Actor & { invigilatorId: string },
    id: string,
    at: string,
    incidentDescription: (row: HelpRequestRow) => string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow; already: boolean } | undefined> {
    const result = this.tx(() => {
      // Only the first acknowledgement counts: two people pressing at once get one answer each, one wins.
      const changed = this.db
        .prepare(
          'UPDATE help_requests SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND centre_id = ? AND acknowledged_at IS NULL',
        )
        .run(at, actor.invigilatorId, id, actor.centreId).changes;
      const row = this.helpRow(id);
      if (!row || row.centreId !== actor.centreId) return undefined;
      if (changed === 1) {
        this.db
          .prepare('UPDATE incidents SET description = ? WHERE id = ?')
          .run(incidentDescription(row), row.incidentId);
        this.writeAudit(actor, 'help.acknowledge', id);
      }
      return { row, already: changed !== 1 };
    });
    if (!result) return undefined;
    const [incident] = this.incidentsById([result.row.incidentId]);
    if (!incident) throw new Error('help incident vanished');
    return { request: result.row, incident, already: result.already };
  }

  private helpRow(id: string): HelpRequestRow | undefined {
    const r = this.db.prepare(`${HELP_SELECT} WHERE h.id = ?`).get(id) as Row | undefined;
    return r && helpRow(r);
  }

  async getHelpRequest(id: string): Promise<HelpRequestRow | undefined> {
    return this.helpRow(id);
  }

  async listHelpRequests(centreId: string, since: string): Promise<HelpRequestRow[]> {
    return (
      this.db
        .prepare(
          `${HELP_SELECT} WHERE h.centre_id = ? AND (h.acknowledged_at IS NULL OR h.asked_at >= ?) ORDER BY h.asked_at LIMIT 200`,
        )
        .all(centreId, since) as Row[]
    ).map(helpRow);
  }

  // ---- issue 13: attempts ----

  async markReleased(entryId: string, at: string): Promise<boolean> {
    return (
      this.db
        .prepare('UPDATE entries SET released_at = ? WHERE id = ? AND released_at IS NULL')
        .run(utc(at), entryId).changes === 1
    );
  }

  async setFinish(
    actor: Actor,
    entryId: string,
    finish: { at: string; how: FinishKind } | null,
  ): Promise<void> {
    this.tx(() => {
      this.db
        .prepare('UPDATE entries SET finished_at = ?, finished_how = ? WHERE id = ?')
        .run(finish?.at ?? null, finish?.how ?? null, entryId);
      this.writeAudit(actor, finish ? 'entry.finish' : 'entry.finish-undo', entryId, finish ?? undefined);
    });
  }

  async finishAtEndPage(actor: Actor, entryId: string, at: string): Promise<boolean> {
    return this.tx(() => {
      const changed = this.db
        .prepare(
          "UPDATE entries SET finished_at = ?, finished_how = 'end-page' WHERE id = ? AND released_at IS NOT NULL AND finished_at IS NULL AND outcome != 'absent'",
        )
        .run(utc(at), entryId).changes;
      if (changed === 1) this.writeAudit(actor, 'entry.finish', entryId, { at, how: 'end-page' });
      return changed === 1;
    });
  }

  async importOutcomes(
    actor: Actor,
    updates: readonly { entryId: string; outcome: AttemptOutcome }[],
    details: Record<string, unknown>,
  ): Promise<void> {
    this.tx(() => {
      const set = this.db.prepare('UPDATE entries SET outcome = ? WHERE id = ?');
      for (const u of updates) set.run(u.outcome, u.entryId);
      this.writeAudit(actor, 'results.import', null, { ...details, updated: updates.length });
    });
  }

  async incidentsBetween(centreId: string, from: string, to: string): Promise<IncidentRow[]> {
    return (
      this.db
        .prepare(`${INCIDENT_SELECT} WHERE n.centre_id = ? AND n.at >= ? AND n.at <= ? ORDER BY n.at`)
        .all(centreId, from, to) as Row[]
    ).map(incidentRow);
  }

  async getCentreSetting(centreId: string, key: string): Promise<unknown> {
    const r = this.db
      .prepare('SELECT value_json FROM centre_settings WHERE centre_id = ? AND key = ?')
      .get(centreId, key) as Row | undefined;
    return r ? (JSON.parse(str(r.value_json)) as unknown) : undefined;
  }

  async setCentreSetting(actor: Actor, key: string, value: unknown): Promise<void> {
    this.tx(() => {
      this.db
        .prepare(
          `INSERT INTO centre_settings (centre_id, key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (centre_id, key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(actor.centreId, key, JSON.stringify(value), this.now(), actor.invigilatorId);
      this.writeAudit(actor, 'centre.setting', key, value);
    });
  }

  async close(): Promise<void> {
    if (this.relaxed.open) this.relaxed.close();
    if (this.db.open) this.db.close();
  }
}

const INCIDENT_SELECT = `SELECT n.*, st.pc_name, e.candidate_name, e.registration_number, i.name AS recorded_by_name
  FROM incidents n LEFT JOIN seats st ON st.id = n.seat_id LEFT JOIN entries e ON e.id = n.entry_id
  LEFT JOIN invigilators i ON i.id = n.recorded_by`;

const HELP_SELECT = `SELECT h.*, a.name AS asked_by_name, k.name AS acknowledged_by_name
  FROM help_requests h JOIN invigilators a ON a.id = h.asked_by LEFT JOIN invigilators k ON k.id = h.acknowledged_by`;

function helpRow(r: Row): HelpRequestRow {
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    room: str(r.room),
    reason: str(r.reason) as HelpReason,
    note: strOrNull(r.note),
    sittingId: strOrNull(r.sitting_id),
    askedAt: str(r.asked_at),
    askedBy: { id: str(r.asked_by), name: str(r.asked_by_name) },
    acknowledgedAt: strOrNull(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by
      ? { id: str(r.acknowledged_by), name: str(r.acknowledged_by_name) }
      : null,
    incidentId: str(r.incident_id),
  };
}

function centreRow(r: Row): CentreRow {
  return { id: str(r.id), name: str(r.name), createdAt: str(r.created_at) };
}

function invigilatorRow(r: Row): InvigilatorRow {
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    name: str(r.name),
    pin: str(r.pin),
    passwordHash: str(r.password_hash),
    role: str(r.role) as InvigilatorRow['role'],
    createdAt: str(r.created_at),
  };
}

function seatRow(r: Row): SeatRow {
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    pcName: str(r.pc_name),
    place: str(r.place ?? ''),
    credentialHash: str(r.credential_hash),
    enrolledAt: str(r.enrolled_at),
  };
}

function incidentRow(r: Row): IncidentRow {
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    at: str(r.at),
    kind: str(r.kind),
    source: str(r.source) as IncidentRow['source'],
    description: str(r.description),
    sittingId: strOrNull(r.sitting_id),
    entryId: strOrNull(r.entry_id),
    seatId: strOrNull(r.seat_id),
    pcName: strOrNull(r.pc_name),
    candidateName: strOrNull(r.candidate_name),
    registrationNumber: strOrNull(r.registration_number),
    recordedBy: strOrNull(r.recorded_by_name),
    count: Number(r.count ?? 1),
    lastAt: str(r.last_at ?? r.at),
  };
}

/** A timestamp as UTC ISO 8601, so that stored times compare as text whatever offset a seat sent. */
function utc(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

function replacementRow(r: Row): ReplacementRow {
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    seatId: str(r.seat_id),
    pcName: str(r.pc_name),
    address: str(r.address),
    userAgent: strOrNull(r.user_agent),
    requestedAt: str(r.requested_at),
    status: str(r.status) as ReplacementRow['status'],
    decidedAt: strOrNull(r.decided_at),
    decidedBy: strOrNull(r.decided_by_name),
  };
}

const REPLACEMENT_SELECT =
  'SELECT r.*, i.name AS decided_by_name FROM seat_replacements r LEFT JOIN invigilators i ON i.id = r.decided_by';

const NOTICE_ADDRESSES = 5;
const NOTICE_SELECT = 'SELECT n.*, s.pc_name FROM seat_notices n JOIN seats s ON s.id = n.seat_id';

function noticeRow(r: Row): NoticeRow {
  const details = JSON.parse(str(r.details_json)) as { addresses?: string[] };
  return {
    id: str(r.id),
    centreId: str(r.centre_id),
    seatId: str(r.seat_id),
    pcName: str(r.pc_name),
    kind: 'refused-connections',
    firstAt: str(r.first_at),
    lastAt: str(r.last_at),
    count: Number(r.count),
    addresses: details.addresses ?? [],
  };
}

function instructionRow(r: Row): InstructionRow {
  return {
    id: str(r.id),
    seatId: str(r.seat_id),
    type: str(r.type) as InstructionRow['type'],
    payload: JSON.parse(str(r.payload_json)) as Record<string, unknown>,
    createdAt: str(r.created_at),
    createdBy: strOrNull(r.created_by),
    ackedAt: strOrNull(r.acked_at),
  };
}
