/**
 * Everything the console keeps, behind one interface (implemented by database-store.ts over the
 * domains' repositories, on SQLite or PostgreSQL). The row types are the repositories' own, re-exported
 * here for the code that uses the store. Every change made by a person takes an `Actor` and is written
 * to the audit trail in the same transaction as the change itself.
 */

import type { SiteKind } from '../../../shared/catalogs/sites.ts';
import type { Attempt, AttemptOutcome } from '../../../shared/rules/centre.ts';
import type { FinishKind } from '../../../shared/schemas/attempts.ts';
import type { SittingInput } from '../../../shared/schemas/console-api.ts';
import type { InvigilatorRow, SessionRow, SignInLinkRefusal } from '../auth/auth-repository.ts';
import type { DbStats, Engine } from '../db/database.ts';
import type { HandsAndPausesStore } from '../hands-and-pauses/rows.ts';
import type { HelpRequestRow, NewHelpRequest } from '../help/help-repository.ts';
import type { LiveBus } from '../live-bus.ts';
import type { Logger } from '../logger.ts';
import type { AuditRow } from '../record/audit-repository.ts';
import type { IncidentRow, NewIncident } from '../record/incident-repository.ts';
import type { IncomingSeatEvent } from '../seats/event-repository.ts';
import type { InstructionRow } from '../seats/instruction-repository.ts';
import type { PresenceRepository } from '../seats/presence-repository.ts';
import type {
  NoticeRow,
  ReplacementRow,
  SeatRow,
  SeatStatusRow,
  SittingOf,
} from '../seats/seat-repository.ts';
import type { CentreRow, RoomRow, SiteRow } from '../sites/site-repository.ts';
import type { Assignment, EntryRow, SittingRow } from '../sittings/sitting-repository.ts';

export type PresenceStore = Pick<
  PresenceRepository,
  | 'take'
  | 'touch'
  | 'claimOwnOffline'
  | 'claimAbandoned'
  | 'claimNotBack'
  | 'read'
  | 'disconnectDeadHolders'
  | 'heartbeat'
>;

export type Role = 'coordinator' | 'invigilator';
export type {
  Assignment,
  AuditRow,
  CentreRow,
  EntryRow,
  HelpRequestRow,
  IncidentRow,
  IncomingSeatEvent,
  InstructionRow,
  InvigilatorRow,
  NewIncident,
  NoticeRow,
  ReplacementRow,
  RoomRow,
  SeatRow,
  SeatStatusRow,
  SessionRow,
  SignInLinkRefusal,
  SiteRow,
  SittingOf,
  SittingRow,
};

export interface Actor {
  centreId: string;
  /** Null for changes the console makes itself (automatic incidents, seat enrolment). */
  invigilatorId: string | null;
}

/** An account to create: its site is the lead site's for an invigilator when not given. */
export type NewAccount = Omit<InvigilatorRow, 'id' | 'centreId' | 'createdAt' | 'siteId'> & {
  siteId?: string | null;
};

/** Repeats of an automatic incident (same kind and description, same seat and sitting) closer than this are one incident. */
export const INCIDENT_COALESCE_MS = 60_000;

/** A unique constraint refused the change (a PIN already used, for example): one class for both engines. */
export { ConflictError } from '../db/database.ts';

/** Raised hands and pauses (issue 13) are declared in hands-and-pauses/rows.ts. */
export interface Store extends HandsAndPausesStore {
  // ---- centre and first sign-in ----
  /** The centre in a single-centre database, created on first start. */
  ensureCentre(): Promise<{ centre: CentreRow; created: boolean }>;
  getCentre(id: string): Promise<CentreRow | undefined>;
  /** Replaces the one-time setup token (stored as a hash). */
  setSetupToken(centreId: string, tokenHash: string): Promise<void>;
  /** Consumes the setup token and creates the first coordinator, in one transaction. Null when the token is wrong or used. */
  completeSetup(tokenHash: string, centreName: string, first: NewAccount): Promise<InvigilatorRow | null>;
  countInvigilators(centreId: string): Promise<number>;

  // ---- invigilators and sessions ----
  createInvigilator(actor: Actor, inv: NewAccount): Promise<InvigilatorRow>;
  /** Accounts matching a sign-in's name and PIN (name compared case-insensitively). */
  findInvigilators(name: string, pin: string): Promise<InvigilatorRow[]>;
  getInvigilator(id: string): Promise<InvigilatorRow | undefined>;
  /** With `siteIds`, only the accounts of those sites (not the centre-wide coordinators). */
  listInvigilators(centreId: string, siteIds?: readonly string[]): Promise<InvigilatorRow[]>;
  moveInvigilator(actor: Actor, invigilatorId: string, siteId: string | null): Promise<void>;
  createSession(tokenHash: string, invigilatorId: string, expiresAt: string): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;
  deleteSession(tokenHash: string): Promise<void>;

  // ---- one-time sign-in links ----
  /** Stores a single-use link (its token as a hash) for an invigilator of the actor's centre, audited. */
  createSignInLink(
    actor: Actor,
    link: { tokenHash: string; invigilatorId: string; expiresAt: string },
  ): Promise<void>;
  /**
   * Uses a link once, in one transaction: the invigilator it signs in, or why it cannot. The use is
   * audited; a used or expired link is kept (for a day) so that its page can say which it was.
   */
  useSignInLink(
    tokenHash: string,
    now: string,
  ): Promise<{ invigilator: InvigilatorRow } | { refused: SignInLinkRefusal; expiresAt?: string }>;

  // ---- seats ----
  /** `behindNat`: for a satellite site behind one NAT address, with its own higher per-address enrolment limit. */
  createEnrolmentCode(
    actor: Actor,
    codeHash: string,
    expiresAt: string,
    uses: number,
    behindNat?: boolean,
    /** The site its seats will belong to (the lead site when not given). */
    siteId?: string,
  ): Promise<void>;
  /** Whether this is a usable code marked for a satellite site behind NAT. */
  enrolmentCodeBehindNat(codeHash: string, now: string): Promise<boolean>;
  /**
   * Uses one enrolment of the code and enrols a new seat with this credential hash. A PC name that is
   * already enrolled is not replaced: the credential goes into a pending replacement request (and an
   * incident on the seat) for a coordinator to approve; when `maxPending` requests already wait for that
   * seat, nothing is written and the code is not used. Null when the code is unknown, expired or used up.
   */
  enrolSeat(
    codeHash: string,
    pcName: string,
    credentialHash: string,
    now: string,
    from: { address: string; userAgent: string | null; maxPending: number },
    sittingOf?: SittingOf,
  ): Promise<
    | { seat: SeatRow; replacement: ReplacementRow | null; incident: IncidentRow | null }
    | { tooManyPending: SeatRow }
    | null
  >;
  /** A replacement request by its credential's hash (what a seat connection presents). */
  replacementByCredential(credentialHash: string): Promise<ReplacementRow | undefined>;
  listReplacements(
    centreId: string,
    query: { pendingOnly: boolean; limit: number; siteIds?: readonly string[] },
  ): Promise<ReplacementRow[]>;
  getReplacement(id: string): Promise<ReplacementRow | undefined>;
  /**
   * Approves (the seat's credential becomes the request's; other pending requests for the seat are
   * superseded) or refuses a pending request, audited, with an incident on the seat. Null when it was
   * no longer pending.
   */
  decideReplacement(
    actor: Actor,
    id: string,
    decision: 'approved' | 'refused',
    now: string,
    sittingOf?: SittingOf,
  ): Promise<{ replacement: ReplacementRow; seat: SeatRow; incident: IncidentRow } | null>;
  /** Opens a notice of refused connections for a seat, or adds to the open one. */
  noteRefusedConnections(
    centreId: string,
    seatId: string,
    refusals: { firstAt: string; lastAt: string; count: number; addresses: string[] },
  ): Promise<NoticeRow>;
  listNotices(centreId: string, siteIds?: readonly string[]): Promise<NoticeRow[]>;
  /** False when there is no such open notice in the actor's centre. */
  dismissNotice(actor: Actor, id: string): Promise<boolean>;
  /** Bytes of events stored for a seat in a sitting (or, with no sitting, since `since`). */
  storedEventBytes(seatId: string, sittingId: string | null, since: string): Promise<number>;
  getSeat(id: string): Promise<SeatRow | undefined>;
  listSeats(centreId?: string, siteIds?: readonly string[]): Promise<SeatRow[]>;
  moveSeat(actor: Actor, seatId: string, siteId: string): Promise<void>;
  updateSeatPlace(actor: Actor, seatId: string, place: string): Promise<void>;
  /** Batched: the console writes statuses at most once a second, all in one transaction. */
  saveSeatStatuses(rows: readonly SeatStatusRow[]): Promise<void>;
  loadSeatStatuses(seatIds?: readonly string[]): Promise<SeatStatusRow[]>;
  /** Issue 12: which console process holds each seat (seats/presence-repository.ts). */
  readonly presence: PresenceStore;
  /** This process's database instance id (names its presence rows and its live notices). */
  readonly instanceId: string;
  /** Which engine: the events writer takes larger batches on PostgreSQL (seats/hub/events.ts). */
  readonly engine: Engine;
  /** Statements and transactions run since the database was opened (/api/health). */
  readonly dbStats: Readonly<DbStats>;
  /** The live channel to the other console processes on this database (a loopback on SQLite). */
  openLiveBus(log: Logger): Promise<LiveBus>;
  /**
   * The console is alive at `at`, with these seats online (null: the same seats as last noted). Read
   * after a restart to record Seat offline incidents for seats that do not come back.
   */
  noteConsoleAlive(at: string, onlineSeatIds: readonly string[] | null): Promise<void>;
  /** `writerAlive`: the console that wrote the note still serves the database (another process on PostgreSQL). */
  lastConsoleAlive(): Promise<{ at: string; onlineSeatIds: string[]; writerAlive: boolean } | null>;

  // ---- events and incidents ----
  /**
   * Stores seat events idempotently (an id already stored is ignored) and the incidents of the newly
   * stored ones, all in one transaction; an incident that repeats one at the same seat less than a
   * minute before counts on it. Returns the incidents created or counted on.
   */
  storeSeatEvents(events: readonly IncomingSeatEvent[]): Promise<IncidentRow[]>;
  /** Events that failed validation but carry an id: kept (type `rejected`, with the reason) so they can be acknowledged. */
  storeRejectedEvents(
    seatId: string,
    events: readonly { id: string; json: string }[],
    receivedAt: string,
  ): Promise<void>;
  countSeatEvents(seatId?: string): Promise<number>;
  addIncident(actor: Actor, incident: NewIncident): Promise<IncidentRow>;
  /**
   * Incidents made by the console itself (a seat went offline, a seat flooded the console), batched;
   * repeats within a minute count on the earlier incident. Returns the incidents created or counted on.
   */
  addAutomaticIncidents(incidents: readonly (NewIncident & { centreId: string })[]): Promise<IncidentRow[]>;
  listIncidents(
    centreId: string,
    query: { sittingId?: string; siteIds?: readonly string[]; since?: string; until?: string; limit: number },
  ): Promise<IncidentRow[]>;

  // ---- sittings ----
  /** At `siteId`, or the lead site when not given. */
  createSitting(actor: Actor, input: SittingInput, siteId?: string): Promise<string>;
  /** Replaces room, time, invigilators and entries; entries keep their id, identity check and outcome when `id` is given. */
  updateSitting(actor: Actor, sittingId: string, input: SittingInput): Promise<void>;
  getSitting(id: string): Promise<SittingRow | undefined>;
  listSittings(
    centreId: string,
    query?: { siteIds?: readonly string[]; since?: string; until?: string },
  ): Promise<SittingRow[]>;

  // ---- sites and rooms ----
  listSites(centreId: string, only?: readonly string[]): Promise<SiteRow[]>;
  getSite(id: string): Promise<SiteRow | undefined>;
  createSite(
    actor: Actor,
    input: { name: string; kind: SiteKind; rooms: readonly string[] },
  ): Promise<string>;
  renameSite(actor: Actor, siteId: string, name: string): Promise<void>;
  addRoom(actor: Actor, siteId: string, name: string): Promise<string>;
  renameRoom(actor: Actor, roomId: string, name: string): Promise<void>;
  getRoom(id: string): Promise<RoomRow | undefined>;
  closeSitting(actor: Actor, sittingId: string, at: string): Promise<void>;
  setOutcome(actor: Actor, entryId: string, outcome: AttemptOutcome): Promise<void>;
  confirmIdentity(
    actor: Actor,
    entryId: string,
    check: { method: string; note: string | null; pcName: string | null; at: string },
  ): Promise<void>;
  /** Withdraws a confirmation (a different candidate sat down): the seat is held again. */
  revokeIdentity(actor: Actor, entryId: string, at: string): Promise<void>;
  /** Every open sitting's seat assignments (for gates and for attaching incidents). */
  openAssignments(): Promise<Assignment[]>;
  /** Attempts in any sitting of the centre by these candidates (for the retake and daily rules). */
  attemptsFor(centreId: string, registrationNumbers: readonly string[]): Promise<Attempt[]>;

  // ---- instructions ----
  /** A new gate instruction supersedes the seat's earlier ones. */
  createInstruction(
    actor: Actor,
    seatId: string,
    type: InstructionRow['type'],
    payload: Record<string, unknown>,
  ): Promise<InstructionRow>;
  /** Many instructions in one transaction (a room of seats connecting at once); each supersedes its seat's earlier gate. */
  createInstructions(
    items: readonly {
      actor: Actor;
      seatId: string;
      type: InstructionRow['type'];
      payload: Record<string, unknown>;
    }[],
  ): Promise<InstructionRow[]>;
  /** True when the instruction belongs to this seat (acknowledging twice is harmless). */
  ackInstruction(seatId: string, instructionId: string, at: string): Promise<boolean>;
  /** Many acknowledgements in one transaction; for each, whether the instruction is that seat's. */
  ackInstructions(acks: readonly { seatId: string; instructionId: string; at: string }[]): Promise<boolean[]>;
  /** The latest gate instruction and the unacknowledged messages, in order: what a reconnecting seat is sent. */
  instructionsToResend(seatId: string): Promise<InstructionRow[]>;
  /** Every seat's current gate (or those of these seats). */
  latestGates(seatIds?: readonly string[]): Promise<InstructionRow[]>;
  /** The latest message to each of these seats' candidates. */
  latestMessages(seatIds: readonly string[]): Promise<InstructionRow[]>;

  // ---- issue 13: summon help (invigilator/server/help) ----
  /** The request and its incident, in one transaction, audited. */
  createHelpRequest(
    actor: Actor & { invigilatorId: string },
    request: NewHelpRequest,
    incidentDescription: string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow }>;
  /**
   * Acknowledges a request once (the incident's description gains who and when, in the same
   * transaction). `already` when someone acknowledged it first; undefined when there is no such request.
   */
  acknowledgeHelpRequest(
    actor: Actor & { invigilatorId: string },
    id: string,
    at: string,
    incidentDescription: (row: HelpRequestRow) => string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow; already: boolean } | undefined>;
  getHelpRequest(id: string): Promise<HelpRequestRow | undefined>;
  /** Unacknowledged requests, and any asked since `since`, oldest first. */
  listHelpRequests(centreId: string, since: string, siteIds?: readonly string[]): Promise<HelpRequestRow[]>;

  // ---- issue 13: attempts (invigilator/server/attempts) ----
  /** The seat acknowledged its release: the entry's first release time (later ones change nothing). */
  markReleased(entryId: string, at: string): Promise<boolean>;
  /** Marks the candidate finished (or submitted early), or clears it (null), audited. */
  setFinish(actor: Actor, entryId: string, finish: { at: string; how: FinishKind } | null): Promise<void>;
  /**
   * The seat reached the assessment's end page: the entry's finish (`end-page`), audited, but only if it
   * was released and is not finished yet (so a resent or repeated event changes nothing). True if set.
   */
  finishAtEndPage(actor: Actor, entryId: string, at: string): Promise<boolean>;
  /** Outcomes from the awarding body's results, all in one transaction, audited as one import. */
  importOutcomes(
    actor: Actor,
    updates: readonly { entryId: string; outcome: AttemptOutcome }[],
    details: Record<string, unknown>,
  ): Promise<void>;
  /** Incidents of the centre between two instants (the anomaly report counts them per PC). */
  incidentsBetween(centreId: string, from: string, to: string): Promise<IncidentRow[]>;
  /** A centre setting (the centre's hours), as stored JSON; undefined when never set. */
  getCentreSetting(centreId: string, key: string): Promise<unknown>;
  setCentreSetting(actor: Actor, key: string, value: unknown): Promise<void>;

  // ---- audit ----
  listAudit(centreId: string, limit: number): Promise<AuditRow[]>;
  /** Things no signed-in person did (refused sign-ins, for one), for the audit trail. */
  audit(actor: Actor, action: string, subject: string | null, details?: unknown): Promise<void>;

  incidentsByIds(ids: readonly string[]): Promise<IncidentRow[]>;
  close(): Promise<void>;
}
