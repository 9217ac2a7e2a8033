/**
 * Raised hands and pauses (issue 13) over the query layer, on SQLite and PostgreSQL (tables of
 * migration 7). A seat has one open hand at most: `noteHandRaised` runs inside the transaction that
 * stores the `event/hand-raised` (events/seats repository), under the seat's row lock on PostgreSQL,
 * and the unique index `hands_one_open` holds it whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Db, Queryable } from '../db/database.ts';
import { writeAudit } from '../record/audit-repository.ts';
import type { HandRow, PauseRow } from './rows.ts';

function selectHands(q: Queryable) {
  return q
    .selectFrom('hands as h')
    .leftJoin('seats as st', 'st.id', 'h.seat_id')
    .leftJoin('entries as e', 'e.id', 'h.entry_id')
    .leftJoin('invigilators as a', 'a.id', 'h.answered_by')
    .selectAll('h')
    .select(['st.pc_name', 'e.candidate_name', 'e.registration_number', 'a.name as answered_by_name']);
}

function selectPauses(q: Queryable) {
  return q
    .selectFrom('pauses as p')
    .leftJoin('entries as e', 'e.id', 'p.entry_id')
    .leftJoin('seats as st', 'st.id', 'e.seat_id')
    .leftJoin('invigilators as sb', 'sb.id', 'p.started_by')
    .leftJoin('invigilators as eb', 'eb.id', 'p.ended_by')
    .selectAll('p')
    .select(['e.candidate_name', 'st.pc_name', 'sb.name as started_by_name', 'eb.name as ended_by_name']);
}

type HandSelected = Awaited<ReturnType<ReturnType<typeof selectHands>['execute']>>[number];
type PauseSelected = Awaited<ReturnType<ReturnType<typeof selectPauses>['execute']>>[number];

/** A hand as the Store gives it; `named`: who answered by name (the record shows names, not ids). */
function handRow(r: HandSelected, named: boolean): HandRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    seatId: r.seat_id,
    sittingId: r.sitting_id,
    entryId: r.entry_id,
    raisedAt: r.raised_at,
    lastRaisedAt: r.last_raised_at,
    count: Number(r.count),
    via: r.via === 'shortcut' ? 'shortcut' : 'button',
    answeredAt: r.answered_at,
    answeredBy: named ? (r.answered_by_name ?? r.answered_by) : r.answered_by,
    reason: r.reason,
    note: r.note,
    pcName: r.pc_name ?? null,
    candidateName: r.candidate_name ?? null,
    registrationNumber: r.registration_number ?? null,
  };
}

function pauseRow(r: PauseSelected, named: boolean): PauseRow {
  return {
    id: r.id,
    centreId: r.centre_id,
    sittingId: r.sitting_id,
    entryId: r.entry_id,
    reason: r.reason,
    note: r.note,
    startedAt: r.started_at,
    startedBy: named ? (r.started_by_name ?? r.started_by) : r.started_by,
    endedAt: r.ended_at,
    endedBy: named ? (r.ended_by_name ?? r.ended_by) : r.ended_by,
    candidateName: r.candidate_name ?? null,
    pcName: r.pc_name ?? null,
  };
}

/**
 * A newly stored `event/hand-raised`, inside its transaction: opens the seat's hand, or counts on the
 * one already open (one open hand a seat, however often it is raised). True when it opened a hand (so
 * the record gets a *Hand raised* incident); false when it only counted on the open one.
 */
export async function noteHandRaised(
  q: Queryable,
  e: {
    centreId: string;
    seatId: string;
    eventId: string;
    at: string;
    via: 'button' | 'shortcut';
    sittingId: string | null;
    entryId: string | null;
  },
): Promise<boolean> {
  const open = await q
    .selectFrom('hands')
    .select('id')
    .where('seat_id', '=', e.seatId)
    .where('answered_at', 'is', null)
    .executeTakeFirst();
  if (open) {
    await q
      .updateTable('hands')
      .set({
        count: sql<number>`count + 1`,
        last_raised_at: sql<string>`CASE WHEN last_raised_at < ${e.at} THEN ${e.at} ELSE last_raised_at END`,
      })
      .where('id', '=', open.id)
      .execute();
    return false;
  }
  await q
    .insertInto('hands')
    .values({
      id: randomUUID(),
      centre_id: e.centreId,
      seat_id: e.seatId,
      sitting_id: e.sittingId,
      entry_id: e.entryId,
      raised_at: e.at,
      last_raised_at: e.at,
      count: 1,
      via: e.via,
      event_id: e.eventId,
    })
    .execute();
  return true;
}

export class HandsRepository {
  constructor(private readonly db: Db) {}

  async openHands(): Promise<HandRow[]> {
    return (await selectHands(this.db.kysely).where('h.answered_at', 'is', null).execute()).map((r) =>
      handRow(r, false),
    );
  }

  /** Answers an open hand of the actor's centre, audited; null when there is none (or it was answered). */
  async answerHand(
    actor: Actor,
    handId: string,
    answer: { reason: string; note: string | null; at: string },
  ): Promise<HandRow | null> {
    return this.db.transaction(async (trx) => {
      const r = await trx
        .updateTable('hands')
        .set({
          answered_at: answer.at,
          answered_by: actor.invigilatorId,
          reason: answer.reason,
          note: answer.note,
        })
        .where('id', '=', handId)
        .where('centre_id', '=', actor.centreId)
        .where('answered_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      await writeAudit(trx, actor, 'hand.answer', handId, { reason: answer.reason, note: answer.note });
      const row = await selectHands(trx).where('h.id', '=', handId).executeTakeFirstOrThrow();
      return handRow(row, true);
    });
  }

  async listHands(centreId: string, sittingId: string): Promise<HandRow[]> {
    const rows = await selectHands(this.db.kysely)
      .where('h.centre_id', '=', centreId)
      .where('h.sitting_id', '=', sittingId)
      .orderBy('h.raised_at')
      .execute();
    return rows.map((r) => handRow(r, true));
  }

  /** Starts a pause, audited; null when the same room (or seat) is already paused. */
  async startPause(
    actor: Actor,
    p: { sittingId: string; entryId: string | null; reason: string; note: string | null; at: string },
  ): Promise<PauseRow | null> {
    return this.db.transaction(async (trx) => {
      let open = trx
        .selectFrom('pauses')
        .select('id')
        .where('sitting_id', '=', p.sittingId)
        .where('ended_at', 'is', null);
      open = p.entryId === null ? open.where('entry_id', 'is', null) : open.where('entry_id', '=', p.entryId);
      if (await open.executeTakeFirst()) return null;
      const id = randomUUID();
      await trx
        .insertInto('pauses')
        .values({
          id,
          centre_id: actor.centreId,
          sitting_id: p.sittingId,
          entry_id: p.entryId,
          reason: p.reason,
          note: p.note,
          started_at: p.at,
          started_by: actor.invigilatorId,
        })
        .execute();
      await writeAudit(trx, actor, 'pause.start', id, p);
      return pauseRow(await selectPauses(trx).where('p.id', '=', id).executeTakeFirstOrThrow(), true);
    });
  }

  /** Ends an open pause of the actor's centre, audited; null when there is none by that id. */
  async endPause(actor: Actor, pauseId: string, at: string): Promise<PauseRow | null> {
    return this.db.transaction(async (trx) => {
      const r = await trx
        .updateTable('pauses')
        .set({ ended_at: at, ended_by: actor.invigilatorId })
        .where('id', '=', pauseId)
        .where('centre_id', '=', actor.centreId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      await writeAudit(trx, actor, 'pause.end', pauseId, { at });
      return pauseRow(await selectPauses(trx).where('p.id', '=', pauseId).executeTakeFirstOrThrow(), true);
    });
  }

  async openPauses(): Promise<PauseRow[]> {
    return (await selectPauses(this.db.kysely).where('p.ended_at', 'is', null).execute()).map((r) =>
      pauseRow(r, false),
    );
  }

  async listPauses(centreId: string, sittingId: string): Promise<PauseRow[]> {
    const rows = await selectPauses(this.db.kysely)
      .where('p.centre_id', '=', centreId)
      .where('p.sitting_id', '=', sittingId)
      .orderBy('p.started_at')
      .execute();
    return rows.map((r) => pauseRow(r, true));
  }
}
