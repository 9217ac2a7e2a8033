/**
 * Seat events: stored idempotently (an id already stored is a resend after a lost acknowledgement, and
 * is stored nothing twice), with the incidents the new ones make, in one transaction that commits to
 * disk before the seat is acknowledged.
 */
import { type Insertable, sql } from 'kysely';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { Batcher } from '../batcher.ts';
import type { Db, Trx } from '../db/database.ts';
import { chunks, utc } from '../db/rows.ts';
import type { Tables } from '../db/tables.ts';
import { noteHandRaised } from '../hands-and-pauses/hands-repository.ts';
import {
  INCIDENT_COALESCE_MS,
  type IncidentRow,
  type IncidentToRecord,
  incidentsById,
  lockSeats,
  type NewIncident,
  recordIncidents,
  recordIncidentsReturningRows,
} from '../record/incident-repository.ts';

/** One seat event to store, with the incident it becomes (if any). */
export interface IncomingSeatEvent {
  seatId: string;
  centreId: string;
  event: SeatEvent;
  /** What is stored for it: the event as JSON, or a stub once the seat is over its budget. */
  json: string;
  /** The sitting the seat was in when the event arrived, if any. */
  sittingId: string | null;
  receivedAt: string;
  incident: NewIncident | null;
}

/** Rows per INSERT: within both engines' limits on parameters. */
const ROWS_PER_INSERT = 400;
/** PostgreSQL takes 65,535 parameters a statement: 7 a row, so a whole events batch in one INSERT. */
const PG_ROWS_PER_INSERT = 2000;

export class EventRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores seat events idempotently and the incidents of the newly stored ones, all in one
   * transaction; an incident that repeats one at the same seat less than a minute before counts on it.
   * Returns the incidents created or counted on.
   */
  async storeSeatEvents(events: readonly IncomingSeatEvent[]): Promise<IncidentRow[]> {
    if (events.length === 0) return [];
    // The same (seat, id) twice in one batch (a resend racing its original) is one event.
    const key = (seatId: string, id: string) => `${seatId}\u0000${id}`;
    const unique = new Map<string, IncomingSeatEvent>();
    for (const e of events) {
      const k = key(e.seatId, e.event.id);
      if (!unique.has(k)) unique.set(k, e);
    }
    const pg = this.db.engine === 'postgres';
    /** PostgreSQL: the incidents as read back by the statement that wrote them (no read after the commit). */
    let written: IncidentRow[] | null = null;
    const ids = await this.db.transaction(async (trx) => {
      const stored = new Set<string>();
      const insert = (slice: readonly IncomingSeatEvent[]) =>
        trx
          .insertInto('seat_events')
          .values(eventValues(slice))
          .onConflict((oc) => oc.doNothing())
          .returning(['seat_id', 'id'])
          .execute();
      // PostgreSQL: the seats that may get an incident are locked by the first INSERT itself, before
      // it writes (one round trip, not two; see insertLockingSeats). Those of events already stored are
      // locked too, which costs nothing more.
      const toLock = pg
        ? [...unique.values()].flatMap((e) =>
            e.incident ? (e.incident.seatId ? [e.seatId, e.incident.seatId] : [e.seatId]) : [],
          )
        : [];
      for (const [n, slice] of chunks(
        [...unique.values()],
        pg ? PG_ROWS_PER_INSERT : ROWS_PER_INSERT,
      ).entries()) {
        const rows =
          n === 0 && toLock.length > 0
            ? await insertLockingSeats(trx, toLock, eventValues(slice))
            : await insert(slice);
        for (const r of rows) stored.add(key(r.seat_id, r.id));
      }
      const fresh = [...unique.values()].filter((e) => e.incident && stored.has(key(e.seatId, e.event.id)));
      if (fresh.length === 0) return [];
      // The seats' row locks (PostgreSQL) before their hands and incidents are read and written, so that
      // two processes cannot both open a seat's hand or add the first of a run of repeats. (Taken above,
      // with the INSERT, on PostgreSQL; a no-op on SQLite, whose transactions are serial.)
      if (!pg)
        await lockSeats(
          trx,
          this.db,
          fresh.flatMap((e) => (e.incident?.seatId ? [e.seatId, e.incident.seatId] : [e.seatId])),
        );
      // The same incident repeated within the batch (a seat repeating itself) is grouped first, so that
      // a batch of a thousand repeats costs one look-up, not a thousand.
      const groups = new Map<string, { e: IncomingSeatEvent; ms: number }[]>();
      for (const e of fresh) {
        // A hand raised while the seat's hand is open counts on it: no second incident (the flood guard).
        if (
          e.event.type === 'event/hand-raised' &&
          !(await noteHandRaised(trx, {
            centreId: e.centreId,
            seatId: e.seatId,
            eventId: e.event.id,
            at: utc(e.event.at),
            via: e.event.via,
            sittingId: e.sittingId,
            entryId: e.incident?.entryId ?? null,
          }))
        )
          continue;
        const i = e.incident;
        if (!i) continue;
        const group = [e.centreId, i.seatId, i.kind, i.description, i.sittingId].join('\u0000');
        const list = groups.get(group) ?? [];
        list.push({ e, ms: Date.parse(i.at) });
        groups.set(group, list);
      }
      if (groups.size === 0) return [];
      // Each run of repeats (no gap over a minute) is one incident with its count, all recorded in a
      // few statements (recordIncidents), not a round trip or two per incident.
      const runs: IncidentToRecord[] = [];
      for (const list of groups.values()) {
        list.sort((a, b) => a.ms - b.ms);
        let run: typeof list = [];
        const record = () => {
          const first = run[0];
          const last = run[run.length - 1];
          if (!first?.e.incident || !last?.e.incident) return;
          runs.push({
            centreId: first.e.centreId,
            incident: { ...first.e.incident, count: run.length, lastAt: last.e.incident.at },
            // Event ids are per seat: the incident names the seat's event as (seat, id).
            eventId: `${first.e.seatId}:${first.e.event.id}`,
          });
        };
        for (const item of list) {
          const prev = run[run.length - 1];
          if (prev && item.ms - prev.ms > INCIDENT_COALESCE_MS) {
            record();
            run = [];
          }
          run.push(item);
        }
        record();
      }
      if (pg) {
        const { ids, rows } = await recordIncidentsReturningRows(trx, runs);
        written = rows;
        return [...new Set(ids)];
      }
      return [...new Set(await recordIncidents(trx, runs))];
    });
    return written ?? incidentsById(this.db.kysely, ids);
  }

  /** Events that failed validation but carry an id: kept (type `rejected`, with the reason) so they can be acknowledged. */
  async storeRejectedEvents(
    seatId: string,
    events: readonly { id: string; json: string }[],
    receivedAt: string,
  ): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction(async (trx) => {
      for (const slice of chunks(events, ROWS_PER_INSERT)) {
        await trx
          .insertInto('seat_events')
          .values(
            slice.map((e) => ({
              id: e.id,
              seat_id: seatId,
              type: 'rejected',
              at: receivedAt,
              received_at: receivedAt,
              json: e.json,
              sitting_id: null,
            })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    });
  }

  async countSeatEvents(seatId?: string): Promise<number> {
    let q = this.db.kysely.selectFrom('seat_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (seatId) q = q.where('seat_id', '=', seatId);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  /**
   * Characters of events stored for a seat in a sitting (or, with no sitting, since `since`). Asked once
   * per seat and sitting (the seat hub keeps the running total), so 10,000 seats starting a sitting ask
   * 10,000 times within seconds: the questions asked meanwhile are answered by one grouped query
   * (`readStoredBytes`), not a pooled connection and a round trip each.
   */
  storedEventBytes(seatId: string, sittingId: string | null, since: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      void this.byteReads.add({ seatId, sittingId, since, resolve, reject });
    });
  }

  private readonly byteReads = new Batcher<BytesRead>({
    windowMs: 0,
    maxItems: 2000,
    write: (reads) => this.readStoredBytes(reads),
    onError: (error, reads) => {
      for (const r of reads) r.reject(error);
    },
  });

  private async readStoredBytes(reads: readonly BytesRead[]): Promise<void> {
    const groups = new Map<string, BytesRead[]>();
    for (const r of reads) {
      const key = r.sittingId ? `sitting\u0000${r.sittingId}` : `day\u0000${r.since}`;
      const list = groups.get(key) ?? [];
      list.push(r);
      groups.set(key, list);
    }
    const answers: [BytesRead, number][] = [];
    for (const list of groups.values()) {
      const first = list[0] as BytesRead;
      const bytes = new Map<string, number>();
      for (const slice of chunks([...new Set(list.map((r) => r.seatId))], 500)) {
        let q = this.db.kysely
          .selectFrom('seat_events')
          .select(['seat_id', sql<number>`COALESCE(SUM(LENGTH(json)), 0)`.as('n')])
          .where('seat_id', 'in', slice)
          .groupBy('seat_id');
        q = first.sittingId
          ? q.where('sitting_id', '=', first.sittingId)
          : q.where('sitting_id', 'is', null).where('received_at', '>=', first.since);
        for (const row of await q.execute()) bytes.set(row.seat_id, Number(row.n));
      }
      for (const r of list) answers.push([r, bytes.get(r.seatId) ?? 0]);
    }
    // Answered only once every group is read: a failure rejects them all (onError), none twice.
    for (const [r, n] of answers) r.resolve(n);
  }
}

/** A question for `storedEventBytes`, waiting for the grouped query. */
interface BytesRead {
  seatId: string;
  sittingId: string | null;
  since: string;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/**
 * PostgreSQL: runs `insert` (an INSERT … RETURNING) with these seats' rows locked first, in id order, in
 * the same statement: `SELECT … FROM seats … ORDER BY id FOR UPDATE` as a CTE that a one-time filter
 * reads to the end before the INSERT runs. The lock is held to the end of the transaction, as
 * `lockSeats`'s; the incidents are read by a LATER statement, so they see whatever a transaction that
 * held a lock before had committed (in READ COMMITTED a statement's snapshot is taken when it starts:
 * the incidents read must not be part of the statement that waited for the lock).
 */
async function insertLockingSeats(
  trx: Trx,
  seatIds: readonly string[],
  values: readonly SeatEventValues[],
): Promise<{ seat_id: string; id: string }[]> {
  const ids = [...new Set(seatIds)].sort();
  return trx
    .with('locked', (w) =>
      w.selectFrom('seats').select('id').where('id', 'in', ids).orderBy('id').forUpdate(),
    )
    .with('stored', (w) =>
      w
        .insertInto('seat_events')
        .values([...values])
        .onConflict((oc) => oc.doNothing())
        .returning(['seat_id', 'id']),
    )
    .selectFrom('stored')
    .select(['stored.seat_id', 'stored.id'])
    .where(sql<number>`(SELECT count(*) FROM locked)`, '>=', 0)
    .execute();
}

type SeatEventValues = Insertable<Tables['seat_events']>;

function eventValues(slice: readonly IncomingSeatEvent[]): SeatEventValues[] {
  return slice.map((e) => ({
    id: e.event.id,
    seat_id: e.seatId,
    type: e.event.type,
    at: e.event.at,
    received_at: e.receivedAt,
    json: e.json,
    sitting_id: e.sittingId,
  }));
}
