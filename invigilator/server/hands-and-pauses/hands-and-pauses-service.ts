/**
 * Raised hands and pauses (issue 13). An invigilator answers a hand with a reason from the catalog; holds
 * one candidate's seat or the whole room with a reason, and resumes it. Each is audited and lands in the
 * invigilation record; a pause holds the seat's gate (the seat shows its holding page) until resumed.
 */
import type {
  HandAnswer,
  HandView,
  PauseStart,
  PauseView,
} from '../../../shared/schemas/invigilation-day.ts';
import { actorOf, type ConsoleContext, type Session, sameCentre } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { inScope, siteScope } from '../sites/site-scope.ts';
import type { Actor } from '../store/store.ts';
import { handView, pauseView } from './views.ts';

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

export class HandsAndPausesService {
  constructor(private readonly ctx: ConsoleContext) {}

  async answerHand(s: Session, id: string, body: HandAnswer): Promise<HandView> {
    // Someone who sees one site answers only that site's hands (another's answers 404, as an unknown id).
    if (siteScope(s)) {
      const hand = (await this.ctx.store.openHands()).find((h) => h.id === id);
      if (!hand || !inScope(s, this.ctx.hub.seatRow(hand.seatId)?.siteId))
        throw new HttpError(404, 'No open raised hand by that id: it may have been answered already.');
    }
    const row = await this.ctx.store.answerHand(actorOf(s), id, {
      reason: body.reason,
      note: body.note || null,
      at: new Date().toISOString(),
    });
    if (!row) throw new HttpError(404, 'No open raised hand by that id: it may have been answered already.');
    await this.ctx.hub.handsOrPausesChanged(actorOf(s));
    if (row.sittingId) this.ctx.live.sittingsChanged(s.centreId, [row.sittingId]);
    return handView(row);
  }

  async pauses(s: Session, sittingId: string): Promise<PauseView[]> {
    sameCentre(s, await this.ctx.store.getSitting(sittingId), 'sitting');
    return (await this.ctx.store.listPauses(s.centreId, sittingId)).map((p) => pauseView(p));
  }

  async start(s: Session, sittingId: string, body: PauseStart): Promise<PauseView> {
    const sitting = sameCentre(s, await this.ctx.store.getSitting(sittingId), 'sitting');
    if (sitting.closedAt) throw new HttpError(409, 'This sitting is closed.');
    if (body.entryId && !sitting.entries.some((e) => e.id === body.entryId))
      throw new HttpError(400, 'entryId: not a candidate in this sitting', 'entryId');
    const row = await this.ctx.store.startPause(actorOf(s), {
      sittingId,
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
    await this.ctx.hub.handsOrPausesChanged(actorOf(s));
    this.ctx.live.sittingsChanged(s.centreId, [sittingId]);
    return pauseView(row);
  }

  async resume(s: Session, id: string): Promise<PauseView> {
    if (siteScope(s)) {
      const pause = (await this.ctx.store.openPauses()).find((p) => p.id === id);
      const sitting = pause ? await this.ctx.store.getSitting(pause.sittingId) : undefined;
      if (!sitting || sitting.centreId !== s.centreId || !inScope(s, sitting.siteId))
        throw new HttpError(404, 'No open pause by that id: it may have been resumed already.');
    }
    const row = await this.ctx.store.endPause(actorOf(s), id, new Date().toISOString());
    if (!row) throw new HttpError(404, 'No open pause by that id: it may have been resumed already.');
    await this.ctx.hub.handsOrPausesChanged(actorOf(s));
    this.ctx.live.sittingsChanged(s.centreId, [row.sittingId]);
    return pauseView(row);
  }
}
