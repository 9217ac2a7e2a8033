/**
 * Seats going Offline, recorded once (issue 12): a seat this process holds that falls silent for
 * `offlineAfterMs` (the sweep); a seat whose holding process stopped writing about it (another
 * process was killed: taken over after `abandonedAfterMs`); and after a restart, seats that were
 * online and have not come back within SEAT_RESTART_GRACE_MS. Each offline episode is claimed in the
 * database with its *Seat offline* incident, in one transaction (seats/presence-repository.ts), so it
 * is recorded once, and not at all for a seat that reconnected to another process meanwhile. Also the
 * console's alive note (`console_alive`), every ALIVE_NOTE_MS.
 */
import { SEAT_RESTART_GRACE_MS } from '../../../../shared/schemas/protocol.ts';
import type { OfflineClaim, OfflineIncident } from '../presence-repository.ts';
import type { HubState } from './hub-state.ts';
import { clockTime, type LiveSeat } from './live-seat.ts';
import type { SeatPresence } from './presence.ts';

/** How often the console notes that it is alive, and which seats are online (for after a restart). */
export const ALIVE_NOTE_MS = 2000;

export class OfflineDetector {
  /** Not before this time does this process record seats abandoned by another (its own restart grace first). */
  private takeoverFrom = Number.POSITIVE_INFINITY;
  private lastSweep = Date.now();
  private skippedSweeps = 0;
  /** After a restart: when the console was last noted alive, when it started again, and the seats online then that have not said hello since. */
  private restart: { downMs: number; upMs: number; waiting: Set<string> } | null = null;
  private initDone = false;
  /** The online seats as last noted (so that an unchanged list is not written again). */
  private lastOnlineNote = '';
  /** Seats that went offline whose claim and incident could not be written (tried again). */
  private unrecordedOffline: { seats: LiveSeat[]; at: string }[] = [];

  /** Set when the hub closes: no more alive notes. */
  closing = false;

  constructor(
    private readonly h: HubState,
    private readonly presence: SeatPresence,
    private readonly sweepMs: number,
  ) {}

  /** At start, after the seats are read: a restart's grace begins (when the last note says seats were online), then the first alive note. */
  async start(): Promise<void> {
    const alive = await this.h.store.lastConsoleAlive();
    const upMs = Date.now();
    // Seats another process held are recorded offline by this one only after its own restart grace.
    this.takeoverFrom = upMs + SEAT_RESTART_GRACE_MS + ALIVE_NOTE_MS;
    // Another console process serving this database wrote the note: its seats are online there, not
    // waiting for this one (several processes on one PostgreSQL database).
    if (alive?.writerAlive)
      this.h.log.info({ seats: alive.onlineSeatIds.length }, 'another console serves this database');
    else if (alive) {
      const waiting = new Set(alive.onlineSeatIds.filter((id) => this.h.seats.has(id)));
      if (waiting.size > 0) {
        this.restart = { downMs: Date.parse(alive.at), upMs, waiting };
        this.h.log.info(
          { seats: waiting.size, downAt: alive.at },
          `console restarted: seats online before have ${SEAT_RESTART_GRACE_MS / 1000} s to come back`,
        );
        const t = setTimeout(
          () => this.h.guard('restart grace', () => this.restartGraceOver()),
          SEAT_RESTART_GRACE_MS,
        );
        t.unref();
        this.h.timers.push(t);
      }
    }
    this.initDone = true;
    await this.noteAlive();
  }

  /** A seat said hello: if it was online before a restart, it came back in time. */
  cameBack(s: LiveSeat): void {
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
      const s = this.h.seats.get(id);
      if (!s || s.helloDone) continue;
      const where = this.h.sittingOf(id);
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
    void this.h.store.presence
      .claimNotBack(incidents, new Date().toISOString())
      .then(async ({ claimed, incidents: rows }) => {
        if (claimed.size === 0) return;
        this.h.log.warn({ seats: claimed.size }, 'seats did not come back after the console restarted');
        this.h.incidentsAdded(rows);
        this.h.bus.publish({ k: 'seats', ids: [...claimed] });
        await this.presence.refreshPresence([...claimed]);
      })
      .catch((error: unknown) => this.h.log.error({ err: error }, 'could not record offline incidents'));
  }

  /** Notes that the console is alive, and which seats are online (those waiting after a restart count). */
  async noteAlive(): Promise<void> {
    if (!this.initDone || this.closing) return;
    const online: string[] = [];
    for (const s of this.h.seats.values()) if (!s.offline) online.push(s.seat.id);
    if (this.restart) for (const id of this.restart.waiting) online.push(id);
    online.sort();
    const note = online.join(',');
    const changed = note !== this.lastOnlineNote;
    await this.h.store.noteConsoleAlive(new Date().toISOString(), changed ? online : null);
    this.lastOnlineNote = note;
    await this.presence.heartbeatPresence();
    await this.takeOverAbandoned();
    await this.retryUnrecordedOffline();
  }

  /**
   * Seats whose holder has written nothing about them for `abandonedAfterMs`: that process is gone
   * (killed, or its machine). If they have not reconnected anywhere since, one process records them
   * offline (the first whose conditional UPDATE claims the episode).
   */
  private async takeOverAbandoned(): Promise<void> {
    if (this.h.bus.shared) {
      const dead = await this.h.store.presence.disconnectDeadHolders();
      if (dead.length > 0) {
        this.h.bus.publish({ k: 'seats', ids: dead });
        await this.presence.refreshPresence(dead);
      }
    }
    const now = Date.now();
    if (now < this.takeoverFrom) return;
    // The claim and the incidents are one transaction (a process dying between them loses neither).
    const at = new Date(now).toISOString();
    const { claimed, incidents } = await this.h.store.presence.claimAbandoned(
      new Date(now - this.h.abandonedAfterMs).toISOString(),
      at,
      this.restart?.waiting ?? new Set(),
      (c) => {
        const where = this.h.sittingOf(c.seatId);
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
    this.h.log.warn(
      { seats: claimed.size },
      'seats left by a console process that stopped: recorded offline',
    );
    await this.presence.refreshPresence([...claimed]);
    this.h.bus.publish({ k: 'seats', ids: [...claimed] });
    this.h.incidentsAdded(incidents);
  }

  /** Seats silent for longer than the offline threshold turn Offline, with an incident for the record. */
  sweep(): void {
    const now = Date.now();
    const late = now - this.lastSweep - this.sweepMs;
    this.lastSweep = now;
    // Timers run before the socket reads in each turn of the event loop: after the console itself
    // stalled (a long write, the machine overloaded), heartbeats may be waiting unread. Let them be read
    // before blaming any seat. Never more than a few sweeps in a row, so an overloaded console still
    // shows a seat that really stopped as Offline (fail closed).
    if (late > 250 && this.skippedSweeps < 4) {
      this.skippedSweeps++;
      this.h.stats.lateSweeps++;
      return;
    }
    this.skippedSweeps = 0;
    const wentOffline: LiveSeat[] = [];
    for (const s of this.h.seats.values()) {
      // A paused seat is not read, not silent: it is shown as flooding, not Offline.
      if (s.pausedUntil > 0) continue;
      if (!s.offline && s.lastSeenMs > 0 && now - s.lastSeenMs > this.h.offlineAfterMs) {
        s.offline = true;
        wentOffline.push(s);
      }
    }
    if (wentOffline.length === 0) return;
    this.h.changed(wentOffline.map((s) => s.seat.id));
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
      claim = await this.h.store.presence.claimOwnOffline(
        candidates.map((s) => {
          const a = this.h.assignments.get(s.seat.id);
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
      this.h.log.error({ err: error }, 'could not record offline incidents: trying again');
      this.unrecordedOffline.push({ seats: candidates, at });
      return;
    }
    const claimed = claim.claimed;
    const wentOffline = candidates.filter((s) => claimed.has(s.seat.id));
    const movedOn = candidates.filter((s) => !claimed.has(s.seat.id)).map((s) => s.seat.id);
    if (movedOn.length > 0)
      await this.presence
        .refreshPresence(movedOn)
        .catch((error: unknown) => this.h.log.error({ err: error }, 'could not read where seats went'));
    if (wentOffline.length === 0) return;
    this.h.bus.publish({ k: 'seats', ids: wentOffline.map((s) => s.seat.id) });
    this.h.incidentsAdded(claim.incidents);
  }

  /**
   * Offline episodes whose claim (and incident) could not be written: tried again every ALIVE_NOTE_MS
   * for the seats still offline (one that spoke since is back, and its episode is over).
   */
  private async retryUnrecordedOffline(): Promise<void> {
    const failed = this.unrecordedOffline;
    this.unrecordedOffline = [];
    for (const f of failed) {
      const still = f.seats.filter((s) => s.offline && this.h.seats.get(s.seat.id) === s);
      if (still.length > 0) await this.recordOffline(still, f.at);
    }
  }
}
