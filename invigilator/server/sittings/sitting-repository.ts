/**
 * Sittings: a room at a site at a time, its invigilators, and its candidates (entries) with their PC,
 * identity check and outcome. Reads are batched (one query per table for any number of sittings), so
 * a list costs the same few round trips on PostgreSQL as on SQLite.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { Attempt, AttemptOutcome } from '../../../shared/rules/centre.ts';
import type { FinishKind } from '../../../shared/schemas/attempts.ts';
import type {
  IdentityCheckViewSchema,
  SittingEntryInput,
  SittingInput,
} from '../../../shared/schemas/console-api.ts';
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { bool, chunks, nowIso } from '../db/rows.ts';
import { writeAudit } from '../record/audit-repository.ts';

export interface EntryRow extends Omit<SittingEntryInput, 'id'> {
  id: string;
  sittingId: string;
  position: number;
  qualificationType: NonNullable<SittingEntryInput['qualificationType']>;
  extraMinutes: number;
  reasonableAdjustment: string | null;
  seatId: string | null;
  outcome: AttemptOutcome;
  identity: z.infer<typeof IdentityCheckViewSchema> | null;
  /** The attempt (issue 13): first release to the assessment, and the finish. */
  releasedAt: string | null;
  finishedAt: string | null;
  finishedHow: FinishKind | null;
}

export interface SittingRow {
  id: string;
  centreId: string;
  siteId: string | null;
  room: string;
  startsAt: string;
  closedAt: string | null;
  invigilators: { id: string; name: string; pin: string }[];
  entries: EntryRow[];
  createdBy: string;
  createdAt: string;
}

/** A seat's place in an open sitting: who should be sitting there. */
export interface Assignment {
  sittingId: string;
  siteId: string | null;
  startsAt: string;
  entryId: string;
  seatId: string;
  candidateName: string;
  registrationNumber: string;
  identityConfirmed: boolean;
}

type SittingDb = {
  id: string;
  centre_id: string;
  site_id: string | null;
  room: string;
  starts_at: string;
  closed_at: string | null;
  created_by: string;
  created_at: string;
};

async function hydrate(q: Queryable, sittings: readonly SittingDb[]): Promise<SittingRow[]> {
  if (sittings.length === 0) return [];
  const ids = sittings.map((s) => s.id);
  const invigilators: { sitting_id: string; id: string; name: string; pin: string }[] = [];
  const entries: Awaited<ReturnType<typeof entriesQuery>> = [];
  for (const slice of chunks(ids, 500)) {
    invigilators.push(
      ...(await q
        .selectFrom('sitting_invigilators as s')
        .innerJoin('invigilators as i', 'i.id', 's.invigilator_id')
        .select(['s.sitting_id', 'i.id', 'i.name', 'i.pin'])
        .where('s.sitting_id', 'in', slice)
        .orderBy('i.name')
        .execute()),
    );
    entries.push(...(await entriesQuery(q, slice)));
  }
  const checks = new Map<string, z.infer<typeof IdentityCheckViewSchema>>();
  for (const slice of chunks(
    entries.map((e) => e.id),
    500,
  )) {
    const rows = await q
      .selectFrom('identity_checks as c')
      .innerJoin('invigilators as i', 'i.id', 'c.confirmed_by')
      .select(['c.entry_id', 'c.confirmed_at', 'i.name', 'c.method', 'c.note', 'c.pc_name'])
      .where('c.entry_id', 'in', slice)
      .where('c.revoked_at', 'is', null)
      .orderBy('c.confirmed_at', 'desc')
      .execute();
    for (const c of rows) {
      if (checks.has(c.entry_id)) continue; // the latest confirmation
      checks.set(c.entry_id, {
        confirmedAt: c.confirmed_at,
        confirmedBy: c.name,
        method: c.method as 'photo-id',
        note: c.note,
        pcName: c.pc_name,
      });
    }
  }
  const creators = new Map<string, string>();
  const creatorIds = [...new Set(sittings.map((s) => s.created_by).filter(Boolean))];
  for (const slice of chunks(creatorIds, 500)) {
    for (const r of await q
      .selectFrom('invigilators')
      .select(['id', 'name'])
      .where('id', 'in', slice)
      .execute())
      creators.set(r.id, r.name);
  }
  return sittings.map((s) => ({
    id: s.id,
    centreId: s.centre_id,
    siteId: s.site_id,
    room: s.room,
    startsAt: s.starts_at,
    closedAt: s.closed_at,
    invigilators: invigilators
      .filter((i) => i.sitting_id === s.id)
      .map((i) => ({ id: i.id, name: i.name, pin: i.pin })),
    entries: entries
      .filter((e) => e.sitting_id === s.id)
      .map((r) => ({
        id: r.id,
        sittingId: r.sitting_id,
        position: Number(r.position),
        candidateName: r.candidate_name,
        registrationNumber: r.registration_number,
        qualificationNumber: r.qualification_number,
        qualificationType: r.qualification_type as EntryRow['qualificationType'],
        assessment: r.assessment,
        durationMinutes: Number(r.duration_minutes),
        extraMinutes: Number(r.extra_minutes),
        reasonableAdjustment: r.reasonable_adjustment,
        seatId: r.seat_id,
        outcome: r.outcome as AttemptOutcome,
        identity: checks.get(r.id) ?? null,
        releasedAt: r.released_at,
        finishedAt: r.finished_at,
        finishedHow: r.finished_how as FinishKind | null,
      })),
    createdBy: creators.get(s.created_by) ?? '',
    createdAt: s.created_at,
  }));
}

function entriesQuery(q: Queryable, sittingIds: string[]) {
  return q
    .selectFrom('entries')
    .selectAll()
    .where('sitting_id', 'in', sittingIds)
    .orderBy('sitting_id')
    .orderBy('position')
    .execute();
}

async function writeEntries(trx: Queryable, sittingId: string, input: SittingInput): Promise<void> {
  const existing = new Set(
    (await trx.selectFrom('entries').select('id').where('sitting_id', '=', sittingId).execute()).map(
      (r) => r.id,
    ),
  );
  const keep = new Set<string>();
  for (const [position, e] of input.entries.entries()) {
    const values = {
      position,
      candidate_name: e.candidateName,
      registration_number: e.registrationNumber,
      qualification_number: e.qualificationNumber,
      qualification_type: e.qualificationType ?? 'other',
      assessment: e.assessment,
      duration_minutes: e.durationMinutes,
      extra_minutes: e.extraMinutes ?? 0,
      reasonable_adjustment: e.reasonableAdjustment ?? null,
      seat_id: e.seatId ?? null,
    };
    if (e.id && existing.has(e.id)) {
      await trx
        .updateTable('entries')
        .set(values)
        .where('id', '=', e.id)
        .where('sitting_id', '=', sittingId)
        .execute();
      keep.add(e.id);
    } else {
      await trx
        .insertInto('entries')
        .values({ ...values, id: randomUUID(), sitting_id: sittingId, outcome: 'not-known' })
        .execute();
    }
  }
  for (const id of existing) {
    if (keep.has(id)) continue;
    await trx.deleteFrom('identity_checks').where('entry_id', '=', id).execute();
    await trx.updateTable('incidents').set({ entry_id: null }).where('entry_id', '=', id).execute();
    await trx.deleteFrom('entries').where('id', '=', id).execute();
  }
  await trx.deleteFrom('sitting_invigilators').where('sitting_id', '=', sittingId).execute();
  const invigilatorIds = [...new Set(input.invigilatorIds)];
  if (invigilatorIds.length > 0) {
    await trx
      .insertInto('sitting_invigilators')
      .values(invigilatorIds.map((id) => ({ sitting_id: sittingId, invigilator_id: id })))
      .execute();
  }
}

export class SittingRepository {
  constructor(private readonly db: Db) {}

  async createSitting(actor: Actor, siteId: string, input: SittingInput): Promise<string> {
    return this.db.transaction(async (trx) => {
      const id = randomUUID();
      const now = nowIso();
      await trx
        .insertInto('sittings')
        .values({
          id,
          centre_id: actor.centreId,
          site_id: siteId,
          room: input.room,
          starts_at: input.startsAt,
          closed_at: null,
          created_by: actor.invigilatorId ?? '',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await writeEntries(trx, id, input);
      await writeAudit(trx, actor, 'sitting.create', id, {
        room: input.room,
        startsAt: input.startsAt,
        entries: input.entries.length,
        siteId,
      });
      return id;
    });
  }

  /** Replaces site, room, time, invigilators and entries; entries keep their id, identity check and outcome when `id` is given. */
  async updateSitting(actor: Actor, sittingId: string, siteId: string, input: SittingInput): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('sittings')
        .set({ room: input.room, starts_at: input.startsAt, site_id: siteId, updated_at: nowIso() })
        .where('id', '=', sittingId)
        .execute();
      await writeEntries(trx, sittingId, input);
      await writeAudit(trx, actor, 'sitting.update', sittingId, {
        room: input.room,
        startsAt: input.startsAt,
        entries: input.entries.length,
        siteId,
      });
    });
  }

  async getSitting(id: string): Promise<SittingRow | undefined> {
    const row = await this.db.kysely
      .selectFrom('sittings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (await hydrate(this.db.kysely, [row]))[0] : undefined;
  }

  /** The centre's sittings, latest first; with `siteIds`, only those sites'; with a range, only those starting in it. */
  async listSittings(
    centreId: string,
    query: { siteIds?: readonly string[]; since?: string; until?: string } = {},
  ): Promise<SittingRow[]> {
    if (query.siteIds && query.siteIds.length === 0) return [];
    let q = this.db.kysely.selectFrom('sittings').selectAll().where('centre_id', '=', centreId);
    if (query.siteIds) q = q.where('site_id', 'in', [...query.siteIds]);
    if (query.since) q = q.where('starts_at', '>=', query.since);
    if (query.until) q = q.where('starts_at', '<', query.until);
    return hydrate(this.db.kysely, await q.orderBy('starts_at', 'desc').execute());
  }

  async closeSitting(actor: Actor, sittingId: string, at: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('sittings')
        .set({ closed_at: at })
        .where('id', '=', sittingId)
        .where('closed_at', 'is', null)
        .execute();
      await writeAudit(trx, actor, 'sitting.close', sittingId);
    });
  }

  async setOutcome(actor: Actor, entryId: string, outcome: AttemptOutcome): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx.updateTable('entries').set({ outcome }).where('id', '=', entryId).execute();
      await writeAudit(trx, actor, 'entry.outcome', entryId, { outcome });
    });
  }

  async confirmIdentity(
    actor: Actor,
    entryId: string,
    check: { method: string; note: string | null; pcName: string | null; at: string },
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .insertInto('identity_checks')
        .values({
          id: randomUUID(),
          entry_id: entryId,
          confirmed_at: check.at,
          confirmed_by: actor.invigilatorId ?? '',
          method: check.method,
          note: check.note,
          pc_name: check.pcName,
          revoked_at: null,
          revoked_by: null,
        })
        .execute();
      await writeAudit(trx, actor, 'identity.confirm', entryId, {
        method: check.method,
        pcName: check.pcName,
      });
    });
  }

  /** Withdraws a confirmation (a different candidate sat down): the seat is held again. */
  async revokeIdentity(actor: Actor, entryId: string, at: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx
        .updateTable('identity_checks')
        .set({ revoked_at: at, revoked_by: actor.invigilatorId })
        .where('entry_id', '=', entryId)
        .where('revoked_at', 'is', null)
        .execute();
      await writeAudit(trx, actor, 'identity.revoke', entryId);
    });
  }

  /** Every open sitting's seat assignments (for gates and for attaching incidents). */
  async openAssignments(): Promise<Assignment[]> {
    const rows = await this.db.kysely
      .selectFrom('entries as e')
      .innerJoin('sittings as s', 's.id', 'e.sitting_id')
      .select((eb) => [
        's.id as sitting_id',
        's.site_id',
        's.starts_at',
        'e.id as entry_id',
        'e.seat_id',
        'e.candidate_name',
        'e.registration_number',
        eb
          .exists(
            eb
              .selectFrom('identity_checks as c')
              .select('c.id')
              .whereRef('c.entry_id', '=', 'e.id')
              .where('c.revoked_at', 'is', null),
          )
          .as('confirmed'),
      ])
      .where('s.closed_at', 'is', null)
      .where('e.seat_id', 'is not', null)
      .execute();
    return rows.map((r) => ({
      sittingId: r.sitting_id,
      siteId: r.site_id,
      startsAt: r.starts_at,
      entryId: r.entry_id,
      seatId: r.seat_id ?? '',
      candidateName: r.candidate_name,
      registrationNumber: r.registration_number,
      identityConfirmed: bool(r.confirmed),
    }));
  }

  /** Attempts in any sitting of the centre by these candidates (for the retake and daily rules). */
  async attemptsFor(centreId: string, registrationNumbers: readonly string[]): Promise<Attempt[]> {
    const wanted = [...new Set(registrationNumbers.map((r) => r.toLowerCase()))];
    const out: Attempt[] = [];
    for (const slice of chunks(wanted, 500)) {
      const rows = await this.db.kysely
        .selectFrom('entries as e')
        .innerJoin('sittings as s', 's.id', 'e.sitting_id')
        .select([
          'e.sitting_id',
          'e.registration_number',
          'e.qualification_number',
          'e.assessment',
          's.starts_at',
          'e.outcome',
          'e.released_at',
          'e.finished_at',
        ])
        .where('s.centre_id', '=', centreId)
        .where(sql`lower(e.registration_number)`, 'in', slice)
        .execute();
      for (const r of rows) {
        out.push({
          sittingId: r.sitting_id,
          registrationNumber: r.registration_number,
          qualificationNumber: r.qualification_number,
          assessment: r.assessment,
          startsAt: r.starts_at,
          outcome: r.outcome as AttemptOutcome,
          releasedAt: r.released_at,
          finishedAt: r.finished_at,
        });
      }
    }
    return out;
  }
}
