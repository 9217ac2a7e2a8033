/**
 * The seat protocol's messages (shared/schemas/protocol.ts, docs/protocol.md): each frame bounded in
 * size and depth before anything walks it (seats/seat-frame.ts), `seat/hello` first and once, then
 * heartbeats and statuses (`seq` strictly rising per connection), events (seats/hub/events.ts) and
 * instruction acknowledgements. Heartbeats touch memory only; statuses are written once a second in
 * one transaction (`flushStatuses`).
 */
import type { RawData, WebSocket } from 'ws';
import { excerpt } from '../../../../shared/schemas/bounded-json.ts';
import { IdSchema } from '../../../../shared/schemas/common.ts';
import {
  type ConsoleErrorCode,
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  MAX_SEAT_FRAME_BYTES,
  SEAT_CLOSE,
  SEAT_PING_MS,
  SEAT_PROTOCOL_VERSION,
  SEAT_READ_TIMEOUT_MS,
  SeatToConsoleSchema,
} from '../../../../shared/schemas/protocol.ts';
import type { SeatStatusRow } from '../../store/store.ts';
import { readSeatFrame, SEAT_FRAME_LIMITS } from '../seat-frame.ts';
import type { SeatEvents } from './events.ts';
import type { HubState } from './hub-state.ts';
import type { SeatInstructions } from './instructions.ts';
import type { LiveSeat } from './live-seat.ts';
import type { OfflineDetector } from './offline.ts';
import type { SeatPresence } from './presence.ts';
import { seatReadiness } from './views.ts';
import { refuseMessage, send } from './wire.ts';

export class SeatProtocol {
  constructor(
    private readonly h: HubState,
    private readonly presence: SeatPresence,
    private readonly offline: OfflineDetector,
    private readonly instructions: SeatInstructions,
    private readonly events: SeatEvents,
  ) {}

  handle(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean): void {
    const text = isBinary ? null : Array.isArray(data) ? Buffer.concat(data).toString() : data.toString();
    this.onMessage(s, ws, text).catch((error: unknown) =>
      this.h.log.error({ err: error, seatId: s.seat.id }, 'seat message failed'),
    );
  }

  private async onMessage(s: LiveSeat, ws: WebSocket, text: string | null): Promise<void> {
    if (s.socket !== ws) return;
    this.h.stats.messages++;
    if (text === null) {
      refuseMessage(this.h, ws, { code: 'binary-frame', error: 'frames are JSON text, not binary' });
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
      refuseMessage(this.h, ws, {
        code,
        error:
          code === 'too-deep'
            ? `the frame nests more than ${SEAT_FRAME_LIMITS.maxDepth} levels deep`
            : `the frame is refused: ${frame.reason}`,
      });
      this.h.log.warn(
        { seatId: s.seat.id, reason: frame.reason, excerpt: frame.excerpt },
        'seat sent a bad frame',
      );
      return;
    }
    const json = frame.value as Record<string, unknown> | null;
    const fields = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
    const type = typeof fields.type === 'string' ? excerpt(fields.type, 64) : undefined;
    if (type !== 'seat/hello' && !s.helloDone) {
      refuseMessage(this.h, ws, { code: 'hello-first', error: 'send seat/hello first', messageType: type });
      return;
    }
    if (type === 'seat/hello' && s.helloDone) {
      refuseMessage(this.h, ws, {
        code: 'hello-again',
        error: 'seat/hello refused: this connection has already said hello',
        messageType: type,
      });
      return;
    }
    if (type === 'seat/events') {
      this.presence.heard(s, Date.now());
      await this.events.onEvents(s, ws, json, text);
      return;
    }
    const parsed = SeatToConsoleSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      const id = IdSchema.safeParse(fields.instructionId);
      const seq = fields.seq;
      refuseMessage(this.h, ws, {
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
    this.presence.heard(s, now);
    switch (msg.type) {
      case 'seat/hello': {
        if (msg.protocol !== SEAT_PROTOCOL_VERSION) {
          refuseMessage(this.h, ws, {
            code: 'protocol-version',
            error: `this console speaks seat protocol ${SEAT_PROTOCOL_VERSION}; the seat sent ${msg.protocol}`,
            messageType: msg.type,
          });
          ws.close(SEAT_CLOSE.protocolVersion, 'protocol version not supported');
          return;
        }
        s.helloDone = true;
        this.offline.cameBack(s);
        if (msg.pcName !== s.seat.pcName) {
          // The seat map shows the enrolled name; a PC cannot rename itself (docs/protocol.md, 3.1).
          this.h.log.warn(
            { seatId: s.seat.id, pcName: s.seat.pcName, helloPcName: excerpt(msg.pcName, 200) },
            'seat hello names another PC name: ignored',
          );
        }
        if (msg.place && !s.seat.place) {
          await this.h.store.updateSeatPlace(
            { centreId: s.seat.centreId, invigilatorId: null },
            s.seat.id,
            msg.place,
          );
          s.seat = { ...s.seat, place: msg.place };
        }
        send(this.h, ws, {
          type: 'console/welcome',
          protocol: SEAT_PROTOCOL_VERSION,
          seatId: s.seat.id,
          pcName: s.seat.pcName,
          serverTime: new Date(now).toISOString(),
          heartbeatMs: this.h.heartbeatMs,
          offlineAfterMs: this.h.offlineAfterMs,
          pingMs: SEAT_PING_MS,
          readTimeoutMs: SEAT_READ_TIMEOUT_MS,
          limits: {
            frameBytes: MAX_SEAT_FRAME_BYTES,
            eventsPerBatch: MAX_SEAT_EVENTS_PER_MESSAGE,
            eventBytes: MAX_SEAT_EVENT_BYTES,
          },
        });
        // A reconnecting seat gets the current gate again (its holding page may have restarted), and any message not yet acknowledged.
        const fresh = await this.instructions.ensureGate(s.seat.id, null);
        for (const row of await this.h.store.instructionsToResend(s.seat.id)) {
          if (fresh && row.type === 'instruction/gate') continue; // just sent
          this.instructions.sendInstruction(row);
        }
        this.h.changed([s.seat.id]);
        return;
      }
      case 'seat/heartbeat':
      case 'seat/status': {
        // One counter per connection for statuses and heartbeats: an older one never overwrites a newer.
        if (msg.seq <= s.seq) {
          refuseMessage(this.h, ws, {
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
        this.h.changed([s.seat.id]);
        return;
      }
      case 'instruction/ack':
        this.instructions.ack({
          seatId: s.seat.id,
          instructionId: msg.instructionId,
          at: new Date(now).toISOString(),
          ws,
        });
        return;
    }
  }

  async flushStatuses(): Promise<void> {
    const rows: SeatStatusRow[] = [];
    for (const s of this.h.seats.values()) {
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
      await this.h.store.saveSeatStatuses(rows);
      if (rows.length > 0) this.h.bus.publish({ k: 'seats', ids: rows.map((r) => r.seatId) });
    } catch (error) {
      for (const r of rows) {
        const s = this.h.seats.get(r.seatId);
        if (s) s.statusDirty = true;
      }
      this.h.log.error({ err: error }, 'could not save seat statuses');
    }
  }
}
