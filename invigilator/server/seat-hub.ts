/**
 * The seat side of the console: authenticates seats on the WebSocket, keeps every seat's live state
 * in memory, and talks the seat protocol (shared/schemas/protocol.ts, docs/protocol.md).
 *
 * The hot path is built for 10,000 seats: heartbeats only touch memory; statuses are written to the
 * store in one transaction a second; events are stored in small batches (one transaction, then the
 * acknowledgements); the dashboard is told which seats changed and coalesces its own pushes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { FINDINGS } from '../../shared/catalogs/findings.ts';
import { incidentFromEvent } from '../../shared/catalogs/incidents.ts';
import { readiness } from '../../shared/rules/readiness.ts';
import { excerpt } from '../../shared/schemas/bounded-json.ts';
import { IdSchema } from '../../shared/schemas/common.ts';
import type { SeatView } from '../../shared/schemas/console-api.ts';
import { SeatEventSchema } from '../../shared/schemas/events.ts';
import {
  type ConsoleErrorCode,
  type ConsoleToSeat,
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  MAX_SEAT_FRAME_BYTES,
  REJECTED_EXCERPT_CHARS,
  SEAT_CLOSE,
  SEAT_ID_HEADER,
  SEAT_OFFLINE_AFTER_MS,
  SEAT_PING_MS,
  SEAT_PROTOCOL_VERSION,
  SEAT_READ_TIMEOUT_MS,
  SEAT_RESTART_GRACE_MS,
  type SeatStatus,
  SeatStatusSchema,
  SeatToConsoleSchema,
} from '../../shared/schemas/protocol.ts';

/** `seat/events` with the events left unchecked, so that each is checked on its own. */
const EventsEnvelopeSchema = z.object({
  type: z.literal('seat/events'),
  batchId: IdSchema,
  events: z.array(z.unknown()).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
});

import { endPageFinishes } from './attempts/end-page.ts';
import { sameHash, sha256 } from './auth.ts';
import { Batcher } from './batcher.ts';
import { HandsAndPausesState } from './hands-and-pauses/live-state.ts';
import { type LiveBus, LoopbackBus } from './live-bus.ts';
import type { Logger } from './logger.ts';
import {
  type BudgetExceeded,
  DEFAULT_SEAT_BUDGET,
  describeBudget,
  SeatBudget,
  type SeatBudgetLimits,
} from './seat-budget.ts';
import { arrayElementSpans, readSeatFrame, SEAT_FRAME_LIMITS } from './seat-frame.ts';
import { RefusalTracker, type RefusalTrackerOptions } from './seat-refusals.ts';
import type {
  OfflineClaim,
  OfflineIncident,
  PresenceRow,
  PresenceWrite,
} from './seats/presence-repository.ts';
import type {
  Actor,
  Assignment,
  IncidentRow,
  IncomingSeatEvent,
  InstructionRow,
  NewIncident,
  SeatRow,
  SeatStatusRow,
  Store,
} from './store/store.ts';

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

/** A socket with this much waiting to be sent is not reading: it is closed (it reconnects and resumes from its outbox). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** Close code for a socket dropped for falling behind or flooding: reconnect, and send less. */
export const CLOSE_TOO_MUCH = 4008;
/** Close code for a seat whose credential was revoked (its replacement was approved). */
export const CLOSE_REVOKED = 4001;
/** Messages held while a seat is paused (already read from its socket before the pause took hold). */
const MAX_DEFERRED_BYTES = 1024 * 1024;
/** Events written in one transaction at most (a burst is written in slices). */
const MAX_EVENTS_PER_WRITE = 400;
/** Seat work goes on this long at most before other sockets get a turn. */
const YIELD_AFTER_MS = 10;
/**
 * ws reads frames up to this size, so that one over the protocol's limit (MAX_SEAT_FRAME_BYTES) is
 * answered with `console/error` before the close; a larger one is closed with 1009 before it is read.
 */
export const MAX_READ_FRAME_BYTES = 4 * MAX_SEAT_FRAME_BYTES;
/** How often the console looks for seats to ping and connections past the read timeout. */
const PING_SWEEP_MS = 500;
/** How often the console notes that it is alive, and which seats are online (for after a restart). */
export const ALIVE_NOTE_MS = 2000;
/** Two live connections with one credential: the seat shows Not ready this long, and one incident at most this often. */
export const CREDENTIAL_SHARED_MS = 10 * 60_000;
/** At most this many replacement requests may wait for one seat. */
export const MAX_PENDING_REPLACEMENTS = 5;
/** How often a process sharing its database with others re-reads every seat's live state anyway (a notice may be lost). */
export const RESYNC_MS = 60_000;

export interface SeatChangeListener {
  seatsChanged(seatIds: Iterable<string>): void;
  incidentsAdded(incidents: readonly IncidentRow[]): void;
  /** Notices (replacement requests, refused connections) changed for a centre. */
  noticesChanged(centreId: string): void;
  /** A sitting's record changed without a person editing it (a seat released: the attempt's start). */
  sittingsChanged?(centreId: string, sittingIds: string[]): void;
}

interface LiveSeat {
  seat: SeatRow;
  socket: WebSocket | null;
  helloDone: boolean;
  status: SeatStatus | null;
  statusJson: string | null;
  /** The seat's `at` for the current status, and the last seq seen on this connection. */
  statusAt: string | null;
  seq: number;
  /** ms since epoch of the last message (any kind); 0 when never heard from since start. */
  lastSeenMs: number;
  lastSeenAt: string | null;
  /** When `lastSeenAt` was last written (it is kept to the second). */
  lastSeenAtMs: number;
  offline: boolean;
  statusDirty: boolean;
  budget: SeatBudget;
  /** While over budget: when the console reads from the seat again (0 when reading). */
  pausedUntil: number;
  resumeTimer: NodeJS.Timeout | null;
  /** Messages that arrived while paused, handled on resume. */
  deferred: { data: RawData; isBinary: boolean }[];
  deferredBytes: number;
  /** Characters of events stored in the seat's current sitting (or day), for its budget. */
  stored: { key: string; bytes: number; over: boolean } | null;
  /** The live connection's address. */
  remote: string;
  /** ms since epoch when anything (a message, a pong) last arrived on the live connection, and when it was last pinged. */
  rxMs: number;
  pingedMs: number;
  /** Until when the seat shows Not ready because two live connections used its credential (0: not). */
  sharedUntil: number;
  /** When the last Seat credential shared incident was recorded for the seat. */
  sharedIncidentMs: number;
  /**
   * Issue 12: the seat's presence as another console process wrote it (the seat is connected there, or
   * was last), read when that process announces a change. Used while this process holds no connection
   * for the seat.
   */
  elsewhere: PresenceRow | null;
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

const HOLD_WINDOW_MS = 12 * 3_600_000;

interface QueuedEvent {
  item: IncomingSeatEvent;
  socket: WebSocket;
  batchId: string;
}
interface QueuedGate {
  actor: Actor;
  seatId: string;
  payload: Record<string, unknown>;
}
interface QueuedAck {
  seatId: string;
  instructionId: string;
  at: string;
  ws: WebSocket;
}
/** A seat's presence to write: `take` when it connected here (whoever held it), else only if still this process's. */
interface QueuedPresence {
  seatId: string;
  take: boolean;
}

export class SeatHub {
  readonly wss: WebSocketServer;
  private readonly seats = new Map<string, LiveSeat>();
  private assignments = new Map<string, Assignment>();
  private readonly gates = new Map<string, InstructionRow>();
  /** Open raised hands and pauses (issue 13): shown on the seat map; a pause holds the seat's gate. */
  readonly handsAndPauses: HandsAndPausesState;
  /** The latest message to each seat's candidate (since the console started), for the seat map. */
  private readonly messages = new Map<string, InstructionRow>();
  private readonly listeners = new Set<SeatChangeListener>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Seat events, acknowledged to each seat only once their batch is stored. */
  private readonly events: Batcher<QueuedEvent>;
  /** Gate instructions and acknowledgements, written in batches (a room of seats connecting at once). */
  private readonly gateWrites: Batcher<QueuedGate>;
  private readonly ackWrites: Batcher<QueuedAck>;
  /** Presence changes (a seat connected, left, flooded...), written in batches and announced to other processes. */
  private readonly presenceWrites: Batcher<QueuedPresence>;
  /** The live channel to other console processes on the same database. */
  readonly bus: LiveBus;
  /** This process's database instance id. */
  private readonly me: string;
  private readonly abandonedAfterMs: number;
  /** Not before this time does this process record seats abandoned by another (its own restart grace first). */
  private takeoverFrom = Number.POSITIVE_INFINITY;
  private readonly heartbeatMs: number;
  private readonly sweepMs: number;
  private lastSweep = Date.now();
  /** performance.now() when the current stretch of seat work began (0: none). */
  private busySince = 0;
  private skippedSweeps = 0;
  private readonly offlineAfterMs: number;
  private readonly clientAddress: (req: IncomingMessage) => string;
  readonly budgetLimits: SeatBudgetLimits;
  private readonly refusals: RefusalTracker;
  /** After a restart: when the console was last noted alive, when it started again, and the seats online then that have not said hello since. */
  private restart: { downMs: number; upMs: number; waiting: Set<string> } | null = null;
  private initDone = false;
  private closing = false;
  /** The online seats as last noted (so that an unchanged list is not written again). */
  private lastOnlineNote = '';
  /** Seats that went offline whose claim and incident could not be written (tried again). */
  private unrecordedOffline: { seats: LiveSeat[]; at: string }[] = [];
  /** Refusals of unknown seats are logged at most once a second, with how many were not. */
  private unknownRefusals = { loggedAt: 0, unlogged: 0 };
  /** Counters for the logs and benchmarks. */
  readonly stats = {
    messages: 0,
    refused: 0,
    badMessages: 0,
    eventsStored: 0,
    lateSweeps: 0,
    pauses: 0,
    dropped: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    options: SeatHubOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.me = store.instanceId;
    this.bus = options.bus ?? new LoopbackBus(this.me);
    this.abandonedAfterMs = options.abandonedAfterMs ?? SEAT_RESTART_GRACE_MS;
    this.handsAndPauses = new HandsAndPausesState(store);
    this.offlineAfterMs = options.offlineAfterMs ?? SEAT_OFFLINE_AFTER_MS;
    // Writes wait this long to gather company: a burst (a room connecting, a thousand seats reporting)
    // becomes a few transactions, each paying for one disk sync, instead of one per message.
    const windowMs = options.batchMs ?? 10;
    this.events = new Batcher({
      windowMs,
      // At most a few hundred events a transaction: a burst is written in slices, with other sockets
      // served between them, rather than in one long write that holds every seat up.
      maxItems: MAX_EVENTS_PER_WRITE,
      write: (batch) => this.writeEvents(batch),
      // Not acknowledged: the seats keep the events and send them again.
      onError: (error, batch) =>
        this.log.error({ err: error, events: batch.length }, 'could not store seat events'),
    });
    this.gateWrites = new Batcher({
      windowMs,
      write: (batch) => this.writeGates(batch),
      // Not stored, not sent: the seat stays as it was (held unless released before) and gets it on reconnect.
      onError: (error, batch) =>
        this.log.error({ err: error, gates: batch.length }, 'could not store gate instructions'),
    });
    this.ackWrites = new Batcher({
      windowMs,
      write: (batch) => this.writeAcks(batch),
      onError: (error, batch) =>
        this.log.error({ err: error, acks: batch.length }, 'could not store instruction acknowledgements'),
    });
    this.presenceWrites = new Batcher({
      windowMs,
      maxItems: 2000,
      write: (batch) => this.writePresence(batch),
      onError: (error, batch) =>
        this.log.error({ err: error, seats: batch.length }, 'could not note where seats are connected'),
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_READ_FRAME_BYTES });
    this.sweepMs = options.sweepMs ?? 250;
    this.budgetLimits = { ...DEFAULT_SEAT_BUDGET, ...options.budget };
    this.clientAddress = options.clientAddress ?? ((req) => req.socket.remoteAddress ?? 'unknown');
    this.timers.push(setInterval(() => this.guard('sweep', () => this.sweep()), this.sweepMs));
    this.timers.push(
      setInterval(
        () => this.guard('status flush', () => this.flushStatuses()),
        options.statusFlushMs ?? 1000,
      ),
    );
    this.timers.push(setInterval(() => this.guard('ping', () => this.pingSweep()), PING_SWEEP_MS));
    this.timers.push(setInterval(() => this.guard('alive note', () => this.noteAlive()), ALIVE_NOTE_MS));
    // Which sitting a seat belongs to depends on the clock as well as on edits.
    this.timers.push(
      setInterval(() => this.guard('assignments', () => this.refreshAssignments(null)), 60_000),
    );
    // Shared with other processes: a lost notice is made good within a minute.
    if (this.bus.shared)
      this.timers.push(setInterval(() => this.guard('resync', () => this.resync()), RESYNC_MS));
    for (const t of this.timers) t.unref();
    this.refusals = new RefusalTracker((summaries) => this.reportRefusals(summaries), {
      ...options.refusals,
      onError: (error) => this.log.error({ err: error }, 'could not record refused seat connections'),
    });
  }

  /** Runs a handler so that nothing it throws or rejects with can end the console: it is logged. */
  private guard(what: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise)
        result.catch((error: unknown) => this.log.error({ err: error }, `${what} failed`));
    } catch (error) {
      this.log.error({ err: error }, `${what} failed`);
    }
  }

  async init(): Promise<void> {
    for (const seat of await this.store.listSeats()) this.addSeat(seat);
    for (const row of await this.store.loadSeatStatuses()) {
      const s = this.seats.get(row.seatId);
      if (!s) continue;
      const parsed = SeatStatusSchema.safeParse(JSON.parse(row.statusJson));
      if (parsed.success) {
        s.status = parsed.data;
        s.statusJson = row.statusJson;
      }
      s.statusAt = row.at;
      s.lastSeenAt = row.lastSeenAt;
    }
    for (const gate of await this.store.latestGates()) this.gates.set(gate.seatId, gate);
    await this.handsAndPauses.refreshHands();
    await this.handsAndPauses.refreshPauses();
    await this.refreshAssignments(null);
    // Seats held by other processes sharing the database (issue 12).
    this.applyPresence(await this.store.presence.read(), []);
    const alive = await this.store.lastConsoleAlive();
    const upMs = Date.now();
    // Seats another process held are recorded offline by this one only after its own restart grace.
    this.takeoverFrom = upMs + SEAT_RESTART_GRACE_MS + ALIVE_NOTE_MS;
    // Another console process serving this database wrote the note: its seats are online there, not
    // waiting for this one (several processes on one PostgreSQL database).
    if (alive?.writerAlive)
      this.log.info({ seats: alive.onlineSeatIds.length }, 'another console serves this database');
    else if (alive) {
      const waiting = new Set(alive.onlineSeatIds.filter((id) => this.seats.has(id)));
      if (waiting.size > 0) {
        this.restart = { downMs: Date.parse(alive.at), upMs, waiting };
        this.log.info(
          { seats: waiting.size, downAt: alive.at },
          `console restarted: seats online before have ${SEAT_RESTART_GRACE_MS / 1000} s to come back`,
        );
        const t = setTimeout(
          () => this.guard('restart grace', () => this.restartGraceOver()),
          SEAT_RESTART_GRACE_MS,
        );
        t.unref();
        this.timers.push(t);
      }
    }
    this.initDone = true;
    await this.noteAlive();
  }

  /** A seat said hello: if it was online before a restart, it came back in time. */
  private cameBack(s: LiveSeat): void {
    this.restart?.waiting.delete(s.seat.id);
  }

  /**
   * The grace after a restart is over: every seat that was online before and has not said hello since
   * gets a Seat offline incident saying the console itself was down, when and for how long.
   */
  private restartGraceOver(): void {
    const r = this.restart;
    this.restart = null;
    if (!r || r.waiting.size === 0) return;
    const downFor = Math.max(1, Math.round((r.upMs - r.downMs) / 1000));
    const at = new Date(r.downMs).toISOString();
    const incidents: OfflineIncident[] = [];
    for (const id of r.waiting) {
      const s = this.seats.get(id);
      if (!s || s.helloDone) continue;
      const where = this.sittingOf(id);
      incidents.push({
        centreId: s.seat.centreId,
        kind: 'seat-offline',
        description: `${s.seat.pcName} did not reconnect after the console restarted. The console itself was down for about ${downFor} s (from ${clockTime(r.downMs)} to ${clockTime(r.upMs)}).`,
        at,
        seatId: id,
        sittingId: where?.sittingId ?? null,
        entryId: where?.entryId ?? null,
      });
    }
    if (incidents.length === 0) return;
    // Once per seat, whichever process records it (several processes may restart together); the claim
    // and the incidents are one transaction.
    void this.store.presence
      .claimNotBack(incidents, new Date().toISOString())
      .then(async ({ claimed, incidents: rows }) => {
        if (claimed.size === 0) return;
        this.log.warn({ seats: claimed.size }, 'seats did not come back after the console restarted');
        this.incidentsAdded(rows);
        this.bus.publish({ k: 'seats', ids: [...claimed] });
        await this.refreshPresence([...claimed]);
      })
      .catch((error: unknown) => this.log.error({ err: error }, 'could not record offline incidents'));
  }

  /** Notes that the console is alive, and which seats are online (those waiting after a restart count). */
  private async noteAlive(): Promise<void> {
    if (!this.initDone || this.closing) return;
    const online: string[] = [];
    for (const s of this.seats.values()) if (!s.offline) online.push(s.seat.id);
    if (this.restart) for (const id of this.restart.waiting) online.push(id);
    online.sort();
    const note = online.join(',');
    const changed = note !== this.lastOnlineNote;
    await this.store.noteConsoleAlive(new Date().toISOString(), changed ? online : null);
    this.lastOnlineNote = note;
    await this.heartbeatPresence();
    await this.takeOverAbandoned();
    await this.retryUnrecordedOffline();
  }

  // ---- several processes on one database (issue 12) ----

  private presenceOf(s: LiveSeat): PresenceWrite {
    const now = Date.now();
    return {
      seatId: s.seat.id,
      connected: s.socket !== null,
      seenAt: s.lastSeenAt ?? new Date(now).toISOString(),
      floodingUntil: s.pausedUntil > now ? new Date(s.pausedUntil).toISOString() : null,
      sharedUntil: s.sharedUntil > now ? new Date(s.sharedUntil).toISOString() : null,
    };
  }

  /** A seat's presence changed here (it connected, left, flooded...): written soon, then announced. */
  private presenceChanged(s: LiveSeat, take = false): void {
    void this.presenceWrites.add({ seatId: s.seat.id, take });
  }

  private async writePresence(batch: QueuedPresence[]): Promise<void> {
    const take = new Map<string, PresenceWrite>();
    const touch = new Map<string, PresenceWrite>();
    for (const b of batch) {
      const s = this.seats.get(b.seatId);
      if (!s) continue;
      if (s.socket && (b.take || take.has(b.seatId))) {
        take.set(b.seatId, this.presenceOf(s));
        touch.delete(b.seatId);
      } else if (!take.has(b.seatId)) touch.set(b.seatId, this.presenceOf(s));
    }
    const displaced = await this.store.presence.take([...take.values()]);
    // One live connection per seat across the centre: a seat another process was still hearing from
    // moments ago has two agents on its credential (as accept() finds within one process). The other
    // process closes its older connection when it reads that the seat is this process's now.
    const now = Date.now();
    for (const [seatId, seenAt] of displaced) {
      const s = this.seats.get(seatId);
      if (s?.socket && now - Date.parse(seenAt) <= this.offlineAfterMs)
        this.credentialShared(s, 'a connection to another console process', s.remote, now);
    }
    const mine = await this.store.presence.touch([...touch.values()]);
    const ids = [...take.keys(), ...touch.keys()];
    if (ids.length > 0) this.bus.publish({ k: 'seats', ids });
    // A seat that left this process and is now another's: show it as that process says.
    const gone = [...touch.keys()].filter((id) => !mine.has(id));
    if (gone.length > 0) await this.refreshPresence(gone);
  }

  /**
   * Every 2 s, when other processes share the database: this process's heartbeat for the seats it holds.
   * (On SQLite nobody else reads it: the restart grace covers a console that stopped.)
   */
  private async heartbeatPresence(): Promise<void> {
    if (this.bus.shared) await this.store.presence.heartbeat(new Date().toISOString());
  }

  /**
   * Seats whose holder has written nothing about them for `abandonedAfterMs`: that process is gone
   * (killed, or its machine). If they have not reconnected anywhere since, one process records them
   * offline (the first whose conditional UPDATE claims the episode).
   */
  private async takeOverAbandoned(): Promise<void> {
    if (this.bus.shared) {
      const dead = await this.store.presence.disconnectDeadHolders();
      if (dead.length > 0) {
        this.bus.publish({ k: 'seats', ids: dead });
        await this.refreshPresence(dead);
      }
    }
    const now = Date.now();
    if (now < this.takeoverFrom) return;
    // The claim and the incidents are one transaction (a process dying between them loses neither).
    const at = new Date(now).toISOString();
    const { claimed, incidents } = await this.store.presence.claimAbandoned(
      new Date(now - this.abandonedAfterMs).toISOString(),
      at,
      this.restart?.waiting ?? new Set(),
      (c) => {
        const where = this.sittingOf(c.seatId);
        return {
          centreId: c.centreId,
          kind: 'seat-offline',
          description: `${c.pcName} stopped reporting (last heard from at ${clockTime(Date.parse(c.seenAt))}); the console process it was connected to stopped answering, and it did not reconnect to another.`,
          at,
          seatId: c.seatId,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        };
      },
    );
    if (claimed.size === 0) return;
    this.log.warn({ seats: claimed.size }, 'seats left by a console process that stopped: recorded offline');
    await this.refreshPresence([...claimed]);
    this.bus.publish({ k: 'seats', ids: [...claimed] });
    this.incidentsAdded(incidents);
  }

  private async loadSeat(seatId: string): Promise<LiveSeat | undefined> {
    const seat = await this.store.getSeat(seatId);
    if (seat) this.addSeat(seat);
    return this.seats.get(seatId);
  }

  /**
   * Another process announced that these seats changed: their presence and status are read again
   * (for seats this process does not hold), and dashboards are told.
   */
  async refreshPresence(seatIds: readonly string[]): Promise<void> {
    if (seatIds.length === 0) return;
    for (const id of seatIds) if (!this.seats.has(id)) await this.loadSeat(id);
    const known = seatIds.filter((id) => this.seats.has(id));
    const presence = await this.store.presence.read(known);
    const statuses = await this.store.loadSeatStatuses(known);
    this.applyPresence(presence, statuses, known);
  }

  /** Applies presence and status rows written by other processes to the seats this process does not hold. */
  private applyPresence(
    presence: readonly PresenceRow[],
    statuses: readonly SeatStatusRow[],
    ids?: readonly string[],
  ): void {
    const touched = new Set<string>(ids ?? []);
    const now = Date.now();
    for (const p of presence) {
      const s = this.seats.get(p.seatId);
      if (!s) continue;
      if (s.socket && this.bus.shared && p.instanceId !== this.me && p.connected && p.offlineSince === null) {
        // Another process took this seat after this one did: its connection is the newer one.
        this.log.warn(
          { seatId: s.seat.id, pcName: s.seat.pcName },
          'seat connected to another console process',
        );
        s.socket.close(4000, 'replaced by a newer connection');
        continue;
      }
      if (s.socket) continue;
      // Only another live process's word counts: on SQLite there is none (rows are this process's
      // predecessors'), and a row its holder stopped writing is a dead process's (takeOverAbandoned).
      const fresh = p.offlineSince !== null || now - Date.parse(p.seenAt) <= this.abandonedAfterMs;
      s.elsewhere = this.bus.shared && p.instanceId !== this.me && fresh ? p : null;
      touched.add(p.seatId);
    }
    for (const row of statuses) {
      const s = this.seats.get(row.seatId);
      if (!s || s.socket || row.statusJson === s.statusJson) continue;
      const parsed = safeStatus(row.statusJson);
      if (!parsed) continue;
      s.status = parsed;
      s.statusJson = row.statusJson;
      s.statusAt = row.at;
      s.lastSeenAt = row.lastSeenAt;
    }
    if (touched.size > 0) this.changed(touched);
  }

  /** Instructions written by another process for these seats: read again; a seat held here is sent them. */
  async refreshInstructions(seatIds: readonly string[]): Promise<void> {
    const known = seatIds.filter((id) => this.seats.has(id));
    if (known.length === 0) return;
    for (const gate of await this.store.latestGates(known)) {
      const before = this.gates.get(gate.seatId);
      this.gates.set(gate.seatId, gate);
      if (before?.id !== gate.id) this.sendInstruction(gate);
    }
    for (const message of await this.store.latestMessages(known)) {
      const before = this.messages.get(message.seatId);
      this.messages.set(message.seatId, message);
      if (before?.id !== message.id && !message.ackedAt) this.sendInstruction(message);
    }
    this.changed(known);
  }

  /** Another process answered a hand or started or ended a pause: read them again, and hold or release seats held here. */
  async refreshHandsAndPauses(): Promise<void> {
    const hands = await this.handsAndPauses.refreshHands();
    await this.handsAndPauses.refreshPauses();
    await this.refreshAssignments(null);
    this.changed(hands);
  }

  /** Seats enrolled, replaced or moved on another process: read again (a replaced credential closes the old PC's connection here). */
  async refreshSeatRows(seatIds: readonly string[]): Promise<void> {
    for (const id of seatIds) {
      const seat = await this.store.getSeat(id);
      if (!seat) continue;
      const s = this.seats.get(id);
      if (s && !sameHash(s.seat.credentialHash, seat.credentialHash)) this.credentialReplaced(seat, false);
      else this.addSeat(seat);
    }
    this.changed(seatIds.filter((id) => this.seats.has(id)));
  }

  /**
   * Everything that other processes change is read again: after the live channel was lost (notices
   * were missed) and every RESYNC_MS.
   */
  async resync(): Promise<void> {
    for (const seat of await this.store.listSeats()) {
      const s = this.seats.get(seat.id);
      if (s && !sameHash(s.seat.credentialHash, seat.credentialHash)) this.credentialReplaced(seat, false);
      else this.addSeat(seat);
    }
    for (const gate of await this.store.latestGates()) this.gates.set(gate.seatId, gate);
    await this.handsAndPauses.refreshHands();
    await this.handsAndPauses.refreshPauses();
    await this.refreshAssignments(null);
    this.applyPresence(await this.store.presence.read(), await this.store.loadSeatStatuses(), [
      ...this.seats.keys(),
    ]);
  }

  /** Pings each seat every SEAT_PING_MS; cuts a connection nothing has arrived on for SEAT_READ_TIMEOUT_MS. */
  private pingSweep(): void {
    const now = Date.now();
    for (const s of this.seats.values()) {
      const ws = s.socket;
      if (!ws || ws.readyState !== ws.OPEN) continue;
      // A paused seat is not being read, so its silence says nothing.
      if (s.pausedUntil > 0) continue;
      if (now - s.rxMs > SEAT_READ_TIMEOUT_MS) {
        this.log.warn(
          { seatId: s.seat.id, pcName: s.seat.pcName, silentMs: now - s.rxMs },
          'nothing received from the seat within the read timeout: connection cut',
        );
        ws.terminate();
        continue;
      }
      if (now - s.pingedMs >= SEAT_PING_MS) {
        s.pingedMs = now;
        ws.ping();
      }
    }
  }

  onChange(listener: SeatChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(ids: Iterable<string>): void {
    for (const l of this.listeners) l.seatsChanged(ids);
  }

  /** Incidents recorded elsewhere (a route) that dashboards should hear about. */
  announceIncidents(rows: readonly IncidentRow[]): void {
    this.incidentsAdded(rows);
  }

  private incidentsAdded(rows: readonly IncidentRow[]): void {
    if (rows.length === 0) return;
    for (const l of this.listeners) l.incidentsAdded(rows);
  }

  addSeat(seat: SeatRow): void {
    const existing = this.seats.get(seat.id);
    if (existing) {
      existing.seat = seat;
      return;
    }
    this.seats.set(seat.id, {
      seat,
      socket: null,
      helloDone: false,
      status: null,
      statusJson: null,
      statusAt: null,
      seq: -1,
      lastSeenMs: 0,
      lastSeenAt: null,
      lastSeenAtMs: 0,
      offline: true,
      statusDirty: false,
      budget: new SeatBudget(this.budgetLimits),
      pausedUntil: 0,
      resumeTimer: null,
      deferred: [],
      deferredBytes: 0,
      stored: null,
      remote: '',
      rxMs: 0,
      pingedMs: 0,
      sharedUntil: 0,
      sharedIncidentMs: 0,
      elsewhere: null,
    });
  }

  seatIds(centreId: string): string[] {
    const ids: string[] = [];
    for (const s of this.seats.values()) if (s.seat.centreId === centreId) ids.push(s.seat.id);
    return ids;
  }

  seatRow(id: string): SeatRow | undefined {
    return this.seats.get(id)?.seat;
  }

  setPlace(seatId: string, place: string): void {
    const s = this.seats.get(seatId);
    if (s) {
      s.seat = { ...s.seat, place };
      this.changed([seatId]);
      this.bus.publish({ k: 'seat-rows', ids: [seatId] });
    }
  }

  /** A seat moved to another site (issue 12): its dashboards follow. */
  setSite(seatId: string, siteId: string): void {
    const s = this.seats.get(seatId);
    if (s) {
      s.seat = { ...s.seat, siteId };
      this.changed([seatId]);
    }
    this.bus.publish({ k: 'seat-rows', ids: [seatId] });
  }

  /** A seat was enrolled (or changed) by a route: other processes read it too. */
  seatEnrolled(seat: SeatRow): void {
    this.addSeat(seat);
    this.bus.publish({ k: 'seat-rows', ids: [seat.id] });
  }

  connectedCount(): number {
    let n = 0;
    for (const s of this.seats.values()) if (s.socket) n++;
    return n;
  }

  // ---- views ----

  view(id: string): SeatView | undefined {
    const s = this.seats.get(id);
    if (!s) return undefined;
    const a = this.assignments.get(id);
    const gate = this.gates.get(id);
    const message = this.messages.get(id);
    // Held by another process (issue 12): shown as that process last wrote it.
    const away = !s.socket ? s.elsewhere : null;
    const now = Date.now();
    // Fail closed: a seat no process holds a live connection for is shown Offline at once (its incident
    // waits: the holder records it after 3 s of silence, or another process after the grace).
    const offline = away ? away.offlineSince !== null || !away.connected : s.offline;
    const pausedUntil = away ? untilMs(away.floodingUntil, now) : s.pausedUntil;
    const sharedUntil = away ? untilMs(away.sharedUntil, now) : s.sharedUntil;
    let state: SeatView['state'];
    let reasons: SeatView['reasons'];
    if (offline) {
      state = 'offline';
      reasons = [
        {
          code: 'seat-offline',
          severity: 'block',
          message: away
            ? away.offlineSince !== null
              ? 'The seat has stopped reporting: check the PC is on and the Invigil agent is running.'
              : 'The seat’s connection to another console process has ended; waiting for it to reconnect.'
            : s.lastSeenAt
              ? 'The seat has stopped reporting: check the PC is on and the Invigil agent is running.'
              : 'The seat has not connected since the console started.',
        },
      ];
    } else if (pausedUntil > 0) {
      // Fail closed: the console is not reading this seat's reports, so it cannot say it is Ready.
      state = 'not-ready';
      reasons = [
        {
          code: 'seat-flooding',
          severity: 'block',
          message: `This PC sent more than the console accepts from one PC; the console is not reading its reports until ${clockTime(pausedUntil)}.`,
        },
      ];
    } else if (!s.status) {
      state = 'not-ready';
      reasons = [{ code: 'no-status', severity: 'block', message: 'Waiting for the seat’s first report.' }];
    } else {
      state = seatReadiness(s.status);
      reasons = s.status.findings
        .filter((f) => f.severity !== 'info')
        .sort((x, y) => (x.severity === y.severity ? 0 : x.severity === 'block' ? -1 : 1))
        .map((f) => ({
          code: f.code,
          severity: f.severity,
          message: f.message,
          ...(f.subject ? { subject: f.subject } : {}),
        }));
      // The console does not trust an absence: no linked extension is Not ready, said or not.
      if (unlinkedUnsaid(s.status))
        reasons.unshift({
          code: 'extension-not-linked',
          severity: 'block',
          message: `${FINDINGS['extension-not-linked'].title}.`,
        });
    }
    if (state !== 'offline' && sharedUntil > now) {
      state = 'not-ready';
      reasons.unshift({
        code: 'credential-shared',
        severity: 'block',
        message: `${FINDINGS['credential-shared'].title} (until ${clockTime(sharedUntil)}; see the incident).`,
      });
    }
    return {
      id: s.seat.id,
      siteId: s.seat.siteId,
      pcName: s.seat.pcName,
      place: s.seat.place,
      state,
      reasons,
      connected: s.socket !== null || (away?.connected ?? false),
      extensionLinked: s.status ? s.status.extension.linked : null,
      statusAt: s.statusAt,
      lastSeenAt: s.lastSeenAt,
      candidate: a
        ? {
            sittingId: a.sittingId,
            entryId: a.entryId,
            name: a.candidateName,
            registrationNumber: a.registrationNumber,
            identityConfirmed: a.identityConfirmed,
          }
        : null,
      gate: gate
        ? {
            state: gate.payload.state === 'released' ? 'released' : 'held',
            instructionId: gate.id,
            ackedAt: gate.ackedAt,
          }
        : null,
      lastMessage: message
        ? { instructionId: message.id, sentAt: message.createdAt, ackedAt: message.ackedAt }
        : null,
      hand: this.handsAndPauses.hand(id),
      pause: this.handsAndPauses.pause(a),
    };
  }

  views(centreId: string): SeatView[] {
    const out: SeatView[] = [];
    for (const id of this.seatIds(centreId)) {
      const v = this.view(id);
      if (v) out.push(v);
    }
    return out.sort((a, b) => a.pcName.localeCompare(b.pcName, undefined, { numeric: true }));
  }

  // ---- sittings -> gates ----

  /** The assignment a seat should follow now: the open sitting nearest in time, within 12 hours. */
  private pickAssignments(all: readonly Assignment[], now: number): Map<string, Assignment> {
    const best = new Map<string, Assignment>();
    for (const a of all) {
      const distance = Math.abs(Date.parse(a.startsAt) - now);
      if (distance > HOLD_WINDOW_MS) continue;
      const current = best.get(a.seatId);
      if (!current || distance < Math.abs(Date.parse(current.startsAt) - now)) best.set(a.seatId, a);
    }
    return best;
  }

  assignment(seatId: string): Assignment | undefined {
    return this.assignments.get(seatId);
  }

  /**
   * Re-reads the open sittings and sends each seat whose gate should change a new `instruction/gate`.
   * `actor` is the invigilator whose change caused it (null for the console's own refresh).
   */
  async refreshAssignments(actor: Actor | null): Promise<void> {
    const next = this.pickAssignments(await this.store.openAssignments(), Date.now());
    const touched = new Set<string>([...this.assignments.keys(), ...next.keys()]);
    this.assignments = next;
    for (const seatId of touched) await this.ensureGate(seatId, actor);
    this.changed(touched);
  }

  /**
   * A hand was answered, or a pause started or ended (issue 13): the open ones are read again and every
   * seat whose gate must change is sent its new gate (a pause holds the seat; its end releases it again).
   */
  async handsOrPausesChanged(actor: Actor): Promise<void> {
    const hands = await this.handsAndPauses.refreshHands();
    await this.handsAndPauses.refreshPauses();
    await this.refreshAssignments(actor);
    this.changed(hands);
    this.bus.publish({ k: 'hands-pauses' });
  }

  private desiredGate(seatId: string): Record<string, unknown> {
    const s = this.seats.get(seatId);
    const a = this.assignments.get(seatId);
    const seatLabel = s ? (s.seat.place ? `${s.seat.pcName} (${s.seat.place})` : s.seat.pcName) : undefined;
    // A paused seat (its own pause or its room's) is held, and its holding page says it is paused.
    const paused = this.handsAndPauses.pause(a) !== null;
    return {
      // Fail closed: a seat with no confirmed candidate stays on the holding page.
      state: a?.identityConfirmed && !paused ? 'released' : 'held',
      ...(a ? { candidateName: a.candidateName } : {}),
      ...(seatLabel ? { seatLabel } : {}),
      ...(paused ? { paused: true } : {}),
    };
  }

  /** Queues a new gate instruction when the seat's gate should change; true when it did (and was sent). */
  private async ensureGate(seatId: string, actor: Actor | null): Promise<boolean> {
    const s = this.seats.get(seatId);
    if (!s) return false;
    // A seat connected to another process gets its gates from that process (which reads the same change).
    if (!s.socket && s.elsewhere?.connected && s.elsewhere.offlineSince === null) return false;
    const desired = this.desiredGate(seatId);
    const current = this.gates.get(seatId);
    if (
      current &&
      current.payload.state === desired.state &&
      current.payload.candidateName === desired.candidateName &&
      current.payload.seatLabel === desired.seatLabel &&
      current.payload.paused === desired.paused
    ) {
      return false;
    }
    // Settles once the batch that took it is written (or failed): the caller then knows the gate was sent.
    await this.gateWrites.add({
      actor: actor ?? { centreId: s.seat.centreId, invigilatorId: null },
      seatId,
      payload: desired,
    });
    return true;
  }

  /** One transaction for every gate change queued meanwhile; each is sent once stored. */
  private async writeGates(batch: QueuedGate[]): Promise<void> {
    const rows = await this.store.createInstructions(
      batch.map((b) => ({
        actor: b.actor,
        seatId: b.seatId,
        type: 'instruction/gate' as const,
        payload: b.payload,
      })),
    );
    for (const row of rows) {
      this.gates.set(row.seatId, row);
      this.sendInstruction(row);
    }
    if (rows.length > 0)
      this.bus.publish({ k: 'instructions', ids: [...new Set(rows.map((r) => r.seatId))] });
  }

  /** One transaction for every acknowledgement of an instruction queued meanwhile. */
  private async writeAcks(batch: QueuedAck[]): Promise<void> {
    const results = await this.store.ackInstructions(batch);
    const changed: string[] = [];
    const released: string[] = [];
    batch.forEach((a, i) => {
      if (!results[i]) {
        this.refuseMessage(a.ws, {
          code: 'not-your-instruction',
          error: `instruction ${a.instructionId} is not one of this seat's`,
          messageType: 'instruction/ack',
          inReplyTo: a.instructionId,
        });
        return;
      }
      const gate = this.gates.get(a.seatId);
      if (gate?.id === a.instructionId && !gate.ackedAt) {
        this.gates.set(a.seatId, { ...gate, ackedAt: a.at });
        changed.push(a.seatId);
        if (gate.payload.state === 'released') released.push(a.seatId);
      }
      const message = this.messages.get(a.seatId);
      if (message?.id === a.instructionId && !message.ackedAt) {
        this.messages.set(a.seatId, { ...message, ackedAt: a.at });
        changed.push(a.seatId);
      }
    });
    this.changed(changed);
    if (changed.length > 0) this.bus.publish({ k: 'instructions', ids: [...new Set(changed)] });
    await this.noteReleases(released, new Date().toISOString());
  }

  /**
   * Issue 13, attempts: a seat acknowledged its release, so its candidate's attempt starts now (the
   * first release only; a seat held and released again keeps its first time).
   */
  private async noteReleases(seatIds: readonly string[], at: string): Promise<void> {
    const byCentre = new Map<string, string[]>();
    for (const seatId of seatIds) {
      const a = this.assignments.get(seatId);
      const centreId = this.seats.get(seatId)?.seat.centreId;
      if (!a || !centreId || !(await this.store.markReleased(a.entryId, at))) continue;
      byCentre.set(centreId, [...(byCentre.get(centreId) ?? []), a.sittingId]);
    }
    for (const [centreId, ids] of byCentre)
      for (const l of this.listeners) l.sittingsChanged?.(centreId, [...new Set(ids)]);
  }

  /** Issue 13, attempts: seats that reached the assessment's end page finish their own entry (attempts/end-page.ts). */
  private async noteEndPages(events: readonly IncomingSeatEvent[]): Promise<void> {
    const finishes = endPageFinishes(events, {
      assignment: (seatId) => this.sittingOf(seatId),
      released: (seatId) => {
        const gate = this.gates.get(seatId);
        return gate?.payload.state === 'released' && gate.ackedAt !== null && gate.ackedAt !== undefined;
      },
    });
    for (const f of finishes) {
      try {
        if (
          !(await this.store.finishAtEndPage({ centreId: f.centreId, invigilatorId: null }, f.entryId, f.at))
        )
          continue;
        for (const l of this.listeners) l.sittingsChanged?.(f.centreId, [f.sittingId]);
      } catch (error) {
        // The event itself is stored and acknowledged; the finish can still be set by the invigilator.
        this.log.error({ err: error, seatId: f.seatId }, 'could not set the finish from the end page');
      }
    }
  }

  async showMessage(actor: Actor, seatId: string, text: string): Promise<InstructionRow> {
    const row = await this.store.createInstruction(actor, seatId, 'instruction/show-message', { text });
    this.messages.set(seatId, row);
    this.sendInstruction(row);
    this.changed([seatId]);
    this.bus.publish({ k: 'instructions', ids: [seatId] });
    return row;
  }

  private sendInstruction(row: InstructionRow): void {
    const s = this.seats.get(row.seatId);
    if (!s?.socket || !s.helloDone) return; // sent when the seat next connects
    this.send(s.socket, { ...row.payload, type: row.type, instructionId: row.id } as ConsoleToSeat);
  }

  // ---- connections ----

  /** The sitting a seat is in now, for incidents about it. */
  readonly sittingOf = (seatId: string): { sittingId: string; entryId: string } | null => {
    const a = this.assignments.get(seatId);
    return a ? { sittingId: a.sittingId, entryId: a.entryId } : null;
  };

  private refuse(
    socket: Duplex,
    req: IncomingMessage,
    status: number,
    reason: string,
    seat?: SeatRow,
    counts = true,
  ): void {
    this.stats.refused++;
    const remote = this.clientAddress(req);
    // Refusals need no credential, so they are logged sparingly: per known seat once per report
    // period, and for anything else at most once a second with how many went unlogged.
    let log = false;
    if (seat) {
      log = counts ? this.refusals.refused(seat.id, remote) : true;
    } else {
      const now = Date.now();
      if (now - this.unknownRefusals.loggedAt >= 1000) {
        log = true;
        this.unknownRefusals.loggedAt = now;
      } else this.unknownRefusals.unlogged++;
    }
    if (log) {
      const unlogged = seat ? 0 : this.unknownRefusals.unlogged;
      if (!seat) this.unknownRefusals.unlogged = 0;
      this.log.warn(
        {
          remote,
          seatId: seat?.id ?? excerpt(String(req.headers[SEAT_ID_HEADER] ?? ''), 64),
          reason,
          ...(unlogged ? { notLoggedSinceLast: unlogged } : {}),
        },
        'seat connection refused',
      );
    }
    const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
    if (!socket.destroyed)
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`,
      );
  }

  /** Refused connections for seats past the threshold: a notice (and an incident) each. */
  private async reportRefusals(
    summaries: readonly {
      seatId: string;
      firstAt: string;
      lastAt: string;
      count: number;
      addresses: string[];
    }[],
  ): Promise<void> {
    const incidents: (NewIncident & { centreId: string })[] = [];
    const centres = new Set<string>();
    for (const r of summaries) {
      const seat = this.seats.get(r.seatId)?.seat;
      if (!seat) continue;
      await this.store.noteRefusedConnections(seat.centreId, seat.id, r);
      centres.add(seat.centreId);
      const where = this.sittingOf(seat.id);
      incidents.push({
        centreId: seat.centreId,
        kind: 'seat-connection-refused',
        description: `Connections as ${seat.pcName} were refused again and again (a wrong or revoked credential), from ${r.addresses.join(', ')}.`,
        at: r.firstAt,
        count: r.count,
        seatId: seat.id,
        sittingId: where?.sittingId ?? null,
        entryId: where?.entryId ?? null,
      });
    }
    if (incidents.length > 0) this.incidentsAdded(await this.store.addAutomaticIncidents(incidents));
    for (const c of centres) for (const l of this.listeners) l.noticesChanged(c);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket over, a reset from the peer must not be an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const auth = req.headers.authorization;
    const seatId = req.headers[SEAT_ID_HEADER];
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ') || typeof seatId !== 'string') {
      this.refuse(socket, req, 401, `missing credential: send Authorization: Bearer and ${SEAT_ID_HEADER}`);
      return;
    }
    const credential = auth.slice('Bearer '.length).trim();
    this.authenticate(seatId, credential).then(
      (result) => {
        if (socket.destroyed) return;
        if (result.kind === 'refused') {
          this.refuse(socket, req, 401, 'unknown seat or wrong credential', result.seat);
          return;
        }
        if (result.kind === 'pending') {
          this.refuse(
            socket,
            req,
            403,
            `this PC is waiting for a coordinator to approve it as the replacement for ${result.seat.pcName}`,
            result.seat,
            false,
          );
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(result.seat, ws, req));
      },
      (error: unknown) => {
        this.log.error({ err: error }, 'seat authentication failed');
        socket.destroy();
      },
    );
  }

  private async authenticate(
    seatId: string,
    credential: string,
  ): Promise<{ kind: 'ok' | 'pending'; seat: SeatRow } | { kind: 'refused'; seat?: SeatRow }> {
    let seat = this.seats.get(seatId)?.seat;
    if (!seat && /^[A-Za-z0-9_-]{8,64}$/.test(seatId)) {
      seat = await this.store.getSeat(seatId);
      if (seat) this.addSeat(seat);
    }
    if (!seat) return { kind: 'refused' };
    if (credential.length < 32 || credential.length > 256) return { kind: 'refused', seat };
    const hash = sha256(credential);
    // The credential must be this seat's own: another seat's valid credential is refused too.
    if (sameHash(hash, seat.credentialHash)) return { kind: 'ok', seat };
    const request = await this.store.replacementByCredential(hash);
    if (request?.seatId === seat.id && request.status === 'pending') return { kind: 'pending', seat };
    return { kind: 'refused', seat };
  }

  /** A seat's credential changed (its replacement was approved): the PC using the old one is disconnected, on every process. */
  credentialReplaced(seat: SeatRow, announce = true): void {
    this.addSeat(seat);
    const s = this.seats.get(seat.id);
    if (s?.socket) s.socket.close(CLOSE_REVOKED, 'this seat was given to another PC');
    if (announce) this.bus.publish({ k: 'seat-rows', ids: [seat.id] });
  }

  private accept(seat: SeatRow, ws: WebSocket, req: IncomingMessage): void {
    const s = this.seats.get(seat.id);
    if (!s) {
      ws.close(1011, 'seat vanished');
      return;
    }
    if (!sameHash(seat.credentialHash, s.seat.credentialHash)) {
      // Replaced while this connection was being authenticated.
      ws.close(CLOSE_REVOKED, 'this seat was given to another PC');
      return;
    }
    const remote = this.clientAddress(req);
    const now = Date.now();
    if (s.socket) {
      // One live connection per seat: the newer one wins (the agent restarted or the network moved).
      // If the one it replaces was still alive, two agents share the credential: an incident, not a duel.
      if (!s.offline && s.lastSeenMs > 0 && now - s.lastSeenMs <= this.offlineAfterMs)
        this.credentialShared(s, s.remote, remote, now);
      s.socket.close(4000, 'replaced by a newer connection');
    }
    this.endPause(s);
    s.socket = ws;
    s.elsewhere = null;
    s.helloDone = false;
    s.seq = 0;
    s.remote = remote;
    s.rxMs = now;
    s.pingedMs = now;
    // Announced as here once it speaks (heard): a connection that says nothing is not a seat online.
    // One that was online moments ago (it reconnected at once) is taken back now.
    if (!s.offline) this.presenceChanged(s, true);
    this.log.info({ seatId: seat.id, pcName: seat.pcName, remote }, 'seat connected');
    ws.on('pong', () => {
      if (s.socket === ws) s.rxMs = Date.now();
    });
    ws.on('message', (data, isBinary) => {
      try {
        this.receive(s, ws, data, isBinary);
      } catch (error) {
        this.log.error({ err: error, seatId: seat.id }, 'seat message failed');
      }
    });
    ws.on('close', () => {
      if (s.socket === ws) {
        s.socket = null;
        s.helloDone = false;
        this.endPause(s);
        this.changed([seat.id]);
        this.presenceChanged(s);
      }
    });
    ws.on('error', (error) => this.log.warn({ seatId: seat.id, err: error.message }, 'seat socket error'));
  }

  /** Two live connections presented one seat's credential: the seat shows Not ready, and one incident in ten minutes. */
  private credentialShared(s: LiveSeat, older: string, newer: string, now: number): void {
    s.sharedUntil = now + CREDENTIAL_SHARED_MS;
    this.changed([s.seat.id]);
    this.presenceChanged(s);
    this.log.warn(
      { seatId: s.seat.id, pcName: s.seat.pcName, older, newer },
      'two live connections with one seat credential',
    );
    if (now - s.sharedIncidentMs < CREDENTIAL_SHARED_MS) return;
    s.sharedIncidentMs = now;
    const where = this.sittingOf(s.seat.id);
    this.store
      .addAutomaticIncidents([
        {
          centreId: s.seat.centreId,
          kind: 'seat-credential-shared',
          description: `Two connections are using ${s.seat.pcName}'s credential: from ${older || 'an unknown address'} and ${newer}. A second agent or a copied PC is reporting as this seat; enrol it with its own name.`,
          at: new Date(now).toISOString(),
          seatId: s.seat.id,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        },
      ])
      .then(
        (rows) => this.incidentsAdded(rows),
        (error: unknown) => this.log.error({ err: error }, 'could not record a shared credential'),
      );
  }

  /** A message off the socket: charged to the seat's budget, then handled (or held while it is paused). */
  private receive(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (s.socket !== ws) return;
    const bytes = rawLength(data);
    s.rxMs = Date.now();
    if (bytes > MAX_SEAT_FRAME_BYTES) {
      // Answered before the close, so that the seat knows why (section 2 of docs/protocol.md).
      this.refuseMessage(ws, {
        code: 'frame-too-large',
        error: `the frame is ${bytes} bytes; the limit is ${MAX_SEAT_FRAME_BYTES}: split batches by size`,
      });
      this.log.warn({ seatId: s.seat.id, bytes }, 'seat sent a frame over the limit: closed');
      ws.close(1009, 'frame too large');
      setTimeout(() => ws.terminate(), 5000).unref();
      return;
    }
    if (s.pausedUntil > 0) {
      this.defer(s, ws, data, isBinary, bytes);
      return;
    }
    const over = s.budget.message(bytes);
    if (over) {
      this.overBudget(s, ws, over, undefined);
      this.defer(s, ws, data, isBinary, bytes);
      return;
    }
    this.handle(s, ws, data, isBinary);
  }

  private handle(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean): void {
    const text = isBinary ? null : Array.isArray(data) ? Buffer.concat(data).toString() : data.toString();
    this.onMessage(s, ws, text).catch((error: unknown) =>
      this.log.error({ err: error, seatId: s.seat.id }, 'seat message failed'),
    );
  }

  private defer(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean, bytes: number): void {
    if (s.deferredBytes + bytes > MAX_DEFERRED_BYTES) {
      this.stats.dropped++;
      this.dropSocket(ws, 'flooding: reconnect and send less');
      return;
    }
    s.deferred.push({ data, isBinary });
    s.deferredBytes += bytes;
  }

  /**
   * Over budget: the seat is told why and for how long, the console stops reading from its socket (the
   * operating system then holds the sender back), and the flood is one incident however long it lasts.
   */
  private overBudget(s: LiveSeat, ws: WebSocket, what: BudgetExceeded, batchId: string | undefined): void {
    const limits = this.budgetLimits;
    const now = Date.now();
    this.send(ws, {
      type: 'console/error',
      error: `this PC sent ${describeBudget(what, limits)}: the console stops reading from it for ${Math.round(limits.pauseMs / 1000)} s; nothing sent is lost`,
      code: 'over-budget',
      ...(batchId ? { messageType: 'seat/events', inReplyTo: batchId } : {}),
      retryAfterMs: limits.pauseMs,
    });
    if (what === 'stored' || s.pausedUntil > 0) return;
    this.stats.pauses++;
    s.pausedUntil = now + limits.pauseMs;
    ws.pause();
    s.resumeTimer = setTimeout(() => this.guard('seat resume', () => this.resume(s, ws)), limits.pauseMs);
    s.resumeTimer.unref();
    this.heard(s, now);
    this.changed([s.seat.id]);
    this.presenceChanged(s);
    this.log.warn({ seatId: s.seat.id, pcName: s.seat.pcName, over: what }, 'seat over budget: paused');
    this.floodIncident(s, now);
  }

  private floodIncident(s: LiveSeat, now: number): void {
    const where = this.sittingOf(s.seat.id);
    this.store
      .addAutomaticIncidents([
        {
          centreId: s.seat.centreId,
          kind: 'seat-flooding',
          // The same words each time, so that a flood that goes on is one incident with a count.
          description: `${s.seat.pcName} sent more than the console accepts from one PC, so the console stopped reading from it for ${Math.round(this.budgetLimits.pauseMs / 1000)} s at a time. Its events are still stored.`,
          at: new Date(now).toISOString(),
          seatId: s.seat.id,
          sittingId: where?.sittingId ?? null,
          entryId: where?.entryId ?? null,
        },
      ])
      .then(
        (rows) => this.incidentsAdded(rows),
        (error: unknown) => this.log.error({ err: error }, 'could not record a flooding incident'),
      );
  }

  /** After the pause: what arrived meanwhile is handled, then reading resumes (or pauses again if still in debt). */
  private resume(s: LiveSeat, ws: WebSocket): void {
    s.resumeTimer = null;
    if (s.socket !== ws) return;
    const deferred = s.deferred;
    s.deferred = [];
    s.deferredBytes = 0;
    s.pausedUntil = 0;
    const now = Date.now();
    s.rxMs = now;
    this.heard(s, now);
    for (const d of deferred) this.handle(s, ws, d.data, d.isBinary);
    const still = s.budget.overNow(now);
    if (still) {
      this.overBudget(s, ws, still, undefined);
      return;
    }
    ws.resume();
    this.changed([s.seat.id]);
    this.presenceChanged(s);
  }

  private endPause(s: LiveSeat): void {
    if (s.resumeTimer) clearTimeout(s.resumeTimer);
    s.resumeTimer = null;
    s.pausedUntil = 0;
    s.deferred = [];
    s.deferredBytes = 0;
  }

  /** Closed with a reason; cut off if the peer does not take the close within a few seconds (it is not reading). */
  private dropSocket(ws: WebSocket, reason: string): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.close(CLOSE_TOO_MUCH, reason);
    setTimeout(() => ws.terminate(), 5000).unref();
  }

  private send(ws: WebSocket, message: ConsoleToSeat): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_UNSENT_BYTES) {
      this.stats.dropped++;
      this.log.warn({ unsent: ws.bufferedAmount }, 'seat not reading: disconnected');
      this.dropSocket(ws, 'not reading: reconnect');
      return;
    }
    ws.send(JSON.stringify(message));
  }

  /** `console/error` for a refused message or event, with whatever identifies it (docs/protocol.md, section 7). */
  private refuseMessage(
    ws: WebSocket,
    e: {
      code: ConsoleErrorCode;
      error: string;
      messageType?: string | undefined;
      inReplyTo?: string | undefined;
      seq?: number | undefined;
      events?: Extract<ConsoleToSeat, { type: 'console/error' }>['events'];
    },
  ): void {
    this.stats.badMessages++;
    this.send(ws, {
      type: 'console/error',
      code: e.code,
      error: e.error.slice(0, 2000),
      ...(e.messageType ? { messageType: e.messageType.slice(0, 64) } : {}),
      ...(e.inReplyTo ? { inReplyTo: e.inReplyTo } : {}),
      ...(e.seq !== undefined ? { seq: e.seq } : {}),
      ...(e.events ? { events: e.events } : {}),
    });
  }

  private heard(s: LiveSeat, now: number): void {
    // "Last seen" as text is kept to the second: one date string a second per seat, not one per message
    // (it was 5 % of the console's time at 10,000 seats).
    if (now - s.lastSeenAtMs >= 1000) {
      s.lastSeenAt = new Date(now).toISOString();
      s.lastSeenAtMs = now;
    }
    s.lastSeenMs = now;
    if (s.offline) {
      s.offline = false;
      this.changed([s.seat.id]);
      // Back: its offline episode (if one was recorded) is over, on every process.
      this.presenceChanged(s, true);
    }
  }

  private async onMessage(s: LiveSeat, ws: WebSocket, text: string | null): Promise<void> {
    if (s.socket !== ws) return;
    this.stats.messages++;
    if (text === null) {
      this.refuseMessage(ws, { code: 'binary-frame', error: 'frames are JSON text, not binary' });
      return;
    }
    // Size and depth are checked before anything walks the message (zod, JSON.stringify, the log).
    const frame = readSeatFrame(text);
    if (!frame.ok) {
      const code: ConsoleErrorCode =
        frame.problem === 'too-deep'
          ? 'too-deep'
          : frame.problem === 'not-json'
            ? 'not-json'
            : 'frame-too-large';
      this.refuseMessage(ws, {
        code,
        error:
          code === 'too-deep'
            ? `the frame nests more than ${SEAT_FRAME_LIMITS.maxDepth} levels deep`
            : `the frame is refused: ${frame.reason}`,
      });
      this.log.warn(
        { seatId: s.seat.id, reason: frame.reason, excerpt: frame.excerpt },
        'seat sent a bad frame',
      );
      return;
    }
    const json = frame.value as Record<string, unknown> | null;
    const fields = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
    const type = typeof fields.type === 'string' ? excerpt(fields.type, 64) : undefined;
    if (type !== 'seat/hello' && !s.helloDone) {
      this.refuseMessage(ws, { code: 'hello-first', error: 'send seat/hello first', messageType: type });
      return;
    }
    if (type === 'seat/hello' && s.helloDone) {
      this.refuseMessage(ws, {
        code: 'hello-again',
        error: 'seat/hello refused: this connection has already said hello',
        messageType: type,
      });
      return;
    }
    if (type === 'seat/events') {
      this.heard(s, Date.now());
      await this.onEvents(s, ws, json, text);
      return;
    }
    const parsed = SeatToConsoleSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      const id = IdSchema.safeParse(fields.instructionId);
      const seq = fields.seq;
      this.refuseMessage(ws, {
        code: 'invalid-message',
        error: `${type ?? 'message'} refused: ${where}${issue?.message ?? 'invalid'}`,
        messageType: type,
        inReplyTo: id.success ? id.data : undefined,
        seq: typeof seq === 'number' && Number.isFinite(seq) ? seq : undefined,
      });
      return;
    }
    const msg = parsed.data;
    const now = Date.now();
    this.heard(s, now);
    switch (msg.type) {
      case 'seat/hello': {
        if (msg.protocol !== SEAT_PROTOCOL_VERSION) {
          this.refuseMessage(ws, {
            code: 'protocol-version',
            error: `this console speaks seat protocol ${SEAT_PROTOCOL_VERSION}; the seat sent ${msg.protocol}`,
            messageType: msg.type,
          });
          ws.close(SEAT_CLOSE.protocolVersion, 'protocol version not supported');
          return;
        }
        s.helloDone = true;
        this.cameBack(s);
        if (msg.pcName !== s.seat.pcName) {
          // The seat map shows the enrolled name; a PC cannot rename itself (docs/protocol.md, 3.1).
          this.log.warn(
            { seatId: s.seat.id, pcName: s.seat.pcName, helloPcName: excerpt(msg.pcName, 200) },
            'seat hello names another PC name: ignored',
          );
        }
        if (msg.place && !s.seat.place) {
          await this.store.updateSeatPlace(
            { centreId: s.seat.centreId, invigilatorId: null },
            s.seat.id,
            msg.place,
          );
          s.seat = { ...s.seat, place: msg.place };
        }
        this.send(ws, {
          type: 'console/welcome',
          protocol: SEAT_PROTOCOL_VERSION,
          seatId: s.seat.id,
          pcName: s.seat.pcName,
          serverTime: new Date(now).toISOString(),
          heartbeatMs: this.heartbeatMs,
          offlineAfterMs: this.offlineAfterMs,
          pingMs: SEAT_PING_MS,
          readTimeoutMs: SEAT_READ_TIMEOUT_MS,
          limits: {
            frameBytes: MAX_SEAT_FRAME_BYTES,
            eventsPerBatch: MAX_SEAT_EVENTS_PER_MESSAGE,
            eventBytes: MAX_SEAT_EVENT_BYTES,
          },
        });
        // A reconnecting seat gets the current gate again (its holding page may have restarted), and any message not yet acknowledged.
        const fresh = await this.ensureGate(s.seat.id, null);
        for (const row of await this.store.instructionsToResend(s.seat.id)) {
          if (fresh && row.type === 'instruction/gate') continue; // just sent
          this.sendInstruction(row);
        }
        this.changed([s.seat.id]);
        return;
      }
      case 'seat/heartbeat':
      case 'seat/status': {
        // One counter per connection for statuses and heartbeats: an older one never overwrites a newer.
        if (msg.seq <= s.seq) {
          this.refuseMessage(ws, {
            code: 'seq-not-increasing',
            error: `${msg.type} refused: seq ${msg.seq} is not above ${s.seq}, the last accepted on this connection`,
            messageType: msg.type,
            seq: msg.seq,
          });
          return;
        }
        s.seq = msg.seq;
        if (msg.type === 'seat/heartbeat') return;
        s.status = msg.status;
        s.statusJson = JSON.stringify(msg.status);
        // The console's own time of receipt: nothing is ordered or shown by the seat's clock.
        s.statusAt = new Date(now).toISOString();
        s.statusDirty = true;
        this.changed([s.seat.id]);
        return;
      }
      case 'instruction/ack':
        void this.ackWrites.add({
          seatId: s.seat.id,
          instructionId: msg.instructionId,
          at: new Date(now).toISOString(),
          ws,
        });
        return;
    }
  }

  /**
   * Events are checked one by one: a valid event is stored even when its neighbour is not, and an
   * invalid or oversized event that carries an id is kept as "rejected" (the reason and the first
   * REJECTED_EXCERPT_CHARS of the text the seat sent for it) and acknowledged, so one bad event can
   * never block a seat's outbox. Each refused event gets its own `console/error` naming the batch, its
   * position and its id (at most one per event of the batch).
   */
  private async onEvents(s: LiveSeat, ws: WebSocket, json: unknown, text: string): Promise<void> {
    const envelope = EventsEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      const batchId = IdSchema.safeParse((json as { batchId?: unknown }).batchId);
      this.refuseMessage(ws, {
        code: 'invalid-message',
        error: `seat/events refused: ${where}${issue?.message ?? 'invalid'}`,
        messageType: 'seat/events',
        inReplyTo: batchId.success ? batchId.data : undefined,
      });
      return;
    }
    const { events, batchId } = envelope.data;
    // Charged, and the seat paused if that puts it over, before anything else: what it sends next waits.
    const overEvents = s.budget.eventsReceived(events.length);
    if (overEvents) this.overBudget(s, ws, overEvents, batchId);
    await this.yieldIfBusy();
    const receivedAt = new Date().toISOString();
    const a = this.assignments.get(s.seat.id);
    const sittingId = a?.sittingId ?? null;
    const stored = await this.storedSoFar(s, sittingId, receivedAt);
    let overStored = false;
    // Only a frame larger than one event may hold an event over the limit: measured only then.
    // (Otherwise found only when an event is refused: what is kept is the seat's own text, never re-serialised.)
    let spans: Array<[number, number]> | null | undefined =
      text.length > MAX_SEAT_EVENT_BYTES / 4 && Buffer.byteLength(text) > MAX_SEAT_EVENT_BYTES
        ? arrayElementSpans(text, 'events')
        : undefined;
    const rejected: { id: string; json: string }[] = [];
    const refused: {
      index: number;
      eventId?: string;
      code: 'invalid-event' | 'event-too-large';
      error: string;
      kept: boolean;
    }[] = [];
    const keep = (i: number, id: string | undefined, reason: Record<string, unknown>): void => {
      if (!id) return;
      spans ??= arrayElementSpans(text, 'events');
      const span = spans?.[i];
      const sent = span ? text.slice(span[0], span[1]) : JSON.stringify(events[i]);
      const kept = JSON.stringify({
        ...reason,
        sent: sent.slice(0, REJECTED_EXCERPT_CHARS),
        ...(sent.length > REJECTED_EXCERPT_CHARS ? { sentLength: sent.length } : {}),
      });
      stored.bytes += kept.length;
      rejected.push({ id, json: kept });
    };
    events.forEach((raw, i) => {
      const idParse = IdSchema.safeParse((raw as { id?: unknown } | null)?.id);
      const id = idParse.success ? idParse.data : undefined;
      const span = spans?.[i];
      const bytes = span ? Buffer.byteLength(text.slice(span[0], span[1])) : 0;
      if (bytes > MAX_SEAT_EVENT_BYTES) {
        const reason = `events.${i} is ${bytes} bytes; the limit is ${MAX_SEAT_EVENT_BYTES}`;
        keep(i, id, { reason: `seat/events: ${reason}`, bytes });
        refused.push({
          index: i,
          ...(id ? { eventId: id } : {}),
          code: 'event-too-large',
          error: reason,
          kept: id !== undefined,
        });
        return;
      }
      const parsed = SeatEventSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const reason = `events.${i}${issue && issue.path.length > 0 ? `.${excerpt(issue.path.join('.'), 80)}` : ''}: ${excerpt(issue?.message ?? 'invalid', 150)}`;
        keep(i, id, { reason: `seat/events: ${reason}` });
        refused.push({
          index: i,
          ...(id ? { eventId: id } : {}),
          code: 'invalid-event',
          error: reason,
          kept: id !== undefined,
        });
        return;
      }
      const event = parsed.data;
      if (event.type === 'event/oversized') {
        // A stand-in for an event too large to send: kept as rejected with its excerpt; not an error.
        const kept = JSON.stringify({
          reason: `a stand-in for an event of ${event.bytes} bytes, too large to send`,
          originalType: event.originalType,
          bytes: event.bytes,
          at: event.at,
          sent: event.excerpt,
        });
        stored.bytes += kept.length;
        rejected.push({ id: event.id, json: kept });
        return;
      }
      let eventJson = JSON.stringify(event);
      stored.bytes += eventJson.length;
      if (stored.bytes > this.budgetLimits.storedBytesPerSitting) {
        // Over the seat's budget for this sitting: kept as what it was and when, still acknowledged.
        eventJson = JSON.stringify({ id: event.id, type: event.type, at: event.at, overBudget: true });
        if (!stored.over) {
          stored.over = true;
          overStored = true;
        }
      }
      const inc = incidentFromEvent(event);
      void this.events.add({
        socket: ws,
        batchId,
        item: {
          seatId: s.seat.id,
          centreId: s.seat.centreId,
          event,
          json: eventJson,
          sittingId,
          receivedAt,
          incident: inc
            ? {
                ...inc,
                at: event.at,
                seatId: s.seat.id,
                sittingId,
                entryId: a?.entryId ?? null,
              }
            : null,
        },
      });
    });
    if (refused.length > 0) {
      // One console/error for the batch, listing each refused event, however many they are.
      const kept = refused.filter((r) => r.kept).length;
      const first = refused.slice(0, 3).map((r) => r.error);
      const more = refused.length > first.length ? `; and ${refused.length - first.length} more` : '';
      this.refuseMessage(ws, {
        code: refused.some((r) => r.code === 'invalid-event') ? 'invalid-event' : 'event-too-large',
        error: `seat/events: ${refused.length} of ${events.length} events rejected (${kept} with an id kept as rejected and acknowledged): ${first.join('; ')}${more}`,
        messageType: 'seat/events',
        inReplyTo: batchId,
        events: refused,
      });
      this.log.warn(
        { seatId: s.seat.id, rejected: refused.length, batchId, first: first[0] },
        'seat sent invalid events',
      );
    }
    if (rejected.length > 0) {
      try {
        await this.store.storeRejectedEvents(s.seat.id, rejected, receivedAt);
        this.send(ws, { type: 'event/ack', ids: rejected.map((r) => r.id), batchId });
      } catch (error) {
        this.log.error({ err: error }, 'could not keep rejected seat events');
      }
    }
    if (overStored) this.overBudget(s, ws, 'stored', batchId);
  }

  /** Characters of events stored for the seat in this sitting (or today, outside sittings), read once. */
  private async storedSoFar(
    s: LiveSeat,
    sittingId: string | null,
    receivedAt: string,
  ): Promise<{ key: string; bytes: number; over: boolean }> {
    const key = sittingId ?? `day:${receivedAt.slice(0, 10)}`;
    if (s.stored?.key !== key) {
      const bytes = await this.store.storedEventBytes(
        s.seat.id,
        sittingId,
        `${receivedAt.slice(0, 10)}T00:00:00.000Z`,
      );
      if (s.stored?.key !== key) s.stored = { key, bytes, over: false };
    }
    return s.stored as { key: string; bytes: number; over: boolean };
  }

  // ---- batched writes ----

  /** One transaction for every event that arrived meanwhile; acknowledgements only after it commits. */
  private async writeEvents(batch: QueuedEvent[]): Promise<void> {
    const incidents = await this.store.storeSeatEvents(batch.map((b) => b.item));
    this.stats.eventsStored += batch.length;
    // Before the acks: a seat whose end-page event is acknowledged has its finish written (or refused).
    await this.noteEndPages(batch.map((b) => b.item));
    // One ack per batch (and socket), never more than the schema's 200 ids: a batch written in two
    // slices, or with rejected events acknowledged first, gets several acks (the document says so).
    const byBatch = new Map<WebSocket, Map<string, string[]>>();
    for (const b of batch) {
      let batches = byBatch.get(b.socket);
      if (!batches) {
        batches = new Map();
        byBatch.set(b.socket, batches);
      }
      const ids = batches.get(b.batchId);
      if (ids) ids.push(b.item.event.id);
      else batches.set(b.batchId, [b.item.event.id]);
    }
    for (const [ws, batches] of byBatch)
      for (const [batchId, ids] of batches)
        for (let i = 0; i < ids.length; i += MAX_SEAT_EVENTS_PER_MESSAGE)
          this.send(ws, { type: 'event/ack', ids: ids.slice(i, i + MAX_SEAT_EVENTS_PER_MESSAGE), batchId });
    this.incidentsAdded(incidents);
    if (batch.some((b) => b.item.event.type === 'event/hand-raised'))
      this.handsAndPauses.refreshHands().then(
        (ids) => {
          this.changed(ids);
          this.bus.publish({ k: 'hands-pauses' });
        },
        (error: unknown) => this.log.error({ err: error }, 'could not read the open hands'),
      );
  }

  /**
   * Seat work that has gone on for a while without a break (a burst of large frames read at once) lets
   * the event loop serve other sockets before going on.
   */
  private async yieldIfBusy(): Promise<void> {
    const now = performance.now();
    if (this.busySince === 0) {
      this.busySince = now;
      setImmediate(() => {
        this.busySince = 0;
      });
      return;
    }
    if (now - this.busySince >= YIELD_AFTER_MS) await new Promise<void>((r) => setImmediate(r));
  }

  async flushStatuses(): Promise<void> {
    const rows: SeatStatusRow[] = [];
    for (const s of this.seats.values()) {
      if (!s.statusDirty || !s.status || !s.statusJson || !s.statusAt) continue;
      s.statusDirty = false;
      rows.push({
        seatId: s.seat.id,
        state: seatReadiness(s.status),
        statusJson: s.statusJson,
        seq: s.seq,
        at: s.statusAt,
        lastSeenAt: s.lastSeenAt ?? s.statusAt,
      });
    }
    try {
      await this.store.saveSeatStatuses(rows);
      if (rows.length > 0) this.bus.publish({ k: 'seats', ids: rows.map((r) => r.seatId) });
    } catch (error) {
      for (const r of rows) {
        const s = this.seats.get(r.seatId);
        if (s) s.statusDirty = true;
      }
      this.log.error({ err: error }, 'could not save seat statuses');
    }
  }

  /** Seats silent for longer than the offline threshold turn Offline, with an incident for the record. */
  private sweep(): void {
    const now = Date.now();
    const late = now - this.lastSweep - this.sweepMs;
    this.lastSweep = now;
    // Timers run before the socket reads in each turn of the event loop: after the console itself
    // stalled (a long write, the machine overloaded), heartbeats may be waiting unread. Let them be read
    // before blaming any seat. Never more than a few sweeps in a row, so an overloaded console still
    // shows a seat that really stopped as Offline (fail closed).
    if (late > 250 && this.skippedSweeps < 4) {
      this.skippedSweeps++;
      this.stats.lateSweeps++;
      return;
    }
    this.skippedSweeps = 0;
    const wentOffline: LiveSeat[] = [];
    for (const s of this.seats.values()) {
      // A paused seat is not read, not silent: it is shown as flooding, not Offline.
      if (s.pausedUntil > 0) continue;
      if (!s.offline && s.lastSeenMs > 0 && now - s.lastSeenMs > this.offlineAfterMs) {
        s.offline = true;
        wentOffline.push(s);
      }
    }
    if (wentOffline.length === 0) return;
    this.changed(wentOffline.map((s) => s.seat.id));
    const at = new Date(now).toISOString();
    void this.recordOffline(wentOffline, at);
  }

  /**
   * Seats this process saw fall silent: each offline episode is claimed in the database first, so that
   * it is recorded once, and not at all for a seat that has reconnected to another process meanwhile.
   */
  private async recordOffline(candidates: LiveSeat[], at: string): Promise<void> {
    let claim: OfflineClaim;
    try {
      // The claim and the incidents are one transaction: both are kept, or neither (then retried).
      claim = await this.store.presence.claimOwnOffline(
        candidates.map((s) => {
          const a = this.assignments.get(s.seat.id);
          return {
            centreId: s.seat.centreId,
            kind: 'seat-offline',
            description: `${s.seat.pcName} stopped reporting (last heard from at ${clockTime(s.lastSeenMs)}).`,
            at,
            seatId: s.seat.id,
            sittingId: a?.sittingId ?? null,
            entryId: a?.entryId ?? null,
          };
        }),
        at,
      );
    } catch (error) {
      this.log.error({ err: error }, 'could not record offline incidents: trying again');
      this.unrecordedOffline.push({ seats: candidates, at });
      return;
    }
    const claimed = claim.claimed;
    const wentOffline = candidates.filter((s) => claimed.has(s.seat.id));
    const movedOn = candidates.filter((s) => !claimed.has(s.seat.id)).map((s) => s.seat.id);
    if (movedOn.length > 0)
      await this.refreshPresence(movedOn).catch((error: unknown) =>
        this.log.error({ err: error }, 'could not read where seats went'),
      );
    if (wentOffline.length === 0) return;
    this.bus.publish({ k: 'seats', ids: wentOffline.map((s) => s.seat.id) });
    this.incidentsAdded(claim.incidents);
  }

  /**
   * Offline episodes whose claim (and incident) could not be written: tried again every ALIVE_NOTE_MS
   * for the seats still offline (one that spoke since is back, and its episode is over).
   */
  private async retryUnrecordedOffline(): Promise<void> {
    const failed = this.unrecordedOffline;
    this.unrecordedOffline = [];
    for (const f of failed) {
      const still = f.seats.filter((s) => s.offline && this.seats.get(s.seat.id) === s);
      if (still.length > 0) await this.recordOffline(still, f.at);
    }
  }

  async close(): Promise<void> {
    this.bus.setHandler({ notice: () => undefined, resync: () => undefined });
    // The last note before an orderly stop: the seats online now are expected back after the restart.
    await this.noteAlive().catch((error: unknown) =>
      this.log.error({ err: error }, 'could not note the seats online'),
    );
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    this.refusals.close();
    for (const s of this.seats.values()) this.endPause(s);
    for (const s of this.seats.values()) s.socket?.close(1001, 'console stopping');
    // Whatever was received is written (and acknowledged where the socket is still open) before the end.
    await Promise.all([
      this.events.drain(),
      this.gateWrites.drain(),
      this.ackWrites.drain(),
      this.presenceWrites.drain(),
    ]);
    await this.flushStatuses();
    this.wss.close();
  }
}

/** An unlinked extension that no `extension-silent` finding already reports. */
function unlinkedUnsaid(status: SeatStatus): boolean {
  return (
    !status.extension.linked &&
    !status.findings.some((f) => f.code === 'extension-silent' && f.severity === 'block')
  );
}

/** Readiness from the findings alone (shared/rules/readiness.ts), and Not ready without a linked extension. */
function seatReadiness(status: SeatStatus): 'ready' | 'attention' | 'not-ready' {
  if (!status.extension.linked) return 'not-ready';
  return readiness(status.findings).state;
}

/** A status another process stored, or null when it is not one (never trusted blindly). */
function safeStatus(json: string): SeatStatus | null {
  try {
    const parsed = SeatStatusSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** An ISO time still to come, as ms since epoch; 0 when none or past. */
function untilMs(iso: string | null, now: number): number {
  const ms = iso ? Date.parse(iso) : 0;
  return Number.isFinite(ms) && ms > now ? ms : 0;
}

/** A time as people read it in the record (the console runs in the centre, so its clock is the centre's). */
function clockTime(ms: number): string {
  return CLOCK.format(ms);
}
/**
 * Made once, at start: `toLocaleTimeString` builds a formatter on every call (tens of milliseconds the
 * first time), which a room going Offline at once, or a flood, would pay in the middle of serving seats.
 */
const CLOCK = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
CLOCK.format(0);
