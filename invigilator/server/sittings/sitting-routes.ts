/** Sittings' routes (shared/api/routes.ts): thin, the work is in SittingService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { SittingService } from './sitting-service.ts';

export function sittingRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const sittings = new SittingService(ctx);
  serve(app, 'listSittings', async ({ session, query }) => ({
    sittings: await sittings.list(session, query.siteId),
  }));
  serve(app, 'createSitting', async ({ session, body }) => ({
    sitting: await sittings.create(session, body),
  }));
  serve(app, 'checkSitting', async ({ session, body }) => ({
    warnings: await sittings.check(session, body),
  }));
  serve(app, 'getSitting', async ({ session, params }) => ({
    sitting: await sittings.get(session, params.id),
  }));
  serve(app, 'updateSitting', async ({ session, params, body }) => ({
    sitting: await sittings.update(session, params.id, body),
  }));
  serve(app, 'closeSitting', async ({ session, params }) => ({
    sitting: await sittings.close(session, params.id),
  }));
  serve(app, 'confirmIdentity', async ({ session, params, body }) => ({
    sitting: await sittings.confirmIdentity(session, params.id, params.entryId, body),
  }));
  serve(app, 'revokeIdentity', async ({ session, params }) => ({
    sitting: await sittings.revokeIdentity(session, params.id, params.entryId),
  }));
  serve(app, 'setOutcome', async ({ session, params, body }) => ({
    sitting: await sittings.setOutcome(session, params.id, params.entryId, body.outcome),
  }));
}
