/**
 * Attempts (issue 13, migration 8): each entry's first acknowledged release and its finish, outcomes
 * imported from the awarding body's results, and the centre's settings (the centre's hours, which the
 * anomaly report reads).
 */
import type { AttemptOutcome } from '../../../shared/rules/centre.ts';
import type { FinishKind } from '../../../shared/schemas/attempts.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { nowIso, utc } from '../db/rows.ts';
import { writeAudit } from '../record/audit-repository.ts';

export class AttemptRepository {
  constructor(private readonly db: Db) {}

  /** The seat acknowledged its release: the entry's first release time (later ones change nothing). */
  async markReleased(entryId: string, at: string): Promise<boolean> {
    const r = await this.db.kysely
      .updateTable('entries')
      .set({ released_at: utc(at) })
      .where('id', '=', entryId)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Marks the candidate finished (or submitted early), or clears it (null), audited. */
  async setFinish(
    actor: Actor,
    entryId: string,
    finish: { at: string; how: FinishKind } | null,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('entries')
        .set({ finished_at: finish?.at ?? null, finished_how: finish?.how ?? null })
        .where('id', '=', entryId)
        .execute();
      await writeAudit(
        trx,
        actor,
        finish ? 'entry.finish' : 'entry.finish-undo',
        entryId,
        finish ?? undefined,
      );
    });
  }

  /**
   * The seat reached the assessment's end page (day-finish): finished 'end-page' at the console's time,
   * only for a released entry not yet finished and not absent. False when nothing changed.
   */
  async finishAtEndPage(actor: Actor, entryId: string, at: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const r = await trx
        .updateTable('entries')
        .set({ finished_at: utc(at), finished_how: 'end-page' })
        .where('id', '=', entryId)
        .where('released_at', 'is not', null)
        .where('finished_at', 'is', null)
        .where('outcome', '!=', 'absent')
        .executeTakeFirst();
      const changed = Number(r.numUpdatedRows) === 1;
      if (changed) await writeAudit(trx, actor, 'entry.finish', entryId, { at, how: 'end-page' });
      return changed;
    });
  }

  /** Outcomes from the awarding body's results, all in one transaction, audited as one import. */
  async importOutcomes(
    actor: Actor,
    updates: readonly { entryId: string; outcome: AttemptOutcome }[],
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      for (const u of updates)
        await trx.updateTable('entries').set({ outcome: u.outcome }).where('id', '=', u.entryId).execute();
      await writeAudit(trx, actor, 'results.import', null, { ...details, updated: updates.length });
    });
  }

  /** A centre setting, as stored JSON; undefined when never set. */
  async getCentreSetting(centreId: string, key: string): Promise<unknown> {
    const r = await this.db.kysely
      .selectFrom('centre_settings')
      .select('value_json')
      .where('centre_id', '=', centreId)
      .where('key', '=', key)
      .executeTakeFirst();
    return r ? (JSON.parse(r.value_json) as unknown) : undefined;
  }

  async setCentreSetting(actor: Actor, key: string, value: unknown): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = {
        value_json: JSON.stringify(value),
        updated_at: nowIso(),
        updated_by: actor.invigilatorId,
      };
      await trx
        .insertInto('centre_settings')
        .values({ centre_id: actor.centreId, key, ...row })
        .onConflict((oc) => oc.columns(['centre_id', 'key']).doUpdateSet(row))
        .execute();
      await writeAudit(trx, actor, 'centre.setting', key, value);
    });
  }
}
