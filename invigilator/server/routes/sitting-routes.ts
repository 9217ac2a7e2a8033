/** Sittings: planning (with the centre rules' warnings), identity checks, outcomes, closing. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sittingWarnings } from '../../../shared/rules/centre.ts';
import {
  EntryOutcomeSchema,
  IdentityConfirmSchema,
  RecordIdSchema,
  type RuleWarningSchema,
  type SittingInput,
  SittingInputSchema,
  type SittingView,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre, signedIn } from '../context.ts';
import { endPausesOfSitting } from '../hands-and-pauses/routes.ts';
import { HttpError, parseInput } from '../http-error.ts';
import type { SittingRow } from '../store/store.ts';
import { coordinator } from './auth-routes.ts';

const SittingParams = z.object({ id: RecordIdSchema });
const EntryParams = z.object({ id: RecordIdSchema, entryId: RecordIdSchema });

export async function warningsFor(
  ctx: ConsoleContext,
  centreId: string,
  sitting: { id: string; startsAt: string; invigilatorCount: number; entries: SittingRow['entries'] },
): Promise<z.infer<typeof RuleWarningSchema>[]> {
  const history = await ctx.store.attemptsFor(
    centreId,
    sitting.entries.map((e) => e.registrationNumber),
  );
  return sittingWarnings(sitting, history);
}

export async function sittingView(ctx: ConsoleContext, row: SittingRow): Promise<SittingView> {
  return {
    id: row.id,
    room: row.room,
    startsAt: row.startsAt,
    closedAt: row.closedAt,
    invigilators: row.invigilators,
    entries: row.entries.map((e) => ({
      id: e.id,
      candidateName: e.candidateName,
      registrationNumber: e.registrationNumber,
      qualificationNumber: e.qualificationNumber,
      qualificationType: e.qualificationType,
      assessment: e.assessment,
      durationMinutes: e.durationMinutes,
      extraMinutes: e.extraMinutes,
      reasonableAdjustment: e.reasonableAdjustment,
      seatId: e.seatId,
      outcome: e.outcome,
      identity: e.identity,
      releasedAt: e.releasedAt,
      finishedAt: e.finishedAt,
      finishedHow: e.finishedHow,
    })),
    warnings: await warningsFor(ctx, row.centreId, {
      id: row.id,
      startsAt: row.startsAt,
      invigilatorCount: row.invigilators.length,
      entries: row.entries,
    }),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** Invigilators and seats named in a sitting must be this centre's; a seat holds one candidate. */
async function checkReferences(ctx: ConsoleContext, s: Session, input: SittingInput): Promise<void> {
  const invigilators = new Set((await ctx.store.listInvigilators(s.centreId)).map((i) => i.id));
  input.invigilatorIds.forEach((id, i) => {
    if (!invigilators.has(id)) {
      throw new HttpError(
        400,
        `invigilatorIds.${i}: not an invigilator of this centre`,
        `invigilatorIds.${i}`,
      );
    }
  });
  const seen = new Map<string, number>();
  for (const [i, e] of input.entries.entries()) {
    if (!e.seatId) continue;
    const seat = ctx.hub.seatRow(e.seatId);
    if (!seat || seat.centreId !== s.centreId) {
      throw new HttpError(400, `entries.${i}.seatId: not a seat of this centre`, `entries.${i}.seatId`);
    }
    const other = seen.get(e.seatId);
    if (other !== undefined) {
      throw new HttpError(
        400,
        `entries.${i}.seatId: ${seat.pcName} is already given to candidate ${other + 1}`,
        `entries.${i}.seatId`,
      );
    }
    seen.set(e.seatId, i);
  }
}

async function loadSitting(ctx: ConsoleContext, s: Session, id: string): Promise<SittingRow> {
  return sameCentre(s, await ctx.store.getSitting(id), 'sitting');
}

export function sittingRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/sittings', async (req) => {
    const s = signedIn(req);
    const rows = await ctx.store.listSittings(s.centreId);
    return { sittings: await Promise.all(rows.map((r) => sittingView(ctx, r))) };
  });

  app.post('/api/sittings', async (req, reply) => {
    const s = signedIn(req);
    const input = parseInput(SittingInputSchema, req.body);
    await checkReferences(ctx, s, input);
    const id = await ctx.store.createSitting(actorOf(s), input);
    await ctx.hub.refreshAssignments(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [id]);
    const row = await ctx.store.getSitting(id);
    if (!row) throw new Error('sitting vanished after insert');
    return reply.code(201).send({ sitting: await sittingView(ctx, row) });
  });

  /** The warnings a sitting would have, before saving it (the form shows them as you type). */
  app.post('/api/sittings/check', async (req) => {
    const s = signedIn(req);
    const input = parseInput(SittingInputSchema.extend({ id: RecordIdSchema.optional() }), req.body);
    const warnings = await warningsFor(ctx, s.centreId, {
      id: input.id ?? 'new-sitting',
      startsAt: input.startsAt,
      invigilatorCount: input.invigilatorIds.length,
      entries: input.entries.map((e, i) => ({
        ...e,
        id: e.id ?? `new-${i}`,
        sittingId: input.id ?? 'new-sitting',
        position: i,
        qualificationType: e.qualificationType ?? 'other',
        extraMinutes: e.extraMinutes ?? 0,
        reasonableAdjustment: e.reasonableAdjustment ?? null,
        seatId: e.seatId ?? null,
        outcome: 'not-known',
        identity: null,
        releasedAt: null,
        finishedAt: null,
        finishedHow: null,
      })),
    });
    return { warnings };
  });

  app.get('/api/sittings/:id', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(SittingParams, req.params, 'path');
    return { sitting: await sittingView(ctx, await loadSitting(ctx, s, id)) };
  });

  app.put('/api/sittings/:id', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(SittingParams, req.params, 'path');
    const existing = await loadSitting(ctx, s, id);
    if (existing.closedAt)
      throw new HttpError(409, 'This sitting is closed; its record can no longer change.');
    const input = parseInput(SittingInputSchema, req.body);
    await checkReferences(ctx, s, input);
    await ctx.store.updateSitting(actorOf(s), id, input);
    await ctx.hub.refreshAssignments(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [id]);
    return { sitting: await sittingView(ctx, await loadSitting(ctx, s, id)) };
  });

  app.post('/api/sittings/:id/close', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(SittingParams, req.params, 'path');
    await loadSitting(ctx, s, id);
    const closedAt = new Date().toISOString();
    await ctx.store.closeSitting(actorOf(s), id, closedAt);
    // Pauses still open end with the sitting (issue 13), so the record says how long they lasted.
    await endPausesOfSitting(ctx, actorOf(s), s.centreId, id, closedAt);
    await ctx.hub.refreshAssignments(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [id]);
    return { sitting: await sittingView(ctx, await loadSitting(ctx, s, id)) };
  });

  async function entryOf(s: Session, params: unknown) {
    const { id, entryId } = parseInput(EntryParams, params, 'path');
    const sitting = await loadSitting(ctx, s, id);
    const entry = sitting.entries.find((e) => e.id === entryId);
    if (!entry) throw new HttpError(404, 'No such candidate in this sitting.');
    return { sitting, entry };
  }

  // The identity check: the invigilator confirms the right candidate is at the right PC; the seat is released.
  app.post('/api/sittings/:id/entries/:entryId/identity', async (req, reply) => {
    const s = signedIn(req);
    const { sitting, entry } = await entryOf(s, req.params);
    if (sitting.closedAt) throw new HttpError(409, 'This sitting is closed.');
    if (!entry.seatId)
      throw new HttpError(409, 'Give the candidate a seat first: the identity check is made at the PC.');
    const body = parseInput(IdentityConfirmSchema, req.body);
    const seat = ctx.hub.seatRow(entry.seatId);
    await ctx.store.confirmIdentity(actorOf(s), entry.id, {
      method: body.method,
      note: body.note ?? null,
      pcName: seat?.pcName ?? null,
      at: new Date().toISOString(),
    });
    await ctx.hub.refreshAssignments(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [sitting.id]);
    return reply.code(201).send({ sitting: await sittingView(ctx, await loadSitting(ctx, s, sitting.id)) });
  });

  app.delete('/api/sittings/:id/entries/:entryId/identity', async (req) => {
    const s = signedIn(req);
    const { sitting, entry } = await entryOf(s, req.params);
    await ctx.store.revokeIdentity(actorOf(s), entry.id, new Date().toISOString());
    await ctx.hub.refreshAssignments(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [sitting.id]);
    return { sitting: await sittingView(ctx, await loadSitting(ctx, s, sitting.id)) };
  });

  // The outcome is the coordinator's to enter (issue 13), by hand here or from the results CSV.
  app.put('/api/sittings/:id/entries/:entryId/outcome', async (req) => {
    const s = coordinator(req);
    const { sitting, entry } = await entryOf(s, req.params);
    const body = parseInput(EntryOutcomeSchema, req.body);
    await ctx.store.setOutcome(actorOf(s), entry.id, body.outcome);
    ctx.live.sittingsChanged(s.centreId, [sitting.id]);
    return { sitting: await sittingView(ctx, await loadSitting(ctx, s, sitting.id)) };
  });
}
