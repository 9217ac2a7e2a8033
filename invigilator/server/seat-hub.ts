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
import { type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { incidentFromEvent } from '../../shared/catalogs/incidents.ts';
import { readiness } from '../../shared/rules/readiness.ts';
import { IdSchema } from '../../shared/schemas/common.ts';
import type { SeatView } from '../../shared/schemas/console-api.ts';
import { SeatEventSchema } from '../../shared/schemas/events.ts';
import {
  type ConsoleToSeat,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  MAX_SEAT_MESSAGE_BYTES,
  SEAT_ID_HEADER,
  SEAT_OFFLINE_AFTER_MS,
  SEAT_PROTOCOL_VERSION,
  type SeatStatus,
  SeatStatusSchema,
  SeatToConsoleSchema,
} from '../../shared/schemas/protocol.ts';

/** `seat/events` with the events left unchecked, so that each is checked on its own. */
const EventsEnvelopeSchema = z.object({
  type: z.literal('seat/events'),
  events: z.array(z.unknown()).min(1).max(MAX_SEAT_EVENTS_PER_MESSAGE),
});

import { sameHash, sha256 } from './auth.ts';
import type { Logger } from './logger.ts';
import type {
  Actor,
  Assignment,
  IncidentRow,
  IncomingSeatEvent,
  InstructionRow,
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
}

export interface SeatChangeListener {
  seatsChanged(seatIds: Iterable<string>): void;
  incidentsAdded(incidents: readonly IncidentRow[]): void;
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
  offline: boolean;
  statusDirty: boolean;
}

const HOLD_WINDOW_MS = 12 * 3_600_000;

export class SeatHub {
  readonly wss: WebSocketServer;
  private readonly seats = new Map<string, LiveSeat>();
  private assignments = new Map<string, Assignment>();
  private readonly gates = new Map<string, InstructionRow>();
  /** The latest message to each seat's candidate (since the console started), for the seat map. */
  private readonly messages = new Map<string, InstructionRow>();
  private readonly listeners = new Set<SeatChangeListener>();
  private readonly timers: NodeJS.Timeout[] = [];
  private eventQueue: { item: IncomingSeatEvent; socket: WebSocket }[] = [];
  private eventFlush: Promise<void> | null = null;
  /** Gate instructions and acknowledgements, written in batches (a room of seats connecting at once). */
  private gateQueue: { actor: Actor; seatId: string; payload: Record<string, unknown>; done: () => void }[] =
    [];
  private gateFlush: Promise<void> | null = null;
  private ackQueue: { seatId: string; instructionId: string; at: string; ws: WebSocket }[] = [];
  private ackFlush: Promise<void> | null = null;
  private readonly heartbeatMs: number;
  private readonly batchMs: number;
  private readonly sweepMs: number;
  private lastSweep = Date.now();
  private skippedSweeps = 0;
  private readonly offlineAfterMs: number;
  /** Counters for the logs and benchmarks. */
  readonly stats = { messages: 0, refused: 0, badMessages: 0, eventsStored: 0, lateSweeps: 0 };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    options: SeatHubOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.offlineAfterMs = options.offlineAfterMs ?? SEAT_OFFLINE_AFTER_MS;
    this.batchMs = options.batchMs ?? 10;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SEAT_MESSAGE_BYTES });
    this.sweepMs = options.sweepMs ?? 250;
    this.timers.push(setInterval(() => this.sweep(), this.sweepMs));
    this.timers.push(setInterval(() => void this.flushStatuses(), options.statusFlushMs ?? 1000));
    // Which sitting a seat belongs to depends on the clock as well as on edits.
    this.timers.push(setInterval(() => void this.refreshAssignments(null), 60_000));
    for (const t of this.timers) t.unref();
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
    await this.refreshAssignments(null);
  }

  onChange(listener: SeatChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(ids: Iterable<string>): void {
    for (const l of this.listeners) l.seatsChanged(ids);
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
      offline: true,
      statusDirty: false,
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
    }
  }

  connectedCount(): number {
    let n = 0;
    for (const s of this.seats.values()) if (s.socket) n++;
    return n;
  }

  /**
   * Writes wait this long to gather company: a burst (a room connecting, a thousand seats reporting)
   * becomes a few transactions, each paying for one disk sync, instead of one per message.
   */
  private batchWindow(): Promise<void> {
    return new Promise<void>((r) => setTimeout(r, this.batchMs));
  }

  // ---- views ----

  view(id: string): SeatView | undefined {
    const s = this.seats.get(id);
    if (!s) return undefined;
    const a = this.assignments.get(id);
    const gate = this.gates.get(id);
    const message = this.messages.get(id);
    let state: SeatView['state'];
    let reasons: SeatView['reasons'];
    if (s.offline) {
      state = 'offline';
      reasons = [
        {
          code: 'seat-offline',
          severity: 'block',
          message: s.lastSeenAt
            ? 'The seat has stopped reporting: check the PC is on and the Invigil agent is running.'
            : 'The seat has not connected since the console started.',
        },
      ];
    } else if (!s.status) {
      state = 'not-ready';
      reasons = [{ code: 'no-status', severity: 'block', message: 'Waiting for the seat’s first report.' }];
    } else {
      const r = readiness(s.status.findings);
      state = r.state;
      reasons = s.status.findings
        .filter((f) => f.severity !== 'info')
        .sort((x, y) => (x.severity === y.severity ? 0 : x.severity === 'block' ? -1 : 1))
        .map((f) => ({
          code: f.code,
          severity: f.severity,
          message: f.message,
          ...(f.subject ? { subject: f.subject } : {}),
        }));
    }
    return {
      id: s.seat.id,
      pcName: s.seat.pcName,
      place: s.seat.place,
      state,
      reasons,
      connected: s.socket !== null,
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

  private desiredGate(seatId: string): Record<string, unknown> {
    const s = this.seats.get(seatId);
    const a = this.assignments.get(seatId);
    const seatLabel = s ? (s.seat.place ? `${s.seat.pcName} (${s.seat.place})` : s.seat.pcName) : undefined;
    return {
      // Fail closed: a seat with no confirmed candidate stays on the holding page.
      state: a?.identityConfirmed ? 'released' : 'held',
      ...(a ? { candidateName: a.candidateName } : {}),
      ...(seatLabel ? { seatLabel } : {}),
    };
  }

  /** Queues a new gate instruction when the seat's gate should change; true when it did (and was sent). */
  private async ensureGate(seatId: string, actor: Actor | null): Promise<boolean> {
    const s = this.seats.get(seatId);
    if (!s) return false;
    const desired = this.desiredGate(seatId);
    const current = this.gates.get(seatId);
    if (
      current &&
      current.payload.state === desired.state &&
      current.payload.candidateName === desired.candidateName &&
      current.payload.seatLabel === desired.seatLabel
    ) {
      return false;
    }
    await new Promise<void>((done) => {
      this.gateQueue.push({
        actor: actor ?? { centreId: s.seat.centreId, invigilatorId: null },
        seatId,
        payload: desired,
        done,
      });
      if (!this.gateFlush) {
        this.gateFlush = this.batchWindow().then(() => this.flushGates());
      }
    });
    return true;
  }

  /** One transaction for every gate change queued meanwhile; each is sent once stored. */
  private async flushGates(): Promise<void> {
    const batch = this.gateQueue;
    this.gateQueue = [];
    try {
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
    } catch (error) {
      // Not stored, not sent: the seat stays as it was (held unless released before) and gets it on reconnect.
      this.log.error({ err: error, gates: batch.length }, 'could not store gate instructions');
    } finally {
      for (const b of batch) b.done();
      this.gateFlush = null;
      if (this.gateQueue.length > 0) {
        this.gateFlush = this.batchWindow().then(() => this.flushGates());
      }
    }
  }

  private queueAck(seatId: string, instructionId: string, at: string, ws: WebSocket): void {
    this.ackQueue.push({ seatId, instructionId, at, ws });
    if (!this.ackFlush) this.ackFlush = this.batchWindow().then(() => this.flushAcks());
  }

  private async flushAcks(): Promise<void> {
    const batch = this.ackQueue;
    this.ackQueue = [];
    try {
      const results = await this.store.ackInstructions(batch);
      const changed: string[] = [];
      batch.forEach((a, i) => {
        if (!results[i]) {
          this.error(a.ws, `instruction ${a.instructionId} is not one of this seat's`, 'instruction/ack');
          return;
        }
        const gate = this.gates.get(a.seatId);
        if (gate?.id === a.instructionId && !gate.ackedAt) {
          this.gates.set(a.seatId, { ...gate, ackedAt: a.at });
          changed.push(a.seatId);
        }
        const message = this.messages.get(a.seatId);
        if (message?.id === a.instructionId && !message.ackedAt) {
          this.messages.set(a.seatId, { ...message, ackedAt: a.at });
          changed.push(a.seatId);
        }
      });
      this.changed(changed);
    } catch (error) {
      this.log.error({ err: error, acks: batch.length }, 'could not store instruction acknowledgements');
    } finally {
      this.ackFlush = null;
      if (this.ackQueue.length > 0) {
        this.ackFlush = this.batchWindow().then(() => this.flushAcks());
      }
    }
  }

  async showMessage(actor: Actor, seatId: string, text: string): Promise<InstructionRow> {
    const row = await this.store.createInstruction(actor, seatId, 'instruction/show-message', { text });
    this.messages.set(seatId, row);
    this.sendInstruction(row);
    this.changed([seatId]);
    return row;
  }

  private sendInstruction(row: InstructionRow): void {
    const s = this.seats.get(row.seatId);
    if (!s?.socket || !s.helloDone) return; // sent when the seat next connects
    this.send(s.socket, { ...row.payload, type: row.type, instructionId: row.id } as ConsoleToSeat);
  }

  // ---- connections ----

  private refuse(
    socket: Duplex,
    req: IncomingMessage,
    status: number,
    reason: string,
    seatId?: string,
  ): void {
    this.stats.refused++;
    this.log.warn(
      { remote: req.socket.remoteAddress, seatId: seatId?.slice(0, 64), reason },
      'seat connection refused',
    );
    const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`,
    );
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const auth = req.headers.authorization;
    const seatId = req.headers[SEAT_ID_HEADER];
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ') || typeof seatId !== 'string') {
      this.refuse(socket, req, 401, `missing credential: send Authorization: Bearer and ${SEAT_ID_HEADER}`);
      return;
    }
    const credential = auth.slice('Bearer '.length).trim();
    void this.authenticate(seatId, credential).then(
      (seat) => {
        if (!seat) {
          this.refuse(socket, req, 401, 'unknown seat or wrong credential', seatId);
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(seat, ws, req));
      },
      (error: unknown) => {
        this.log.error({ err: error }, 'seat authentication failed');
        socket.destroy();
      },
    );
  }

  private async authenticate(seatId: string, credential: string): Promise<SeatRow | undefined> {
    let seat = this.seats.get(seatId)?.seat;
    if (!seat && /^[A-Za-z0-9_-]{8,64}$/.test(seatId)) {
      seat = await this.store.getSeat(seatId);
      if (seat) this.addSeat(seat);
    }
    if (!seat || credential.length < 32) return undefined;
    // The credential must be this seat's own: another seat's valid credential is refused too.
    return sameHash(sha256(credential), seat.credentialHash) ? seat : undefined;
  }

  private accept(seat: SeatRow, ws: WebSocket, req: IncomingMessage): void {
    const s = this.seats.get(seat.id);
    if (!s) {
      ws.close(1011, 'seat vanished');
      return;
    }
    if (s.socket) {
      // One live connection per seat: the newer one wins (the agent restarted or the network moved).
      s.socket.close(4000, 'replaced by a newer connection');
    }
    s.socket = ws;
    s.helloDone = false;
    s.seq = -1;
    this.log.info(
      { seatId: seat.id, pcName: seat.pcName, remote: req.socket.remoteAddress },
      'seat connected',
    );
    ws.on('message', (data, isBinary) => {
      void this.onMessage(s, ws, isBinary ? null : data.toString());
    });
    ws.on('close', () => {
      if (s.socket === ws) {
        s.socket = null;
        s.helloDone = false;
        this.changed([seat.id]);
      }
    });
    ws.on('error', (error) => this.log.warn({ seatId: seat.id, err: error.message }, 'seat socket error'));
  }

  private send(ws: WebSocket, message: ConsoleToSeat): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  private error(ws: WebSocket, error: string, inReplyTo?: string): void {
    this.stats.badMessages++;
    this.send(ws, {
      type: 'console/error',
      error: error.slice(0, 2000),
      ...(inReplyTo ? { inReplyTo } : {}),
    });
  }

  private heard(s: LiveSeat, now: number): void {
    s.lastSeenMs = now;
    s.lastSeenAt = new Date(now).toISOString();
    if (s.offline) {
      s.offline = false;
      this.changed([s.seat.id]);
    }
  }

  private async onMessage(s: LiveSeat, ws: WebSocket, text: string | null): Promise<void> {
    if (s.socket !== ws) return;
    this.stats.messages++;
    if (text === null) {
      this.error(ws, 'messages are JSON text, not binary');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.error(ws, 'the message is not valid JSON');
      return;
    }
    if ((json as { type?: unknown })?.type === 'seat/events' && s.helloDone) {
      this.heard(s, Date.now());
      await this.onEvents(s, ws, json);
      return;
    }
    const parsed = SeatToConsoleSchema.safeParse(json);
    const type =
      typeof (json as { type?: unknown })?.type === 'string' ? (json as { type: string }).type : undefined;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      this.error(
        ws,
        `${type ?? 'message'} rejected: ${where}${issue?.message ?? 'invalid'}`,
        type?.slice(0, 64),
      );
      return;
    }
    const msg = parsed.data;
    const now = Date.now();
    if (msg.type !== 'seat/hello' && !s.helloDone) {
      this.error(ws, 'send seat/hello first', msg.type);
      return;
    }
    this.heard(s, now);
    switch (msg.type) {
      case 'seat/hello': {
        if (msg.protocol !== SEAT_PROTOCOL_VERSION) {
          this.error(
            ws,
            `this console speaks seat protocol ${SEAT_PROTOCOL_VERSION}; the seat sent ${msg.protocol}`,
            msg.type,
          );
          ws.close(4406, 'protocol version not supported');
          return;
        }
        s.helloDone = true;
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
          serverTime: new Date(now).toISOString(),
          heartbeatMs: this.heartbeatMs,
          offlineAfterMs: this.offlineAfterMs,
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
        return;
      case 'seat/status': {
        if (msg.seq <= s.seq) return; // an older status overtaken by a newer one
        s.seq = msg.seq;
        s.status = msg.status;
        s.statusJson = JSON.stringify(msg.status);
        s.statusAt = msg.at;
        s.statusDirty = true;
        this.changed([s.seat.id]);
        return;
      }
      case 'instruction/ack':
        this.queueAck(s.seat.id, msg.instructionId, new Date(now).toISOString(), ws);
        return;
    }
  }

  /**
   * Events are checked one by one: a valid event is stored even when its neighbour is not, and an
   * invalid event that carries an id is kept as "rejected" (with the reason) and acknowledged, so one
   * bad event can never block a seat's outbox. Each rejection is reported to the seat and logged.
   */
  private async onEvents(s: LiveSeat, ws: WebSocket, json: unknown): Promise<void> {
    const envelope = EventsEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      this.error(ws, `seat/events rejected: ${where}${issue?.message ?? 'invalid'}`, 'seat/events');
      return;
    }
    const receivedAt = new Date().toISOString();
    const a = this.assignments.get(s.seat.id);
    const rejected: { id: string; json: string }[] = [];
    envelope.data.events.forEach((raw, i) => {
      const parsed = SeatEventSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const reason = `events.${i}${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`;
        const id = IdSchema.safeParse((raw as { id?: unknown } | null)?.id);
        this.error(
          ws,
          `seat/events: ${reason}${id.success ? ' (kept as rejected and acknowledged)' : ''}`,
          'seat/events',
        );
        this.log.warn({ seatId: s.seat.id, reason }, 'seat sent an invalid event');
        if (id.success)
          rejected.push({ id: id.data, json: JSON.stringify({ reason, event: raw }).slice(0, 64_000) });
        return;
      }
      const event = parsed.data;
      const inc = incidentFromEvent(event);
      this.eventQueue.push({
        socket: ws,
        item: {
          seatId: s.seat.id,
          centreId: s.seat.centreId,
          event,
          receivedAt,
          incident: inc
            ? {
                ...inc,
                at: event.at,
                seatId: s.seat.id,
                sittingId: a?.sittingId ?? null,
                entryId: a?.entryId ?? null,
              }
            : null,
        },
      });
    });
    if (rejected.length > 0) {
      try {
        await this.store.storeRejectedEvents(s.seat.id, rejected, receivedAt);
        this.send(ws, { type: 'event/ack', ids: rejected.map((r) => r.id) });
      } catch (error) {
        this.log.error({ err: error }, 'could not keep rejected seat events');
      }
    }
    this.scheduleEventFlush();
  }

  // ---- batched writes ----

  private scheduleEventFlush(): void {
    if (this.eventFlush) return;
    this.eventFlush = this.batchWindow().then(() => this.flushEvents());
  }

  /** One transaction for every event that arrived meanwhile; acknowledgements only after it commits. */
  private async flushEvents(): Promise<void> {
    const batch = this.eventQueue;
    this.eventQueue = [];
    try {
      const incidents = await this.store.storeSeatEvents(batch.map((b) => b.item));
      this.stats.eventsStored += batch.length;
      const bySocket = new Map<WebSocket, string[]>();
      for (const b of batch) {
        const ids = bySocket.get(b.socket) ?? [];
        ids.push(b.item.event.id);
        bySocket.set(b.socket, ids);
      }
      for (const [ws, ids] of bySocket) this.send(ws, { type: 'event/ack', ids });
      this.incidentsAdded(incidents);
    } catch (error) {
      // Not acknowledged: the seats keep the events and send them again.
      this.log.error({ err: error, events: batch.length }, 'could not store seat events');
    } finally {
      this.eventFlush = null;
      if (this.eventQueue.length > 0) this.scheduleEventFlush();
    }
  }

  async flushStatuses(): Promise<void> {
    const rows: SeatStatusRow[] = [];
    for (const s of this.seats.values()) {
      if (!s.statusDirty || !s.status || !s.statusJson || !s.statusAt) continue;
      s.statusDirty = false;
      rows.push({
        seatId: s.seat.id,
        state: readiness(s.status.findings).state,
        statusJson: s.statusJson,
        seq: s.seq,
        at: s.statusAt,
        lastSeenAt: s.lastSeenAt ?? s.statusAt,
      });
    }
    try {
      await this.store.saveSeatStatuses(rows);
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
      if (!s.offline && s.lastSeenMs > 0 && now - s.lastSeenMs > this.offlineAfterMs) {
        s.offline = true;
        wentOffline.push(s);
      }
    }
    if (wentOffline.length === 0) return;
    this.changed(wentOffline.map((s) => s.seat.id));
    const at = new Date(now).toISOString();
    void this.store
      .addAutomaticIncidents(
        wentOffline.map((s) => {
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
      )
      .then(
        (rows) => this.incidentsAdded(rows),
        (error: unknown) => this.log.error({ err: error }, 'could not record offline incidents'),
      );
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.seats.values()) s.socket?.close(1001, 'console stopping');
    if (this.eventFlush) await this.eventFlush;
    if (this.gateFlush) await this.gateFlush;
    if (this.ackFlush) await this.ackFlush;
    await this.flushStatuses();
    this.wss.close();
  }
}

/** A time as people read it in the record (the console runs in the centre, so its clock is the centre's). */
function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}
