/**
 * The seat WebSocket (`/seat`): each upgrade authenticated by the seat's own credential (stored hashed,
 * bound to one seat id) before the socket opens; one live connection per seat (the newer one wins; two
 * live ones are *Seat credential shared*); every message charged to the seat's budget before it is
 * handled; pings every SEAT_PING_MS and a connection silent for SEAT_READ_TIMEOUT_MS cut.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  MAX_SEAT_FRAME_BYTES,
  SEAT_ID_HEADER,
  SEAT_PING_MS,
  SEAT_READ_TIMEOUT_MS,
} from '../../../../shared/schemas/protocol.ts';
import { sameHash, sha256 } from '../../auth.ts';
import type { SeatRow } from '../../store/store.ts';
import type { SeatFlowControl } from './flow-control.ts';
import type { HubState } from './hub-state.ts';
import { type LiveSeat, rawLength } from './live-seat.ts';
import type { SeatPresence } from './presence.ts';
import type { SeatProtocol } from './protocol.ts';
import type { RefusedConnections } from './refused-connections.ts';
import { refuseMessage } from './wire.ts';

/** Close code for a seat whose credential was revoked (its replacement was approved). */
export const CLOSE_REVOKED = 4001;

/**
 * ws reads frames up to this size, so that one over the protocol's limit (MAX_SEAT_FRAME_BYTES) is
 * answered with `console/error` before the close; a larger one is closed with 1009 before it is read.
 */
export const MAX_READ_FRAME_BYTES = 4 * MAX_SEAT_FRAME_BYTES;
/** How often the console looks for seats to ping and connections past the read timeout. */
export const PING_SWEEP_MS = 500;

export class SeatConnections {
  readonly wss: WebSocketServer;

  constructor(
    private readonly h: HubState,
    private readonly presence: SeatPresence,
    private readonly flow: SeatFlowControl,
    private readonly protocol: SeatProtocol,
    private readonly refused: RefusedConnections,
    /** The client's address (behind a trusted proxy, the one it forwarded). */
    private readonly clientAddress: (req: IncomingMessage) => string,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_READ_FRAME_BYTES });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket over, a reset from the peer must not be an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const auth = req.headers.authorization;
    const seatId = req.headers[SEAT_ID_HEADER];
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ') || typeof seatId !== 'string') {
      this.refused.refuse(
        socket,
        req,
        'noCredential',
        401,
        `missing credential: send Authorization: Bearer and ${SEAT_ID_HEADER}`,
      );
      return;
    }
    const credential = auth.slice('Bearer '.length).trim();
    this.authenticate(seatId, credential).then(
      (result) => {
        if (socket.destroyed) return;
        if (result.kind === 'refused') {
          this.refused.refuse(
            socket,
            req,
            'wrongCredential',
            401,
            'unknown seat or wrong credential',
            result.seat,
          );
          return;
        }
        if (result.kind === 'pending') {
          this.refused.refuse(
            socket,
            req,
            'pendingReplacement',
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
        this.h.log.error({ err: error }, 'seat authentication failed');
        socket.destroy();
      },
    );
  }

  private async authenticate(
    seatId: string,
    credential: string,
  ): Promise<{ kind: 'ok' | 'pending'; seat: SeatRow } | { kind: 'refused'; seat?: SeatRow }> {
    let seat = this.h.seats.get(seatId)?.seat;
    if (!seat && /^[A-Za-z0-9_-]{8,64}$/.test(seatId)) {
      seat = await this.h.store.getSeat(seatId);
      if (seat) this.h.addSeat(seat);
    }
    if (!seat) return { kind: 'refused' };
    if (credential.length < 32 || credential.length > 256) return { kind: 'refused', seat };
    const hash = sha256(credential);
    // The credential must be this seat's own: another seat's valid credential is refused too.
    if (sameHash(hash, seat.credentialHash)) return { kind: 'ok', seat };
    const request = await this.h.store.replacementByCredential(hash);
    if (request?.seatId === seat.id && request.status === 'pending') return { kind: 'pending', seat };
    return { kind: 'refused', seat };
  }

  /** A seat's credential changed (its replacement was approved): the PC using the old one is disconnected, on every process. */
  credentialReplaced(seat: SeatRow, announce = true): void {
    this.h.addSeat(seat);
    const s = this.h.seats.get(seat.id);
    if (s?.socket) s.socket.close(CLOSE_REVOKED, 'this seat was given to another PC');
    if (announce) this.h.bus.publish({ k: 'seat-rows', ids: [seat.id] });
  }

  private accept(seat: SeatRow, ws: WebSocket, req: IncomingMessage): void {
    const s = this.h.seats.get(seat.id);
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
      if (!s.offline && s.lastSeenMs > 0 && now - s.lastSeenMs <= this.h.offlineAfterMs)
        this.presence.credentialShared(s, s.remote, remote, now);
      s.socket.close(4000, 'replaced by a newer connection');
    }
    this.flow.endPause(s);
    s.socket = ws;
    s.elsewhere = null;
    s.helloDone = false;
    s.seq = 0;
    s.remote = remote;
    s.rxMs = now;
    s.pingedMs = now;
    // Announced as here once it speaks (heard): a connection that says nothing is not a seat online.
    // One that was online moments ago (it reconnected at once) is taken back now.
    if (!s.offline) this.presence.presenceChanged(s, true);
    this.h.log.info({ seatId: seat.id, pcName: seat.pcName, remote }, 'seat connected');
    ws.on('pong', () => {
      if (s.socket === ws) s.rxMs = Date.now();
    });
    ws.on('message', (data, isBinary) => {
      try {
        this.receive(s, ws, data, isBinary);
      } catch (error) {
        this.h.log.error({ err: error, seatId: seat.id }, 'seat message failed');
      }
    });
    ws.on('close', () => {
      if (s.socket === ws) {
        s.socket = null;
        s.helloDone = false;
        this.flow.endPause(s);
        this.h.changed([seat.id]);
        this.presence.presenceChanged(s);
      }
    });
    ws.on('error', (error) => this.h.log.warn({ seatId: seat.id, err: error.message }, 'seat socket error'));
  }

  /** A message off the socket: charged to the seat's budget, then handled (or held while it is paused). */
  private receive(s: LiveSeat, ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (s.socket !== ws) return;
    const bytes = rawLength(data);
    s.rxMs = Date.now();
    if (bytes > MAX_SEAT_FRAME_BYTES) {
      // Answered before the close, so that the seat knows why (section 2 of docs/protocol.md).
      refuseMessage(this.h, ws, {
        code: 'frame-too-large',
        error: `the frame is ${bytes} bytes; the limit is ${MAX_SEAT_FRAME_BYTES}: split batches by size`,
      });
      this.h.log.warn({ seatId: s.seat.id, bytes }, 'seat sent a frame over the limit: closed');
      ws.close(1009, 'frame too large');
      setTimeout(() => ws.terminate(), 5000).unref();
      return;
    }
    if (s.pausedUntil > 0) {
      this.flow.defer(s, ws, data, isBinary, bytes);
      return;
    }
    const over = s.budget.message(bytes);
    if (over) {
      this.flow.overBudget(s, ws, over, undefined);
      this.flow.defer(s, ws, data, isBinary, bytes);
      return;
    }
    this.protocol.handle(s, ws, data, isBinary);
  }

  /** Pings each seat every SEAT_PING_MS; cuts a connection nothing has arrived on for SEAT_READ_TIMEOUT_MS. */
  pingSweep(): void {
    const now = Date.now();
    for (const s of this.h.seats.values()) {
      const ws = s.socket;
      if (!ws || ws.readyState !== ws.OPEN) continue;
      // A paused seat is not being read, so its silence says nothing.
      if (s.pausedUntil > 0) continue;
      if (now - s.rxMs > SEAT_READ_TIMEOUT_MS) {
        this.h.log.warn(
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
}
