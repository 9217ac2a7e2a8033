/**
 * Incidents: recorded by a person (manual) or by the console (automatic: from seat events, a seat
 * going offline, flooding, replacement requests, refused connections). Repeats of an automatic
 * incident (same kind and description, same seat and sitting) less than a minute apart are one
 * incident with a count, so a seat repeating itself makes one readable line in the record.
 */
import { randomUUID } from 'node:crypto';
import { type Expression, type SqlBool, sql } from 'kysely';
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
  if (incident.seatId) {
    const first = Date.parse(incident.at);
    const last = utc(incident.lastAt ?? incident.at);
    const prev = await q
      .selectFrom('incidents')
      .select(['id', 'at', 'last_at'])
      .where('seat_id', '=', incident.seatId)
      .where('kind', '=', incident.kind)
      .where('last_at', '>=', new Date(first - INCIDENT_COALESCE_MS).toISOString())
      .where('last_at', '<=', new Date(Date.parse(last) + INCIDENT_COALESCE_MS).toISOString())
      .where('description', '=', incident.description)
      .where('source', '=', 'automatic')
      .where((eb) => eb('sitting_id', 'is not distinct from', incident.sittingId) as Expression<SqlBool>)
      .orderBy('last_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (prev) {
      const prevLast = prev.last_at ?? prev.at;
      await q
        .updateTable('incidents')
        .set((eb) => ({
          count: eb('count', '+', incident.count ?? 1),
          at: Date.parse(prev.at) <= first ? prev.at : incident.at,
          last_at: prevLast >= last ? prevLast : last,
        }))
        .where('id', '=', prev.id)
        .execute();
      return prev.id;
    }
  }
  return insertIncident(q, centreId, incident, 'automatic', null, eventId);
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
      const touched = new Set<string>();
      for (const i of incidents) touched.add(await recordIncident(trx, i.centreId, i, null));
      return [...touched];
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
