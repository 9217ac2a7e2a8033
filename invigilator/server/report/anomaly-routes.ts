/** The anomaly report's and the centre hours' routes (shared/api/routes.ts); the work is in anomaly-service.ts. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { listScope } from '../sites/site-scope.ts';
import { anomalyCsv, buildAnomalyReport, centreHours, setCentreHours } from './anomaly-service.ts';

/** The address a sitting opens at on this console, for the CSV (a spreadsheet can follow it). */
function sittingUrl(req: FastifyRequest, id: string | null): string {
  if (!id) return '';
  return `${req.protocol}://${req.host}/#/sittings/${id}`;
}

export function anomalyRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  serve(app, 'getAnomalyReport', async ({ session, query }) => ({
    report: await buildAnomalyReport(ctx, session.centreId, query, listScope(session, query.siteId)),
  }));
  serve(app, 'getAnomalyReportCsv', async ({ session, query }, req, reply) => {
    const report = await buildAnomalyReport(ctx, session.centreId, query, listScope(session, query.siteId));
    const site = report.site ? `${report.site.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}-` : '';
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="anomalies-${site}${query.from}-to-${query.to}.csv"`,
      )
      .send(anomalyCsv(report, (id) => sittingUrl(req, id)));
  });
  serve(app, 'getCentreHours', async ({ session }) => {
    const { hours, set } = await centreHours(ctx, session.centreId);
    return { hours, setByCentre: set };
  });
  serve(app, 'setCentreHours', async ({ session, body }) => setCentreHours(ctx, session, body));
}
