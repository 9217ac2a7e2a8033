/**
 * Raised hands and pauses (issue 13). An invigilator answers a hand with a reason from the catalog; holds
 * one candidate's seat or the whole room with a reason, and resumes it. Each is audited and lands in the
 * invigilation record; a pause holds the seat's gate (the seat shows its holding page) until resumed.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RecordIdSchema } from '../../../shared/schemas/console-api.ts';
import { HandAnswerSchema, PauseStartSchema } from '../../../shared/schemas/invigilation-day.ts';
import { actorOf, type ConsoleContext, sameCentre, signedIn } from '../context.ts';
import { HttpError, parseInput } from '../http-error.ts';
import type { Actor } from '../store/store.ts';
import { handView, pauseView } from './views.ts';

const Params = z.object({ id: RecordIdSchema });

/** A sitting closed while paused: its open pauses end at the close, so the record has their length. */
export async function endPausesOfSitting(
  ctx: ConsoleContext,
  actor: Actor,
  centreId: string,
  sittingId: string,
  at: string,
): Promise<void> {
  let ended = false;
  for (const p of await ctx.store.listPauses(centreId, sittingId))
    if (!p.endedAt) ended = (await ctx.store.endPause(actor, p.id, at)) !== null || ended;
  if (ended) await ctx.hub.handsOrPausesChanged(actor);
}

export function handsAndPausesRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post('/api/hands/:id/answer', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(Params, req.params, 'path');
    const body = parseInput(HandAnswerSchema, req.body);
    const row = await ctx.store.answerHand(actorOf(s), id, {
      reason: body.reason,
      note: body.note || null,
      at: new Date().toISOString(),
    });
    if (!row) throw new HttpError(404, 'No open raised hand by that id: it may have been answered already.');
    await ctx.hub.handsOrPausesChanged(actorOf(s));
    if (row.sittingId) ctx.live.sittingsChanged(s.centreId, [row.sittingId]);
    return { hand: handView(row) };
  });

  app.get('/api/sittings/:id/pauses', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(Params, req.params, 'path');
    sameCentre(s, await ctx.store.getSitting(id), 'sitting');
    return { pauses: (await ctx.store.listPauses(s.centreId, id)).map((p) => pauseView(p)) };
  });

  app.post('/api/sittings/:id/pauses', async (req, reply) => {
    const s = signedIn(req);
    const { id } = parseInput(Params, req.params, 'path');
    const sitting = sameCentre(s, await ctx.store.getSitting(id), 'sitting');
    if (sitting.closedAt) throw new HttpError(409, 'This sitting is closed.');
    const body = parseInput(PauseStartSchema, req.body);
    if (body.entryId && !sitting.entries.some((e) => e.id === body.entryId))
      throw new HttpError(400, 'entryId: not a candidate in this sitting', 'entryId');
    const row = await ctx.store.startPause(actorOf(s), {
      sittingId: id,
      entryId: body.entryId ?? null,
      reason: body.reason,
      note: body.note || null,
      at: new Date().toISOString(),
    });
    if (!row)
      throw new HttpError(
        409,
        body.scope === 'room' ? 'The room is already paused.' : 'That candidate’s seat is already paused.',
      );
    await ctx.hub.handsOrPausesChanged(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [id]);
    return reply.code(201).send({ pause: pauseView(row) });
  });

  app.post('/api/pauses/:id/resume', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(Params, req.params, 'path');
    const row = await ctx.store.endPause(actorOf(s), id, new Date().toISOString());
    if (!row) throw new HttpError(404, 'No open pause by that id: it may have been resumed already.');
    await ctx.hub.handsOrPausesChanged(actorOf(s));
    ctx.live.sittingsChanged(s.centreId, [row.sittingId]);
    return { pause: pauseView(row) };
  });
}
