/**
 * Issue 12: which console process holds each seat (table `seat_presence`, migration 9), so that every
 * process can show every seat, and a seat's going offline is recorded once.
 *
 * - The process a seat connects to takes its row (`take`), whoever held it before.
 * - While it holds the seat it writes when it last heard from it every 2 s (`touch`, only its own rows):
 *   that is its heartbeat for the seat. A process killed with kill -9 stops writing.
 * - An offline episode is claimed by one conditional UPDATE (`offline_since IS NULL`): by the holder when
 *   the seat falls silent (`claimOwnOffline`), or by any other process once the holder's heartbeat for
 *   the seat is stale (`claimAbandoned`). Whoever's UPDATE changes the row records the incident; the
 *   others' find `offline_since` set and record nothing. A seat back on any process clears it (`take`).
 * - The claim and its *Seat offline* incident are one transaction: a process that dies (or whose
 *   incident cannot be written) between the two leaves the episode unclaimed, so that it is recorded
 *   later (by another process, or after the restart grace), never claimed and lost.
 */
import { sql } from 'kysely';
import { CONSOLE_APPLICATION_NAME, type Db, type Trx } from '../db/database.ts';
import { chunks } from '../db/rows.ts';
import {
  type IncidentRow,
  incidentsById,
  lockSeats,
  type NewIncident,
  recordIncident,
} from '../record/incident-repository.ts';

export interface PresenceRow {
  seatId: string;
  instanceId: string;
  connected: boolean;
  seenAt: string;
  offlineSince: string | null;
  floodingUntil: string | null;
  sharedUntil: string | null;
}

/** What the holder writes about a seat it holds. */
export interface PresenceWrite {
  seatId: string;
  connected: boolean;
  seenAt: string;
  floodingUntil: string | null;
  sharedUntil: string | null;
}

/** A seat's *Seat offline* incident, recorded only if its offline episode is claimed. */
export type OfflineIncident = NewIncident & { centreId: string; seatId: string };

/** The offline episodes claimed, and the incidents recorded for them in the same transaction. */
export interface OfflineClaim {
  claimed: Set<string>;
  incidents: IncidentRow[];
}

/** A seat whose holder stopped writing about it, as claimed (for its incident's words). */
export interface AbandonedSeat {
  seatId: string;
  seenAt: string;
  centreId: string;
  pcName: string;
}

/**
 * Rows in seat order: every multi-row write to seat_presence locks its rows in this one order, so that two
 * of them (a room connecting or leaving, and the heartbeat) never wait on each other in a circle.
 */
function bySeat<T extends { seatId: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.seatId < b.seatId ? -1 : a.seatId > b.seatId ? 1 : 0));
}

export class PresenceRepository {
  constructor(private readonly db: Db) {}

  private get me(): string {
    return this.db.instanceId;
  }

  /**
   * This process holds these seats now (they connected to it): their rows are its, back online. Returns
   * the seats that another live process held with a live connection until now (PostgreSQL: a process
   * still connected to the database), with when it last heard from them: a second agent with the same
   * credential, unless the seat has just moved.
   */
  async take(rows: readonly PresenceWrite[]): Promise<Map<string, string>> {
    const displaced = new Map<string, string>();
    if (rows.length === 0) return displaced;
    await this.db.transaction(
      async (trx) => {
        for (const slice of chunks(bySeat(rows), 500)) {
          if (this.db.engine === 'postgres') {
            const ids = slice.map((r) => r.seatId);
            const before = await sql<{
              seat_id: string;
              seen_at: string;
            }>`SELECT seat_id, seen_at FROM seat_presence
              WHERE seat_id IN (${sql.join(ids)}) AND instance_id <> ${this.me} AND connected = 1
                AND offline_since IS NULL
                AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                  AND application_name IN (${`${CONSOLE_APPLICATION_NAME} `} || seat_presence.instance_id,
                                           ${`${CONSOLE_APPLICATION_NAME} `} || seat_presence.instance_id || ' listen'))`.execute(
              trx,
            );
            for (const r of before.rows) displaced.set(r.seat_id, r.seen_at);
          }
          await trx
            .insertInto('seat_presence')
            .values(slice.map((r) => this.values(r)))
            .onConflict((oc) =>
              oc.column('seat_id').doUpdateSet((eb) => ({
                instance_id: eb.ref('excluded.instance_id'),
                connected: eb.ref('excluded.connected'),
                seen_at: eb.ref('excluded.seen_at'),
                offline_since: null,
                flooding_until: eb.ref('excluded.flooding_until'),
                shared_until: eb.ref('excluded.shared_until'),
              })),
            )
            .execute();
        }
      },
      { relaxed: true },
    );
    return displaced;
  }

  /**
   * Updates the rows this process holds (its heartbeat, a disconnection, flags); a row another process
   * has taken since is left alone. Returns the seats whose row is still this process's.
   */
  async touch(rows: readonly PresenceWrite[]): Promise<Set<string>> {
    const mine = new Set<string>();
    if (rows.length === 0) return mine;
    await this.db.transaction(
      async (trx) => {
        for (const slice of chunks(bySeat(rows), 500)) {
          const r = await trx
            .insertInto('seat_presence')
            .values(slice.map((w) => this.values(w)))
            .onConflict((oc) =>
              oc
                .column('seat_id')
                .doUpdateSet((eb) => ({
                  connected: eb.ref('excluded.connected'),
                  seen_at: eb.ref('excluded.seen_at'),
                  flooding_until: eb.ref('excluded.flooding_until'),
                  shared_until: eb.ref('excluded.shared_until'),
                }))
                .where('seat_presence.instance_id', '=', this.me),
            )
            .returning('seat_id')
            .execute();
          for (const x of r) mine.add(x.seat_id);
        }
      },
      { relaxed: true },
    );
    return mine;
  }

  /**
   * This process's heartbeat for every seat it holds that is connected and not offline: one statement,
   * however many seats (the holder records a seat silent for 3 s offline itself, so `now` is within a
   * heartbeat of when it last heard from each).
   */
  async heartbeat(at: string): Promise<void> {
    await this.db.kysely
      .updateTable('seat_presence')
      .set({ seen_at: at })
      .where('seat_id', 'in', (eb) => {
        const q = eb
          .selectFrom('seat_presence')
          .select('seat_id')
          .where('instance_id', '=', this.me)
          .where('connected', '=', 1)
          .where('offline_since', 'is', null);
        // PostgreSQL: the rows locked in seat order, as `take` and `touch` lock them (below). Locked in
        // the table's order instead, a room disconnecting during the heartbeat deadlocked with it
        // (measured at 10,000 seats: 5 `touch` transactions failed).
        return this.db.engine === 'postgres' ? q.orderBy('seat_id').forUpdate() : q;
      })
      .execute();
  }

  private values(r: PresenceWrite) {
    return {
      seat_id: r.seatId,
      instance_id: this.me,
      connected: r.connected ? 1 : 0,
      seen_at: r.seenAt,
      offline_since: null,
      flooding_until: r.floodingUntil,
      shared_until: r.sharedUntil,
    };
  }

  /**
   * The holder saw these seats fall silent: claims their offline episode and records the incident of
   * each seat it claimed (those it still held and not already offline), in one transaction.
   */
  async claimOwnOffline(incidents: readonly OfflineIncident[], at: string): Promise<OfflineClaim> {
    return this.claimWithIncidents(async (trx) => {
      const claimed = new Set<string>();
      for (const slice of chunks(
        incidents.map((i) => i.seatId),
        500,
      )) {
        const rows = await trx
          .updateTable('seat_presence')
          .set({ offline_since: at, connected: 0 })
          .where('seat_id', 'in', [...slice])
          .where('instance_id', '=', this.me)
          .where('offline_since', 'is', null)
          .returning('seat_id')
          .execute();
        for (const r of rows) claimed.add(r.seat_id);
      }
      return { claimed, incidents: incidents.filter((i) => claimed.has(i.seatId)) };
    });
  }

  /**
   * Seats whose holder (another process, or this one before a restart) has not written about them
   * since `staleBefore`: that process is gone. Claims their offline episode and records the incident
   * `describe` words for each (from when the seat was last heard from), in one transaction.
   */
  async claimAbandoned(
    staleBefore: string,
    at: string,
    except: ReadonlySet<string>,
    describe: (seat: AbandonedSeat) => OfflineIncident,
  ): Promise<OfflineClaim & { seats: AbandonedSeat[] }> {
    let seats: AbandonedSeat[] = [];
    const result = await this.claimWithIncidents(async (trx) => {
      const rows = await trx
        .updateTable('seat_presence')
        .set({ offline_since: at, connected: 0 })
        .where('instance_id', '<>', this.me)
        .where('offline_since', 'is', null)
        .where('seen_at', '<', staleBefore)
        .$if(except.size > 0, (q) => q.where('seat_id', 'not in', [...except]))
        .returning(['seat_id', 'seen_at'])
        .execute();
      const seenAt = new Map(rows.map((r) => [r.seat_id, r.seen_at]));
      seats = [];
      for (const slice of chunks([...seenAt.keys()], 500))
        for (const seat of await trx
          .selectFrom('seats')
          .select(['id', 'centre_id', 'pc_name'])
          .where('id', 'in', slice)
          .execute())
          seats.push({
            seatId: seat.id,
            seenAt: seenAt.get(seat.id) ?? at,
            centreId: seat.centre_id,
            pcName: seat.pc_name,
          });
      return { claimed: new Set(seenAt.keys()), incidents: seats.map(describe) };
    });
    return { ...result, seats };
  }

  /**
   * After a restart: the seats that were online and did not come back. Claims those that no process has
   * taken since (and that are not offline already; seats with no row yet are claimed by inserting one),
   * and records the incident of each it claimed, in one transaction.
   */
  async claimNotBack(incidents: readonly OfflineIncident[], at: string): Promise<OfflineClaim> {
    return this.claimWithIncidents(async (trx) => {
      const claimed = new Set<string>();
      for (const slice of chunks(
        incidents.map((i) => i.seatId),
        500,
      )) {
        const rows = await trx
          .insertInto('seat_presence')
          .values(
            slice.map((seatId) => ({
              seat_id: seatId,
              instance_id: this.me,
              connected: 0,
              seen_at: at,
              offline_since: at,
              flooding_until: null,
              shared_until: null,
            })),
          )
          .onConflict((oc) =>
            oc
              .column('seat_id')
              .doUpdateSet({ offline_since: at, connected: 0 })
              .where('seat_presence.offline_since', 'is', null)
              .where((eb) =>
                eb.or([
                  eb('seat_presence.instance_id', '<>', this.me),
                  eb('seat_presence.connected', '=', 0),
                ]),
              ),
          )
          .returning('seat_id')
          .execute();
        for (const r of rows) claimed.add(r.seat_id);
      }
      return { claimed, incidents: incidents.filter((i) => claimed.has(i.seatId)) };
    });
  }

  /**
   * One transaction: `claim` marks the episodes (returning the incidents of those it claimed), then the
   * incidents are recorded (repeats coalesced, as every automatic incident). If either fails, neither
   * is kept. Returns the incidents as rows once committed.
   */
  private async claimWithIncidents(
    claim: (trx: Trx) => Promise<{ claimed: Set<string>; incidents: readonly OfflineIncident[] }>,
  ): Promise<OfflineClaim> {
    const { claimed, ids } = await this.db.transaction(async (trx) => {
      const c = await claim(trx);
      if (c.incidents.length === 0) return { claimed: c.claimed, ids: [] };
      // The seats' rows locked (PostgreSQL) as every automatic incident does: repeats coalesce once.
      await lockSeats(
        trx,
        this.db,
        c.incidents.map((i) => i.seatId),
      );
      const touched = new Set<string>();
      for (const i of c.incidents) touched.add(await recordIncident(trx, i.centreId, i, null));
      return { claimed: c.claimed, ids: [...touched] };
    });
    return { claimed, incidents: ids.length > 0 ? await incidentsById(this.db.kysely, ids) : [] };
  }

  /**
   * PostgreSQL: seats shown connected to a process that has no connection to the database any more
   * (killed: the server closed its connections) are shown disconnected at once. Their offline episode
   * is still recorded only after the grace (`claimAbandoned`), so that they can reconnect elsewhere.
   */
  async disconnectDeadHolders(): Promise<string[]> {
    if (this.db.engine !== 'postgres') return [];
    const r = await sql<{ seat_id: string }>`UPDATE seat_presence SET connected = 0
      WHERE connected = 1 AND offline_since IS NULL AND instance_id <> ${this.me}
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
          AND application_name IN (${`${CONSOLE_APPLICATION_NAME} `} || seat_presence.instance_id,
                                   ${`${CONSOLE_APPLICATION_NAME} `} || seat_presence.instance_id || ' listen'))
      RETURNING seat_id`.execute(this.db.kysely);
    return r.rows.map((x) => x.seat_id);
  }

  /** The presence of these seats (or of every seat). */
  async read(seatIds?: readonly string[]): Promise<PresenceRow[]> {
    const out: PresenceRow[] = [];
    const slices = seatIds ? chunks(seatIds, 500) : [null];
    for (const slice of slices) {
      if (slice && slice.length === 0) continue;
      let q = this.db.kysely.selectFrom('seat_presence').selectAll();
      if (slice) q = q.where('seat_id', 'in', [...slice]);
      for (const r of await q.execute())
        out.push({
          seatId: r.seat_id,
          instanceId: r.instance_id,
          connected: Number(r.connected) === 1,
          seenAt: r.seen_at,
          offlineSince: r.offline_since,
          floodingUntil: r.flooding_until,
          sharedUntil: r.shared_until,
        });
    }
    return out;
  }
}
