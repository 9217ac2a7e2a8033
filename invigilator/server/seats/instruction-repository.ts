/**
 * Instructions to seats (gates: hold or release the candidate; messages to show), each stored before
 * it is sent and marked when the seat acknowledges it. A new gate supersedes the seat's earlier ones.
 * Written in relaxed transactions: the console rebuilds gates after a power cut.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.ts';
import type { Db } from '../db/database.ts';
import { chunks, nowIso } from '../db/rows.ts';

export interface InstructionRow {
  id: string;
  seatId: string;
  type: 'instruction/gate' | 'instruction/show-message';
  /** The message body sent to the seat, minus `type` and `instructionId`. */
  payload: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
  ackedAt: string | null;
}

export interface NewInstruction {
  actor: Actor;
  seatId: string;
  type: InstructionRow['type'];
  payload: Record<string, unknown>;
}

function instructionRow(r: {
  id: string;
  seat_id: string;
  type: string;
  payload_json: string;
  created_at: string;
  created_by: string | null;
  acked_at: string | null;
}): InstructionRow {
  return {
    id: r.id,
    seatId: r.seat_id,
    type: r.type as InstructionRow['type'],
    payload: JSON.parse(r.payload_json) as Record<string, unknown>,
    createdAt: r.created_at,
    createdBy: r.created_by,
    ackedAt: r.acked_at,
  };
}

export class InstructionRepository {
  constructor(private readonly db: Db) {}

  async createInstruction(
    actor: Actor,
    seatId: string,
    type: InstructionRow['type'],
    payload: Record<string, unknown>,
  ): Promise<InstructionRow> {
    const [row] = await this.createInstructions([{ actor, seatId, type, payload }]);
    if (!row) throw new Error('instruction not created');
    return row;
  }

  /** Many instructions in one transaction (a room of seats connecting at once); each gate supersedes its seat's earlier ones. */
  async createInstructions(items: readonly NewInstruction[]): Promise<InstructionRow[]> {
    if (items.length === 0) return [];
    const rows = items.map(
      (i): InstructionRow => ({
        id: randomUUID(),
        seatId: i.seatId,
        type: i.type,
        payload: i.payload,
        createdAt: nowIso(),
        createdBy: i.actor.invigilatorId,
        ackedAt: null,
      }),
    );
    await this.db.transaction(
      async (trx) => {
        const gated = [...new Set(items.filter((i) => i.type === 'instruction/gate').map((i) => i.seatId))];
        for (const slice of chunks(gated, 500)) {
          await trx
            .updateTable('instructions')
            .set({ superseded: 1 })
            .where('seat_id', 'in', slice)
            .where('type', '=', 'instruction/gate')
            .where('superseded', '=', 0)
            .execute();
        }
        // Two gates for one seat in one batch: only the last stays current.
        const lastGate = new Map<string, string>();
        for (const r of rows) if (r.type === 'instruction/gate') lastGate.set(r.seatId, r.id);
        const pairs = rows.map((row, i) => ({ row, centreId: items[i]?.actor.centreId ?? '' }));
        for (const slice of chunks(pairs, 400)) {
          await trx
            .insertInto('instructions')
            .values(
              slice.map(({ row: r }) => ({
                id: r.id,
                seat_id: r.seatId,
                type: r.type,
                payload_json: JSON.stringify(r.payload),
                created_at: r.createdAt,
                created_by: r.createdBy,
                acked_at: null,
                superseded: r.type === 'instruction/gate' && lastGate.get(r.seatId) !== r.id ? 1 : 0,
              })),
            )
            .execute();
          await trx
            .insertInto('audit')
            .values(
              slice.map(({ row: r, centreId }) => ({
                centre_id: centreId,
                at: r.createdAt,
                invigilator_id: r.createdBy,
                action: r.type,
                subject: r.seatId,
                details_json: JSON.stringify(r.payload),
              })),
            )
            .execute();
        }
      },
      { relaxed: true },
    );
    return rows;
  }

  async ackInstruction(seatId: string, instructionId: string, at: string): Promise<boolean> {
    const [ok] = await this.ackInstructions([{ seatId, instructionId, at }]);
    return ok === true;
  }

  /** Many acknowledgements in one transaction; for each, whether the instruction is that seat's. */
  async ackInstructions(
    acks: readonly { seatId: string; instructionId: string; at: string }[],
  ): Promise<boolean[]> {
    if (acks.length === 0) return [];
    // One UPDATE per slice, not one per acknowledgement: a room connecting at once acknowledges
    // thousands of gates, and on PostgreSQL each statement waits for a turn of the busy event loop.
    const key = (id: string, seatId: string) => `${id}\u0000${seatId}`;
    const found = await this.db.transaction(
      async (trx) => {
        const found = new Set<string>();
        for (const slice of chunks(acks, 250)) {
          // The first time given for an instruction wins, as one by one (COALESCE keeps an earlier one).
          const at = sql.join(
            slice.map((a) => sql`WHEN ${a.instructionId} THEN ${a.at}`),
            sql` `,
          );
          const rows = await trx
            .updateTable('instructions')
            .set({ acked_at: sql<string>`COALESCE(acked_at, CASE id ${at} END)` })
            .where((eb) =>
              eb(
                eb.refTuple('id', 'seat_id'),
                'in',
                slice.map((a) => eb.tuple(a.instructionId, a.seatId)),
              ),
            )
            .returning(['id', 'seat_id'])
            .execute();
          for (const r of rows) found.add(key(r.id, r.seat_id));
        }
        return found;
      },
      { relaxed: true },
    );
    return acks.map((a) => found.has(key(a.instructionId, a.seatId)));
  }

  /** The latest gate instruction and the unacknowledged messages, in order: what a reconnecting seat is sent. */
  async instructionsToResend(seatId: string): Promise<InstructionRow[]> {
    const rows = await this.db.kysely
      .selectFrom('instructions')
      .selectAll()
      .where('seat_id', '=', seatId)
      .where('superseded', '=', 0)
      .where((eb) => eb.or([eb('type', '=', 'instruction/gate'), eb('acked_at', 'is', null)]))
      .orderBy('created_at')
      .execute();
    return rows.map(instructionRow);
  }

  /** Every seat's current gate (or those of these seats). */
  async latestGates(seatIds?: readonly string[]): Promise<InstructionRow[]> {
    let q = this.db.kysely
      .selectFrom('instructions')
      .selectAll()
      .where('type', '=', 'instruction/gate')
      .where('superseded', '=', 0);
    if (seatIds) {
      if (seatIds.length === 0) return [];
      q = q.where('seat_id', 'in', [...seatIds]);
    }
    return (await q.execute()).map(instructionRow);
  }

  /** The latest message to each of these seats' candidates (for the seat map). */
  async latestMessages(seatIds: readonly string[]): Promise<InstructionRow[]> {
    if (seatIds.length === 0) return [];
    const out: InstructionRow[] = [];
    for (const slice of chunks(seatIds, 500)) {
      const rows = await this.db.kysely
        .selectFrom('instructions as i')
        .selectAll('i')
        .where('i.type', '=', 'instruction/show-message')
        .where('i.seat_id', 'in', slice)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('instructions as later')
                .select('later.id')
                .whereRef('later.seat_id', '=', 'i.seat_id')
                .where('later.type', '=', 'instruction/show-message')
                .whereRef('later.created_at', '>', 'i.created_at'),
            ),
          ),
        )
        .execute();
      out.push(...rows.map(instructionRow));
    }
    return out;
  }
}
