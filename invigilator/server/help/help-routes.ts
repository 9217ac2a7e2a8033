/** Summon help's routes (shared/api/routes.ts); the work is in HelpService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { HelpService } from './help-service.ts';

export function helpRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const help = new HelpService(ctx);
  serve(app, 'listHelp', async ({ session }) => ({ requests: await help.recent(session) }));
  serve(app, 'summonHelp', async ({ session, body }) => ({ request: await help.summon(session, body) }));
  serve(app, 'acknowledgeHelp', async ({ session, params }) => help.acknowledge(session, params.id));
}
