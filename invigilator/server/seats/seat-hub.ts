/**
 * The seat side of the console: authenticates seats on the WebSocket, keeps every seat's live state
 * in memory, and talks the seat protocol (shared/schemas/protocol.ts, docs/protocol.md).
 *
 * The hot path is built for 10,000 seats: heartbeats only touch memory; statuses are written to the
 * store in one transaction a second; events are stored in small batches (one transaction, then the
 * acknowledgements); the dashboard is told which seats changed and coalesces its own pushes.
 *
 * This class is the hub's face to the rest of the console (routes, services, the live socket); the
 * work is done by the modules in `hub/`, each with one job, over one shared state (`hub/hub-state.ts`):
 * - `hub/connections.ts`: the WebSocket upgrade, the credential, one live connection per seat, pings;
 *   `hub/refused-connections.ts`: refused upgrades, counted and logged sparingly;
 * - `hub/protocol.ts`: the seat's messages (hello, heartbeats, statuses, acks); `hub/events.ts`: its
 *   events, stored in batches and acknowledged once stored;
 * - `hub/flow-control.ts`: a seat over its budget paused and its flood one incident; `hub/wire.ts`:
 *   sending, and dropping a socket that is not reading;
 * - `hub/instructions.ts`: gates (from sittings, identity checks, pauses), messages and their acks;
 * - `hub/presence.ts`: where each seat is connected across console processes; `hub/offline.ts`: seats
 *   going Offline, recorded once (with the restart grace and seats abandoned by a stopped process);
 * - `hub/views.ts`: what the seat map shows.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { SeatView } from '../../../shared/schemas/console-api.ts';
import {
  SEAT_OFFLINE_AFTER_MS,
  SEAT_RESTART_GRACE_MS,
  SeatStatusSchema,
} from '../../../shared/schemas/protocol.ts';
import { sameHash } from '../auth.ts';
import { HandsAndPausesState } from '../hands-and-pauses/live-state.ts';
import { type LiveBus, LoopbackBus } from '../live-bus.ts';
import type { Logger } from '../logger.ts';
import type { Actor, Assignment, IncidentRow, InstructionRow, SeatRow, Store } from '../store/store.ts';
import { PING_SWEEP_MS, SeatConnections } from './hub/connections.ts';
import { SeatEvents } from './hub/events.ts';
import { SeatFlowControl } from './hub/flow-control.ts';
import { HubState, type SeatChangeListener } from './hub/hub-state.ts';
import { SeatInstructions } from './hub/instructions.ts';
import { ALIVE_NOTE_MS, OfflineDetector } from './hub/offline.ts';
import { SeatPresence } from './hub/presence.ts';
import { SeatProtocol } from './hub/protocol.ts';
import { RefusedConnections } from './hub/refused-connections.ts';
import { seatView, seatViews } from './hub/views.ts';
import { DEFAULT_SEAT_BUDGET, type SeatBudgetLimits } from './seat-budget.ts';
import type { RefusalTrackerOptions } from './seat-refusals.ts';

export { CLOSE_REVOKED, MAX_READ_FRAME_BYTES } from './hub/connections.ts';
export type { SeatChangeListener } from './hub/hub-state.ts';
export { ALIVE_NOTE_MS } from './hub/offline.ts';
export { CREDENTIAL_SHARED_MS } from './hub/presence.ts';
export { CLOSE_TOO_MUCH, MAX_UNSENT_BYTES } from './hub/wire.ts';

export interface SeatHubOptions {
  heartbeatMs?: number;
  offlineAfterMs?: number;
  /** How often statuses are written to the store. */
  statusFlushMs?: number;
  /** How often the offline sweep runs. */
  sweepMs?: number;
  /** How long writes wait to be batched with others (events, gates, acknowledgements). */
  batchMs?: number;
  /** What one seat may cost the console (seat-budget.ts). */
  budget?: Partial<SeatBudgetLimits>;
  refusals?: RefusalTrackerOptions;
  /** The client's address (behind a trusted proxy, the one it forwarded). */
  clientAddress?: (req: IncomingMessage) => string;
  /** The live channel to other console processes on the same database (default: none, a loopback). */
  bus?: LiveBus;
  /**
   * A seat whose holding process has not written about it for this long is taken for abandoned (that
   * process is gone) and recorded offline by another process (default SEAT_RESTART_GRACE_MS).
   */
  abandonedAfterMs?: number;
}

/** At most this many replacement requests may wait for one seat. */
export const MAX_PENDING_REPLACEMENTS = 5;
/** How often a process sharing its database with others re-reads every seat's live state anyway (a notice may be lost). */
export const RESYNC_MS = 60_000;

export class SeatHub {
  readonly wss: WebSocketServer;
  /** Open raised hands and pauses (issue 13): shown on the seat map; a pause holds the seat's gate. */
  readonly handsAndPauses: HandsAndPausesState;
  /** The live channel to other console processes on the same database. */
  readonly bus: LiveBus;
  readonly budgetLimits: SeatBudgetLimits;
  /** Counters for the logs and benchmarks. */
  readonly stats: HubState['stats'];
  private readonly h: HubState;
  private readonly presence: SeatPresence;
  private readonly offline: OfflineDetector;
  private readonly instructions: SeatInstructions;
  private readonly flow: SeatFlowControl;
  private readonly events: SeatEvents;
  private readonly protocol: SeatProtocol;
  private readonly refused: RefusedConnections;
  private readonly connections: SeatConnections;

  constructor(store: Store, log: Logger, options: SeatHubOptions = {}) {
    this.bus = options.bus ?? new LoopbackBus(store.instanceId);
    this.handsAndPauses = new HandsAndPausesState(store);
    this.budgetLimits = { ...DEFAULT_SEAT_BUDGET, ...options.budget };
    const h = new HubState(store, log, this.bus, this.handsAndPauses, {
      heartbeatMs: options.heartbeatMs ?? 1000,
      offlineAfterMs: options.offlineAfterMs ?? SEAT_OFFLINE_AFTER_MS,
      abandonedAfterMs: options.abandonedAfterMs ?? SEAT_RESTART_GRACE_MS,
      budgetLimits: this.budgetLimits,
    });
    this.h = h;
    this.stats = h.stats;
    // Writes wait this long to gather company: a burst (a room connecting, a thousand seats reporting)
    // becomes a few transactions, each paying for one disk sync, instead of one per message.
    const windowMs = options.batchMs ?? 10;
    const clientAddress =
      options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');
    this.presence = new SeatPresence(h, windowMs);
    this.offline = new OfflineDetector(h, this.presence, options.sweepMs ?? 250);
    this.instructions = new SeatInstructions(h, windowMs);
    // A paused seat's messages are handled by the protocol when reading resumes.
    this.flow = new SeatFlowControl(h, this.presence, (s, ws, data, isBinary) =>
      this.protocol.handle(s, ws, data, isBinary),
    );
    this.events = new SeatEvents(h, this.flow, windowMs);
    this.protocol = new SeatProtocol(h, this.presence, this.offline, this.instructions, this.events);
    this.refused = new RefusedConnections(h, clientAddress, options.refusals);
    this.connections = new SeatConnections(
      h,
      this.presence,
      this.flow,
      this.protocol,
      this.refused,
      clientAddress,
    );
    this.wss = this.connections.wss;
    const every = (what: string, ms: number, fn: () => unknown) =>
      h.timers.push(setInterval(() => h.guard(what, fn), ms));
    every('sweep', options.sweepMs ?? 250, () => this.offline.sweep());
    every('status flush', options.statusFlushMs ?? 1000, () => this.protocol.flushStatuses());
    every('ping', PING_SWEEP_MS, () => this.connections.pingSweep());
    every('alive note', ALIVE_NOTE_MS, () => this.offline.noteAlive());
    // Which sitting a seat belongs to depends on the clock as well as on edits.
    every('assignments', 60_000, () => this.instructions.refreshAssignments(null));
    // Shared with other processes: a lost notice is made good within a minute.
    if (this.bus.shared) every('resync', RESYNC_MS, () => this.resync());
    for (const t of h.timers) t.unref();
  }

  async init(): Promise<void> {
    const h = this.h;
    for (const seat of await h.store.listSeats()) h.addSeat(seat);
    for (const row of await h.store.loadSeatStatuses()) {
      const s = h.seats.get(row.seatId);
      if (!s) continue;
      const parsed = SeatStatusSchema.safeParse(JSON.parse(row.statusJson));
      if (parsed.success) {
        s.status = parsed.data;
        s.statusJson = row.statusJson;
      }
      s.statusAt = row.at;
      s.lastSeenAt = row.lastSeenAt;
    }
    for (const gate of await h.store.latestGates()) h.gates.set(gate.seatId, gate);
    await this.handsAndPauses.refreshHands();
    await this.handsAndPauses.refreshPauses();
    await this.instructions.refreshAssignments(null);
    // Seats held by other processes sharing the database (issue 12).
    this.presence.applyPresence(await h.store.presence.read(), []);
    await this.offline.start();
  }

  // ---- for the routes, services and the live socket ----

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.connections.handleUpgrade(req, socket, head);
  }

  onChange(listener: SeatChangeListener): () => void {
    return this.h.onChange(listener);
  }

  /** Incidents recorded elsewhere (a route) that dashboards should hear about. */
  announceIncidents(rows: readonly IncidentRow[]): void {
    this.h.incidentsAdded(rows);
  }

  addSeat(seat: SeatRow): void {
    this.h.addSeat(seat);
  }

  seatIds(centreId: string): string[] {
    return this.h.seatIds(centreId);
  }

  seatRow(id: string): SeatRow | undefined {
    return this.h.seatRow(id);
  }

  connectedCount(): number {
    return this.h.connectedCount();
  }

  /** The sitting a seat is in now, for incidents about it. */
  readonly sittingOf = (seatId: string): { sittingId: string; entryId: string } | null =>
    this.h.sittingOf(seatId);

  setPlace(seatId: string, place: string): void {
    const s = this.h.seats.get(seatId);
    if (s) {
      s.seat = { ...s.seat, place };
      this.h.changed([seatId]);
      this.h.bus.publish({ k: 'seat-rows', ids: [seatId] });
    }
  }

  /** A seat moved to another site (issue 12): its dashboards follow. */
  setSite(seatId: string, siteId: string): void {
    const s = this.h.seats.get(seatId);
    if (s) {
      s.seat = { ...s.seat, siteId };
      this.h.changed([seatId]);
    }
    this.h.bus.publish({ k: 'seat-rows', ids: [seatId] });
  }

  /** A seat was enrolled (or changed) by a route: other processes read it too. */
  seatEnrolled(seat: SeatRow): void {
    this.h.addSeat(seat);
    this.bus.publish({ k: 'seat-rows', ids: [seat.id] });
  }

  /** A seat's credential changed (its replacement was approved): the PC using the old one is disconnected, on every process. */
  credentialReplaced(seat: SeatRow, announce = true): void {
    this.connections.credentialReplaced(seat, announce);
  }

  view(id: string): SeatView | undefined {
    return seatView(this.h, id);
  }

  views(centreId: string): SeatView[] {
    return seatViews(this.h, centreId);
  }

  assignment(seatId: string): Assignment | undefined {
    return this.instructions.assignment(seatId);
  }

  /**
   * Re-reads the open sittings and sends each seat whose gate should change a new `instruction/gate`.
   * `actor` is the invigilator whose change caused it (null for the console's own refresh).
   */
  refreshAssignments(actor: Actor | null): Promise<void> {
    return this.instructions.refreshAssignments(actor);
  }

  /** A hand was answered, or a pause started or ended (issue 13): gates follow. */
  handsOrPausesChanged(actor: Actor): Promise<void> {
    return this.instructions.handsOrPausesChanged(actor);
  }

  showMessage(actor: Actor, seatId: string, text: string): Promise<InstructionRow> {
    return this.instructions.showMessage(actor, seatId, text);
  }

  flushStatuses(): Promise<void> {
    return this.protocol.flushStatuses();
  }

  // ---- what other console processes changed (issue 12; live-notices.ts) ----

  /** Another process announced that these seats changed: their presence and status are read again. */
  refreshPresence(seatIds: readonly string[]): Promise<void> {
    return this.presence.refreshPresence(seatIds);
  }

  /** Instructions written by another process for these seats: read again; a seat held here is sent them. */
  refreshInstructions(seatIds: readonly string[]): Promise<void> {
    return this.instructions.refreshInstructions(seatIds);
  }

  /** Another process answered a hand or started or ended a pause: read them again, and hold or release seats held here. */
  async refreshHandsAndPauses(): Promise<void> {
    const hands = await this.h.handsAndPauses.refreshHands();
    await this.h.handsAndPauses.refreshPauses();
    await this.instructions.refreshAssignments(null);
    this.h.changed(hands);
  }

  /** Seats enrolled, replaced or moved on another process: read again (a replaced credential closes the old PC's connection here). */
  async refreshSeatRows(seatIds: readonly string[]): Promise<void> {
    for (const id of seatIds) {
      const seat = await this.h.store.getSeat(id);
      if (!seat) continue;
      const s = this.h.seats.get(id);
      if (s && !sameHash(s.seat.credentialHash, seat.credentialHash))
        this.connections.credentialReplaced(seat, false);
      else this.h.addSeat(seat);
    }
    this.h.changed(seatIds.filter((id) => this.h.seats.has(id)));
  }

  /**
   * Everything that other processes change is read again: after the live channel was lost (notices
   * were missed) and every RESYNC_MS.
   */
  async resync(): Promise<void> {
    for (const seat of await this.h.store.listSeats()) {
      const s = this.h.seats.get(seat.id);
      if (s && !sameHash(s.seat.credentialHash, seat.credentialHash))
        this.connections.credentialReplaced(seat, false);
      else this.h.addSeat(seat);
    }
    for (const gate of await this.h.store.latestGates()) this.h.gates.set(gate.seatId, gate);
    await this.h.handsAndPauses.refreshHands();
    await this.h.handsAndPauses.refreshPauses();
    await this.instructions.refreshAssignments(null);
    this.presence.applyPresence(await this.h.store.presence.read(), await this.h.store.loadSeatStatuses(), [
      ...this.h.seats.keys(),
    ]);
  }

  async close(): Promise<void> {
    this.bus.setHandler({ notice: () => undefined, resync: () => undefined });
    // The last note before an orderly stop: the seats online now are expected back after the restart.
    await this.offline
      .noteAlive()
      .catch((error: unknown) => this.h.log.error({ err: error }, 'could not note the seats online'));
    this.offline.closing = true;
    for (const t of this.h.timers) clearInterval(t);
    this.refused.close();
    for (const s of this.h.seats.values()) this.flow.endPause(s);
    for (const s of this.h.seats.values()) s.socket?.close(1001, 'console stopping');
    // Whatever was received is written (and acknowledged where the socket is still open) before the end.
    await Promise.all([this.events.drain(), this.instructions.drain(), this.presence.drain()]);
    await this.flushStatuses();
    this.wss.close();
  }
}
