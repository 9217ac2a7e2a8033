/**
 * Help summoned from a room (issue 13, migration 8): each request is an incident in the record too,
 * written in the same transaction; the first acknowledgement wins and rewrites that incident.
 */
import { randomUUID } from 'node:crypto';
import type { HelpReason } from '../../../shared/catalogs/help-reasons.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { writeAudit } from '../record/audit-repository.ts';
import { type IncidentRow, incidentsById, insertIncident } from '../record/incident-repository.ts';

/** Help summoned from a room: who asked, and who acknowledged it. */
export interface HelpRequestRow {
  id: string;
  centreId: string;
  room: string;
  reason: HelpReason;
  note: string | null;
  sittingId: string | null;
  /** The site it belongs to (migration 10): null for centre-wide help, which everyone at the centre hears. */
  siteId: string | null;
  askedAt: string;
  askedBy: { id: string; name: string };
  acknowledgedAt: string | null;
  acknowledgedBy: { id: string; name: string } | null;
  incidentId: string;
}

function select(q: Queryable) {
  return q
    .selectFrom('help_requests as h')
    .innerJoin('invigilators as a', 'a.id', 'h.asked_by')
    .leftJoin('invigilators as k', 'k.id', 'h.acknowledged_by')
    .selectAll('h')
    .select(['a.name as asked_by_name', 'k.name as acknowledged_by_name']);
}

type Selected = Awaited<ReturnType<ReturnType<typeof select>['execute']>>[number];

function helpRow(r: Selected): HelpRequestRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    room: r.room,
    reason: r.reason as HelpReason,
    note: r.note,
    sittingId: r.sitting_id,
    siteId: r.site_id,
    askedAt: r.asked_at,
    askedBy: { id: r.asked_by, name: r.asked_by_name },
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by ? { id: r.acknowledged_by, name: r.acknowledged_by_name ?? '' } : null,
    incidentId: r.incident_id,
  };
}

async function helpById(q: Queryable, id: string): Promise<HelpRequestRow | undefined> {
  const r = await select(q).where('h.id', '=', id).executeTakeFirst();
  return r && helpRow(r);
}

/** What a member of staff's summons for help records (the console fills `at` and `siteId`). */
export interface NewHelpRequest {
  room: string;
  reason: HelpReason;
  note: string | null;
  sittingId: string | null;
  siteId: string | null;
  at: string;
}

export class HelpRepository {
  constructor(private readonly db: Db) {}

  /** The request and its incident, in one transaction, audited. */
  async createHelpRequest(
    actor: Actor & { invigilatorId: string },
    request: NewHelpRequest,
    incidentDescription: string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow }> {
    const id = randomUUID();
    const incidentId = await this.db.transaction(async (trx) => {
      const incidentId = await insertIncident(
        trx,
        actor.centreId,
        {
          kind: 'help-summoned',
          description: incidentDescription,
          at: request.at,
          sittingId: request.sittingId,
          entryId: null,
          seatId: null,
        },
        'manual',
        actor.invigilatorId,
        null,
      );
      await trx
        .insertInto('help_requests')
        .values({
          id,
          centre_id: actor.centreId,
          room: request.room,
          reason: request.reason,
          note: request.note,
          sitting_id: request.sittingId,
          site_id: request.siteId,
          asked_at: request.at,
          asked_by: actor.invigilatorId,
          incident_id: incidentId,
        })
        .execute();
      await writeAudit(trx, actor, 'help.summon', id, { room: request.room, reason: request.reason });
      return incidentId;
    });
    const row = await helpById(this.db.kysely, id);
    const [incident] = await incidentsById(this.db.kysely, [incidentId]);
    if (!row || !incident) throw new Error('help request vanished after insert');
    return { request: row, incident };
  }

  /**
   * Acknowledges a request once (the incident's description gains who and when, in the same
   * transaction). `already` when someone acknowledged it first; undefined when there is no such request.
   */
  async acknowledgeHelpRequest(
    actor: Actor & { invigilatorId: string },
    id: string,
    at: string,
    incidentDescription: (row: HelpRequestRow) => string,
  ): Promise<{ request: HelpRequestRow; incident: IncidentRow; already: boolean } | undefined> {
    const result = await this.db.transaction(async (trx) => {
      // Only the first acknowledgement counts: two people pressing at once get one answer each, one wins.
      const r = await trx
        .updateTable('help_requests')
        .set({ acknowledged_at: at, acknowledged_by: actor.invigilatorId })
        .where('id', '=', id)
        .where('centre_id', '=', actor.centreId)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      const changed = Number(r.numUpdatedRows) === 1;
      const row = await helpById(trx, id);
      if (!row || row.centreId !== actor.centreId) return undefined;
      if (changed) {
        await trx
          .updateTable('incidents')
          .set({ description: incidentDescription(row) })
          .where('id', '=', row.incidentId)
          .execute();
        await writeAudit(trx, actor, 'help.acknowledge', id);
      }
      return { row, already: !changed };
    });
    if (!result) return undefined;
    const [incident] = await incidentsById(this.db.kysely, [result.row.incidentId]);
    if (!incident) throw new Error('help incident vanished');
    return { request: result.row, incident, already: result.already };
  }

  getHelpRequest(id: string): Promise<HelpRequestRow | undefined> {
    return helpById(this.db.kysely, id);
  }

  /**
   * Unacknowledged requests, and any asked since `since`, oldest first (200 at most). With `siteIds`,
   * only those sites' requests and the centre-wide ones (of no site).
   */
  async listHelpRequests(
    centreId: string,
    since: string,
    siteIds?: readonly string[],
  ): Promise<HelpRequestRow[]> {
    let q = select(this.db.kysely).where('h.centre_id', '=', centreId);
    if (siteIds)
      q = q.where((eb) =>
        siteIds.length > 0
          ? eb.or([eb('h.site_id', 'is', null), eb('h.site_id', 'in', siteIds)])
          : eb('h.site_id', 'is', null),
      );
    const rows = await q
      .where((eb) => eb.or([eb('h.acknowledged_at', 'is', null), eb('h.asked_at', '>=', since)]))
      .orderBy('h.asked_at')
      .limit(200)
      .execute();
    return rows.map(helpRow);
  }
}
