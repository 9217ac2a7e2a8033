/**
 * Notices: what wants a person's attention on the dashboard. A PC asking to replace an enrolled seat
 * (approved or refused by a coordinator), and connections refused again and again for one seat.
 */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { SeatService } from './seat-service.ts';

export function noticeRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const seats = new SeatService(ctx);
  serve(app, 'listNotices', async ({ session }) => seats.notices(session));
  serve(app, 'approveReplacement', async ({ session, params }) => ({
    replacement: await seats.decideReplacement(session, params.id, 'approved'),
  }));
  serve(app, 'refuseReplacement', async ({ session, params }) => ({
    replacement: await seats.decideReplacement(session, params.id, 'refused'),
  }));
  serve(app, 'dismissNotice', async ({ session, params }) => {
    await seats.dismissNotice(session, params.id);
    return { dismissed: true as const };
  });
}
