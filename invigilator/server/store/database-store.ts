/**
 * The Store over the repositories (one query layer, Kysely, for SQLite and PostgreSQL): what the rest
 * of the server uses. It adds nothing of its own but the centre's lead site where the Store's callers
 * do not name a site yet (new invigilators, sittings and enrolment codes belong to it).
 */
import { join } from 'node:path';
import type { SiteKind } from '../../../shared/catalogs/sites.ts';
import type { Attempt, AttemptOutcome } from '../../../shared/rules/centre.ts';
import type { FinishKind } from '../../../shared/schemas/attempts.ts';
import type { SittingInput } from '../../../shared/schemas/console-api.ts';
import { type DatabaseTarget, type Db, type DbStats, type Engine, openDatabase } from '../db/database.ts';
import { type MigrationResult, migrate } from '../db/migrate.ts';
import { createRepositories, type Repositories } from '../db/repositories.ts';
import type { HandRow, PauseRow } from '../hands-and-pauses/rows.ts';
import type { NewHelpRequest } from '../help/help-repository.ts';
import { type LiveBus, LoopbackBus, PgLiveBus } from '../live-bus.ts';
import type { Logger } from '../logger.ts';
import type { PresenceRepository } from '../seats/presence-repository.ts';
import type {
  Actor,
  Assignment,
  AuditRow,
  CentreRow,
  HelpRequestRow,
  IncidentRow,
  IncomingSeatEvent,
  InstructionRow,
  InvigilatorRow,
  NewAccount,
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
  Store,
} from './store.ts';

/** The SQLite file in a console's data folder. */
export function sqliteFileIn(dataDir: string): string {
  return join(dataDir, 'console.sqlite');
}

/** Opens the database, brings its schema up to date (refusing a newer one), and returns the Store over it. */
export async function openStore(target: DatabaseTarget): Promise<DatabaseStore> {
  const db = await openDatabase(target);
  try {
    const migrated = await migrate(db);
    return new DatabaseStore(createRepositories(db), migrated);
  } catch (error) {
    await db.close();
    throw error;
  }
}

export class DatabaseStore implements Store {
  private readonly leadSites = new Map<string, string>();

  constructor(
    readonly repos: Repositories,
    /** What opening it migrated. */
    readonly migrated: MigrationResult,
  ) {}

  get db(): Db {
    return this.repos.db;
  }

  /** The centre's lead site (every centre has one). */
  private async leadSite(centreId: string): Promise<string> {
    const known = this.leadSites.get(centreId);
    if (known) return known;
    const site = await this.repos.sites.leadSite(centreId);
    if (!site) throw new Error(`the centre ${centreId} has no lead site`);
    this.leadSites.set(centreId, site.id);
    return site.id;
  }

  // ---- centre and first sign-in ----
  ensureCentre(): Promise<{ centre: CentreRow; created: boolean }> {
    return this.repos.sites.ensureCentre();
  }
  getCentre(id: string): Promise<CentreRow | undefined> {
    return this.repos.sites.getCentre(id);
  }
  setSetupToken(centreId: string, tokenHash: string): Promise<void> {
    return this.repos.auth.setSetupToken(centreId, tokenHash);
  }
  completeSetup(tokenHash: string, centreName: string, first: NewAccount): Promise<InvigilatorRow | null> {
    return this.repos.auth.completeSetup(tokenHash, centreName, first);
  }
  countInvigilators(centreId: string): Promise<number> {
    return this.repos.auth.countInvigilators(centreId);
  }

  // ---- invigilators and sessions ----
  async createInvigilator(actor: Actor, inv: NewAccount): Promise<InvigilatorRow> {
    // Invigilators work at a site (the lead site unless told); coordinators answer for the whole
    // centre unless limited to a site.
    const siteId = inv.siteId ?? (inv.role === 'invigilator' ? await this.leadSite(actor.centreId) : null);
    return this.repos.auth.createInvigilator(actor, { ...inv, siteId });
  }
  findInvigilators(name: string, pin: string): Promise<InvigilatorRow[]> {
    return this.repos.auth.findInvigilators(name, pin);
  }
  getInvigilator(id: string): Promise<InvigilatorRow | undefined> {
    return this.repos.auth.getInvigilator(id);
  }
  listInvigilators(centreId: string, siteIds?: readonly string[]): Promise<InvigilatorRow[]> {
    return this.repos.auth.listInvigilators(centreId, siteIds);
  }
  moveInvigilator(actor: Actor, invigilatorId: string, siteId: string | null): Promise<void> {
    return this.repos.auth.moveInvigilator(actor, invigilatorId, siteId);
  }
  createSession(tokenHash: string, invigilatorId: string, expiresAt: string): Promise<void> {
    return this.repos.auth.createSession(tokenHash, invigilatorId, expiresAt);
  }
  getSession(tokenHash: string): Promise<SessionRow | undefined> {
    return this.repos.auth.getSession(tokenHash);
  }
  deleteSession(tokenHash: string): Promise<void> {
    return this.repos.auth.deleteSession(tokenHash);
  }

  // ---- one-time sign-in links ----
  createSignInLink(
    actor: Actor,
    link: { tokenHash: string; invigilatorId: string; expiresAt: string },
  ): Promise<void> {
    return this.repos.auth.createSignInLink(actor, link);
  }
  useSignInLink(
    tokenHash: string,
    now: string,
  ): Promise<{ invigilator: InvigilatorRow } | { refused: SignInLinkRefusal; expiresAt?: string }> {
    return this.repos.auth.useSignInLink(tokenHash, now);
  }

  // ---- seats ----
  async createEnrolmentCode(
    actor: Actor,
    codeHash: string,
    expiresAt: string,
    uses: number,
    behindNat = false,
    site?: string,
  ): Promise<void> {
    const siteId = site ?? (await this.leadSite(actor.centreId));
    await this.repos.seats.createEnrolmentCode(actor, { codeHash, expiresAt, uses, siteId, behindNat });
  }
  enrolmentCodeBehindNat(codeHash: string, now: string): Promise<boolean> {
    return this.repos.seats.enrolmentCodeBehindNat(codeHash, now);
  }
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
  > {
    return this.repos.seats.enrolSeat(codeHash, pcName, credentialHash, now, from, sittingOf);
  }
  replacementByCredential(credentialHash: string): Promise<ReplacementRow | undefined> {
    return this.repos.seats.replacementByCredential(credentialHash);
  }
  listReplacements(
    centreId: string,
    query: { pendingOnly: boolean; limit: number },
  ): Promise<ReplacementRow[]> {
    return this.repos.seats.listReplacements(centreId, query);
  }
  getReplacement(id: string): Promise<ReplacementRow | undefined> {
    return this.repos.seats.getReplacement(id);
  }
  decideReplacement(
    actor: Actor,
    id: string,
    decision: 'approved' | 'refused',
    now: string,
    sittingOf?: SittingOf,
  ): Promise<{ replacement: ReplacementRow; seat: SeatRow; incident: IncidentRow } | null> {
    return this.repos.seats.decideReplacement(actor, id, decision, now, sittingOf);
  }
  noteRefusedConnections(
    centreId: string,
    seatId: string,
    refusals: { firstAt: string; lastAt: string; count: number; addresses: string[] },
  ): Promise<NoticeRow> {
    return this.repos.seats.noteRefusedConnections(centreId, seatId, refusals);
  }
  listNotices(centreId: string, siteIds?: readonly string[]): Promise<NoticeRow[]> {
    return this.repos.seats.listNotices(centreId, siteIds);
  }
  dismissNotice(actor: Actor, id: string): Promise<boolean> {
    return this.repos.seats.dismissNotice(actor, id);
  }
  storedEventBytes(seatId: string, sittingId: string | null, since: string): Promise<number> {
    return this.repos.events.storedEventBytes(seatId, sittingId, since);
  }
  getSeat(id: string): Promise<SeatRow | undefined> {
    return this.repos.seats.getSeat(id);
  }
  listSeats(centreId?: string, siteIds?: readonly string[]): Promise<SeatRow[]> {
    return this.repos.seats.listSeats(centreId, siteIds);
  }
  moveSeat(actor: Actor, seatId: string, siteId: string): Promise<void> {
    return this.repos.seats.moveSeat(actor, seatId, siteId);
  }
  updateSeatPlace(actor: Actor, seatId: string, place: string): Promise<void> {
    return this.repos.seats.updateSeatPlace(actor, seatId, place);
  }
  saveSeatStatuses(rows: readonly SeatStatusRow[]): Promise<void> {
    return this.repos.seats.saveSeatStatuses(rows);
  }
  loadSeatStatuses(seatIds?: readonly string[]): Promise<SeatStatusRow[]> {
    return this.repos.seats.loadSeatStatuses(seatIds);
  }
  get presence(): PresenceRepository {
    return this.repos.presence;
  }
  get instanceId(): string {
    return this.db.instanceId;
  }
  get engine(): Engine {
    return this.db.engine;
  }
  get dbStats(): Readonly<DbStats> {
    return this.db.stats;
  }
  async openLiveBus(log: Logger): Promise<LiveBus> {
    const db = this.db;
    if (db.engine === 'postgres' && db.pool && db.pgClientConfig)
      return PgLiveBus.start({ client: db.pgClientConfig, pool: db.pool, instanceId: db.instanceId, log });
    return new LoopbackBus(db.instanceId);
  }
  noteConsoleAlive(at: string, onlineSeatIds: readonly string[] | null): Promise<void> {
    return this.repos.seats.noteConsoleAlive(at, onlineSeatIds);
  }
  lastConsoleAlive(): Promise<{ at: string; onlineSeatIds: string[]; writerAlive: boolean } | null> {
    return this.repos.seats.lastConsoleAlive();
  }

  // ---- events and incidents ----
  storeSeatEvents(events: readonly IncomingSeatEvent[]): Promise<IncidentRow[]> {
    return this.repos.events.storeSeatEvents(events);
  }
  storeRejectedEvents(
    seatId: string,
    events: readonly { id: string; json: string }[],
    receivedAt: string,
  ): Promise<void> {
    return this.repos.events.storeRejectedEvents(seatId, events, receivedAt);
  }
  countSeatEvents(seatId?: string): Promise<number> {
    return this.repos.events.countSeatEvents(seatId);
  }
  addIncident(actor: Actor, incident: NewIncident): Promise<IncidentRow> {
    return this.repos.incidents.addIncident(actor, incident);
  }
  addAutomaticIncidents(incidents: readonly (NewIncident & { centreId: string })[]): Promise<IncidentRow[]> {
    return this.repos.incidents.addAutomaticIncidents(incidents);
  }
  listIncidents(
    centreId: string,
    query: { sittingId?: string; siteIds?: readonly string[]; since?: string; until?: string; limit: number },
  ): Promise<IncidentRow[]> {
    return this.repos.incidents.listIncidents(centreId, query);
  }

  // ---- sittings ----
  async createSitting(actor: Actor, input: SittingInput, siteId?: string): Promise<string> {
    return this.repos.sittings.createSitting(actor, siteId ?? (await this.leadSite(actor.centreId)), input);
  }
  async updateSitting(actor: Actor, sittingId: string, input: SittingInput): Promise<void> {
    const existing = await this.repos.sittings.getSitting(sittingId);
    const siteId = existing?.siteId ?? (await this.leadSite(actor.centreId));
    await this.repos.sittings.updateSitting(actor, sittingId, siteId, input);
  }
  getSitting(id: string): Promise<SittingRow | undefined> {
    return this.repos.sittings.getSitting(id);
  }
  listSittings(
    centreId: string,
    query: { siteIds?: readonly string[]; since?: string; until?: string } = {},
  ): Promise<SittingRow[]> {
    return this.repos.sittings.listSittings(centreId, query);
  }

  // ---- sites and rooms ----
  listSites(centreId: string, only?: readonly string[]): Promise<SiteRow[]> {
    return this.repos.sites.listSites(centreId, only);
  }
  getSite(id: string): Promise<SiteRow | undefined> {
    return this.repos.sites.getSite(id);
  }
  createSite(
    actor: Actor,
    input: { name: string; kind: SiteKind; rooms: readonly string[] },
  ): Promise<string> {
    return this.repos.sites.createSite(actor, input);
  }
  renameSite(actor: Actor, siteId: string, name: string): Promise<void> {
    return this.repos.sites.renameSite(actor, siteId, name);
  }
  addRoom(actor: Actor, siteId: string, name: string): Promise<string> {
    return this.repos.sites.addRoom(actor, siteId, name);
  }
  renameRoom(actor: Actor, roomId: string, name: string): Promise<void> {
    return this.repos.sites.renameRoom(actor, roomId, name);
  }
  getRoom(id: string): Promise<RoomRow | undefined> {
    return this.repos.sites.getRoom(id);
  }
  closeSitting(actor: Actor, sittingId: string, at: string): Promise<void> {
    return this.repos.sittings.closeSitting(actor, sittingId, at);
  }
  setOutcome(actor: Actor, entryId: string, outcome: AttemptOutcome): Promise<void> {
    return this.repos.sittings.setOutcome(actor, entryId, outcome);
  }
  confirmIdentity(
    actor: Actor,
    entryId: string,
    check: { method: string; note: string | null; pcName: string | null; at: string },
  ): Promise<void> {
    return this.repos.sittings.confirmIdentity(actor, entryId, check);
  }
  revokeIdentity(actor: Actor, entryId: string, at: string): Promise<void> {
    return this.repos.sittings.revokeIdentity(actor, entryId, at);
  }
  openAssignments(): Promise<Assignment[]> {
    return this.repos.sittings.openAssignments();
  }
  attemptsFor(centreId: string, registrationNumbers: readonly string[]): Promise<Attempt[]> {
    return this.repos.sittings.attemptsFor(centreId, registrationNumbers);
  }

  // ---- instructions ----
  createInstruction(
    actor: Actor,
    seatId: string,
    type: InstructionRow['type'],
    payload: Record<string, unknown>,
  ): Promise<InstructionRow> {
    return this.repos.instructions.createInstruction(actor, seatId, type, payload);
  }
  createInstructions(
    items: readonly {
      actor: Actor;
      seatId: string;
      type: InstructionRow['type'];
      payload: Record<string, unknown>;
    }[],
  ): Promise<InstructionRow[]> {
    return this.repos.instructions.createInstructions(items);
  }
  ackInstruction(seatId: string, instructionId: string, at: string): Promise<boolean> {
    return this.repos.instructions.ackInstruction(seatId, instructionId, at);
  }
  ackInstructions(
    acks: readonly { seatId: string; instructionId: string; at: string }[],
  ): Promise<boolean[]> {
    return this.repos.instructions.ackInstructions(acks);
  }
  instructionsToResend(seatId: string): Promise<InstructionRow[]> {
    return this.repos.instructions.instructionsToResend(seatId);
  }
  latestGates(seatIds?: readonly string[]): Promise<InstructionRow[]> {
    return this.repos.instructions.latestGates(seatIds);
  }
  latestMessages(seatIds: readonly string[]): Promise<InstructionRow[]> {
    return this.repos.instructions.latestMessages(seatIds);
  }

  // ---- raised hands and pauses (issue 13; hands-and-pauses/hands-repository.ts) ----
  openHands(): Promise<HandRow[]> {
    return this.repos.hands.openHands();
  }
  answerHand(
    actor: Actor,
    handId: string,
    answer: { reason: string; note: string | null; at: string },
  ): Promise<HandRow | null> {
    return this.repos.hands.answerHand(actor, handId, answer);
  }
  listHands(centreId: string, sittingId: string): Promise<HandRow[]> {
    return this.repos.hands.listHands(centreId, sittingId);
  }
  startPause(
    actor: Actor,
    pause: { sittingId: string; entryId: string | null; reason: string; note: string | null; at: string },
  ): Promise<PauseRow | null> {
    return this.repos.hands.startPause(actor, pause);
  }
  endPause(actor: Actor, pauseId: string, at: string): Promise<PauseRow | null> {
    return this.repos.hands.endPause(actor, pauseId, at);
  }
  openPauses(): Promise<PauseRow[]> {
    return this.repos.hands.openPauses();
  }
  listPauses(centreId: string, sittingId: string): Promise<PauseRow[]> {
    return this.repos.hands.listPauses(centreId, sittingId);
  }

  // ---- summoned help (issue 13; help/help-repository.ts) ----
  createHelpRequest(
    actor: Actor & { invigilatorId: string },
    request: NewHelpRequest,
    incidentDescription: string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow }> {
    return this.repos.help.createHelpRequest(actor, request, incidentDescription);
  }
  acknowledgeHelpRequest(
    actor: Actor & { invigilatorId: string },
    id: string,
    at: string,
    incidentDescription: (row: HelpRequestRow) => string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow; already: boolean } | undefined> {
    return this.repos.help.acknowledgeHelpRequest(actor, id, at, incidentDescription);
  }
  getHelpRequest(id: string): Promise<HelpRequestRow | undefined> {
    return this.repos.help.getHelpRequest(id);
  }
  listHelpRequests(centreId: string, since: string, siteIds?: readonly string[]): Promise<HelpRequestRow[]> {
    return this.repos.help.listHelpRequests(centreId, since, siteIds);
  }

  // ---- attempts, results import, centre settings (issue 13; attempts/attempt-repository.ts) ----
  markReleased(entryId: string, at: string): Promise<boolean> {
    return this.repos.attempts.markReleased(entryId, at);
  }
  setFinish(actor: Actor, entryId: string, finish: { at: string; how: FinishKind } | null): Promise<void> {
    return this.repos.attempts.setFinish(actor, entryId, finish);
  }
  finishAtEndPage(actor: Actor, entryId: string, at: string): Promise<boolean> {
    return this.repos.attempts.finishAtEndPage(actor, entryId, at);
  }
  importOutcomes(
    actor: Actor,
    updates: readonly { entryId: string; outcome: AttemptOutcome }[],
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.repos.attempts.importOutcomes(actor, updates, details);
  }
  incidentsBetween(centreId: string, from: string, to: string): Promise<IncidentRow[]> {
    return this.repos.incidents.incidentsBetween(centreId, from, to);
  }
  getCentreSetting(centreId: string, key: string): Promise<unknown> {
    return this.repos.attempts.getCentreSetting(centreId, key);
  }
  setCentreSetting(actor: Actor, key: string, value: unknown): Promise<void> {
    return this.repos.attempts.setCentreSetting(actor, key, value);
  }

  // ---- audit ----
  listAudit(centreId: string, limit: number): Promise<AuditRow[]> {
    return this.repos.audit.list(centreId, limit);
  }
  audit(actor: Actor, action: string, subject: string | null, details?: unknown): Promise<void> {
    return this.repos.audit.write(actor, action, subject, details);
  }

  incidentsByIds(ids: readonly string[]): Promise<IncidentRow[]> {
    return this.repos.incidents.byIds(ids);
  }
  close(): Promise<void> {
    return this.db.close();
  }
}
