/**
 * Notices: what wants a person's attention on the dashboard. A PC asking to replace an enrolled seat
 * (approved or refused by a coordinator), and connections refused again and again for one seat.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type NoticesResponse,
  RecordIdSchema,
  type RefusalNoticeView,
  type ReplacementView,
} from '../../../shared/schemas/console-api.ts';
import { actorOf, type ConsoleContext, sameCentre, signedIn } from '../context.ts';
import { HttpError, parseInput } from '../http-error.ts';
import type { NoticeRow, ReplacementRow } from '../store/store.ts';
import { coordinator } from './auth-routes.ts';

const Params = z.object({ id: RecordIdSchema });

export function replacementView(r: ReplacementRow): ReplacementView {
  return {
    id: r.id,
    seatId: r.seatId,
    pcName: r.pcName,
    address: r.address,
    userAgent: r.userAgent,
    requestedAt: r.requestedAt,
    status: r.status,
    decidedAt: r.decidedAt,
    decidedBy: r.decidedBy,
  };
}

function refusalView(n: NoticeRow): RefusalNoticeView {
  return {
    id: n.id,
    seatId: n.seatId,
    pcName: n.pcName,
    firstAt: n.firstAt,
    lastAt: n.lastAt,
    count: n.count,
    addresses: n.addresses,
  };
}

export function noticeRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/notices', async (req): Promise<NoticesResponse> => {
    const s = signedIn(req);
    const all = await ctx.store.listReplacements(s.centreId, { pendingOnly: false, limit: 200 });
    return {
      replacements: all.filter((r) => r.status === 'pending').map(replacementView),
      decided: all
        .filter((r) => r.status !== 'pending')
        .slice(0, 20)
        .map(replacementView),
      refusals: (await ctx.store.listNotices(s.centreId)).map(refusalView),
    };
  });

  for (const [path, decision] of [
    ['approve', 'approved'],
    ['refuse', 'refused'],
  ] as const) {
    app.post(`/api/seat-replacements/:id/${path}`, async (req) => {
      const s = coordinator(req);
      const { id } = parseInput(Params, req.params, 'path');
      const request = sameCentre(s, await ctx.store.getReplacement(id), 'replacement request');
      if (request.status !== 'pending')
        throw new HttpError(409, `This request has already been ${request.status}.`);
      const done = await ctx.store.decideReplacement(
        actorOf(s),
        id,
        decision,
        new Date().toISOString(),
        ctx.hub.sittingOf,
      );
      if (!done) throw new HttpError(409, 'This request has already been decided.');
      // Approved: the PC using the old credential is disconnected and cannot come back.
      if (decision === 'approved') ctx.hub.credentialReplaced(done.seat);
      ctx.hub.announceIncidents([done.incident]);
      ctx.live.noticesChanged(s.centreId);
      ctx.log.info(
        { request: id, seatId: done.seat.id, by: s.invigilatorId, decision },
        'seat replacement decided',
      );
      return { replacement: replacementView(done.replacement) };
    });
  }

  app.post('/api/notices/:id/dismiss', async (req) => {
    const s = signedIn(req);
    const { id } = parseInput(Params, req.params, 'path');
    if (!(await ctx.store.dismissNotice(actorOf(s), id))) throw new HttpError(404, 'No such notice.');
    ctx.live.noticesChanged(s.centreId);
    return { dismissed: true };
  });
}
