/** Sites' and rooms' routes (shared/api/routes.ts): thin, the work is in SiteService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { SiteService } from './site-service.ts';

export function siteRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const sites = new SiteService(ctx);
  serve(app, 'listSites', async ({ session }) => ({ sites: await sites.list(session) }));
  serve(app, 'createSite', async ({ session, body }) => ({ site: await sites.create(session, body) }));
  serve(app, 'renameSite', async ({ session, params, body }) => ({
    site: await sites.rename(session, params.id, body.name),
  }));
  serve(app, 'addRoom', async ({ session, params, body }) => ({
    site: await sites.addRoom(session, params.id, body.name),
  }));
  serve(app, 'renameRoom', async ({ session, params, body }) => ({
    site: await sites.renameRoom(session, params.id, params.roomId, body.name),
  }));
  serve(app, 'moveSeat', async ({ session, params, body }) => ({
    seat: await sites.moveSeat(session, params.id, body.siteId),
  }));
  serve(app, 'moveInvigilator', async ({ session, params, body }) => ({
    invigilator: await sites.moveInvigilator(session, params.id, body.siteId),
  }));
}
