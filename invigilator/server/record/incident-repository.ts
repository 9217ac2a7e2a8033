/**
 * Incidents: recorded by a person (manual) or by the console (automatic: from seat events, a seat
 * going offline, flooding, replacement requests, refused connections). Repeats of an automatic
 * incident (same kind and description, same seat and sitting) less than a minute apart are one
 * incident with a count, so a seat repeating itself makes one readable line in the record.
 */
import { randomUUID } from 'node:crypto';
import { type Expression, sql } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { chunks, nowIso, utc } from '../db/rows.ts';
import { writeAudit } from './audit-repository.ts';

export interface IncidentRow {
  id: string;
  centreId: string;
  siteId: string | null;
  at: string;
  kind: string;
  source: 'automatic' | 'manual';
  description: string;
  sittingId: string | null;
  entryId: string | null;
  seatId: string | null;
  pcName: string | null;
  candidateName: string | null;
  registrationNumber: string | null;
  recordedBy: string | null;
  /** How many times it happened: repeats at one seat less than a minute apart are one incident. */
  count: number;
  /** When it last happened (equal to `at` when once). */
  lastAt: string;
}

export interface NewIncident {
  kind: string;
  description: string;
  at: string;
  /** How many times it happened (default once): a batch of refused connections is one incident of many. */
  count?: number;
  /** When it last happened, when `count` repeats are recorded at once (default: `at`). */
  lastAt?: string;
  sittingId: string | null;
  entryId: string | null;
  seatId: string | null;
}

/** Repeats of an automatic incident closer than this are one incident. */
export const INCIDENT_COALESCE_MS = 60_000;

function select(q: Queryable) {
  return q
    .selectFrom('incidents as n')
    .leftJoin('seats as st', 'st.id', 'n.seat_id')
    .leftJoin('entries as e', 'e.id', 'n.entry_id')
    .leftJoin('invigilators as i', 'i.id', 'n.recorded_by')
    .selectAll('n')
    .select(['st.pc_name', 'e.candidate_name', 'e.registration_number', 'i.name as recorded_by_name']);
}

type SelectedRow = Awaited<ReturnType<ReturnType<typeof select>['execute']>>[number];

function incidentRow(r: SelectedRow): IncidentRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    siteId: r.site_id,
    at: r.at,
    kind: r.kind,
    source: r.source as IncidentRow['source'],
    description: r.description,
    sittingId: r.sitting_id,
    entryId: r.entry_id,
    seatId: r.seat_id,
    pcName: r.pc_name ?? null,
    candidateName: r.candidate_name ?? null,
    registrationNumber: r.registration_number ?? null,
    recordedBy: r.recorded_by_name ?? null,
    count: Number(r.count ?? 1),
    lastAt: r.last_at ?? r.at,
  };
}

/** The incident's site: given, or its seat's, or its sitting's. */
function siteOf(incident: NewIncident): Expression<string | null> {
  return sql<
    string | null
  >`COALESCE((SELECT site_id FROM seats WHERE id = ${incident.seatId}), (SELECT site_id FROM sittings WHERE id = ${incident.sittingId}))`;
}

export async function insertIncident(
  q: Queryable,
  centreId: string,
  incident: NewIncident,
  source: 'automatic' | 'manual',
  recordedBy: string | null,
  eventId: string | null,
): Promise<string> {
  const id = randomUUID();
  await q
    .insertInto('incidents')
    .values({
      id,
      centre_id: centreId,
      site_id: siteOf(incident),
      at: incident.at,
      kind: incident.kind,
      source,
      description: incident.description,
      sitting_id: incident.sittingId,
      entry_id: incident.entryId,
      seat_id: incident.seatId,
      event_id: eventId,
      recorded_by: recordedBy,
      created_at: nowIso(),
      count: incident.count ?? 1,
      last_at: utc(incident.lastAt ?? incident.at),
    })
    .execute();
  return id;
}

/**
 * An automatic incident, or, when the same thing happened at the same seat in the same sitting less
 * than a minute before, one more on that incident's count. Returns the incident's id. On PostgreSQL
 * the caller holds the seat's row lock (`lockSeats`), so two processes cannot both add the first one.
 */
export async function recordIncident(
  q: Queryable,
  centreId: string,
  incident: NewIncident,
  eventId: string | null,
): Promise<string> {
  const [id] = await recordIncidents(q, [{ centreId, incident, eventId }]);
  if (id === undefined) throw new Error('no incident recorded');
  return id;
}

/** One automatic incident to record (`recordIncidents`). */
export interface IncidentToRecord {
  centreId: string;
  incident: NewIncident;
  eventId: string | null;
}

/** An incident that a new one may count on, as read (or as made earlier in the same batch). */
interface Coalescible {
  id: string;
  seatId: string;
  kind: string;
  description: string;
  sittingId: string | null;
  at: string;
  lastAt: string;
  /** Made in this batch (inserted at the end), or read (updated at the end by `added`). */
  item: IncidentToRecord | null;
  count: number;
  added: number;
}

/** Rows per statement when recording incidents: within both engines' parameter limits. */
const INCIDENTS_PER_STATEMENT = 100;

/**
 * `recordIncident` for many incidents at once, in a few statements however many they are: the
 * incidents they may count on are read in one query, matched here in the order given (an incident made
 * earlier in the batch counts for later ones, as one by one), then the new ones are inserted in
 * multi-row INSERTs and the counted-on ones updated in one UPDATE per slice. On PostgreSQL each
 * statement is a round trip that waits for the console's event loop; one per incident held the
 * transaction (and a pool connection) open for seconds under load. Returns each incident's id, in order.
 */
export async function recordIncidents(q: Queryable, items: readonly IncidentToRecord[]): Promise<string[]> {
  if (items.length === 0) return [];
  const plan = await planIncidents(q, items);
  await writeIncidents(q, plan);
  return plan.ids;
}

/**
 * `recordIncidents` on PostgreSQL in one statement fewer per slice and none after: each slice's new
 * incidents are inserted and its counted-on ones updated in ONE statement (data-modifying CTEs), which
 * also returns them as `incidentsById` would read them after the commit. Each statement is a round
 * trip that waits for a turn of the console's busy event loop; this took the events writer from 8 to
 * 5 per batch. The same coalescing (`planIncidents`); SQLite keeps `recordIncidents` (its statements
 * cost no round trip, and it has no data-modifying CTEs). Returns the ids, in order, and the rows.
 */
export async function recordIncidentsReturningRows(
  q: Queryable,
  items: readonly IncidentToRecord[],
): Promise<{ ids: string[]; rows: IncidentRow[] }> {
  if (items.length === 0) return { ids: [], rows: [] };
  const plan = await planIncidents(q, items);
  const rows: IncidentRow[] = [];
  const made = chunks(plan.made, PG_INCIDENTS_PER_STATEMENT);
  const counted = chunks(plan.counted, PG_INCIDENTS_PER_STATEMENT);
  for (let i = 0; i < Math.max(made.length, counted.length); i++) {
    const m = made[i] ?? [];
    const c = counted[i] ?? [];
    const written =
      m.length > 0 && c.length > 0
        ? q
            .with('made', () => insertMade(q, m, plan.createdAt).returningAll())
            .with('counted', () => updateCounted(q, c).returningAll())
            .with('written', (w) =>
              w.selectFrom('made').selectAll().unionAll(w.selectFrom('counted').selectAll()),
            )
        : m.length > 0
          ? q.with('written', () => insertMade(q, m, plan.createdAt).returningAll())
          : q.with('written', () => updateCounted(q, c).returningAll());
    const found = await written
      .selectFrom('written as n')
      .leftJoin('seats as st', 'st.id', 'n.seat_id')
      .leftJoin('entries as e', 'e.id', 'n.entry_id')
      .leftJoin('invigilators as i', 'i.id', 'n.recorded_by')
      .selectAll('n')
      .select(['st.pc_name', 'e.candidate_name', 'e.registration_number', 'i.name as recorded_by_name'])
      .execute();
    rows.push(...found.map((r) => incidentRow(r as SelectedRow)));
  }
  // incidentsById's order: by when they happened.
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { ids: plan.ids, rows };
}

/** Incidents per combined statement on PostgreSQL: 15 parameters a new row, within its 65,535. */
const PG_INCIDENTS_PER_STATEMENT = 1000;

interface IncidentPlan {
  /** Each item's incident id, in order. */
  ids: string[];
  /** New incidents, to insert. */
  made: Coalescible[];
  /** Stored incidents counted on, to update. */
  counted: Coalescible[];
  createdAt: string;
}

/** The incidents the items may count on, read in one query, and each item matched in order (`recordIncidents`). */
async function planIncidents(q: Queryable, items: readonly IncidentToRecord[]): Promise<IncidentPlan> {
  const window = (i: NewIncident) => {
    const first = Date.parse(i.at);
    const last = utc(i.lastAt ?? i.at);
    return {
      first,
      last,
      lo: new Date(first - INCIDENT_COALESCE_MS).toISOString(),
      hi: new Date(Date.parse(last) + INCIDENT_COALESCE_MS).toISOString(),
    };
  };
  const bySeat = new Map<string, Coalescible[]>();
  const withSeat = items.filter((x) => x.incident.seatId);
  if (withSeat.length > 0) {
    const windows = withSeat.map((x) => window(x.incident));
    const lo = windows.reduce((a, w) => (w.lo < a ? w.lo : a), windows[0]?.lo ?? '');
    const hi = windows.reduce((a, w) => (w.hi > a ? w.hi : a), windows[0]?.hi ?? '');
    const seats = [...new Set(withSeat.map((x) => x.incident.seatId as string))];
    for (const slice of chunks(seats, 500)) {
      const rows = await q
        .selectFrom('incidents')
        .select(['id', 'seat_id', 'kind', 'description', 'sitting_id', 'at', 'last_at', 'count'])
        .where('seat_id', 'in', slice)
        .where('source', '=', 'automatic')
        .where('last_at', '>=', lo)
        .where('last_at', '<=', hi)
        .execute();
      for (const r of rows) {
        if (!r.seat_id || !r.last_at) continue;
        const list = bySeat.get(r.seat_id) ?? [];
        list.push({
          id: r.id,
          seatId: r.seat_id,
          kind: r.kind,
          description: r.description,
          sittingId: r.sitting_id,
          at: r.at,
          lastAt: r.last_at,
          item: null,
          count: Number(r.count ?? 1),
          added: 0,
        });
        bySeat.set(r.seat_id, list);
      }
    }
  }
  const ids: string[] = [];
  const made: Coalescible[] = [];
  const counted = new Map<string, Coalescible>();
  for (const item of items) {
    const i = item.incident;
    const n = i.count ?? 1;
    const seatId = i.seatId;
    if (seatId) {
      const w = window(i);
      // The latest one at this seat of the same kind, description and sitting, within a minute.
      let prev: Coalescible | null = null;
      for (const c of bySeat.get(seatId) ?? [])
        if (
          c.kind === i.kind &&
          c.description === i.description &&
          c.sittingId === i.sittingId &&
          c.lastAt >= w.lo &&
          c.lastAt <= w.hi &&
          (!prev || c.lastAt > prev.lastAt)
        )
          prev = c;
      if (prev) {
        prev.count += n;
        prev.added += n;
        if (!(Date.parse(prev.at) <= w.first)) prev.at = i.at;
        if (!(prev.lastAt >= w.last)) prev.lastAt = w.last;
        if (!prev.item) counted.set(prev.id, prev);
        ids.push(prev.id);
        continue;
      }
    }
    const c: Coalescible = {
      id: randomUUID(),
      seatId: seatId ?? '',
      kind: i.kind,
      description: i.description,
      sittingId: i.sittingId,
      at: i.at,
      lastAt: utc(i.lastAt ?? i.at),
      item,
      count: n,
      added: n,
    };
    made.push(c);
    if (seatId) bySeat.set(seatId, [...(bySeat.get(seatId) ?? []), c]);
    ids.push(c.id);
  }
  return { ids, made, counted: [...counted.values()], createdAt: nowIso() };
}

function insertMade(q: Queryable, slice: readonly Coalescible[], createdAt: string) {
  return q.insertInto('incidents').values(
    slice.map((c) => {
      const i = c.item?.incident as NewIncident;
      return {
        id: c.id,
        centre_id: c.item?.centreId as string,
        site_id: siteOf(i),
        at: c.at,
        kind: i.kind,
        source: 'automatic',
        description: i.description,
        sitting_id: i.sittingId,
        entry_id: i.entryId,
        seat_id: i.seatId,
        event_id: c.item?.eventId ?? null,
        recorded_by: null,
        created_at: createdAt,
        count: c.count,
        last_at: c.lastAt,
      };
    }),
  );
}

function updateCounted(q: Queryable, slice: readonly Coalescible[]) {
  const when = (value: (c: Coalescible) => string | number, cast: 'INTEGER' | 'TEXT') =>
    sql.join(
      slice.map((c) => sql`WHEN ${c.id} THEN CAST(${value(c)} AS ${sql.raw(cast)})`),
      sql` `,
    );
  return q
    .updateTable('incidents')
    .set({
      count: sql<number>`count + CASE id ${when((c) => c.added, 'INTEGER')} END`,
      at: sql<string>`CASE id ${when((c) => c.at, 'TEXT')} END`,
      last_at: sql<string>`CASE id ${when((c) => c.lastAt, 'TEXT')} END`,
    })
    .where(
      'id',
      'in',
      slice.map((c) => c.id),
    );
}

/** The plan's writes as separate statements (SQLite, and PostgreSQL's callers that need only ids). */
async function writeIncidents(q: Queryable, plan: IncidentPlan): Promise<void> {
  for (const slice of chunks(plan.made, INCIDENTS_PER_STATEMENT))
    await insertMade(q, slice, plan.createdAt).execute();
  for (const slice of chunks(plan.counted, INCIDENTS_PER_STATEMENT)) await updateCounted(q, slice).execute();
}

/**
 * On PostgreSQL, locks these seats' rows until the transaction ends (in id order, so two transactions
 * never wait on each other in a circle): what serialises incident coalescing between processes.
 * SQLite's transactions are serial already.
 */
export async function lockSeats(q: Queryable, db: Db, seatIds: Iterable<string>): Promise<void> {
  if (db.engine !== 'postgres') return;
  const ids = [...new Set(seatIds)].sort();
  for (const slice of chunks(ids, 1000)) {
    await q.selectFrom('seats').select('id').where('id', 'in', slice).orderBy('id').forUpdate().execute();
  }
}

export async function incidentsById(q: Queryable, ids: readonly string[]): Promise<IncidentRow[]> {
  const out: IncidentRow[] = [];
  // In chunks: a whole room going offline at once is one query per 500 incidents, not one each.
  for (const slice of chunks(ids, 500)) {
    const rows = await select(q).where('n.id', 'in', slice).orderBy('n.at').execute();
    out.push(...rows.map(incidentRow));
  }
  return out;
}

export class IncidentRepository {
  constructor(private readonly db: Db) {}

  async addIncident(actor: Actor, incident: NewIncident): Promise<IncidentRow> {
    const id = await this.db.transaction(async (trx) => {
      const id = await insertIncident(trx, actor.centreId, incident, 'manual', actor.invigilatorId, null);
      await writeAudit(trx, actor, 'incident.record', id, { kind: incident.kind });
      return id;
    });
    const [row] = await incidentsById(this.db.kysely, [id]);
    if (!row) throw new Error('incident vanished after insert');
    return row;
  }

  /**
   * Incidents made by the console itself (a seat went offline, a seat flooded the console), batched;
   * repeats within a minute count on the earlier incident. Returns the incidents created or counted on.
   */
  async addAutomaticIncidents(
    incidents: readonly (NewIncident & { centreId: string })[],
  ): Promise<IncidentRow[]> {
    if (incidents.length === 0) return [];
    const ids = await this.db.transaction(async (trx) => {
      await lockSeats(
        trx,
        this.db,
        incidents.flatMap((i) => (i.seatId ? [i.seatId] : [])),
      );
      const ids = await recordIncidents(
        trx,
        incidents.map((i) => ({ centreId: i.centreId, incident: i, eventId: null })),
      );
      return [...new Set(ids)];
    });
    return incidentsById(this.db.kysely, ids);
  }

  async byIds(ids: readonly string[]): Promise<IncidentRow[]> {
    return incidentsById(this.db.kysely, ids);
  }

  /**
   * The centre's incidents, newest first; for a sitting, in the order they happened. `siteIds` limits
   * them to those sites (a site-limited coordinator, an invigilator, a filter).
   */
  async listIncidents(
    centreId: string,
    query: { sittingId?: string; siteIds?: readonly string[]; since?: string; until?: string; limit: number },
  ): Promise<IncidentRow[]> {
    if (query.siteIds && query.siteIds.length === 0) return [];
    let q = select(this.db.kysely).where('n.centre_id', '=', centreId);
    if (query.sittingId) q = q.where('n.sitting_id', '=', query.sittingId);
    if (query.siteIds) q = q.where('n.site_id', 'in', [...query.siteIds]);
    if (query.since) q = q.where('n.at', '>=', query.since);
    if (query.until) q = q.where('n.at', '<', query.until);
    q = query.sittingId
      ? q.orderBy('n.at').orderBy('n.created_at')
      : q.orderBy('n.at', 'desc').orderBy('n.created_at', 'desc');
    return (await q.limit(query.limit).execute()).map(incidentRow);
  }

  /** Incidents of the centre between two instants, both included (the anomaly report counts them per PC). */
  async incidentsBetween(centreId: string, from: string, to: string): Promise<IncidentRow[]> {
    const rows = await select(this.db.kysely)
      .where('n.centre_id', '=', centreId)
      .where('n.at', '>=', from)
      .where('n.at', '<=', to)
      .orderBy('n.at')
      .execute();
    return rows.map(incidentRow);
  }
}
