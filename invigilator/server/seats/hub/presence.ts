/**
 * Where each seat is connected, across console processes on one database (issue 12; the table is
 * `seat_presence`, written through seats/presence-repository.ts): this process writes its own seats'
 * presence (connected, left, flooding, credential shared) in batches and announces it; it applies what
 * other processes wrote to the seats it does not hold; and one live connection per seat across the
 * centre (a second one with the same credential is *Seat credential shared*). Also when a seat was
 * last heard from (`heard`), which ends its offline episode.
 */
import { Batcher } from '../../batcher.ts';
import type { SeatStatusRow } from '../../store/store.ts';
import type { PresenceRow, PresenceWrite } from '../presence-repository.ts';
import type { HubState } from './hub-state.ts';
import { type LiveSeat, safeStatus } from './live-seat.ts';

/** Two live connections with one credential: the seat shows Not ready this long, and one incident at most this often. */
export const CREDENTIAL_SHARED_MS = 10 * 60_000;

/** A seat's presence to write: `take` when it connected here (whoever held it), else only if still this process's. */
interface QueuedPresence {
  seatId: string;
  take: boolean;
}

export class SeatPresence {
  /** Presence changes (a seat connected, left, flooded...), written in batches and announced to other processes. */
  private readonly writes: Batcher<QueuedPresence>;

  constructor(
    private readonly h: HubState,
    windowMs: number,
  ) {
    this.writes = new Batcher({
      windowMs,
      maxItems: 2000,
      write: (batch) => this.writePresence(batch),
      onError: (error, batch) =>
        this.h.log.error({ err: error, seats: batch.length }, 'could not note where seats are connected'),
    });
  }

  drain(): Promise<void> {
    return this.writes.drain();
  }

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
  presenceChanged(s: LiveSeat, take = false): void {
    void this.writes.add({ seatId: s.seat.id, take });
  }

  private async writePresence(batch: QueuedPresence[]): Promise<void> {
    const take = new Map<string, PresenceWrite>();
    const touch = new Map<string, PresenceWrite>();
    for (const b of batch) {
      const s = this.h.seats.get(b.seatId);
      if (!s) continue;
      if (s.socket && (b.take || take.has(b.seatId))) {
        take.set(b.seatId, this.presenceOf(s));
        touch.delete(b.seatId);
      } else if (!take.has(b.seatId)) touch.set(b.seatId, this.presenceOf(s));
    }
    const displaced = await this.h.store.presence.take([...take.values()]);
    // One live connection per seat across the centre: a seat another process was still hearing from
    // moments ago has two agents on its credential (as accept() finds within one process). The other
    // process closes its older connection when it reads that the seat is this process's now.
    const now = Date.now();
    for (const [seatId, seenAt] of displaced) {
      const s = this.h.seats.get(seatId);
      if (s?.socket && now - Date.parse(seenAt) <= this.h.offlineAfterMs)
        this.credentialShared(s, 'a connection to another console process', s.remote, now);
    }
    const mine = await this.h.store.presence.touch([...touch.values()]);
    const ids = [...take.keys(), ...touch.keys()];
    if (ids.length > 0) this.h.bus.publish({ k: 'seats', ids });
    // A seat that left this process and is now another's: show it as that process says.
    const gone = [...touch.keys()].filter((id) => !mine.has(id));
    if (gone.length > 0) await this.refreshPresence(gone);
  }

  /**
   * Every 2 s, when other processes share the database: this process's heartbeat for the seats it holds.
   * (On SQLite nobody else reads it: the restart grace covers a console that stopped.)
   */
  async heartbeatPresence(): Promise<void> {
    if (this.h.bus.shared) await this.h.store.presence.heartbeat(new Date().toISOString());
  }

  /**
   * Another process announced that these seats changed: their presence and status are read again
   * (for seats this process does not hold), and dashboards are told.
   */
  async refreshPresence(seatIds: readonly string[]): Promise<void> {
    if (seatIds.length === 0) return;
    for (const id of seatIds) if (!this.h.seats.has(id)) await this.h.loadSeat(id);
    const known = seatIds.filter((id) => this.h.seats.has(id));
    // Two independent reads (neither depends on the other, and neither is in a transaction: as one
    // after the other, each sees what was committed when it ran), at once: on PostgreSQL two pooled
    // connections, one wait for the event loop instead of two on the way to the dashboards.
    const [presence, statuses] = await Promise.all([
      this.h.store.presence.read(known),
      this.h.store.loadSeatStatuses(known),
    ]);
    this.applyPresence(presence, statuses, known);
  }

  /** Applies presence and status rows written by other processes to the seats this process does not hold. */
  applyPresence(
    presence: readonly PresenceRow[],
    statuses: readonly SeatStatusRow[],
    ids?: readonly string[],
  ): void {
    const touched = new Set<string>(ids ?? []);
    const now = Date.now();
    for (const p of presence) {
      const s = this.h.seats.get(p.seatId);
      if (!s) continue;
      if (
        s.socket &&
        this.h.bus.shared &&
        p.instanceId !== this.h.me &&
        p.connected &&
        p.offlineSince === null
      ) {
        // Another process took this seat after this one did: its connection is the newer one.
        this.h.log.warn(
          { seatId: s.seat.id, pcName: s.seat.pcName },
          'seat connected to another console process',
        );
        s.socket.close(4000, 'replaced by a newer connection');
        continue;
      }
      if (s.socket) continue;
      // Only another live process's word counts: on SQLite there is none (rows are this process's
      // predecessors'), and a row its holder stopped writing is a dead process's (takeOverAbandoned).
      const fresh = p.offlineSince !== null || now - Date.parse(p.seenAt) <= this.h.abandonedAfterMs;
      s.elsewhere = this.h.bus.shared && p.instanceId !== this.h.me && fresh ? p : null;
      touched.add(p.seatId);
    }
    for (const row of statuses) {
      const s = this.h.seats.get(row.seatId);
      if (!s || s.socket || row.statusJson === s.statusJson) continue;
      const parsed = safeStatus(row.statusJson);
      if (!parsed) continue;
      s.status = parsed;
      s.statusJson = row.statusJson;
      s.statusAt = row.at;
      s.lastSeenAt = row.lastSeenAt;
    }
    if (touched.size > 0) this.h.changed(touched);
  }

  /** Two live connections presented one seat's credential: the seat shows Not ready, and one incident in ten minutes. */
  credentialShared(s: LiveSeat, older: string, newer: string, now: number): void {
    s.sharedUntil = now + CREDENTIAL_SHARED_MS;
    this.h.changed([s.seat.id]);
    this.presenceChanged(s);
    this.h.log.warn(
      { seatId: s.seat.id, pcName: s.seat.pcName, older, newer },
      'two live connections with one seat credential',
    );
    if (now - s.sharedIncidentMs < CREDENTIAL_SHARED_MS) return;
    s.sharedIncidentMs = now;
    this.h.seatIncident(
      s,
      'seat-credential-shared',
      `Two connections are using ${s.seat.pcName}'s credential: from ${older || 'an unknown address'} and ${newer}. A second agent or a copied PC is reporting as this seat; enrol it with its own name.`,
      now,
      'a shared credential',
    );
  }

  heard(s: LiveSeat, now: number): void {
    // "Last seen" as text is kept to the second: one date string a second per seat, not one per message
    // (it was 5 % of the console's time at 10,000 seats).
    if (now - s.lastSeenAtMs >= 1000) {
      s.lastSeenAt = new Date(now).toISOString();
      s.lastSeenAtMs = now;
    }
    s.lastSeenMs = now;
    if (s.offline) {
      s.offline = false;
      this.h.changed([s.seat.id]);
      // Back: its offline episode (if one was recorded) is over, on every process.
      this.presenceChanged(s, true);
    }
  }
}
