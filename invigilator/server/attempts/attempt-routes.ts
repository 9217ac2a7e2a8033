/** Attempts' routes (shared/api/routes.ts): finish times and the results import; the work is in AttemptService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { AttemptService } from './attempt-service.ts';

export function attemptRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const attempts = new AttemptService(ctx);
  serve(app, 'finishEntry', async ({ session, params, body }) => ({
    sitting: await attempts.finish(session, params.id, params.entryId, body),
  }));
  serve(app, 'undoFinishEntry', async ({ session, params }) => ({
    sitting: await attempts.undoFinish(session, params.id, params.entryId),
  }));
  // A refused file is a 400 naming every bad row (the table declares its shape); nothing was changed.
  serve(app, 'importResults', async ({ session, body }, _req, reply) => {
    const result = await attempts.importResults(session, body);
    if ('refused' in result) return reply.code(400).send(result.refused);
    return result.imported;
  });
}
