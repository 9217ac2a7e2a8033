/**
 * Seat connections refused before the WebSocket opens (no credential, a wrong or revoked one, a PC
 * waiting to be approved as a replacement): answered with a plain HTTP status, counted, and logged
 * sparingly (they need no credential to send). Refusals for an enrolled seat are counted per seat
 * (seats/seat-refusals.ts): five within ten minutes make a notice and an incident.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { excerpt } from '../../../../shared/schemas/bounded-json.ts';
import { SEAT_ID_HEADER } from '../../../../shared/schemas/protocol.ts';
import type { NewIncident, SeatRow } from '../../store/store.ts';
import { RefusalTracker, type RefusalTrackerOptions } from '../seat-refusals.ts';
import type { HubState } from './hub-state.ts';

/**
 * Why a seat connection was refused (counted per reason for /api/health; the seat is told in words). An
 * unknown seat and a wrong credential are one reason, as they are one answer to the seat: /api/health is
 * public, and two counts would tell anyone whether a seat id they tried exists.
 */
export type RefusalReason = 'noCredential' | 'wrongCredential' | 'pendingReplacement';

export class RefusedConnections {
  private readonly refusals: RefusalTracker;
  /** Refusals of unknown seats are logged at most once a second, with how many were not. */
  private unknownRefusals = { loggedAt: 0, unlogged: 0 };

  constructor(
    private readonly h: HubState,
    /** The client's address (behind a trusted proxy, the one it forwarded). */
    private readonly clientAddress: (req: IncomingMessage) => string,
    options: RefusalTrackerOptions | undefined,
  ) {
    this.refusals = new RefusalTracker((summaries) => this.reportRefusals(summaries), {
      ...options,
      onError: (error) => this.h.log.error({ err: error }, 'could not record refused seat connections'),
    });
  }

  close(): void {
    this.refusals.close();
  }

  refuse(
    socket: Duplex,
    req: IncomingMessage,
    why: RefusalReason,
    status: number,
    reason: string,
    seat?: SeatRow,
    counts = true,
  ): void {
    this.h.stats.refused++;
    this.h.stats.refusedByReason[why]++;
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
      this.h.log.warn(
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
      const seat = this.h.seats.get(r.seatId)?.seat;
      if (!seat) continue;
      await this.h.store.noteRefusedConnections(seat.centreId, seat.id, r);
      centres.add(seat.centreId);
      const where = this.h.sittingOf(seat.id);
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
    if (incidents.length > 0) this.h.incidentsAdded(await this.h.store.addAutomaticIncidents(incidents));
    for (const c of centres) this.h.noticesChanged(c);
  }
}
