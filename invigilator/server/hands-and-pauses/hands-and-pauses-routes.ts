/** Raised hands' and pauses' routes (shared/api/routes.ts); the work is in HandsAndPausesService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { HandsAndPausesService } from './hands-and-pauses-service.ts';

export function handsAndPausesRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const service = new HandsAndPausesService(ctx);
  serve(app, 'answerHand', async ({ session, params, body }) => ({
    hand: await service.answerHand(session, params.id, body),
  }));
  serve(app, 'listPauses', async ({ session, params }) => ({
    pauses: await service.pauses(session, params.id),
  }));
  serve(app, 'startPause', async ({ session, params, body }) => ({
    pause: await service.start(session, params.id, body),
  }));
  serve(app, 'resumePause', async ({ session, params }) => ({
    pause: await service.resume(session, params.id),
  }));
}
