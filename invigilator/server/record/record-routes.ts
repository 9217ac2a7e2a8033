/** Incidents' and the invigilation record's routes (shared/api/routes.ts); the work is in RecordService. */
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { serve } from '../route-table.ts';
import { RecordService } from './record-service.ts';

export function recordRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const records = new RecordService(ctx);
  serve(app, 'listIncidents', async ({ session, query }) => ({
    incidents: await records.incidents(session, query),
  }));
  serve(app, 'createIncident', async ({ session, body }) => ({
    incident: await records.addIncident(session, body),
  }));
  serve(app, 'getRecord', async ({ session, params }) => ({
    record: await records.record(session, params.id),
  }));
  serve(app, 'getRecords', async ({ session, query }) => records.records(session, query));
  serve(app, 'getRecordsCsv', async ({ session, query }, _req, reply) => {
    const { name, text } = await records.recordsCsv(session, query);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(text);
  });
  serve(app, 'getRecordCsv', async ({ session, params }, _req, reply) => {
    const { name, text } = await records.csv(session, params.id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(text);
  });
}
