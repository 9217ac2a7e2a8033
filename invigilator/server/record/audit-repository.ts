/**
 * The audit trail: every change a person makes is written in the same transaction as the change
 * (`writeAudit` takes the transaction), and read back for coordinators.
 */
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { nowIso } from '../db/rows.ts';

export interface AuditRow {
  at: string;
  invigilator: string | null;
  action: string;
  subject: string | null;
  details: string | null;
}

export async function writeAudit(
  q: Queryable,
  actor: Actor,
  action: string,
  subject: string | null,
  details?: unknown,
): Promise<void> {
  await q
    .insertInto('audit')
    .values({
      centre_id: actor.centreId,
      at: nowIso(),
      invigilator_id: actor.invigilatorId,
      action,
      subject,
      details_json: details === undefined ? null : JSON.stringify(details),
    })
    .execute();
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async list(centreId: string, limit: number): Promise<AuditRow[]> {
    const rows = await this.db.kysely
      .selectFrom('audit as a')
      .leftJoin('invigilators as i', 'i.id', 'a.invigilator_id')
      .select(['a.at', 'i.name as invigilator', 'a.action', 'a.subject', 'a.details_json'])
      .where('a.centre_id', '=', centreId)
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      at: r.at,
      invigilator: r.invigilator ?? null,
      action: r.action,
      subject: r.subject,
      details: r.details_json,
    }));
  }

  /** Something no signed-in person did (a refused sign-in, for one). */
  async write(actor: Actor, action: string, subject: string | null, details?: unknown): Promise<void> {
    await writeAudit(this.db.kysely, actor, action, subject, details);
  }
}
